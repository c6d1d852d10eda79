package policy

import "fmt"

// Op is an unsigned comparison operator.
type Op uint8

const (
	EQ Op = iota
	NE
	LT
	LE
	GT
	GE
)

var opNames = [...]string{EQ: "==", NE: "!=", LT: "<", LE: "<=", GT: ">", GE: ">="}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// Negate returns the operator that is true exactly when o is false.
func (o Op) Negate() Op {
	switch o {
	case EQ:
		return NE
	case NE:
		return EQ
	case LT:
		return GE
	case LE:
		return GT
	case GT:
		return LE
	case GE:
		return LT
	}
	panic("policy: bad op")
}

// Compare applies o to x and y as unsigned 64-bit numbers.
func (o Op) Compare(x, y uint64) bool {
	switch o {
	case EQ:
		return x == y
	case NE:
		return x != y
	case LT:
		return x < y
	case LE:
		return x <= y
	case GT:
		return x > y
	case GE:
		return x >= y
	}
	panic("policy: bad op")
}

// Expr is a resolved condition over the six syscall arguments: *Cmp, *And,
// *Or, *Not or Bool.
type Expr interface {
	// Eval decides the condition for concrete argument values. It is the
	// reference semantics that compiled BPF must reproduce.
	Eval(args *[6]uint64) bool
	String() string
}

// Cmp is (args[Arg] & Mask) Op Value, unsigned 64-bit.
//
// Mask also carries the argument's width: an `int` parameter resolves to a
// mask within 0xffffffff, because the kernel truncates it to 32 bits and a
// filter that looked at the high word could be fooled (libseccomp #383).
// Value is always within Mask: resolve reduces it or rejects the rule.
type Cmp struct {
	Arg   int
	Mask  uint64
	Op    Op
	Value uint64
}

// And, Or and Not combine conditions.
type And struct{ X, Y Expr }
type Or struct{ X, Y Expr }
type Not struct{ X Expr }

// Bool is a constant condition (what an always-true or never-true
// comparison folds to).
type Bool bool

func (c *Cmp) Eval(args *[6]uint64) bool { return c.Op.Compare(args[c.Arg]&c.Mask, c.Value) }
func (e *And) Eval(args *[6]uint64) bool { return e.X.Eval(args) && e.Y.Eval(args) }
func (e *Or) Eval(args *[6]uint64) bool  { return e.X.Eval(args) || e.Y.Eval(args) }
func (e *Not) Eval(args *[6]uint64) bool { return !e.X.Eval(args) }
func (b Bool) Eval(*[6]uint64) bool      { return bool(b) }

func (c *Cmp) String() string {
	lhs := fmt.Sprintf("arg%d", c.Arg)
	if c.Mask != ^uint64(0) {
		lhs = fmt.Sprintf("%s & %#x", lhs, c.Mask)
	}
	return fmt.Sprintf("%s %s %#x", lhs, c.Op, c.Value)
}
func (e *And) String() string { return "(" + e.X.String() + " && " + e.Y.String() + ")" }
func (e *Or) String() string  { return "(" + e.X.String() + " || " + e.Y.String() + ")" }
func (e *Not) String() string { return "!" + e.X.String() }
func (b Bool) String() string {
	if b {
		return "true"
	}
	return "false"
}

// Walk calls f on every comparison in e.
func Walk(e Expr, f func(*Cmp)) {
	switch e := e.(type) {
	case *Cmp:
		f(e)
	case *And:
		Walk(e.X, f)
		Walk(e.Y, f)
	case *Or:
		Walk(e.X, f)
		Walk(e.Y, f)
	case *Not:
		Walk(e.X, f)
	}
}
