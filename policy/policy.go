// Package policy is scc's intermediate representation: a resolved policy,
// with syscall numbers and constant values fixed per target architecture,
// and its reference semantics (Decide). The compiler lowers it to BPF;
// backends export it; tests check that both agree with Decide.
package policy

import (
	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/syscalls"
)

// Policy is a resolved policy.
type Policy struct {
	Default Action // no rule matched
	BadArch Action // the call's ABI is not a target
	Filters []*Filter
	Tests   []*Test
}

// Filter holds the rules for one target ABI.
type Filter struct {
	Arch     *syscalls.Arch
	Syscalls []*Syscall // sorted by Nr; only syscalls with at least one rule
}

// Syscall is one syscall's rules in source order: the first whose condition
// holds decides.
type Syscall struct {
	Nr    uint32 // as seccomp_data.nr sees it (x32 numbers include X32Bit)
	Name  string
	Rules []Rule
}

// Rule is one resolved rule for one syscall.
type Rule struct {
	Cond   Expr // nil: always
	Action Action
	Pos    lang.Pos
}

// Test is a resolved `test` statement for one ABI.
type Test struct {
	Arch *syscalls.Arch
	Nr   uint32
	Name string
	Args [6]uint64
	Want Action
	Pos  lang.Pos
	Text string // the call as written, for messages
}

// Lookup returns the filter that handles a call with this audit arch and
// syscall number, or nil when the call's ABI is not a target.
func (p *Policy) Lookup(auditArch, nr uint32) *Filter {
	for _, f := range p.Filters {
		if f.Arch.AuditArch != auditArch {
			continue
		}
		// x86_64 and x32 share an audit arch; the number says which ABI
		// made the call. x32 numbers start at X32Bit; like the kernel (which
		// takes nr - X32Bit as the x32 table index), every number from there
		// up counts as x32, so that no number above the x86_64 table can be
		// taken for an x86_64 call.
		if f.Arch.AuditArch == syscalls.AuditArchX86_64 && f.Arch.X32 != (nr >= syscalls.X32Bit) {
			continue
		}
		return f
	}
	return nil
}

// Syscall returns the rules for nr, or nil.
func (f *Filter) Syscall(nr uint32) *Syscall {
	lo, hi := 0, len(f.Syscalls)
	for lo < hi {
		m := (lo + hi) / 2
		switch s := f.Syscalls[m]; {
		case s.Nr == nr:
			return s
		case s.Nr < nr:
			lo = m + 1
		default:
			hi = m
		}
	}
	return nil
}

// Decide is the policy's meaning: the action for one syscall. It is written
// straight from the language's definition, sharing nothing with the
// compiler, so that the two can check each other.
func (p *Policy) Decide(auditArch, nr uint32, args *[6]uint64) Action {
	f := p.Lookup(auditArch, nr)
	if f == nil {
		return p.BadArch
	}
	return f.Decide(nr, args, p.Default)
}

// Decide gives the action of the first rule for nr whose condition holds, or
// def.
func (f *Filter) Decide(nr uint32, args *[6]uint64, def Action) Action {
	s := f.Syscall(nr)
	if s == nil {
		return def
	}
	for _, r := range s.Rules {
		if r.Cond == nil || r.Cond.Eval(args) {
			return r.Action
		}
	}
	return def
}

// ArgFree reports whether the syscall's outcome does not depend on its
// arguments (its first rule is unconditional): such calls must be decided from
// arch and nr alone so that the kernel's action cache can skip the filter.
func (s *Syscall) ArgFree() bool {
	return len(s.Rules) > 0 && s.Rules[0].Cond == nil
}
