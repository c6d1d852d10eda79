package resolve

import (
	"github.com/scc-dev/scc/internal/suggest"
	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/syscalls"
)

// test resolves a `test` statement into one expectation per ABI it applies
// to: the ABI it names, or every target that has the syscall.
func (r *resolver) test(t *lang.TestStmt, targets []*syscalls.Arch) []*policy.Test {
	arches := targets
	if t.Arch != nil {
		a, ok := syscalls.ArchByName(t.Arch.Name)
		if !ok {
			r.diags.Add(t.Arch.Pos, lang.SeverityError, suggest.Hint(t.Arch.Name, syscalls.ArchNames()), "unknown architecture %q", t.Arch.Name)
			return nil
		}
		arches = []*syscalls.Arch{a}
	}
	want := r.action(t.Want)
	var out []*policy.Test
	for _, a := range arches {
		call, ok := r.Call(t.Call, a)
		if !ok {
			continue
		}
		call.Want, call.Pos, call.Text = want, t.Pos, t.Call.String()
		out = append(out, call)
	}
	if len(out) == 0 && !r.diags.HasErrors() {
		r.diags.Add(t.Call.Pos, lang.SeverityError, suggest.Hint(t.Call.Name, syscalls.AllSyscallNames()), "test: %s is not a syscall on any target", t.Call.Name)
	}
	return out
}

// Call resolves a call such as openat(AT_FDCWD, 0, O_RDONLY) on one ABI into
// the syscall number and register values. Arguments are full registers:
// constants keep their sign extension on 64-bit ABIs.
func (r *resolver) Call(c lang.Call, a *syscalls.Arch) (*policy.Test, bool) {
	nr, ok := a.Nr(c.Name)
	if !ok {
		return nil, false
	}
	if len(c.Args) > 6 {
		r.diags.Errorf(c.Pos, "%s: a syscall has at most 6 arguments, got %d", c.Name, len(c.Args))
		return nil, false
	}
	t := &policy.Test{Arch: a, Nr: nr, Name: c.Name}
	for i, arg := range c.Args {
		v, ok := r.constant(arg, a, a.WordBits, c.Name)
		if !ok {
			return nil, false
		}
		t.Args[i] = v
	}
	return t, true
}

// ResolveCall resolves a call written as in a `test` statement for the ABI a.
// scc sim uses it.
func ResolveCall(c *lang.Call, a *syscalls.Arch) (*policy.Test, lang.ErrorList) {
	r := &resolver{}
	t, ok := r.Call(*c, a)
	if !ok && !r.diags.HasErrors() {
		r.diags.Add(c.Pos, lang.SeverityError, suggest.Hint(c.Name, syscalls.AllSyscallNames()), "%s is not a syscall on %s", c.Name, a.Name)
	}
	if r.diags.HasErrors() {
		return nil, r.diags
	}
	return t, r.diags
}
