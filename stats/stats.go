// Package stats measures a seccomp filter: its length, how many instructions
// it executes per syscall, what it returns, and which syscalls the kernel's
// action cache can decide without running it.
package stats

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/syscalls"
)

// Report is the measurement of one program.
type Report struct {
	Length int
	Arches []*ArchReport
}

// ArchReport measures one ABI over every syscall in its table, called with
// all arguments zero.
type ArchReport struct {
	Arch      *syscalls.Arch
	Syscalls  int
	Mean      float64 // instructions executed, over every syscall
	Max       int
	MaxName   string
	Allowed   int // syscalls that return allow
	AllowMean float64
	AllowMax  int
	Actions   map[policy.Action]int
	// Cached lists the syscalls the kernel's action cache allows without
	// running the filter (seccomp_cache_prepare: constant allow for this
	// arch and number); NotCachedAllowed the allowed ones it cannot cache.
	Cached           []string
	NotCachedAllowed []string
	// With a profile (MeasureProfile): the calls it counts for this ABI,
	// and the instructions executed per call weighted by those counts,
	// with the call's arguments all zero.
	ProfileCalls uint64
	ProfileMean  float64
}

// Measure runs every syscall of every ABI through prog.
func Measure(prog []bpfasm.Insn, arches []*syscalls.Arch) (*Report, error) {
	return MeasureProfile(prog, arches, nil)
}

// MeasureProfile is Measure plus, for each ABI, the mean instructions
// executed per call weighted by how often the profile says each syscall is
// called: what the filter costs the profiled program.
func MeasureProfile(prog []bpfasm.Insn, arches []*syscalls.Arch, prof compiler.Profile) (*Report, error) {
	r := &Report{Length: len(prog)}
	for _, a := range arches {
		ar := &ArchReport{Arch: a, Actions: map[policy.Action]int{}}
		var sum, allowSum int
		for _, s := range a.Syscalls() {
			d := bpfasm.Data{Nr: int32(s.Nr), Arch: a.AuditArch}
			ret, steps, err := bpfasm.Run(prog, &d)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", a.Name, s.Name, err)
			}
			act := policy.Action(ret)
			ar.Syscalls++
			sum += steps
			if steps > ar.Max {
				ar.Max, ar.MaxName = steps, s.Name
			}
			ar.Actions[act]++
			if act == policy.Allow {
				ar.Allowed++
				allowSum += steps
				ar.AllowMax = max(ar.AllowMax, steps)
				if CacheAllows(prog, a.AuditArch, s.Nr) {
					ar.Cached = append(ar.Cached, s.Name)
				} else {
					ar.NotCachedAllowed = append(ar.NotCachedAllowed, s.Name)
				}
			}
		}
		if ar.Syscalls > 0 {
			ar.Mean = float64(sum) / float64(ar.Syscalls)
		}
		var weighted float64
		for k, n := range prof {
			if k.AuditArch != a.AuditArch {
				continue
			}
			// x86_64 and x32 share an audit arch; the number tells them apart.
			if isX32 := k.Nr&syscalls.X32Bit != 0; a.AuditArch == syscalls.AuditArchX86_64 && isX32 != a.X32 {
				continue
			}
			d := bpfasm.Data{Nr: int32(k.Nr), Arch: k.AuditArch}
			_, steps, err := bpfasm.Run(prog, &d)
			if err != nil {
				return nil, fmt.Errorf("%s nr %d: %w", a.Name, k.Nr, err)
			}
			ar.ProfileCalls += n
			weighted += float64(n) * float64(steps)
		}
		if ar.ProfileCalls > 0 {
			ar.ProfileMean = weighted / float64(ar.ProfileCalls)
		}
		if ar.Allowed > 0 {
			ar.AllowMean = float64(allowSum) / float64(ar.Allowed)
		}
		r.Arches = append(r.Arches, ar)
	}
	return r, nil
}

// CacheAllows mirrors the kernel's seccomp_is_const_allow (kernel/seccomp.c,
// Linux 5.11+): it runs the filter knowing only arch and nr, and the call is
// cached as allowed only if the filter reaches `ret allow` without looking
// at anything else and using only the few instructions the kernel's
// emulator understands.
func CacheAllows(prog []bpfasm.Insn, arch, nr uint32) bool {
	var a uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		switch in.Op {
		case bpfasm.LD | bpfasm.W | bpfasm.ABS:
			switch in.K {
			case bpfasm.OffNr:
				a = nr
			case bpfasm.OffArch:
				a = arch
			default:
				return false
			}
		case bpfasm.RET | bpfasm.K:
			return in.K == uint32(policy.Allow)
		case bpfasm.JMP | bpfasm.JA:
			pc += int(in.K)
		case bpfasm.JMP | bpfasm.JEQ | bpfasm.K, bpfasm.JMP | bpfasm.JGE | bpfasm.K,
			bpfasm.JMP | bpfasm.JGT | bpfasm.K, bpfasm.JMP | bpfasm.JSET | bpfasm.K:
			var taken bool
			switch in.Op &^ (bpfasm.JMP | bpfasm.K) {
			case bpfasm.JEQ:
				taken = a == in.K
			case bpfasm.JGE:
				taken = a >= in.K
			case bpfasm.JGT:
				taken = a > in.K
			case bpfasm.JSET:
				taken = a&in.K != 0
			}
			if taken {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case bpfasm.ALU | bpfasm.AND | bpfasm.K:
			a &= in.K
		default:
			return false
		}
	}
	return false
}

// Write prints the report for people.
func (r *Report) Write(w io.Writer) {
	fmt.Fprintf(w, "length: %d instructions\n", r.Length)
	for _, ar := range r.Arches {
		fmt.Fprintf(w, "%s: %d syscalls; executed per call: mean %.2f, max %d (%s)\n",
			ar.Arch.Name, ar.Syscalls, ar.Mean, ar.Max, ar.MaxName)
		fmt.Fprintf(w, "  allowed: %d; executed: mean %.2f, max %d\n", ar.Allowed, ar.AllowMean, ar.AllowMax)
		if ar.ProfileCalls > 0 {
			fmt.Fprintf(w, "  profile: %d calls; executed per call, weighted by the profile: mean %.2f\n", ar.ProfileCalls, ar.ProfileMean)
		}
		var acts []string
		for a, n := range ar.Actions {
			acts = append(acts, fmt.Sprintf("%s %d", a, n))
		}
		sort.Strings(acts)
		fmt.Fprintf(w, "  actions: %s\n", strings.Join(acts, ", "))
		fmt.Fprintf(w, "  kernel action cache: %d of %d allowed syscalls are decided without running the filter\n",
			len(ar.Cached), ar.Allowed)
		if len(ar.NotCachedAllowed) > 0 {
			fmt.Fprintf(w, "  allowed but checked on every call (argument rules): %s\n", strings.Join(ar.NotCachedAllowed, ", "))
		}
	}
}
