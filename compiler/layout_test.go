package compiler_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/stats"
	"github.com/scc-dev/scc/syscalls"
)

func compileSrc(t *testing.T, src string, opts compiler.Options) (*policy.Policy, []bpfasm.Insn) {
	t.Helper()
	p, diags := resolve.Load("t.pol", []byte(src), resolve.Options{})
	require.NoError(t, diags.Err())
	prog, err := compiler.Compile(p, opts)
	require.NoError(t, err)
	return p, prog
}

// trace returns the instructions a call executes, by index.
func trace(t *testing.T, prog []bpfasm.Insn, d bpfasm.Data) []int {
	t.Helper()
	_, path, err := bpfasm.Trace(prog, &d)
	require.NoError(t, err)
	return path
}

func count(prog []bpfasm.Insn, path []int, match func(bpfasm.Insn) bool) int {
	n := 0
	for _, pc := range path {
		if match(prog[pc]) {
			n++
		}
	}
	return n
}

func loadOf(off uint32) func(bpfasm.Insn) bool {
	return func(in bpfasm.Insn) bool { return in.Op == bpfasm.LD|bpfasm.W|bpfasm.ABS && in.K == off }
}

func x86(t *testing.T) *syscalls.Arch {
	a, ok := syscalls.ArchByName("x86_64")
	require.True(t, ok)
	return a
}

func nr(t *testing.T, a *syscalls.Arch, name string) int32 {
	n, ok := a.Nr(name)
	require.True(t, ok, name)
	return int32(n)
}

// TestArgumentTests pins the argument-test optimisations: an argument is
// loaded once per chain of comparisons, the high word of a 64-bit
// argument is tested once for several comparisons, and not at all when
// the mask rules it out.
func TestArgumentTests(t *testing.T) {
	a := x86(t)
	tests := []struct {
		name      string
		src       string
		call      string
		args      [6]uint64
		maxLoads  map[uint32]int // loads of each word on the path
		maxSteps  int
		wantAllow bool
	}{
		{"int argument: one load for a chain of ==", `arch x86_64
default errno(EPERM)
allow kill if sig == 1 || sig == 2 || sig == 3 || sig == 9 || sig == 15`,
			"kill", [6]uint64{0, 20}, map[uint32]int{bpfasm.ArgLo(1): 1}, 3 + 2 + 1 + 5 + 1, false},
		{"64-bit argument: the high word is loaded and tested once", `arch x86_64
default errno(EPERM)
allow read if arg0 == 1 || arg0 == 2 || arg0 == 3`,
			"read", [6]uint64{3}, map[uint32]int{bpfasm.ArgHi(0): 1, bpfasm.ArgLo(0): 1}, 0, true},
		{"a mask within the low word: no high-word test", `arch x86_64
default errno(EPERM)
allow openat if arg2 & 0x3 == 0`,
			"openat", [6]uint64{0, 0, 0x100000000}, map[uint32]int{bpfasm.ArgHi(2): 0}, 0, true},
		{">= with a zero low word tests the high word only", `arch x86_64
default errno(EPERM)
allow mmap if arg1 >= 0x100000000`,
			"mmap", [6]uint64{0, 0x200000000}, map[uint32]int{bpfasm.ArgLo(1): 0}, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, prog := compileSrc(t, tc.src, compiler.Options{})
			d := bpfasm.Data{Arch: a.AuditArch, Nr: nr(t, a, tc.call), Args: tc.args}
			path := trace(t, prog, d)
			for off, max := range tc.maxLoads {
				assert.LessOrEqual(t, count(prog, path, loadOf(off)), max, "loads of offset %d:\n%s", off, bpfasm.Disassemble(prog))
			}
			if tc.maxSteps > 0 {
				assert.LessOrEqual(t, len(path), tc.maxSteps, bpfasm.Disassemble(prog))
			}
			got, _, err := bpfasm.Run(prog, &d)
			require.NoError(t, err)
			want := p.Decide(d.Arch, uint32(d.Nr), &d.Args)
			require.Equal(t, want, policy.Action(got))
			require.Equal(t, tc.wantAllow, want == policy.Allow)
		})
	}
}

// TestX32OffTheHotPath: with x32 a target or not, no x86_64 call compares
// its number with 0x40000000 unless it lies past the last syscall the
// policy names (those share a span with every number up to the x32 half).
func TestX32OffTheHotPath(t *testing.T) {
	a := x86(t)
	for _, arches := range []string{"x86_64", "x86_64, x32"} {
		t.Run(arches, func(t *testing.T) {
			_, prog := compileSrc(t, "arch "+arches+"\ndefault errno(EPERM)\nallow read, write, close, exit_group, getppid, openat\nallow socket if domain == 2\n", compiler.Options{})
			for _, s := range a.Syscalls() {
				if s.Nr > 257 { // openat
					continue
				}
				path := trace(t, prog, bpfasm.Data{Arch: a.AuditArch, Nr: int32(s.Nr)})
				n := count(prog, path, func(in bpfasm.Insn) bool { return in.K == syscalls.X32Bit && in.Op&0x07 == bpfasm.JMP })
				require.Zero(t, n, "%s tests the x32 bit:\n%s", s.Name, bpfasm.Disassemble(prog))
			}
		})
	}
}

// TestProfileShortensHotCalls: the profile's hottest calls get the
// shortest paths, and the profile-weighted cost drops.
func TestProfileShortensHotCalls(t *testing.T) {
	a := x86(t)
	src := "arch x86_64\ndefault errno(EPERM)\nallow @default-ish\n"
	hot := map[string]uint64{"epoll_wait": 1000, "futex": 800, "recvfrom": 600, "writev": 400}
	var names []string
	for i, s := range a.Syscalls() {
		if _, ok := hot[s.Name]; ok || i%3 == 0 {
			names = append(names, s.Name) // a sparse list: many spans
		}
	}
	src = strings.Replace(src, "@default-ish", strings.Join(names, ", "), 1)
	prof := compiler.Profile{}
	for n, c := range hot {
		prof[compiler.ProfileKey{AuditArch: a.AuditArch, Nr: uint32(nr(t, a, n))}] = c
	}
	_, plain := compileSrc(t, src, compiler.Options{})
	_, tuned := compileSrc(t, src, compiler.Options{Profile: prof})
	rPlain, err := stats.MeasureProfile(plain, []*syscalls.Arch{a}, prof)
	require.NoError(t, err)
	rTuned, err := stats.MeasureProfile(tuned, []*syscalls.Arch{a}, prof)
	require.NoError(t, err)
	t.Logf("profile-weighted instructions per call: %.2f without the profile, %.2f with it", rPlain.Arches[0].ProfileMean, rTuned.Arches[0].ProfileMean)
	require.Less(t, rTuned.Arches[0].ProfileMean, rPlain.Arches[0].ProfileMean-1)
	// The hottest call: ld arch, jeq, ld nr, at most three tests, ret.
	d := bpfasm.Data{Arch: a.AuditArch, Nr: nr(t, a, "epoll_wait")}
	require.LessOrEqual(t, len(trace(t, tuned, d)), 7, bpfasm.Disassemble(tuned))
}

// TestCacheEligible: every syscall a policy allows whatever its arguments
// reaches `ret allow` from arch and number alone, so the kernel's action
// cache (seccomp_is_const_allow) skips the filter for it; a syscall with
// argument rules never does.
func TestCacheEligible(t *testing.T) {
	for _, path := range policyFiles(t) {
		p, prog := load(t, path)
		for _, f := range p.Filters {
			for _, s := range f.Arch.Syscalls() {
				var zero [6]uint64
				constAllow := p.Decide(f.Arch.AuditArch, s.Nr, &zero) == policy.Allow && !hasArgRules(f, s.Nr)
				got := stats.CacheAllows(prog, f.Arch.AuditArch, s.Nr)
				require.Equal(t, constAllow, got, "%s: %s %s", path, f.Arch.Name, s.Name)
			}
		}
	}
}

func hasArgRules(f *policy.Filter, nr uint32) bool {
	for _, s := range f.Syscalls {
		if s.Nr == nr {
			for _, r := range s.Rules {
				if r.Cond != nil {
					return true
				}
			}
		}
	}
	return false
}

// TestArgFreeLoadsNoArgument: in every policy, a call whose outcome cannot
// depend on its arguments (no rules, a first rule without a condition, or
// rules that all give the default's action) is decided from arch and nr
// alone: its path loads no argument and no instruction pointer, whatever
// its action, so the kernel's action cache can take it when it is allowed.
func TestArgFreeLoadsNoArgument(t *testing.T) {
	argLoad := func(in bpfasm.Insn) bool {
		return in.Op&0x07 == bpfasm.LD && in.Op&0xe0 == bpfasm.ABS && in.K >= bpfasm.OffIP
	}
	args := [6]uint64{1, 1 << 32, ^uint64(0), 0x40, 0, 3}
	for _, path := range policyFiles(t) {
		p, prog := load(t, path)
		checked := 0
		for _, f := range p.Filters {
			for _, sc := range f.Arch.Syscalls() {
				if s := f.Syscall(sc.Nr); s != nil && !s.ArgFree() && !sameAsDefault(s, p.Default) {
					continue
				}
				checked++
				for _, a := range [][6]uint64{{}, args} {
					d := bpfasm.Data{Arch: f.Arch.AuditArch, Nr: int32(sc.Nr), Args: a}
					require.Zero(t, count(prog, trace(t, prog, d), argLoad), "%s: %s %s loads an argument", path, f.Arch.Name, sc.Name)
				}
			}
		}
		require.Positive(t, checked, path)
	}
}

func sameAsDefault(s *policy.Syscall, def policy.Action) bool {
	for _, r := range s.Rules {
		if r.Action != def {
			return false
		}
	}
	return true
}

// TestDispatchShape: on every policy, for every number of every target ABI,
// the program loads the arch first, loads nr once, and finds the syscall in
// about log2 comparisons of the number (a binary search, never a scan).
func TestDispatchShape(t *testing.T) {
	isJump := func(in bpfasm.Insn) bool { return in.Op&0x07 == bpfasm.JMP && in.Op != bpfasm.JMP|bpfasm.JA }
	for _, path := range policyFiles(t) {
		p, prog := load(t, path)
		type walk struct {
			what string
			cmps []int // the comparisons of nr on the path
		}
		var walks []walk
		tree := map[int]bool{} // every comparison of nr in the program
		for _, f := range p.Filters {
			lo := uint32(0)
			if f.Arch.X32 {
				lo = syscalls.X32Bit
			}
			for nr := lo; nr <= f.Arch.MaxNr()+1; nr++ {
				what := fmt.Sprintf("%s: %s nr %#x", path, f.Arch.Name, nr)
				trail := trace(t, prog, bpfasm.Data{Arch: f.Arch.AuditArch, Nr: int32(nr)})
				require.True(t, loadOf(bpfasm.OffArch)(prog[trail[0]]), "%s: the arch is loaded first", what)
				require.LessOrEqual(t, count(prog, trail, loadOf(bpfasm.OffNr)), 1, "%s: nr is loaded more than once", what)
				w, onNr := walk{what: what}, false
				for _, pc := range trail {
					in := prog[pc]
					switch {
					case in.Op&0x07 == bpfasm.LD:
						onNr = in.Op == bpfasm.LD|bpfasm.W|bpfasm.ABS && in.K == bpfasm.OffNr
					case onNr && isJump(in):
						w.cmps = append(w.cmps, pc)
						tree[pc] = true
					}
				}
				walks = append(walks, w)
			}
		}
		// A balanced search over n comparisons takes about log2(n) of
		// them; a scan would take up to n.
		bound := 3
		for n := len(tree); n > 0; n >>= 1 {
			bound += 2
		}
		worst := 0
		for _, w := range walks {
			require.LessOrEqual(t, len(w.cmps), bound, "%s takes %d of the %d comparisons of nr", w.what, len(w.cmps), len(tree))
			worst = max(worst, len(w.cmps))
		}
		t.Logf("%s: %d comparisons of nr in the program, at most %d on one path (bound %d)", filepath.Base(path), len(tree), worst, bound)
	}
}
