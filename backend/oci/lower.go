package oci

import (
	"errors"
	"fmt"
	"math"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/scc-dev/scc/policy"
)

// The lowering turns one syscall's first-match rule list into rules with
// libseccomp's meaning: rules of one syscall are OR-ed, conditions of one
// rule are AND-ed comparisons of a whole 64-bit argument, at most one per
// argument index (runc OR-s repeated indexes), and when rules with
// different actions overlap nothing says which wins. So:
//
//  1. rule i keeps the inputs no earlier rule with a different action
//     claims: Ci && !Cj for every earlier j whose action differs. Inputs an
//     earlier same-action rule also matches get that action either way, so
//     rules with different actions end up disjoint;
//  2. each such condition goes to disjunctive normal form, with negation
//     pushed into the operators (!(a < b) is a >= b);
//  3. within one conjunction, the comparisons on one argument become a union
//     of single libseccomp comparisons (see argAtoms), and the conjunction
//     the product of those unions over the arguments;
//  4. rules whose action is the default are not emitted: what they match
//     is excluded from later rules by step 1 and falls to the default.

// maxTerms bounds the size of one syscall's lowering: past it the profile
// would be too large for a runtime to load in reasonable time.
const maxTerms = 4096

// atom is one libseccomp comparison on one argument.
type atom struct {
	op         specs.LinuxSeccompOperator
	value, two uint64
}

// lrule is one libseccomp rule: at most one atom per argument index.
type lrule struct {
	action policy.Action
	args   [6]*atom
}

// lowerSyscall lowers s's rules; def is the policy's default action.
func lowerSyscall(s *policy.Syscall, def policy.Action) ([]lrule, *lowerError) {
	var out []lrule
	for i, r := range s.Rules {
		if r.Action == def {
			continue
		}
		cond := r.Cond
		for _, prev := range s.Rules[:i] {
			if prev.Action == r.Action {
				continue
			}
			cond = and(cond, not(prev.Cond))
		}
		if err := checkValues(cond); err != nil {
			return nil, &lowerError{rule: r, msg: err.Error()}
		}
		terms, err := dnf(cond, false)
		if err != nil {
			return nil, &lowerError{rule: r, msg: err.Error()}
		}
		for _, t := range terms {
			rules, err := lowerConj(t, r.Action)
			if err != nil {
				return nil, &lowerError{rule: r, msg: err.Error()}
			}
			out = append(out, rules...)
			if len(out) > maxTerms {
				return nil, &lowerError{rule: r, msg: fmt.Sprintf("needs more than %d libseccomp rules", maxTerms)}
			}
		}
	}
	out, err := respell(out)
	if err != nil {
		return nil, &lowerError{rule: s.Rules[len(s.Rules)-1], msg: err.Error()}
	}
	return out, nil
}

// respell works around a libseccomp 2.5.4 bug: when two rules of one
// syscall share an ordering comparison (NE, LT, LE, GT, GE: the same
// operator and value on the same argument) and go on to test different
// arguments, seccomp_rule_add never returns, and the runtime hangs loading
// the profile. EQ and MASKED_EQ may be shared safely. So every ordering
// comparison is written at most once per syscall: a rule that needs one
// already used gets the same set of values spelled differently, an
// equivalent comparison (x <= 20 is x < 21) or a few EQs peeled off the
// bound (x >= 5 is x == 5 or x >= 6), splitting the rule where the new
// spelling has several parts. Exact duplicate rules are dropped first.
func respell(rules []lrule) ([]lrule, error) {
	used := map[atomKey]bool{}
	seen := map[string]bool{}
	var out []lrule
	for _, r := range rules {
		k := fmt.Sprint(r.action, r.specArgs())
		if seen[k] {
			continue
		}
		seen[k] = true
		next := []lrule{r}
		for i, a := range r.args {
			if a == nil || !ordering(a.op) {
				continue
			}
			alts, err := spell(i, *a, used)
			if err != nil {
				return nil, err
			}
			if len(next)*len(alts) > maxTerms {
				return nil, fmt.Errorf("needs more than %d libseccomp rules", maxTerms)
			}
			var split []lrule
			for _, n := range next {
				for j := range alts {
					n.args[i] = &alts[j]
					split = append(split, n)
				}
			}
			next = split
		}
		out = append(out, next...)
		if len(out) > maxTerms {
			return nil, fmt.Errorf("needs more than %d libseccomp rules", maxTerms)
		}
	}
	return out, nil
}

// atomKey identifies a comparison on one argument.
type atomKey struct {
	arg int
	atom
}

func ordering(op specs.LinuxSeccompOperator) bool {
	switch op {
	case specs.OpNotEqual, specs.OpLessThan, specs.OpLessEqual, specs.OpGreaterThan, specs.OpGreaterEqual:
		return true
	}
	return false
}

// maxPeel bounds how many EQs spell may peel off one bound.
const maxPeel = 64

// spell returns atoms whose union is the set a matches on argument arg,
// whose ordering comparisons are not in used (and are then marked used).
func spell(arg int, a atom, used map[atomKey]bool) ([]atom, error) {
	take := func(c atom) bool {
		k := atomKey{arg, c}
		if used[k] {
			return false
		}
		used[k] = true
		return true
	}
	if take(a) {
		return []atom{a}, nil
	}
	var out []atom
	for _, iv := range intervalsOf(policyOp[a.op], a.value) {
		part, err := spellInterval(iv, take)
		if err != nil {
			return nil, fmt.Errorf("argument %d: %w", arg, err)
		}
		out = append(out, part...)
	}
	return out, nil
}

// policyOp maps the whole-argument operators back to the IR's.
var policyOp = map[specs.LinuxSeccompOperator]policy.Op{
	specs.OpNotEqual: policy.NE, specs.OpLessThan: policy.LT, specs.OpLessEqual: policy.LE,
	specs.OpGreaterThan: policy.GT, specs.OpGreaterEqual: policy.GE, specs.OpEqualTo: policy.EQ,
}

// spellInterval spells [lo, max] or [0, hi] with one fresh ordering
// comparison, peeling EQs off the finite bound until one is free.
func spellInterval(iv interval, take func(atom) bool) ([]atom, error) {
	const top = math.MaxUint64
	var eqs []atom
	switch {
	case iv.hi == top:
		for v := iv.lo; len(eqs) <= maxPeel; v++ {
			if v == top {
				return append(eqs, atom{op: specs.OpEqualTo, value: v}), nil
			}
			if take(atom{op: specs.OpGreaterEqual, value: v}) {
				return append(eqs, atom{op: specs.OpGreaterEqual, value: v}), nil
			}
			if v > 0 && take(atom{op: specs.OpGreaterThan, value: v - 1}) {
				return append(eqs, atom{op: specs.OpGreaterThan, value: v - 1}), nil
			}
			eqs = append(eqs, atom{op: specs.OpEqualTo, value: v})
		}
	case iv.lo == 0:
		for v := iv.hi; len(eqs) <= maxPeel; v-- {
			if v == 0 {
				return append(eqs, atom{op: specs.OpEqualTo, value: v}), nil
			}
			if take(atom{op: specs.OpLessEqual, value: v}) {
				return append(eqs, atom{op: specs.OpLessEqual, value: v}), nil
			}
			if v < top && take(atom{op: specs.OpLessThan, value: v + 1}) {
				return append(eqs, atom{op: specs.OpLessThan, value: v + 1}), nil
			}
			eqs = append(eqs, atom{op: specs.OpEqualTo, value: v})
		}
	default:
		return nil, fmt.Errorf("cannot respell [%#x, %#x]", iv.lo, iv.hi)
	}
	return nil, fmt.Errorf("more than %d rules share one comparison", maxPeel)
}

type lowerError struct {
	rule policy.Rule
	msg  string
}

func and(x, y policy.Expr) policy.Expr {
	if x == nil {
		return y
	}
	return &policy.And{X: x, Y: y}
}

// not negates a rule condition; nil (always) becomes never.
func not(x policy.Expr) policy.Expr {
	if x == nil {
		return policy.Bool(false)
	}
	return &policy.Not{X: x}
}

// conj is a conjunction of comparisons.
type conj []policy.Cmp

// dnf returns e (or !e when neg) as a disjunction of conjunctions. Nil is
// true.
func dnf(e policy.Expr, neg bool) ([]conj, error) {
	switch e := e.(type) {
	case nil:
		if neg {
			return nil, nil
		}
		return []conj{{}}, nil
	case policy.Bool:
		if bool(e) != neg {
			return []conj{{}}, nil
		}
		return nil, nil
	case *policy.Cmp:
		c := *e
		if neg {
			c.Op = c.Op.Negate()
		}
		return []conj{{c}}, nil
	case *policy.Not:
		return dnf(e.X, !neg)
	case *policy.And:
		if neg {
			return union(e.X, e.Y, true)
		}
		return product(e.X, e.Y, false)
	case *policy.Or:
		if neg {
			return product(e.X, e.Y, true)
		}
		return union(e.X, e.Y, false)
	}
	return nil, fmt.Errorf("unknown condition %T", e)
}

func union(x, y policy.Expr, neg bool) ([]conj, error) {
	a, err := dnf(x, neg)
	if err != nil {
		return nil, err
	}
	b, err := dnf(y, neg)
	if err != nil {
		return nil, err
	}
	if len(a)+len(b) > maxTerms {
		return nil, fmt.Errorf("the condition has more than %d cases in disjunctive form", maxTerms)
	}
	return append(a, b...), nil
}

func product(x, y policy.Expr, neg bool) ([]conj, error) {
	a, err := dnf(x, neg)
	if err != nil {
		return nil, err
	}
	b, err := dnf(y, neg)
	if err != nil {
		return nil, err
	}
	if len(a)*len(b) > maxTerms {
		return nil, fmt.Errorf("the condition has more than %d cases in disjunctive form", maxTerms)
	}
	var out []conj
	for _, p := range a {
		for _, q := range b {
			t := append(append(conj{}, p...), q...)
			if satisfiable(t) {
				out = append(out, t)
			}
		}
	}
	return out, nil
}

// satisfiable drops conjunctions that are plainly contradictory, which keeps
// products of negated rules small. It may say yes to an impossible one:
// argAtoms decides exactly later.
func satisfiable(t conj) bool {
	for a := 0; a < 6; a++ {
		var lits []policy.Cmp
		for _, c := range t {
			if c.Arg == a {
				lits = append(lits, c)
			}
		}
		if len(lits) > 1 && len(cubesOf(lits)) == 0 {
			return false
		}
	}
	return true
}

// lowerConj turns one conjunction into libseccomp rules.
func lowerConj(t conj, act policy.Action) ([]lrule, error) {
	rules := []lrule{{action: act}}
	for a := 0; a < 6; a++ {
		var lits []policy.Cmp
		for _, c := range t {
			if c.Arg == a {
				lits = append(lits, c)
			}
		}
		if len(lits) == 0 {
			continue
		}
		atoms, always := argAtoms(lits)
		if always {
			continue
		}
		if len(atoms) == 0 {
			return nil, nil // never true
		}
		if len(rules)*len(atoms) > maxTerms {
			return nil, fmt.Errorf("needs more than %d libseccomp rules", maxTerms)
		}
		var next []lrule
		for _, r := range rules {
			for i := range atoms {
				n := r
				n.args[a] = &atoms[i]
				next = append(next, n)
			}
		}
		rules = next
	}
	return rules, nil
}

// argAtoms expresses the conjunction of comparisons on one argument as a
// union of single libseccomp comparisons, exactly. always reports that the
// conjunction holds for every value.
//
// Comparisons of the whole 64-bit argument map to libseccomp's operators
// (an interval becomes LE, GE or EQ; a range bounded on both sides becomes
// aligned blocks, each a MASKED_EQ). A comparison of a masked argument (the
// IR's `int` parameters compare only the low 32 bits) has no libseccomp
// operator except for ==, which is MASKED_EQ. The others are rewritten over
// the mask's bits: x&m != v holds when some bit of m differs from v's, and
// x&m < v when, for some bit b set in v, x agrees with v on m's bits above b
// and has b clear — one MASKED_EQ per bit.
func argAtoms(lits []policy.Cmp) (atoms []atom, always bool) {
	full := true
	for _, c := range lits {
		full = full && c.Mask == math.MaxUint64
	}
	if full {
		set := []interval{{0, math.MaxUint64}}
		for _, c := range lits {
			set = intersect(set, intervalsOf(c.Op, c.Value))
		}
		return intervalAtoms(set)
	}
	cubes := cubesOf(lits)
	for _, c := range cubes {
		if c.mask == 0 {
			return nil, true
		}
	}
	for _, c := range cubes {
		atoms = append(atoms, c.atom())
	}
	return atoms, false
}

// interval is [lo, hi], inclusive.
type interval struct{ lo, hi uint64 }

func intervalsOf(op policy.Op, v uint64) []interval {
	const max = math.MaxUint64
	switch op {
	case policy.EQ:
		return []interval{{v, v}}
	case policy.NE:
		var out []interval
		if v > 0 {
			out = append(out, interval{0, v - 1})
		}
		if v < max {
			out = append(out, interval{v + 1, max})
		}
		return out
	case policy.LT:
		if v == 0 {
			return nil
		}
		return []interval{{0, v - 1}}
	case policy.LE:
		return []interval{{0, v}}
	case policy.GT:
		if v == max {
			return nil
		}
		return []interval{{v + 1, max}}
	case policy.GE:
		return []interval{{v, max}}
	}
	panic("oci: bad op")
}

// intersect intersects two sorted sets of disjoint intervals.
func intersect(a, b []interval) []interval {
	var out []interval
	for _, x := range a {
		for _, y := range b {
			lo, hi := max(x.lo, y.lo), min(x.hi, y.hi)
			if lo <= hi {
				out = append(out, interval{lo, hi})
			}
		}
	}
	return out
}

func intervalAtoms(set []interval) ([]atom, bool) {
	const max = math.MaxUint64
	// Two pieces around one missing value: that is !=.
	if len(set) == 2 && set[0].lo == 0 && set[1].hi == max && set[0].hi+2 == set[1].lo {
		return []atom{{op: specs.OpNotEqual, value: set[0].hi + 1}}, false
	}
	var out []atom
	for _, iv := range set {
		switch {
		case iv.lo == 0 && iv.hi == max:
			return nil, true
		case iv.lo == iv.hi:
			out = append(out, atom{op: specs.OpEqualTo, value: iv.lo})
		case iv.lo == 0:
			out = append(out, atom{op: specs.OpLessEqual, value: iv.hi})
		case iv.hi == max:
			out = append(out, atom{op: specs.OpGreaterEqual, value: iv.lo})
		default:
			for _, c := range blocks(iv) {
				out = append(out, c.atom())
			}
		}
	}
	return out, false
}

// cube is the set of x with x&mask == value (value within mask).
type cube struct{ mask, value uint64 }

func (c cube) atom() atom {
	if c.mask == math.MaxUint64 {
		return atom{op: specs.OpEqualTo, value: c.value}
	}
	// libseccomp's MASKED_EQ takes the mask first (value) and the datum
	// second (valueTwo).
	return atom{op: specs.OpMaskedEqual, value: c.mask, two: c.value}
}

// blocks splits an interval into aligned power-of-two blocks, each a cube.
func blocks(iv interval) []cube {
	var out []cube
	for lo := iv.lo; ; {
		// Grow the block while it stays aligned and within hi. Aligned, it
		// cannot wrap around.
		size := uint64(1)
		for size<<1 != 0 && lo&(size<<1-1) == 0 && lo+(size<<1-1) <= iv.hi {
			size <<= 1
		}
		out = append(out, cube{mask: ^(size - 1), value: lo})
		end := lo + size - 1
		if end >= iv.hi {
			return out
		}
		lo = end + 1
	}
}

// cubesOf is the conjunction of comparisons as a union of cubes.
func cubesOf(lits []policy.Cmp) []cube {
	set := []cube{{0, 0}}
	for _, c := range lits {
		var next []cube
		for _, x := range set {
			for _, y := range litCubes(c) {
				if z, ok := meet(x, y); ok {
					next = append(next, z)
				}
			}
		}
		set = simplify(next)
	}
	return set
}

func meet(x, y cube) (cube, bool) {
	if (x.value^y.value)&x.mask&y.mask != 0 {
		return cube{}, false
	}
	return cube{x.mask | y.mask, x.value | y.value}, true
}

// simplify drops duplicates and cubes inside another.
func simplify(cs []cube) []cube {
	var out []cube
	for i, c := range cs {
		inside := false
		for j, d := range cs {
			// c within d: d's mask is a subset of c's and they agree on it.
			if i != j && d.mask&^c.mask == 0 && (c.value^d.value)&d.mask == 0 && (c != d || j < i) {
				inside = true
				break
			}
		}
		if !inside {
			out = append(out, c)
		}
	}
	return out
}

// litCubes is one comparison (x&m op v) as a union of cubes over x.
func litCubes(c policy.Cmp) []cube {
	m, v := c.Mask, c.Value
	switch c.Op {
	case policy.EQ:
		return []cube{{m, v}}
	case policy.NE:
		var out []cube
		for b := range 64 {
			if bit := uint64(1) << b; m&bit != 0 {
				out = append(out, cube{bit, ^v & bit})
			}
		}
		return out
	case policy.LT:
		return below(m, v)
	case policy.LE:
		return append(below(m, v), cube{m, v})
	case policy.GT:
		return above(m, v)
	case policy.GE:
		return append(above(m, v), cube{m, v})
	}
	panic("oci: bad op")
}

// below is x&m < v: for a bit b of v, x agrees with v on m's bits above b
// and has b clear.
func below(m, v uint64) []cube {
	var out []cube
	for b := range 64 {
		bit := uint64(1) << b
		if v&bit == 0 {
			continue
		}
		higher := m &^ (bit<<1 - 1) // bit<<1-1 is all ones when b is 63
		out = append(out, cube{higher | bit, v & higher})
	}
	return out
}

// above is x&m > v: for a bit b of m not in v, x agrees with v on m's bits
// above b and has b set.
func above(m, v uint64) []cube {
	var out []cube
	for b := range 64 {
		bit := uint64(1) << b
		if m&bit == 0 || v&bit != 0 {
			continue
		}
		higher := m &^ (bit<<1 - 1) // bit<<1-1 is all ones when b is 63
		out = append(out, cube{higher | bit, v&higher | bit})
	}
	return out
}

// checkValues makes sure every comparison keeps its value within its mask,
// as resolve promises: the bit-wise rewrites rely on it.
func checkValues(e policy.Expr) error {
	switch e := e.(type) {
	case *policy.Cmp:
		if e.Value&^e.Mask != 0 {
			return fmt.Errorf("comparison %s has a value outside its mask", e)
		}
	case *policy.And:
		return errors.Join(checkValues(e.X), checkValues(e.Y))
	case *policy.Or:
		return errors.Join(checkValues(e.X), checkValues(e.Y))
	case *policy.Not:
		return checkValues(e.X)
	}
	return nil
}

// sameRules reports whether two ABIs' rules for one syscall mean the same
// once written as one list of names: the same actions, operators, values and
// masks, except that a 32-bit ABI's 32-bit mask matches a whole-argument
// comparison of a value that fits in 32 bits. On a 32-bit ABI the kernel
// passes arguments zero-extended and libseccomp compares only the low word,
// so `count > 10` (size_t, all 64 bits on x86_64) means there what
// `count & 0xffffffff > 10` does.
func sameRules(a []policy.Rule, aBits int, b []policy.Rule, bBits int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Action != b[i].Action || !sameExpr(a[i].Cond, aBits, b[i].Cond, bBits) {
			return false
		}
	}
	return true
}

func sameExpr(x policy.Expr, xBits int, y policy.Expr, yBits int) bool {
	switch x := x.(type) {
	case nil:
		return y == nil
	case policy.Bool:
		yb, ok := y.(policy.Bool)
		return ok && x == yb
	case *policy.Cmp:
		yc, ok := y.(*policy.Cmp)
		if !ok || x.Arg != yc.Arg || x.Op != yc.Op || x.Value != yc.Value {
			return false
		}
		return x.Mask == yc.Mask || widens(x.Mask, xBits, yc.Mask, x.Value) || widens(yc.Mask, yBits, x.Mask, x.Value)
	case *policy.And:
		yy, ok := y.(*policy.And)
		return ok && sameExpr(x.X, xBits, yy.X, yBits) && sameExpr(x.Y, xBits, yy.Y, yBits)
	case *policy.Or:
		yy, ok := y.(*policy.Or)
		return ok && sameExpr(x.X, xBits, yy.X, yBits) && sameExpr(x.Y, xBits, yy.Y, yBits)
	case *policy.Not:
		yy, ok := y.(*policy.Not)
		return ok && sameExpr(x.X, xBits, yy.X, yBits)
	}
	return false
}

// widens: a 32-bit ABI's 32-bit mask standing for a whole-argument compare.
func widens(mask uint64, bits int, other, value uint64) bool {
	return bits == 32 && mask == math.MaxUint32 && other == math.MaxUint64 && value <= math.MaxUint32
}
