package lint

import (
	"encoding/binary"

	"github.com/scc-dev/scc/policy"
)

// The linter asks one question over and over: can some argument values make
// this condition true? (Is rule j reachable: cond_j && !cond_1 && ... &&
// !cond_{j-1}? Is syscall X allowed for some arguments?) Satisfiable answers
// it exactly.
//
// A condition is a boolean formula over comparisons (args[i] & mask) op value.
// The search pushes negations down to the comparisons (the negation of a
// comparison is a comparison: Op.Negate), takes conjunctions as they come and
// branches on disjunctions, DPLL-style. Each argument is a separate 64-bit
// variable, so a set of comparisons is satisfiable exactly when, for each
// argument, its comparisons are: solveArg decides that bit by bit (see there).

// searchBudget bounds the branching on disjunctions. A query that needs more
// is answered "unknown"; policies written by hand come nowhere near it (the
// nginx example needs under a hundred steps per query).
const searchBudget = 200_000

// Satisfiable reports whether some argument values make e true (a nil e is
// "always"), and returns such values. known is false when the search gave
// up (see searchBudget); sat is then false too and means nothing.
func Satisfiable(e policy.Expr) (witness [6]uint64, sat, known bool) {
	if e == nil {
		return witness, true, true
	}
	s := &search{}
	if s.run([]item{{e: e}}) {
		return s.witness, true, true
	}
	return witness, false, !s.gaveUp
}

// atom is one comparison with its polarity already applied.
type atom struct {
	mask  uint64
	op    policy.Op
	value uint64
}

// item is a formula still to be made true; neg asks for it to be false.
type item struct {
	e   policy.Expr
	neg bool
}

type search struct {
	atoms   [6][]atom
	witness [6]uint64
	steps   int
	gaveUp  bool
}

// run makes every item true on top of the comparisons already collected,
// and reports whether it could. On failure it leaves s.atoms as it found
// them.
func (s *search) run(todo []item) bool {
	s.steps++
	if s.steps > searchBudget {
		s.gaveUp = true
		return false
	}
	var saved [6]int
	for i := range s.atoms {
		saved[i] = len(s.atoms[i])
	}
	fail := func() bool {
		for i := range s.atoms {
			s.atoms[i] = s.atoms[i][:saved[i]]
		}
		return false
	}
	// Take everything that does not branch first: each comparison narrows
	// the arguments and may make a branch pointless before it is explored.
	var branches []item
	var touched [6]bool
	for len(todo) > 0 {
		it := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		switch e := it.e.(type) {
		case policy.Bool:
			if bool(e) == it.neg {
				return fail()
			}
		case *policy.Not:
			todo = append(todo, item{e.X, !it.neg})
		case *policy.And:
			if it.neg { // !(x && y) = !x || !y
				branches = append(branches, it)
			} else {
				todo = append(todo, item{e.X, false}, item{e.Y, false})
			}
		case *policy.Or:
			if it.neg { // !(x || y) = !x && !y
				todo = append(todo, item{e.X, true}, item{e.Y, true})
			} else {
				branches = append(branches, it)
			}
		case *policy.Cmp:
			op := e.Op
			if it.neg {
				op = op.Negate()
			}
			s.atoms[e.Arg] = append(s.atoms[e.Arg], atom{e.Mask, op, e.Value})
			touched[e.Arg] = true
		default:
			panic("lint: unknown policy.Expr")
		}
	}
	for i, t := range touched {
		if !t {
			continue
		}
		x, ok := solveArg(s.atoms[i])
		if !ok {
			return fail()
		}
		s.witness[i] = x
	}
	if len(branches) == 0 {
		// Arguments never constrained on this path keep whatever an
		// abandoned path left in the witness: solve them again.
		for i := range s.atoms {
			s.witness[i], _ = solveArg(s.atoms[i])
		}
		return true
	}
	b, rest := branches[0], branches[1:]
	var x, y policy.Expr
	switch e := b.e.(type) {
	case *policy.And:
		x, y = e.X, e.Y
	case *policy.Or:
		x, y = e.X, e.Y
	}
	// x || y: try x; failing that, y (with x false, which only prunes).
	first := append(append([]item(nil), rest...), item{x, b.neg})
	if s.run(first) {
		return true
	}
	if s.gaveUp {
		return fail()
	}
	second := append(append([]item(nil), rest...), item{x, !b.neg}, item{y, b.neg})
	if s.run(second) {
		return true
	}
	return fail()
}

// solveArg finds a 64-bit x with (x & a.mask) a.op a.value for every atom,
// or reports that none exists.
//
// Unsigned comparison is decided by the most significant bit where the two
// sides differ, so it walks x from bit 63 down. An atom is "tight" while
// the bits of x&mask seen so far equal those of its value; once they differ,
// the atom is settled, true or false, whatever the lower bits are. Choosing
// bit p of x settles some tight atoms; a choice that settles one false is
// abandoned. After bit 0 the tight atoms have x&mask == value, which
// satisfies ==, <= and >= but not !=, < or >. The outcome below bit p depends
// only on which atoms are still tight, so failed (p, tight set) pairs are
// remembered: with n atoms there are at most 64 * 2^n of them, and in
// practice a few per distinct constant, because atoms with the same mask
// are tight together exactly when their values share x's prefix.
func solveArg(atoms []atom) (uint64, bool) {
	if len(atoms) == 0 {
		return 0, true
	}
	d := &bitSearch{atoms: atoms, failed: map[string]bool{}}
	tight := make([]uint64, (len(atoms)+63)/64)
	for i := range atoms {
		tight[i/64] |= 1 << (i % 64)
	}
	if !d.walk(63, tight) {
		return 0, false
	}
	return d.x, true
}

type bitSearch struct {
	atoms  []atom
	failed map[string]bool
	x      uint64
}

func (d *bitSearch) walk(p int, tight []uint64) bool {
	if p < 0 {
		for i, a := range d.atoms {
			if tight[i/64]&(1<<(i%64)) != 0 && (a.op == policy.NE || a.op == policy.LT || a.op == policy.GT) {
				return false
			}
		}
		return true
	}
	key := memoKey(p, tight)
	if d.failed[key] {
		return false
	}
	bit := uint64(1) << p
	for _, b := range [2]uint64{0, bit} {
		next, ok := d.step(bit, b, tight)
		if ok && d.walk(p-1, next) {
			d.x = d.x&^bit | b
			return true
		}
	}
	d.failed[key] = true
	return false
}

// step sets bit p of x to b (0 or bit) and returns the atoms still tight,
// or false when the choice makes some atom false.
func (d *bitSearch) step(bit, b uint64, tight []uint64) ([]uint64, bool) {
	next := append([]uint64(nil), tight...)
	for i, a := range d.atoms {
		w, m := i/64, uint64(1)<<(i%64)
		if tight[w]&m == 0 {
			continue
		}
		xb := b & a.mask & bit
		vb := a.value & bit
		if xb == vb {
			continue
		}
		next[w] &^= m
		less := xb < vb // x&mask is now below value for good
		switch a.op {
		case policy.EQ:
			return nil, false
		case policy.LT, policy.LE:
			if !less {
				return nil, false
			}
		case policy.GT, policy.GE:
			if less {
				return nil, false
			}
		}
	}
	return next, true
}

func memoKey(p int, tight []uint64) string {
	b := make([]byte, 1+8*len(tight))
	b[0] = byte(p)
	for i, w := range tight {
		binary.LittleEndian.PutUint64(b[1+8*i:], w)
	}
	return string(b)
}
