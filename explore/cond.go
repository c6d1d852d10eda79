package explore

import (
	"fmt"
	"sort"
	"strings"

	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/syscalls"
)

// Iv64 is the closed interval [Lo, Hi] of 64-bit values.
type Iv64 struct{ Lo, Hi uint64 }

// Set64 is a sorted, disjoint, non-adjacent union of 64-bit intervals.
type Set64 []Iv64

func normalize64(s Set64) Set64 {
	sort.Slice(s, func(i, j int) bool { return s[i].Lo < s[j].Lo })
	var out Set64
	for _, iv := range s {
		if n := len(out); n > 0 && (iv.Lo <= out[n-1].Hi || iv.Lo-1 == out[n-1].Hi) {
			out[n-1].Hi = max(out[n-1].Hi, iv.Hi)
			continue
		}
		out = append(out, iv)
	}
	return out
}

func (s Set64) union(t Set64) Set64 {
	return normalize64(append(append(Set64(nil), s...), t...))
}

// complement within [0, top].
func (s Set64) complement(top uint64) Set64 {
	var out Set64
	next, done := uint64(0), false
	for _, iv := range s {
		if iv.Lo > next {
			out = append(out, Iv64{next, iv.Lo - 1})
		}
		if iv.Hi >= top {
			done = true
			break
		}
		next = iv.Hi + 1
	}
	if !done {
		out = append(out, Iv64{next, top})
	}
	return out
}

// widen turns a 32-bit set into 64-bit intervals, scaled by unit (1 or
// 1<<32) and offset by base.
func widen(s Set, unit, base uint64) Set64 {
	out := make(Set64, len(s))
	for i, iv := range s {
		out[i] = Iv64{base + uint64(iv.Lo)*unit, base + uint64(iv.Hi)*unit}
	}
	if unit == 1 {
		return out
	}
	// Scaled intervals are not contiguous but each stands for its own
	// multiples of unit, which is what the masked value can take.
	return out
}

// subject is what a term compares: argument arg (printed as name) under a
// mask; top is the largest value the masked argument can take.
type subject struct {
	arg  int
	name string
	mask uint64
	top  uint64
}

// term is one conjunct of a condition: either the masked argument lies in
// set (when op is nil), or (arg & mask) op k.
type term struct {
	subj subject
	set  Set64
	atom *Atom64
}

// Atom64 is (arg & mask) Op K on a whole argument.
type Atom64 struct {
	Op policy.Op
	K  uint64
}

func (t term) key() string {
	s := fmt.Sprintf("%d/%s/%x/", t.subj.arg, t.subj.name, t.subj.mask)
	if t.atom != nil {
		return s + fmt.Sprintf("%s%x", t.atom.Op, t.atom.K)
	}
	return s + fmt.Sprint(t.set)
}

// conj is a conjunction of terms, ordered by argument.
type conj []term

func (c conj) key() string {
	parts := make([]string, len(c))
	for i, t := range c {
		parts[i] = t.key()
	}
	return strings.Join(parts, "&")
}

// view says how arguments are named and how wide they are: on one ABI,
// for one syscall.
type view struct {
	arch    *syscalls.Arch
	syscall string // "" : use argN
}

// paramName returns the name to print for argument i when it is compared
// on bits bits: the kernel's name when the parameter has exactly that
// width, so that the name resolves back to the same comparison.
func (v view) paramName(i, bits int) string {
	if v.syscall != "" {
		if ps, ok := v.arch.Params(v.syscall); ok && i < len(ps) {
			if min(ps[i].Bits, v.arch.WordBits) == bits && !ps[i].Pointer {
				return ps[i].Name
			}
		}
	}
	return fmt.Sprintf("arg%d", i)
}

// argTerms describes what a path requires of argument i (its low and high
// words) as terms. lossy is set when the ABI cannot express it (a 32-bit
// ABI whose filter looks at the high word, which the kernel leaves zero).
func (v view) argTerms(i int, lo, hi Word) (ts []term, lossy bool) {
	if lo.IsFree() && hi.IsFree() {
		return nil, false
	}
	narrow := v.arch.WordBits == 32 || hi.IsFree()
	if v.arch.WordBits == 32 && !hi.IsFree() {
		lossy = true
	}
	const low = uint64(0xffffffff)
	if narrow {
		name := v.paramName(i, 32)
		mask := ^uint64(0)
		if v.arch.WordBits == 64 && name == fmt.Sprintf("arg%d", i) {
			mask = low
		}
		subj := subject{arg: i, name: name, mask: mask, top: low}
		return wordTerms(subj, lo, 1), lossy
	}
	name := v.paramName(i, 64)
	whole := subject{arg: i, name: name, mask: ^uint64(0), top: ^uint64(0)}
	if len(lo.Atoms) == 0 && len(hi.Atoms) == 0 {
		if lo.Set.IsFull() {
			return []term{{subj: whole, set: widenHi(hi.Set)}}, false
		}
		if len(hi.Set) == 1 && hi.Set[0].Lo == hi.Set[0].Hi {
			return []term{{subj: whole, set: widen(lo.Set, 1, uint64(hi.Set[0].Lo)<<32)}}, false
		}
	}
	hiSubj := subject{arg: i, name: fmt.Sprintf("arg%d", i), mask: low << 32, top: low << 32}
	loSubj := subject{arg: i, name: fmt.Sprintf("arg%d", i), mask: low, top: low}
	ts = append(ts, wordTerms(hiSubj, hi, 1<<32)...)
	ts = append(ts, wordTerms(loSubj, lo, 1)...)
	return ts, false
}

// widenHi is the set of whole values whose high word lies in s.
func widenHi(s Set) Set64 {
	out := make(Set64, len(s))
	for i, iv := range s {
		out[i] = Iv64{uint64(iv.Lo) << 32, uint64(iv.Hi)<<32 | 0xffffffff}
	}
	return normalize64(out)
}

// wordTerms turns one word's constraint into terms on subj, whose masked
// value is the word times unit.
func wordTerms(subj subject, w Word, unit uint64) []term {
	var ts []term
	if !w.Set.IsFull() {
		ts = append(ts, term{subj: subj, set: widen(w.Set, unit, 0)})
	}
	for _, a := range w.Atoms {
		s := subj
		s.mask &= uint64(a.Mask) * unit
		s.top = s.mask
		ts = append(ts, term{subj: s, atom: &Atom64{Op: a.Op, K: uint64(a.K) * unit}})
	}
	return ts
}

// normalizeTerms drops terms that hold for every value and sorts the rest.
func normalizeTerms(ts []term) conj {
	var out conj
	for _, t := range ts {
		if t.atom == nil && len(t.set) == 1 && t.set[0].Lo == 0 && t.set[0].Hi >= t.subj.top {
			continue
		}
		out = append(out, t)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].subj.arg != out[j].subj.arg {
			return out[i].subj.arg < out[j].subj.arg
		}
		return out[i].subj.mask > out[j].subj.mask
	})
	return out
}

// alt is one alternative of a decision: when the conjunction holds, the
// action.
type alt struct {
	when   conj
	action policy.Action
}

// merge unions alternatives with the same action that differ in one
// interval term only, until none do: the two halves of a 64-bit comparison
// (high word above; high word equal and low word above) become one.
func merge(alts []alt) []alt {
	alts = append([]alt(nil), alts...)
	for changed := true; changed; {
		changed = false
	outer:
		for i := 0; i < len(alts); i++ {
			for j := i + 1; j < len(alts); j++ {
				if m, ok := mergeTwo(alts[i], alts[j]); ok {
					alts[i] = m
					alts = append(alts[:j], alts[j+1:]...)
					changed = true
					break outer
				}
			}
		}
	}
	return alts
}

func mergeTwo(a, b alt) (alt, bool) {
	if a.action != b.action {
		return alt{}, false
	}
	if a.when.key() == b.when.key() {
		return a, true
	}
	// Terms are keyed by subject; the two must have the same subjects and
	// differ in exactly one interval term.
	if len(a.when) != len(b.when) {
		return mergeMissing(a, b)
	}
	diff := -1
	for i := range a.when {
		ta, tb := a.when[i], b.when[i]
		if ta.key() == tb.key() {
			continue
		}
		if diff >= 0 || ta.atom != nil || tb.atom != nil || ta.subj != tb.subj {
			return alt{}, false
		}
		diff = i
	}
	out := alt{action: a.action, when: append(conj(nil), a.when...)}
	out.when[diff].set = a.when[diff].set.union(b.when[diff].set)
	out.when = normalizeTerms(out.when)
	return out, true
}

// mergeMissing handles a ⊇ b: when b's terms are a's plus more, a alone
// covers both.
func mergeMissing(a, b alt) (alt, bool) {
	if len(a.when) > len(b.when) {
		a, b = b, a
	}
	have := map[string]bool{}
	for _, t := range b.when {
		have[t.key()] = true
	}
	for _, t := range a.when {
		if !have[t.key()] {
			return alt{}, false
		}
	}
	return a, true
}

// expr turns alternatives (an OR of conjunctions) into a condition; nil
// means always.
func orExpr(cs []conj) lang.Expr {
	var out lang.Expr
	for _, c := range cs {
		e := andExpr(c)
		if e == nil {
			return nil
		}
		if out == nil {
			out = e
		} else {
			out = &lang.BinaryExpr{Op: "||", X: out, Y: e}
		}
	}
	return out
}

func andExpr(c conj) lang.Expr {
	var out lang.Expr
	for _, t := range c {
		e := t.expr()
		if out == nil {
			out = e
		} else {
			out = &lang.BinaryExpr{Op: "&&", X: out, Y: e}
		}
	}
	return out
}

func (t term) expr() lang.Expr {
	if t.atom != nil {
		return t.subj.cmp(t.atom.Op, t.atom.K)
	}
	s := t.set
	if comp := s.complement(t.subj.top); len(comp) == 1 && comp[0].Lo == comp[0].Hi && len(s) > 1 {
		return t.subj.cmp(policy.NE, comp[0].Lo)
	}
	var out lang.Expr
	for _, iv := range s {
		e := t.subj.interval(iv)
		if out == nil {
			out = e
		} else {
			out = &lang.BinaryExpr{Op: "||", X: out, Y: e}
		}
	}
	return out
}

func (s subject) interval(iv Iv64) lang.Expr {
	switch {
	case iv.Lo == iv.Hi:
		return s.cmp(policy.EQ, iv.Lo)
	case iv.Lo == 0:
		return s.cmp(policy.LE, iv.Hi)
	case iv.Hi >= s.top:
		return s.cmp(policy.GT, iv.Lo-1)
	}
	return &lang.BinaryExpr{Op: "&&", X: s.cmp(policy.GE, iv.Lo), Y: s.cmp(policy.LE, iv.Hi)}
}

func (s subject) cmp(op policy.Op, k uint64) lang.Expr {
	e := &lang.CompareExpr{Arg: lang.Ident{Name: s.name}, Op: op.String(), Value: number(k)}
	if s.mask != ^uint64(0) {
		m := lang.Const{Terms: []lang.Term{{Num: s.mask, Text: fmt.Sprintf("%#x", s.mask)}}}
		e.Mask = &m
	}
	return e
}

func number(k uint64) lang.Const {
	text := fmt.Sprint(k)
	if k >= 4096 {
		text = fmt.Sprintf("%#x", k)
	}
	return lang.Const{Terms: []lang.Term{{Num: k, Text: text}}}
}
