package explore

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"

	"github.com/scc-dev/scc/policy"
)

// Iv is the closed interval [Lo, Hi] of 32-bit values.
type Iv struct{ Lo, Hi uint32 }

// Set is a set of 32-bit values: sorted, disjoint, non-adjacent intervals.
// Sets are never modified in place, so paths can share them.
type Set []Iv

// Full is every 32-bit value.
var Full = Set{{0, ^uint32(0)}}

// Point is the set {v}.
func Point(v uint32) Set { return Set{{v, v}} }

// Range is the set [lo, hi] (empty when lo > hi).
func Range(lo, hi uint32) Set {
	if lo > hi {
		return nil
	}
	return Set{{lo, hi}}
}

func (s Set) IsFull() bool { return len(s) == 1 && s[0] == Full[0] }

// Contains reports whether v is in s.
func (s Set) Contains(v uint32) bool {
	i := sort.Search(len(s), func(i int) bool { return s[i].Hi >= v })
	return i < len(s) && s[i].Lo <= v
}

// Size is the number of values in s (up to 1<<32).
func (s Set) Size() uint64 {
	var n uint64
	for _, iv := range s {
		n += uint64(iv.Hi-iv.Lo) + 1
	}
	return n
}

// Intersect returns s ∩ t.
func (s Set) Intersect(t Set) Set {
	var out Set
	i, j := 0, 0
	for i < len(s) && j < len(t) {
		lo, hi := max(s[i].Lo, t[j].Lo), min(s[i].Hi, t[j].Hi)
		if lo <= hi {
			out = append(out, Iv{lo, hi})
		}
		if s[i].Hi < t[j].Hi {
			i++
		} else {
			j++
		}
	}
	return out
}

// Complement returns every 32-bit value not in s.
func (s Set) Complement() Set {
	var out Set
	next := uint64(0)
	for _, iv := range s {
		if uint64(iv.Lo) > next {
			out = append(out, Iv{uint32(next), iv.Lo - 1})
		}
		next = uint64(iv.Hi) + 1
	}
	if next <= uint64(^uint32(0)) {
		out = append(out, Iv{uint32(next), ^uint32(0)})
	}
	return out
}

// Minus returns s \ t.
func (s Set) Minus(t Set) Set { return s.Intersect(t.Complement()) }

// Union returns s ∪ t.
func (s Set) Union(t Set) Set { return s.Complement().Intersect(t.Complement()).Complement() }

// FromValues builds a set from values in any order.
func FromValues(vs []uint32) Set {
	vs = append([]uint32(nil), vs...)
	sort.Slice(vs, func(i, j int) bool { return vs[i] < vs[j] })
	var out Set
	for _, v := range vs {
		if n := len(out); n > 0 && (out[n-1].Hi == v || out[n-1].Hi+1 == v) {
			out[n-1].Hi = v
			continue
		}
		out = append(out, Iv{v, v})
	}
	return out
}

func (s Set) String() string {
	if len(s) == 0 {
		return "{}"
	}
	parts := make([]string, len(s))
	for i, iv := range s {
		if iv.Lo == iv.Hi {
			parts[i] = fmt.Sprintf("%#x", iv.Lo)
		} else {
			parts[i] = fmt.Sprintf("%#x-%#x", iv.Lo, iv.Hi)
		}
	}
	return strings.Join(parts, ",")
}

// Atom is the condition (w & Mask) Op K on one 32-bit word w. Conditions a
// plain interval cannot hold — JSET tests, comparisons after an AND — are
// kept as atoms.
type Atom struct {
	Mask uint32
	Op   policy.Op
	K    uint32
}

func (a Atom) Holds(w uint32) bool { return a.Op.Compare(uint64(w&a.Mask), uint64(a.K)) }

// Word is what a path knows of one 32-bit word of seccomp_data: its value
// lies in Set and satisfies every atom.
type Word struct {
	Set   Set
	Atoms []Atom
}

// IsFree reports whether the word is unconstrained.
func (w Word) IsFree() bool { return w.Set.IsFull() && len(w.Atoms) == 0 }

// Holds reports whether the concrete value v satisfies w.
func (w Word) Holds(v uint32) bool {
	if !w.Set.Contains(v) {
		return false
	}
	for _, a := range w.Atoms {
		if !a.Holds(v) {
			return false
		}
	}
	return true
}

// And adds the condition (w & mask) op k. Unmasked conditions narrow the
// interval set; masked ones become atoms (or narrow the set when the mask
// keeps a contiguous run of high bits, which orders like the whole word).
func (w Word) And(mask uint32, op policy.Op, k uint32) Word {
	if mask == ^uint32(0) {
		var s Set
		switch op {
		case policy.EQ:
			s = Point(k)
		case policy.NE:
			s = Point(k).Complement()
		case policy.GT:
			if k == ^uint32(0) {
				s = nil
			} else {
				s = Range(k+1, ^uint32(0))
			}
		case policy.GE:
			s = Range(k, ^uint32(0))
		case policy.LT:
			if k == 0 {
				s = nil
			} else {
				s = Range(0, k-1)
			}
		case policy.LE:
			s = Range(0, k)
		}
		return Word{Set: w.Set.Intersect(s), Atoms: w.Atoms}
	}
	atoms := make([]Atom, 0, len(w.Atoms)+1)
	atoms = append(atoms, w.Atoms...)
	a := Atom{mask, op, k}
	for _, b := range atoms {
		if b == a {
			return w
		}
	}
	return Word{Set: w.Set, Atoms: append(atoms, a)}
}

// Meet is w ∩ v.
func (w Word) Meet(v Word) Word {
	out := Word{Set: w.Set.Intersect(v.Set), Atoms: w.Atoms}
	for _, a := range v.Atoms {
		out = out.And(a.Mask, a.Op, a.K)
	}
	return out
}

// Feasible reports whether some value satisfies w. It is exact: a digit
// search over the 32 bits, most significant first, tracking for each
// comparison whether the masked value is so far equal to, above or below
// its constant.
func (w Word) Feasible() bool {
	if len(w.Set) == 0 {
		return false
	}
	if len(w.Atoms) == 0 {
		return true
	}
	for _, iv := range w.Set {
		atoms := append([]Atom{{^uint32(0), policy.GE, iv.Lo}, {^uint32(0), policy.LE, iv.Hi}}, w.Atoms...)
		if search(atoms) {
			return true
		}
	}
	return false
}

// Values returns the values that satisfy w if there are at most limit of
// them.
func (w Word) Values(limit int) ([]uint32, bool) {
	if w.Set.Size() > uint64(limit) {
		return nil, false
	}
	var out []uint32
	for _, iv := range w.Set {
		for v := uint64(iv.Lo); v <= uint64(iv.Hi); v++ {
			if w.Holds(uint32(v)) {
				out = append(out, uint32(v))
			}
		}
	}
	return out, true
}

// Exact returns the values that satisfy w as a set of intervals, when at
// most limit intervals hold them. The interval set alone overstates a word
// with atoms (nr in 0x40000000-0xffffffff with nr & 0x40000000 == 0 is only
// 0x80000000-0xbfffffff), so what is printed as numbers must come from here.
// It splits each interval at its highest differing bit until every value in
// a piece satisfies every atom or none does.
func (w Word) Exact(limit int) (Set, bool) {
	if len(w.Atoms) == 0 {
		return w.Set, len(w.Set) <= limit
	}
	// Each step is a few exact searches: give up early on a scattered set
	// (nr & 1 == 1), which no short list of ranges describes anyway.
	var out Set
	steps, budget := 0, 4*limit+2*len(w.Set)
	var rec func(lo, hi uint32) bool
	rec = func(lo, hi uint32) bool {
		if steps++; steps > budget {
			return false
		}
		piece := Word{Set: Range(lo, hi), Atoms: w.Atoms}
		if !piece.Feasible() {
			return true
		}
		all := true
		for _, a := range w.Atoms {
			if (Word{Set: Range(lo, hi)}).And(a.Mask, a.Op.Negate(), a.K).Feasible() {
				all = false
				break
			}
		}
		if all {
			if n := len(out); n > 0 && uint64(out[n-1].Hi)+1 == uint64(lo) {
				out[n-1].Hi = hi
			} else if out = append(out, Iv{lo, hi}); len(out) > limit {
				return false
			}
			return true
		}
		top := uint32(1) << (31 - bits.LeadingZeros32(lo^hi))
		mid := hi &^ (top - 1)
		return rec(lo, mid-1) && rec(mid, hi)
	}
	for _, iv := range w.Set {
		if !rec(iv.Lo, iv.Hi) {
			return nil, false
		}
	}
	return out, true
}

// describe prints the numbers a word allows, exactly when they fit in a
// few ranges, or else as the ranges and the masked tests that thin them.
func (w Word) describe(name string) string {
	if s, ok := w.Exact(16); ok {
		return s.String()
	}
	var parts []string
	for _, a := range w.Atoms {
		parts = append(parts, fmt.Sprintf("%s & %#x %s %#x", name, a.Mask, a.Op, a.K))
	}
	return w.Set.String() + " where " + strings.Join(parts, " && ")
}

// Comparison states of the digit search.
const (
	stEq = iota
	stGt
	stLt
)

func search(atoms []Atom) bool {
	st := make([]byte, len(atoms))
	failed := map[string]bool{}
	var rec func(bit int) bool
	rec = func(bit int) bool {
		// Fail early on a comparison already lost, succeed early when
		// every comparison is already won.
		settled := true
		for i, a := range atoms {
			s := st[i]
			switch a.Op {
			case policy.EQ:
				if s != stEq {
					return false
				}
				settled = false
			case policy.NE:
				if s == stEq {
					settled = false
				}
			case policy.GT, policy.GE:
				if s == stLt {
					return false
				}
				if s == stEq {
					settled = false
				}
			case policy.LT, policy.LE:
				if s == stGt {
					return false
				}
				if s == stEq {
					settled = false
				}
			}
		}
		if settled {
			return true
		}
		if bit < 0 {
			for i, a := range atoms {
				if st[i] == stEq && (a.Op == policy.NE || a.Op == policy.GT || a.Op == policy.LT) {
					return false
				}
			}
			return true
		}
		key := string(append([]byte{byte(bit)}, st...))
		if failed[key] {
			return false
		}
		saved := append([]byte(nil), st...)
		for _, b := range []uint32{0, 1} {
			for i, a := range atoms {
				if st[i] != stEq {
					continue
				}
				x := b & (a.Mask >> uint(bit)) & 1
				k := (a.K >> uint(bit)) & 1
				switch {
				case x > k:
					st[i] = stGt
				case x < k:
					st[i] = stLt
				}
			}
			if rec(bit - 1) {
				return true
			}
			copy(st, saved)
		}
		failed[key] = true
		return false
	}
	return rec(31)
}

// Words of seccomp_data, as 32-bit little-endian words.
const (
	WordNr   = 0
	WordArch = 1
	WordIPLo = 2
	WordIPHi = 3
	NumWords = 16
)

// ArgWord returns the word index of the low (hi=false) or high half of
// argument i.
func ArgWord(i int, hi bool) int {
	if hi {
		return 5 + 2*i
	}
	return 4 + 2*i
}

// Cons is what a path knows of seccomp_data.
type Cons [NumWords]Word

// Free is the unconstrained Cons.
func Free() Cons {
	var c Cons
	for i := range c {
		c[i] = Word{Set: Full}
	}
	return c
}

// Meet intersects two constraints, reporting false when nothing satisfies
// both.
func (c *Cons) Meet(d *Cons) (Cons, bool) {
	var out Cons
	for i := range c {
		out[i] = c[i].Meet(d[i])
		if !out[i].Feasible() {
			return out, false
		}
	}
	return out, true
}

// Path is one way through a program: every seccomp_data satisfying Cons
// makes the program return Action.
type Path struct {
	Cons   Cons
	Action policy.Action
}
