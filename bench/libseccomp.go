//go:build libseccomp

package bench

import (
	"errors"
	"fmt"
	"io"
	"os"

	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/policy"
)

// libseccompArch is libseccomp's name for each scc arch the comparison uses.
var libseccompArch = map[string]string{"x86_64": "amd64", "i386": "x86", "x32": "x32", "aarch64": "arm64"}

// Libseccomp builds the same policy with libseccomp-golang at the given
// optimize level (1: a linear list per priority, 2: a binary tree) and
// returns the exported program.
//
// Each syscall's conditions are turned into a disjunction of conjunctions
// (libseccomp's rules OR their rules and AND the comparisons of one). An
// int-typed comparison (scc masks it to the low 32 bits, as the kernel
// truncates the argument) becomes libseccomp's full 64-bit compare, which
// is what a libseccomp user writes: libseccomp then also tests the high
// word, which only costs libseccomp instructions. Policies this simple
// model cannot express (different conditional actions for one syscall,
// masked orderings) are an error.
func Libseccomp(p *policy.Policy, level int) ([]bpfasm.Insn, error) {
	f, err := LibseccompFilter(p, level)
	if err != nil {
		return nil, err
	}
	defer f.Release()
	return Export(f)
}

// LibseccompFilter builds the filter without exporting it.
func LibseccompFilter(p *policy.Policy, level int) (*seccomp.ScmpFilter, error) {
	def, err := scmpAction(p.Default)
	if err != nil {
		return nil, err
	}
	f, err := seccomp.NewFilter(def)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			f.Release()
		}
	}()
	bad, err := scmpAction(p.BadArch)
	if err != nil {
		return nil, err
	}
	if err := f.SetBadArchAction(bad); err != nil {
		return nil, err
	}
	if err := f.SetOptimize(level); err != nil {
		return nil, fmt.Errorf("SetOptimize(%d): %w", level, err)
	}
	native, err := seccomp.GetNativeArch()
	if err != nil {
		return nil, err
	}
	hasNative := false
	for _, fl := range p.Filters {
		name, known := libseccompArch[fl.Arch.Name]
		if !known {
			return nil, fmt.Errorf("bench: no libseccomp name for %s", fl.Arch.Name)
		}
		a, err := seccomp.GetArchFromString(name)
		if err != nil {
			return nil, err
		}
		if a == native {
			hasNative = true
			continue
		}
		if err := f.AddArch(a); err != nil {
			return nil, err
		}
	}
	if !hasNative {
		if err := f.RemoveArch(native); err != nil {
			return nil, err
		}
	}
	// Rules are added by name, as libseccomp users do: it resolves the
	// name on each of the filter's arches (a negative pseudo-number for a
	// name the native ABI lacks).
	done := map[string]bool{}
	for _, fl := range p.Filters {
		for _, s := range fl.Syscalls {
			if done[s.Name] {
				continue
			}
			done[s.Name] = true
			nr, err := seccomp.GetSyscallFromName(s.Name)
			if err != nil {
				continue // libseccomp 2.5.4 predates it
			}
			if err := addRules(f, nr, s, p.Default); err != nil {
				return nil, fmt.Errorf("%s: %w", s.Name, err)
			}
		}
	}
	ok = true
	return f, nil
}

func addRules(f *seccomp.ScmpFilter, nr seccomp.ScmpSyscall, s *policy.Syscall, def policy.Action) error {
	var act policy.Action
	var conj [][]*policy.Cmp
	for i, r := range s.Rules {
		if i > 0 && r.Action != act {
			return errors.New("rules with different actions: first-match order has no libseccomp equivalent here")
		}
		act = r.Action
		if r.Cond == nil {
			conj = [][]*policy.Cmp{nil}
			break
		}
		d, err := dnf(r.Cond, false)
		if err != nil {
			return err
		}
		conj = append(conj, d...)
	}
	if act == def {
		return nil
	}
	sa, err := scmpAction(act)
	if err != nil {
		return err
	}
	for _, cs := range conj {
		if len(cs) == 0 {
			return f.AddRule(nr, sa)
		}
		var conds []seccomp.ScmpCondition
		for _, c := range cs {
			sc, err := scmpCond(c)
			if err != nil {
				return err
			}
			conds = append(conds, sc)
		}
		if err := f.AddRuleConditional(nr, sa, conds); err != nil {
			return err
		}
	}
	return nil
}

// dnf returns e (negated if neg) as an OR of ANDs of comparisons.
func dnf(e policy.Expr, neg bool) ([][]*policy.Cmp, error) {
	switch e := e.(type) {
	case policy.Bool:
		if bool(e) != neg {
			return [][]*policy.Cmp{nil}, nil
		}
		return nil, nil
	case *policy.Not:
		return dnf(e.X, !neg)
	case *policy.Cmp:
		if !neg {
			return [][]*policy.Cmp{{e}}, nil
		}
		inv := map[policy.Op]policy.Op{policy.EQ: policy.NE, policy.NE: policy.EQ, policy.LT: policy.GE,
			policy.GE: policy.LT, policy.LE: policy.GT, policy.GT: policy.LE}
		c := *e
		c.Op = inv[e.Op]
		return [][]*policy.Cmp{{&c}}, nil
	case *policy.And, *policy.Or:
		var x, y policy.Expr
		isAnd := false
		if a, ok := e.(*policy.And); ok {
			x, y, isAnd = a.X, a.Y, true
		} else {
			o := e.(*policy.Or)
			x, y = o.X, o.Y
		}
		if neg { // De Morgan
			isAnd = !isAnd
		}
		dx, err := dnf(x, neg)
		if err != nil {
			return nil, err
		}
		dy, err := dnf(y, neg)
		if err != nil {
			return nil, err
		}
		if !isAnd {
			return append(dx, dy...), nil
		}
		var out [][]*policy.Cmp
		for _, a := range dx {
			for _, b := range dy {
				out = append(out, append(append([]*policy.Cmp(nil), a...), b...))
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("bench: expression %T not converted", e)
}

func scmpCond(c *policy.Cmp) (seccomp.ScmpCondition, error) {
	full := c.Mask == ^uint64(0) || c.Mask == 0xffffffff
	ops := map[policy.Op]seccomp.ScmpCompareOp{policy.EQ: seccomp.CompareEqual, policy.NE: seccomp.CompareNotEqual,
		policy.LT: seccomp.CompareLess, policy.LE: seccomp.CompareLessOrEqual, policy.GT: seccomp.CompareGreater,
		policy.GE: seccomp.CompareGreaterEqual}
	if full {
		return seccomp.MakeCondition(uint(c.Arg), ops[c.Op], c.Value)
	}
	if c.Op == policy.EQ {
		return seccomp.MakeCondition(uint(c.Arg), seccomp.CompareMaskedEqual, c.Mask, c.Value)
	}
	return seccomp.ScmpCondition{}, fmt.Errorf("bench: masked %s has no libseccomp equivalent", c.Op)
}

func scmpAction(a policy.Action) (seccomp.ScmpAction, error) {
	data := int16(uint32(a) & 0xffff)
	switch uint32(a) & 0xffff0000 {
	case uint32(policy.Allow):
		return seccomp.ActAllow, nil
	case uint32(policy.Errno(0)):
		return seccomp.ActErrno.SetReturnCode(data), nil
	case uint32(policy.KillThread):
		return seccomp.ActKillThread, nil
	case uint32(policy.KillProcess):
		return seccomp.ActKillProcess, nil
	case uint32(policy.Trap):
		return seccomp.ActTrap, nil
	case uint32(policy.Log):
		return seccomp.ActLog, nil
	}
	return seccomp.ActInvalid, fmt.Errorf("bench: action %s not converted", a)
}

// Export reads libseccomp's program back through a memfd: libseccomp 2.5
// can only write it to a file descriptor.
func Export(f *seccomp.ScmpFilter) ([]bpfasm.Insn, error) {
	fd, err := unix.MemfdCreate("scc-bench", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	file := os.NewFile(uintptr(fd), "memfd")
	defer file.Close()
	if err := f.ExportBPF(file); err != nil {
		return nil, err
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(file)
	if err != nil {
		return nil, err
	}
	return bpfasm.Decode(raw)
}

func seccompVersion() (uint, uint, uint) { return seccomp.GetLibraryVersion() }

// KnownToLibseccomp removes from p the syscalls this libseccomp cannot
// name on their ABI.
func KnownToLibseccomp(p *policy.Policy) {
	for _, fl := range p.Filters {
		a, err := seccomp.GetArchFromString(libseccompArch[fl.Arch.Name])
		if err != nil {
			continue
		}
		kept := fl.Syscalls[:0]
		for _, s := range fl.Syscalls {
			if _, err := seccomp.GetSyscallFromNameByArch(s.Name, a); err == nil {
				kept = append(kept, s)
			}
		}
		fl.Syscalls = kept
	}
}
