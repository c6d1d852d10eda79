package importer

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"
	libseccompgo "github.com/seccomp/libseccomp-golang"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/internal/libseccomp"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/syscalls"
)

// dockerDefault is Docker's default profile as the JSON a user would start
// from.
func dockerDefault(t testing.TB) []byte {
	data, err := json.MarshalIndent(seccomp.DefaultProfile(), "", "  ")
	require.NoError(t, err)
	return data
}

// roundTripCases are the profiles the proof runs on: Docker's default and
// every hand-written profile in testdata.
func roundTripCases(t *testing.T) map[string][]byte {
	cases := map[string][]byte{"docker-default": dockerDefault(t)}
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		cases[filepath.Base(f)] = data
	}
	return cases
}

// runtimeFilter is what a runc-style runtime installs for the profile:
// moby's loader (for a Docker profile) or the OCI section, compiled by the
// real libseccomp.
func runtimeFilter(t *testing.T, data []byte, caps []string) ([]bpfasm.Insn, *specs.LinuxSeccomp) {
	var oci struct {
		Linux *struct {
			Seccomp *specs.LinuxSeccomp `json:"seccomp"`
		} `json:"linux"`
	}
	require.NoError(t, json.Unmarshal(data, &oci))
	var ls *specs.LinuxSeccomp
	if oci.Linux != nil {
		ls = oci.Linux.Seccomp
	} else {
		var err error
		ls, err = libseccomp.FromDockerCaps(data, caps)
		require.NoError(t, err)
	}
	prog, err := libseccomp.Compile(ls)
	require.NoError(t, err)
	return prog, ls
}

// TestRoundTrip is the importer's proof: for each profile and each
// capability set, import → resolve → scc compile behaves exactly like
// libseccomp's compilation of the same JSON, emulated on every syscall
// number of every target ABI and on generated arguments biased to the
// profile's constants.
//
// The one expected difference is accounted for explicitly: a name libseccomp
// 2.5.4 does not know (statmount, mseal, ... newer than it) is skipped by the
// runtime, so libseccomp gives it the default action, while the imported
// policy keeps the profile's rule for it. Those numbers are checked to get
// the default from libseccomp and are listed in the log.
func TestRoundTrip(t *testing.T) {
	if syscalls.Host() == nil || syscalls.Host().Name != "x86_64" {
		t.Skip("the proof emulates x86_64-hosted filters (libseccomp's native ABI is part of every filter)")
	}
	for name, data := range roundTripCases(t) {
		for _, mode := range []string{"default", "all", "none"} {
			t.Run(name+"/caps="+mode, func(t *testing.T) {
				caps, err := ParseCaps(mode)
				require.NoError(t, err)
				f, err := Import(data, Options{Name: name, Caps: caps})
				require.NoError(t, err)
				p, diags := resolve.Resolve(f, resolve.Options{})
				require.NoError(t, diags.Err())
				ours, err := compiler.Compile(p, compiler.Options{})
				require.NoError(t, err)
				theirs, ls := runtimeFilter(t, data, caps)

				c := &rtChecker{t: t, ours: ours, theirs: theirs, def: p.Default}
				g := newArgGen(ls, rand.New(rand.NewPCG(7, uint64(len(data)))))
				var unknownToLibseccomp []string
				conditional := 0
				for _, f := range p.Filters {
					for _, s := range f.Syscalls {
						if !s.ArgFree() {
							conditional++
						}
					}
				}
				perConditional := 20_000/max(conditional, 1) + 1
				x32 := slices.ContainsFunc(p.Filters, func(f *policy.Filter) bool { return f.Arch.X32 })
				for _, f := range p.Filters {
					a := f.Arch
					for _, s := range a.Syscalls() {
						// runc resolves names with libseccomp: one it has never
						// heard of is skipped on every ABI.
						_, err := libseccompgo.GetSyscallFromName(s.Name)
						known := err == nil
						if !known && f.Syscall(s.Nr) != nil {
							unknownToLibseccomp = append(unknownToLibseccomp, a.Name+":"+s.Name)
						}
						n := 6
						if f.Syscall(s.Nr) != nil && !f.Syscall(s.Nr).ArgFree() {
							n = perConditional // the conditional syscalls get the bulk of the arguments
						}
						for _, args := range g.sets(n) {
							c.check(a, s.Nr, args, known)
						}
					}
					// Numbers past the table, and x32 numbers seen by an
					// x86_64-only filter.
					for _, nr := range []uint32{a.MaxNr() + 1, a.MaxNr() + 100, 0x3fffffff, syscalls.X32Bit | 1} {
						c.check(a, nr, [6]uint64{}, true)
					}
					// nr -1 (a tracer skipping the call): libseccomp exempts
					// it from its x32 check and gives it the default, while
					// scc counts every number from X32Bit up as x32's, so
					// without an x32 target scc gives it badarch. A known
					// difference, in the compiler's province, not the
					// import's; with x32 targeted both give the default.
					if a.Name != "x86_64" || x32 {
						c.check(a, 0xffffffff, [6]uint64{}, true)
					}
				}
				// A foreign ABI.
				c.check(&syscalls.Arch{AuditArch: syscalls.AuditArchAarch64}, 63, [6]uint64{}, true)
				sort.Strings(unknownToLibseccomp)
				t.Logf("%d inputs (%d with conditional rules), %d instructions (libseccomp %d); skipped by libseccomp 2.5.4, default there: %v",
					c.n, c.conditional, len(ours), len(theirs), unknownToLibseccomp)
				require.GreaterOrEqual(t, c.n, 20_000)
			})
		}
	}
}

type rtChecker struct {
	t                     *testing.T
	ours, theirs          []bpfasm.Insn
	def                   policy.Action
	n, conditional, fails int
}

func (c *rtChecker) check(a *syscalls.Arch, nr uint32, args [6]uint64, known bool) {
	c.n++
	if a.WordBits == 32 || a.X32 {
		// The kernel hands a 32-bit ABI's arguments zero-extended, and an
		// x32 program passes 32-bit values: libseccomp compares only the
		// low words on both (Import warns about x32).
		for i := range args {
			args[i] &= 0xffffffff
		}
	}
	d := bpfasm.Data{Arch: a.AuditArch, Nr: int32(nr), Args: args}
	got, _, err := bpfasm.Run(c.ours, &d)
	require.NoError(c.t, err)
	want, _, err := bpfasm.Run(c.theirs, &d)
	require.NoError(c.t, err)
	if args != ([6]uint64{}) {
		c.conditional++
	}
	if !known {
		// libseccomp skipped the rule: it must give the default.
		got = uint32(c.def)
	}
	if got != want {
		c.fails++
		if c.fails <= 10 {
			name, _ := a.SyscallName(nr)
			c.t.Errorf("%s %s (nr %#x) args %#x: scc gives %s, libseccomp %s", a.Name, name, nr, args, policy.Action(got), policy.Action(want))
		}
	}
}

// argGen draws argument vectors biased to the profile's constants: each
// argument is, at random, a constant, a neighbour of one (±1), a masked
// datum with random bits outside the mask, a boundary, or random.
type argGen struct {
	r      *rand.Rand
	consts []uint64
	masked [][2]uint64
}

func newArgGen(ls *specs.LinuxSeccomp, r *rand.Rand) *argGen {
	g := &argGen{r: r, consts: []uint64{0, 1, 0xffffffff, 0x100000000, ^uint64(0), 1 << 63}}
	for _, s := range ls.Syscalls {
		for _, a := range s.Args {
			g.consts = append(g.consts, a.Value, a.Value-1, a.Value+1, a.Value|1<<32, a.Value&0xffffffff)
			if a.Op == specs.OpMaskedEqual {
				g.masked = append(g.masked, [2]uint64{a.Value, a.ValueTwo})
				g.consts = append(g.consts, a.ValueTwo)
			}
		}
	}
	slices.Sort(g.consts)
	g.consts = slices.Compact(g.consts)
	return g
}

func (g *argGen) one() uint64 {
	switch g.r.IntN(6) {
	case 0, 1:
		return g.consts[g.r.IntN(len(g.consts))]
	case 2:
		if len(g.masked) > 0 {
			m := g.masked[g.r.IntN(len(g.masked))]
			return m[1] | g.r.Uint64()&^m[0]
		}
		return g.r.Uint64()
	case 3:
		return uint64(g.r.IntN(64))
	case 4:
		return g.r.Uint64() & 0xffffffff
	}
	return g.r.Uint64()
}

func (g *argGen) sets(n int) [][6]uint64 {
	out := make([][6]uint64, 0, n+1)
	out = append(out, [6]uint64{})
	for i := 0; i < n; i++ {
		var a [6]uint64
		for j := range a {
			a[j] = g.one()
		}
		out = append(out, a)
	}
	return out
}
