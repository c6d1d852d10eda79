package resolve

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/scc-dev/scc/internal/suggest"
	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/syscalls"
)

var ops = map[string]policy.Op{"==": policy.EQ, "!=": policy.NE, "<": policy.LT, "<=": policy.LE, ">": policy.GT, ">=": policy.GE}

// cond resolves a condition for one syscall on one ABI. Constants are looked
// up on that ABI and named arguments are typed by that syscall's signature,
// so one rule can resolve differently per target. It reports false when the
// condition cannot be resolved (the error is in r.diags).
func (r *resolver) cond(e lang.Expr, a *syscalls.Arch, syscall string) (policy.Expr, bool) {
	if e == nil {
		return policy.Bool(true), true
	}
	switch e := e.(type) {
	case *lang.BinaryExpr:
		x, ok1 := r.cond(e.X, a, syscall)
		y, ok2 := r.cond(e.Y, a, syscall)
		if !ok1 || !ok2 {
			return nil, false
		}
		if e.Op == "&&" {
			return and(x, y), true
		}
		return or(x, y), true
	case *lang.NotExpr:
		x, ok := r.cond(e.X, a, syscall)
		if !ok {
			return nil, false
		}
		return not(x), true
	case *lang.CompareExpr:
		return r.compare(e, a, syscall)
	}
	r.diags.Errorf(e.Position(), "unsupported expression")
	return nil, false
}

// compare resolves ARG [& MASK] OP VALUE. The argument's width becomes part
// of the mask: the kernel reads an `int` parameter from the low 32 bits only,
// so the filter must look at exactly those bits and nothing else.
func (r *resolver) compare(e *lang.CompareExpr, a *syscalls.Arch, syscall string) (policy.Expr, bool) {
	idx, bits, ok := r.argument(e.Arg, a, syscall)
	if !ok {
		return nil, false
	}
	width := widthMask(bits)
	mask := width
	if e.Mask != nil {
		m, ok := r.constant(*e.Mask, a, bits, e.Arg.Name)
		if !ok {
			return nil, false
		}
		mask &= m
	}
	v, ok := r.constant(e.Value, a, bits, e.Arg.Name)
	if !ok {
		return nil, false
	}
	op := ops[e.Op]
	c := &policy.Cmp{Arg: idx, Mask: mask, Op: op, Value: v}
	if b, folded := fold(c); folded {
		r.diags.Warnf(e.Pos, "%s is always %v on %s (the masked argument ranges over 0..%#x)", lang.FormatExpr(e), bool(b), a.Name, mask)
		return b, true
	}
	return c, true
}

// argument maps arg0..arg5 or a parameter name to an index and a width.
func (r *resolver) argument(id lang.Ident, a *syscalls.Arch, syscall string) (int, int, bool) {
	if strings.HasPrefix(id.Name, "arg") {
		if n, err := strconv.Atoi(id.Name[3:]); err == nil && len(id.Name) == 4 {
			if n > 5 {
				r.diags.Add(id.Pos, lang.SeverityError, "syscalls have arguments arg0 to arg5", "no argument %s", id.Name)
				return 0, 0, false
			}
			return n, a.WordBits, true
		}
	}
	params, ok := a.Params(syscall)
	if !ok {
		r.diags.Add(id.Pos, lang.SeverityError, "use arg0..arg5", "named argument %q: the signature of %s is not known on %s", id.Name, syscall, a.Name)
		return 0, 0, false
	}
	// Kernel names (dfd) and man-page names (dirfd) both work.
	if i, p, ok := a.Param(syscall, id.Name); ok {
		return i, min(p.Bits, a.WordBits), true
	}
	var names, shown []string
	for _, p := range params {
		names = append(names, p.Name)
		names = append(names, p.Aliases...)
		shown = append(shown, p.Name)
	}
	hint := suggest.Hint(id.Name, names)
	if hint == "" {
		hint = fmt.Sprintf("%s(%s) on %s", syscall, strings.Join(shown, ", "), a.Name)
	}
	r.diags.Add(id.Pos, lang.SeverityError, hint, "%s has no argument %q", syscall, id.Name)
	return 0, 0, false
}

func widthMask(bits int) uint64 {
	if bits >= 64 {
		return ^uint64(0)
	}
	return 1<<uint(bits) - 1
}

// constant evaluates a constant for an argument of the given width. A value
// that is the sign extension of a narrower one (-1, AT_FDCWD) is reduced to
// the width, since that is what the kernel sees of it; anything else that does
// not fit is an error rather than a comparison that silently never matches.
func (r *resolver) constant(c lang.Const, a *syscalls.Arch, bits int, arg string) (uint64, bool) {
	var v uint64
	for _, t := range c.Terms {
		if t.Name == "" {
			v |= t.Num
			continue
		}
		x, ok := a.Const(t.Name)
		if !ok {
			if knownConstAnywhere(t.Name) {
				r.diags.Errorf(t.Pos, "constant %s is not defined on %s", t.Name, a.Name)
			} else {
				r.diags.Add(t.Pos, lang.SeverityError, suggest.Hint(t.Name, syscalls.ConstNames()), "unknown constant %q", t.Name)
			}
			return 0, false
		}
		v |= x
	}
	w := widthMask(bits)
	if v&^w == 0 {
		return v, true
	}
	if sign := ^(w >> 1); v&sign == sign { // a sign-extended negative value of this width
		return v & w, true
	}
	r.diags.Add(c.Pos, lang.SeverityError, "compare with argN to test all 64 bits of the register",
		"%s does not fit in %s, a %d-bit argument on %s", c.String(), arg, bits, a.Name)
	return 0, false
}

func knownConstAnywhere(name string) bool {
	for _, a := range syscalls.Arches() {
		if _, ok := a.Const(name); ok {
			return true
		}
	}
	return false
}

// fold decides comparisons whose outcome the mask alone fixes: x&m ranges
// over values between 0 and m, and when the value has bits outside the mask,
// equality is impossible.
func fold(c *policy.Cmp) (policy.Bool, bool) {
	m, v := c.Mask, c.Value
	switch c.Op {
	case policy.EQ, policy.NE:
		if v&^m != 0 {
			return policy.Bool(c.Op == policy.NE), true
		}
		if m == 0 {
			return policy.Bool((v == 0) == (c.Op == policy.EQ)), true
		}
	case policy.LT: // x < v
		if v == 0 {
			return false, true
		}
		if m < v {
			return true, true
		}
	case policy.LE:
		if m <= v {
			return true, true
		}
	case policy.GT:
		if m <= v {
			return false, true
		}
	case policy.GE:
		if v == 0 {
			return true, true
		}
		if m < v {
			return false, true
		}
	}
	return false, false
}

func and(x, y policy.Expr) policy.Expr {
	if b, ok := x.(policy.Bool); ok {
		if b {
			return y
		}
		return b
	}
	if b, ok := y.(policy.Bool); ok {
		if b {
			return x
		}
		return b
	}
	return &policy.And{X: x, Y: y}
}

func or(x, y policy.Expr) policy.Expr {
	if b, ok := x.(policy.Bool); ok {
		if b {
			return b
		}
		return y
	}
	if b, ok := y.(policy.Bool); ok {
		if b {
			return b
		}
		return x
	}
	return &policy.Or{X: x, Y: y}
}

func not(x policy.Expr) policy.Expr {
	switch x := x.(type) {
	case policy.Bool:
		return !x
	case *policy.Not:
		return x.X
	}
	return &policy.Not{X: x}
}
