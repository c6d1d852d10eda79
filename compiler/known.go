package compiler

import (
	"github.com/scc-dev/scc/bpfasm"
)

// knownValues follows what each path has learnt about the seccomp data and
// uses it. seccomp_data never changes while the filter runs, so whatever a
// test established on the way to an instruction still holds there:
//
//   - a load of the word A already holds is dropped (load reuse);
//   - an `and` that cannot clear any more bits is dropped;
//   - a test whose outcome is fixed by what the path knows becomes a ja:
//     the high word of an argument that an earlier comparison found to be
//     0 need not be tested again (shared high-word tests), and tests the
//     mask makes moot (`jgt 0xffffffff`) go away.
//
// The facts at an instruction are what holds on every path into it (jumps
// only go forward, so one pass in program order sees every predecessor
// first), which keeps each rewrite exact.
func (opt *optimizer) knownValues(ops []op) bool {
	in := grow(&opt.in, len(ops)+1)
	clear(in) // drops the last pass's facts, which point into the arena
	reached := grow(&opt.reached, len(ops)+1)
	clear(reached)
	reached[0] = true
	arena := &opt.arena
	arena.reset()
	flow := func(to int, s facts) {
		if !reached[to] {
			in[to], reached[to] = s, true
			return
		}
		in[to] = meet(in[to], s, arena)
	}
	changed := false
	live := opt.liveness(ops)
	// edge sends a jump with what it knows as far as that decides: past
	// tests it settles (jump threading with facts), including a load and
	// test pair when the load's value is not needed where the test leads.
	// This is what shares a high-word test between the comparisons of an
	// OR: a failed `hi == 0` skips every later `hi == 0`.
	edge := func(t int, st facts) int {
		for range 16 {
			if t >= len(ops) || ops[t].dead {
				break
			}
			a, aKnown, test := st.a, st.aKnown, t
			if ops[t].in.Op == bpfasm.LD|bpfasm.W|bpfasm.ABS {
				a, aKnown, test = word{off: ops[t].in.K, mask: ^uint32(0)}, true, t+1
			}
			if !aKnown || test >= len(ops) || ops[test].dead || !isCond(ops[test].in) || ops[test].in.Op&bpfasm.X != 0 {
				break
			}
			rt, rf := branch(ops[test].in, st.rangeOf(a))
			var u int
			switch {
			case rt.empty():
				u = ops[test].f
			case rf.empty():
				u = ops[test].t
			default:
				u = -1
			}
			if u < 0 || (test != t && !(st.aKnown && st.a == a) && live[u]) {
				break
			}
			t, changed = u, true
		}
		flow(t, st)
		return t
	}
	for i := range ops {
		if !reached[i] {
			continue
		}
		st := in[i]
		o := &ops[i]
		if o.dead { // a no-op dropped this round
			flow(i+1, st)
			continue
		}
		switch {
		case o.in.Op == bpfasm.LD|bpfasm.W|bpfasm.ABS:
			k := word{off: o.in.K, mask: ^uint32(0)}
			if st.aKnown && st.a == k {
				o.dead, changed = true, true
			}
			st.a, st.aKnown = k, true
			flow(i+1, st)
		case o.in.Op == bpfasm.ALU|bpfasm.AND|bpfasm.K:
			if st.aKnown {
				m := st.a.mask & o.in.K
				if m == st.a.mask {
					o.dead, changed = true, true
				}
				st.a.mask = m
			}
			flow(i+1, st)
		case isJA(o.in):
			o.t = edge(o.t, st)
		case isCond(o.in) && o.in.Op&bpfasm.X == 0:
			if !st.aKnown {
				o.t = edge(o.t, st)
				o.f = edge(o.f, st)
				break
			}
			rt, rf := branch(o.in, st.rangeOf(st.a))
			switch {
			case rt.empty():
				*o = op{in: bpfasm.Stmt(bpfasm.JMP|bpfasm.JA, 0), t: o.f, f: -1}
				changed = true
				o.t = edge(o.t, st)
			case rf.empty():
				*o = op{in: bpfasm.Stmt(bpfasm.JMP|bpfasm.JA, 0), t: o.t, f: -1}
				changed = true
				o.t = edge(o.t, st)
			default:
				o.t = edge(o.t, st.with(st.a, rt, arena))
				o.f = edge(o.f, st.with(st.a, rf, arena))
			}
		case isRetK(o.in) || o.in.Op == bpfasm.RET|bpfasm.A:
		default:
			// Anything else (never generated today) may change A: forget
			// it, keep the facts about the data.
			st.aKnown = false
			succ, n := successors(*o, i)
			for _, s := range succ[:n] {
				flow(s, st)
			}
		}
	}
	return changed
}

// word is a 32-bit word of seccomp_data under a mask: (data[off] & mask).
type word struct{ off, mask uint32 }

// interval is the values a word can still have, lo..hi inclusive.
type interval struct{ lo, hi uint32 }

func (r interval) empty() bool { return r.lo > r.hi }

var emptyInterval = interval{1, 0}

type known struct {
	w word
	r interval
}

// facts is what a path knows. ws is shared between states and never
// changed in place: with and meet build new slices, at the end of an
// arena (one buffer per pass instead of an allocation per fact).
type facts struct {
	a      word // what A holds, if aKnown
	aKnown bool
	ws     []known
}

func (s facts) rangeOf(w word) interval {
	for _, k := range s.ws {
		if k.w == w {
			return k.r
		}
	}
	return interval{0, w.mask} // a masked word cannot exceed its mask
}

func (s facts) with(w word, r interval, arena *factArena) facts {
	for _, k := range s.ws {
		if k.w == w && k.r == r {
			return s // nothing new: keep sharing the slice
		}
	}
	ws := arena.alloc(len(s.ws) + 1)
	copy(ws, s.ws)
	n := len(s.ws)
	found := false
	for i := range ws[:n] {
		if ws[i].w == w {
			ws[i].r = r
			found = true
			break
		}
	}
	if found {
		arena.trim(ws, n)
	} else {
		ws[n] = known{w, r}
		n++
	}
	s.ws = ws[:n:n]
	return s
}

// meet is what holds on both paths.
func meet(a, b facts, arena *factArena) facts {
	out := facts{a: a.a, aKnown: a.aKnown && b.aKnown && a.a == b.a}
	if sameKnown(a.ws, b.ws) {
		out.ws = a.ws // the common case of paths that learnt the same
		return out
	}
	ws := arena.alloc(min(len(a.ws), len(b.ws)))
	n := 0
	for _, k := range a.ws {
		for _, l := range b.ws {
			if k.w == l.w {
				ws[n] = known{k.w, interval{min(k.r.lo, l.r.lo), max(k.r.hi, l.r.hi)}}
				n++
			}
		}
	}
	arena.trim(ws, n)
	out.ws = ws[:n:n]
	return out
}

// factArena hands out the facts' slices from chunks that are never moved
// or grown, so that the facts handed out before stay valid without the
// copying of a growing slice: one growing slice allocated 75 KB on Docker's
// profile, for 27 KB of facts.
type factArena struct {
	chunks [][]known // kept for the next pass
	i      int       // the chunk being filled
}

// arenaChunk is the length of a chunk: 4 KB.
const arenaChunk = 256

func (a *factArena) reset() {
	a.i = 0
	if len(a.chunks) > 0 {
		a.chunks[0] = a.chunks[0][:0]
	}
}

// alloc returns n facts' room.
func (a *factArena) alloc(n int) []known {
	if len(a.chunks) == 0 || cap(a.chunks[a.i])-len(a.chunks[a.i]) < n {
		if len(a.chunks) > 0 {
			a.i++
		}
		for a.i < len(a.chunks) && cap(a.chunks[a.i]) < n {
			a.i++ // a chunk too short for this one; cannot happen with real facts
		}
		if a.i == len(a.chunks) {
			a.chunks = append(a.chunks, make([]known, 0, max(arenaChunk, n)))
		}
		a.chunks[a.i] = a.chunks[a.i][:0]
	}
	c := a.chunks[a.i]
	a.chunks[a.i] = c[:len(c)+n]
	return c[len(c) : len(c)+n]
}

// trim gives back the room past the first n of ws, the last alloc.
func (a *factArena) trim(ws []known, n int) {
	c := a.chunks[a.i]
	a.chunks[a.i] = c[:len(c)-(len(ws)-n)]
}

func sameKnown(a, b []known) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// branch splits the values r of A into those taking the jump's true and
// false branches. For jset only a single known value is split exactly; any
// other range goes both ways unchanged.
func branch(in bpfasm.Insn, r interval) (t, f interval) {
	k := in.K
	switch in.Op &^ bpfasm.X {
	case bpfasm.JMP | bpfasm.JEQ:
		if k < r.lo || k > r.hi {
			return emptyInterval, r
		}
		f = r
		switch {
		case r.lo == r.hi:
			f = emptyInterval
		case k == r.lo:
			f.lo++
		case k == r.hi:
			f.hi--
		}
		return interval{k, k}, f
	case bpfasm.JMP | bpfasm.JGT:
		return clip(r, uint64(k)+1, 1<<32-1), clip(r, 0, uint64(k))
	case bpfasm.JMP | bpfasm.JGE:
		if k == 0 {
			return r, emptyInterval
		}
		return clip(r, uint64(k), 1<<32-1), clip(r, 0, uint64(k)-1)
	case bpfasm.JMP | bpfasm.JSET:
		if r.lo == r.hi {
			if r.lo&k != 0 {
				return r, emptyInterval
			}
			return emptyInterval, r
		}
		// Every value in range fits in bitsLen(hi) bits: if k has none of
		// those, no value has any of k's bits.
		if below := uint64(1)<<bitsLen(r.hi) - 1; uint64(k)&below == 0 {
			return emptyInterval, r
		}
	}
	return r, r
}

func bitsLen(x uint32) uint {
	n := uint(0)
	for x != 0 {
		x >>= 1
		n++
	}
	return n
}

func clip(r interval, lo, hi uint64) interval {
	l, h := max(uint64(r.lo), lo), min(uint64(r.hi), hi)
	if l > h {
		return emptyInterval
	}
	return interval{uint32(l), uint32(h)}
}
