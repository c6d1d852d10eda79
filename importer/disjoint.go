package importer

import "github.com/opencontainers/runtime-spec/specs-go"

// disjointRules reports whether no argument values satisfy both rules, on
// every argument width in widths (64-bit, and 32-bit when a target is). It
// is conservative: false means "could not prove it", which makes Import
// fail rather than guess libseccomp's precedence.
func disjointRules(a, b lrule, widths []uint64) bool {
	for _, w := range widths {
		if !disjointAt(a, b, w) {
			return false
		}
	}
	return true
}

func disjointAt(a, b lrule, width uint64) bool {
	for _, x := range a.conds {
		for _, y := range b.conds {
			if x.Index == y.Index && disjoint(x, y, width) {
				return true
			}
		}
	}
	return false
}

// valueSet is the set of argument values one condition accepts, in one of
// three shapes: an interval [lo, hi] (EQ, LT, LE, GT, GE), everything but
// one value (NE), or x & mask == datum (MASKED_EQ).
type valueSet struct {
	empty       bool
	lo, hi      uint64 // interval
	ne          bool
	v           uint64 // the excluded value of NE
	masked      bool
	mask, datum uint64
}

func setOf(c specs.LinuxSeccompArg, width uint64) valueSet {
	v := c.Value & width
	switch c.Op {
	case specs.OpEqualTo:
		return valueSet{lo: v, hi: v}
	case specs.OpNotEqual:
		return valueSet{ne: true, v: v}
	case specs.OpLessThan:
		return valueSet{empty: v == 0, lo: 0, hi: v - 1}
	case specs.OpLessEqual:
		return valueSet{lo: 0, hi: v}
	case specs.OpGreaterThan:
		return valueSet{empty: v == width, lo: v + 1, hi: width}
	case specs.OpGreaterEqual:
		return valueSet{lo: v, hi: width}
	case specs.OpMaskedEqual:
		m, d := c.Value&width, c.ValueTwo&width
		return valueSet{empty: d&^m != 0, masked: true, mask: m, datum: d}
	}
	return valueSet{} // unreachable: decode checked the operator
}

// bounds is the smallest interval holding the set.
func (s valueSet) bounds(width uint64) (uint64, uint64) {
	switch {
	case s.masked:
		return s.datum, s.datum | (width &^ s.mask)
	case s.ne:
		return 0, width
	}
	return s.lo, s.hi
}

// single reports whether the set holds exactly one value, and which.
func (s valueSet) single(width uint64) (uint64, bool) {
	switch {
	case s.empty, s.ne:
		return 0, false
	case s.masked:
		return s.datum, s.mask == width
	}
	return s.lo, s.lo == s.hi
}

func (s valueSet) contains(x uint64) bool {
	switch {
	case s.empty:
		return false
	case s.ne:
		return x != s.v
	case s.masked:
		return x&s.mask == s.datum
	}
	return s.lo <= x && x <= s.hi
}

func disjoint(x, y specs.LinuxSeccompArg, width uint64) bool {
	a, b := setOf(x, width), setOf(y, width)
	if a.empty || b.empty {
		return true
	}
	if v, ok := a.single(width); ok {
		return !b.contains(v)
	}
	if v, ok := b.single(width); ok {
		return !a.contains(v)
	}
	if a.masked && b.masked {
		common := a.mask & b.mask
		return a.datum&common != b.datum&common
	}
	alo, ahi := a.bounds(width)
	blo, bhi := b.bounds(width)
	return ahi < blo || bhi < alo
}
