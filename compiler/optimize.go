package compiler

import (
	"strconv"
	"sync"

	"github.com/scc-dev/scc/bpfasm"
)

// The optimizer rewrites the generated program with small passes, each
// exact on its own, run in turn until none changes anything (in the spirit
// of gVisor's pkg/bpf optimizer). They work on instructions with absolute
// jump targets, before labels are resolved into 8-bit offsets, so a pass
// never has to care about jump reach; Assemble adds trampolines afterwards
// and copyRets turns those that lead to a ret into the ret itself.
//
// Every pass is proven by the differential tests (equiv_test.go): the
// emulated program must return what policy.Decide says on every input.

// op is an instruction whose jumps name instruction indexes: t for ja and
// the true branch, f for the false branch.
type op struct {
	in   bpfasm.Insn
	t, f int
	dead bool // to be dropped; jumps to it land on the next live op
}

func isJA(in bpfasm.Insn) bool   { return in.Op == bpfasm.JMP|bpfasm.JA }
func isRetK(in bpfasm.Insn) bool { return in.Op == bpfasm.RET|bpfasm.K }
func isCond(in bpfasm.Insn) bool {
	return in.Op&0x07 == bpfasm.JMP && in.Op != bpfasm.JMP|bpfasm.JA
}

// passes are the rewrites, in the order they are tried.
var passes = []func(*optimizer, []op) bool{
	(*optimizer).threadJumps, (*optimizer).knownValues, (*optimizer).deadLoads,
	(*optimizer).mergeTails, (*optimizer).dropUnreachable,
}

var optimizers sync.Pool // of *optimizer, kept between compiles

// optimizer holds the passes' working memory, reused from pass to pass and
// round to round: the passes run a dozen times on a few hundred
// instructions, and allocating their tables each time cost as much as
// the work.
type optimizer struct {
	idx     []int      // compact
	canon   []int      // mergeTails
	heads   []int32    // mergeTails: hash table of keys, chained through next
	next    []int32    // mergeTails
	keys    []mergeKey // mergeTails: the key of each op in the table
	reached []bool     // dropUnreachable, knownValues
	live    []bool     // liveness
	in      []facts    // knownValues
	arena   factArena  // knownValues: every facts.ws lives here
}

// maxRounds guards the fixed-point loop; real programs settle in a few.
const maxRounds = 32

func optimize(ops []op) []op {
	o, _ := optimizers.Get().(*optimizer)
	if o == nil {
		o = &optimizer{}
	}
	defer optimizers.Put(o)
	for round := 0; round < maxRounds; round++ {
		changed := false
		for _, pass := range passes {
			if pass(o, ops) {
				changed = true
				ops = o.compact(ops)
			}
		}
		if !changed {
			break
		}
	}
	return ops
}

func toProgram(ops []op) *bpfasm.Program {
	p := &bpfasm.Program{Insns: make([]bpfasm.Instr, 0, len(ops)), Labels: make(map[string]int, len(ops)/2)}
	labels := make([]string, len(ops)+1)
	label := func(i int) string {
		if labels[i] == "" {
			labels[i] = "L" + strconv.Itoa(i)
		}
		return labels[i]
	}
	used := make([]bool, len(ops)+1)
	for _, o := range ops {
		if isJA(o.in) || isCond(o.in) {
			used[o.t] = true
			if isCond(o.in) {
				used[o.f] = true
			}
		}
	}
	for i, o := range ops {
		if used[i] {
			p.Mark(label(i))
		}
		in := bpfasm.Instr{Insn: o.in}
		switch {
		case isJA(o.in):
			in.K, in.True = 0, label(o.t)
		case isCond(o.in):
			in.Jt, in.Jf, in.True, in.False = 0, 0, label(o.t), label(o.f)
		}
		p.Emit(in)
	}
	return p
}

// compact drops dead ops and renumbers jumps; a jump to a dropped op lands
// on the next live one, which is what a dropped no-op falls through to.
func (opt *optimizer) compact(ops []op) []op {
	idx := grow(&opt.idx, len(ops)+1)
	n := 0
	for i, o := range ops {
		idx[i] = n
		if !o.dead {
			n++
		}
	}
	idx[len(ops)] = n
	out := ops[:0] // in place: an op only ever moves down
	for _, o := range ops {
		if o.dead {
			continue
		}
		if o.t >= 0 {
			o.t = idx[o.t]
		}
		if o.f >= 0 {
			o.f = idx[o.f]
		}
		out = append(out, o)
	}
	return out
}

// threadJumps makes every jump go where it ends up: a jump to a ja goes to
// the ja's target, a ja to a ret becomes the ret, a ja to the next
// instruction disappears, and a conditional jump whose branches meet
// becomes a ja.
func (*optimizer) threadJumps(ops []op) bool {
	changed := false
	follow := func(t int) int {
		for t < len(ops) && isJA(ops[t].in) && !ops[t].dead {
			t = ops[t].t
		}
		return t
	}
	for i := range ops {
		o := &ops[i]
		if o.dead {
			continue
		}
		switch {
		case isJA(o.in):
			t := follow(o.t)
			if t != o.t {
				o.t, changed = t, true
			}
			if isRetK(ops[t].in) {
				*o = op{in: ops[t].in, t: -1, f: -1}
				changed = true
			} else if t == i+1 {
				o.dead, changed = true, true
			}
		case isCond(o.in):
			t, f := follow(o.t), follow(o.f)
			if t != o.t || f != o.f {
				o.t, o.f, changed = t, f, true
			}
			if t == f {
				*o = op{in: bpfasm.Stmt(bpfasm.JMP|bpfasm.JA, 0), t: t, f: -1}
				changed = true
			}
		}
	}
	return changed
}

// dropUnreachable removes what no path from the first instruction reaches.
func (opt *optimizer) dropUnreachable(ops []op) bool {
	seen := grow(&opt.reached, len(ops))
	clear(seen)
	seen[0] = true
	changed := false
	for i, o := range ops {
		if o.dead && seen[i] && i+1 < len(ops) {
			seen[i+1] = true // jumps to a dropped op land on the next
		}
		if !seen[i] || o.dead {
			if !o.dead {
				ops[i].dead, changed = true, true
			}
			continue
		}
		succ, n := successors(o, i)
		for _, s := range succ[:n] {
			if s < len(ops) {
				seen[s] = true
			}
		}
	}
	return changed
}

// successors returns where o, at i, can go next: the first n of succ.
func successors(o op, i int) (succ [2]int, n int) {
	switch {
	case isRetK(o.in) || o.in.Op == bpfasm.RET|bpfasm.A:
		return succ, 0
	case isJA(o.in):
		return [2]int{o.t}, 1
	case isCond(o.in):
		return [2]int{o.t, o.f}, 2
	}
	return [2]int{i + 1}, 1
}

// mergeTails shares identical code: two instructions that do the same
// thing and continue at the same place (a test with the same targets, a
// load or mask followed by the same code) are one, and every jump goes to
// the last copy, so the others become unreachable unless something falls
// into them. Working from the end, a parent whose children were merged is
// itself found identical in the same sweep: whole identical subtrees, such
// as the x86_64 and x32 trees' bodies for the same rules, collapse at once.
// Rets are left alone: their copies are there to save a jump.
func (opt *optimizer) mergeTails(ops []op) bool {
	canon := grow(&opt.canon, len(ops)+1)
	canon[len(ops)] = len(ops)
	// An op's key finds the ops met already (later in the program) with
	// the same key: a hash table chained through next, because Go's map,
	// hashing the 24-byte keys, took a tenth of a compile.
	size := 1
	for size < 2*len(ops) {
		size *= 2
	}
	heads, next, keys := grow(&opt.heads, size), grow(&opt.next, len(ops)), grow(&opt.keys, len(ops))
	for h := range heads {
		heads[h] = -1
	}
	for i := len(ops) - 1; i >= 0; i-- {
		canon[i] = i
		o := ops[i]
		var k mergeKey
		switch {
		case o.dead:
			canon[i] = canon[i+1]
			continue
		case isCond(o.in):
			k = mergeKey{o.in, canon[o.t], canon[o.f]}
		case o.in.Op == bpfasm.LD|bpfasm.W|bpfasm.ABS, o.in.Op == bpfasm.ALU|bpfasm.AND|bpfasm.K:
			k = mergeKey{o.in, canon[i+1], -1}
		default:
			continue
		}
		h := k.hash() & uint64(size-1)
		j := heads[h]
		for j >= 0 && keys[j] != k {
			j = next[j]
		}
		if j >= 0 {
			canon[i] = int(j)
		} else {
			keys[i], next[i], heads[h] = k, heads[h], int32(i)
		}
	}
	changed := false
	for i := range ops {
		o := &ops[i]
		if o.dead || !(isJA(o.in) || isCond(o.in)) {
			continue
		}
		// Targets only move forward (a copy is merged into a later one),
		// so the pass ends and jumps stay forward.
		if t := canon[o.t]; t != o.t && t > i {
			o.t, changed = t, true
		}
		if isCond(o.in) {
			if f := canon[o.f]; f != o.f && f > i {
				o.f, changed = f, true
			}
		}
	}
	return changed
}

// mergeKey is what makes two instructions the same for mergeTails.
type mergeKey struct {
	in   bpfasm.Insn
	t, f int
}

func (k mergeKey) hash() uint64 {
	x := uint64(k.in.Op) | uint64(k.in.Jt)<<16 | uint64(k.in.Jf)<<24 | uint64(k.in.K)<<32
	x ^= uint64(k.t)*0x9e3779b97f4a7c15 ^ uint64(k.f+1)*0xc2b2ae3d27d4eb4f
	x ^= x >> 31
	x *= 0x94d049bb133111eb
	return x ^ x>>29
}

// deadLoads removes loads and masks whose result is overwritten on every
// path before anything reads it (left behind when knownValues decides the
// test they fed).
func (opt *optimizer) deadLoads(ops []op) bool {
	live := opt.liveness(ops)
	changed := false
	for i, o := range ops {
		if o.dead || !(o.in.Op == bpfasm.LD|bpfasm.W|bpfasm.ABS || o.in.Op == bpfasm.ALU|bpfasm.AND|bpfasm.K) {
			continue
		}
		// The load or mask writes A and falls through: useless if A is
		// dead after it.
		if i+1 < len(ops) && !live[i+1] {
			ops[i].dead, changed = true, true
		}
	}
	return changed
}

// liveness reports for each instruction whether the value A holds on entry
// may be read before it is overwritten.
func (opt *optimizer) liveness(ops []op) []bool {
	live := grow(&opt.live, len(ops)+1)
	live[len(ops)] = false
	for i := len(ops) - 1; i >= 0; i-- {
		o := ops[i]
		if o.dead {
			live[i] = live[i+1]
			continue
		}
		out := false
		succ, n := successors(o, i)
		for _, s := range succ[:n] {
			out = out || s >= len(ops) || live[s]
		}
		switch {
		case o.in.Op == bpfasm.LD|bpfasm.W|bpfasm.ABS, isRetK(o.in):
			live[i] = false
		case isJA(o.in):
			live[i] = out
		default: // tests and ALU read A; anything else is taken to
			live[i] = true
		}
	}
	return live
}

// copyRets replaces each ja that lands on a ret with a copy of the ret:
// same length, one instruction less executed. Assemble's trampolines for
// jumps out of reach are such jas.
func copyRets(insns []bpfasm.Insn) {
	for i, in := range insns {
		if isJA(in) {
			if t := i + 1 + int(in.K); t < len(insns) && isRetK(insns[t]) {
				insns[i] = insns[t]
			}
		}
	}
}
