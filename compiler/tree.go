package compiler

import (
	"sync"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/syscalls"
)

// The syscall-number dispatch is the minimum-expected-cost search tree over
// the spans of one audit arch (the classic optimal alphabetic tree, as in
// Minijail's optimizer): every test costs one instruction on every path
// through it, so the cost of a subtree over spans i..j is the weight of
// those spans (every call that reaches it pays its test) plus the cost of
// its two halves. A leaf costs nothing: the parent's jump goes straight to
// the ret or body.
//
// Two shapes of test are considered for an interval:
//   - split: `jge lo[m]` sends spans m..j right and i..m-1 left;
//   - chain: when every span but those of one outcome O is a single number,
//     a row of `jeq`s (heaviest first) picks them off and the rest is O.
//     This is what makes `A b A` one instruction instead of two.

// maxChain bounds the singletons a chain picks off: longer rows never beat
// a tree by enough to be worth searching.
const maxChain = 3

type dispatch struct {
	spans []span
	w     []float64 // weight of each span
	pre   []float64 // prefix sums of w
	n     int
	// outs are the spans' outcomes side by side, for the chain search.
	outs []int32
	// Tables over intervals i..j, stored by diagonal: the intervals of
	// each length in turn, at diag[j-i]+i (see at). The planner fills one
	// length after another and reads shorter ones next to each other, so
	// it walks every table in order; Docker's profile has a few hundred
	// spans per arch, and a square table would not stay in cache.
	diag []int
	cost []float32
	// best is the best split of i..j ignoring chains (what Knuth's bound
	// needs); it is the split the tree takes unless the interval chains.
	// Spans per tree are bounded by the syscall tables, a few thousand at
	// most.
	best []int16
	// chains holds, for the short intervals that chain, the jeq order:
	// only intervals of at most chainSpans spans can, so the table is
	// n*chainSpans, indexed by i*chainSpans + j-i.
	chains []chainOrder

	scratch *planScratch // where the tables come from; see release
}

// chainSpans is the most spans a chain can cover: maxChain singletons
// and the maxChain+1 runs of the other outcome around them.
const chainSpans = 2*maxChain + 1

// chainOrder is the jeq order of a chain; n == 0: the interval does not
// chain.
type chainOrder struct {
	n     int8
	picks [maxChain]int16
}

func (d *dispatch) weight(i, j int) float64 { return d.pre[j+1] - d.pre[i] }
func (d *dispatch) at(i, j int) int         { return d.diag[j-i] + i }

// splitAt is the first span of the right half of i..j's test, or -1 when
// i..j is a chain of jeqs.
func (d *dispatch) splitAt(i, j int) int {
	if j-i < chainSpans && d.chains[i*chainSpans+j-i].n > 0 {
		return -1
	}
	return int(d.best[d.at(i, j)])
}

// chainAt is the jeq order of a chained interval (spans, heaviest first).
func (d *dispatch) chainAt(i, j int) []int {
	if j-i >= chainSpans {
		return nil
	}
	c := d.chains[i*chainSpans+j-i]
	out := make([]int, c.n)
	for k := range out {
		out[k] = int(c.picks[k])
	}
	return out
}

func (d *dispatch) costOf(i, j int) float64 { return float64(d.cost[d.at(i, j)]) }

// planScratch holds a plan's tables between compiles: Docker's profile
// needs half a megabyte of them, and allocating (and collecting) that for
// every compile cost more than filling it.
type planScratch struct {
	pre    []float64
	outs   []int32
	diag   []int
	chains []chainOrder
	cost   []float32
	best   []int16
}

var scratchPool sync.Pool

// grow returns (*s)[:n], reallocating when it is too short.
func grow[T any](s *[]T, n int) []T {
	if cap(*s) < n {
		*s = make([]T, n)
	}
	return (*s)[:n]
}

// release hands the tables back for the next plan; d is unusable after.
func (d *dispatch) release() {
	if d.scratch != nil {
		scratchPool.Put(d.scratch)
	}
	*d = dispatch{}
}

// planTree fills the cost tables. With knuth, the best split point is
// searched between the best splits of i..j-1 and i+1..j (Knuth's bound for
// optimal search trees), which keeps planning quadratic; TestTreeIsOptimal
// compares it with the cubic search.
func planTree(spans []span, w []float64, knuth bool) *dispatch {
	n := len(spans)
	cells := n * (n + 1) / 2
	sc, _ := scratchPool.Get().(*planScratch)
	if sc == nil {
		sc = &planScratch{}
	}
	d := &dispatch{spans: spans, w: w, n: n, scratch: sc,
		pre: grow(&sc.pre, n+1), outs: grow(&sc.outs, n), diag: grow(&sc.diag, n),
		chains: grow(&sc.chains, n*chainSpans), cost: grow(&sc.cost, cells), best: grow(&sc.best, cells)}
	// Only these are read before they are written: no chain yet, and a
	// single span (a leaf) costs nothing.
	clear(d.chains)
	cells = 0
	for l := range n {
		d.diag[l] = cells
		cells += n - l
	}
	clear(d.cost[:n])
	d.pre[0] = 0
	for i, x := range w {
		d.pre[i+1] = d.pre[i] + x
	}
	for i, s := range spans {
		d.outs[i] = int32(s.out)
	}
	// The tables live in locals: this loop is the hot spot of a compile,
	// and fields of d would be reloaded after every store.
	cost, best, diag := d.cost, d.best, d.diag
	for i := range n {
		best[i] = int16(i) // diagonal 0 starts at 0
	}
	for length := 2; length <= n; length++ {
		here, prev := diag[length-1], diag[length-2]
		for i := 0; i+length-1 < n; i++ {
			j := i + length - 1
			lo, hi := i+1, j
			if knuth && length > 2 {
				// best(i, j-1) and best(i+1, j), side by side on the
				// previous diagonal.
				lo, hi = max(int(best[prev+i]), i+1), min(int(best[prev+i+1]), j)
			}
			// cost(i, m-1) + cost(m, j); with the bound moving one span
			// per interval, each walks along its diagonal.
			bc, bm := cost[diag[lo-1-i]+i]+cost[diag[j-lo]+lo], lo
			for m := lo + 1; m <= hi; m++ {
				if c := cost[diag[m-1-i]+i] + cost[diag[j-m]+m]; c < bc {
					bc, bm = c, m
				}
			}
			at := here + i
			best[at] = int16(bm)
			total := bc + float32(d.pre[j+1]-d.pre[i])
			if length <= chainSpans {
				if c, order, ok := d.chainCost(i, j); ok && float32(c) < total {
					total = float32(c)
					d.chains[i*chainSpans+j-i] = order
				}
			}
			cost[at] = total
		}
	}
	return d
}

// chainCost prices a row of jeqs over i..j, if the interval has that shape.
func (d *dispatch) chainCost(i, j int) (float64, chainOrder, bool) {
	bestCost, found := 0.0, false
	var bestOrder chainOrder
	for try, o := range [2]int32{d.outs[i], d.outs[i+1]} {
		if try == 1 && o == d.outs[i] {
			break // the same outcome again: the same chain
		}
		var picks chainOrder
		ok := true
		for k := i; k <= j; k++ {
			if d.outs[k] == o {
				continue
			}
			if d.spans[k].lo != d.spans[k].hi || int(picks.n) == maxChain {
				ok = false
				break
			}
			// Insert by weight, heaviest first; equal weights keep
			// their order (a stable sort).
			p := int(picks.n)
			for p > 0 && d.w[picks.picks[p-1]] < d.w[k] {
				picks.picks[p] = picks.picks[p-1]
				p--
			}
			picks.picks[p] = int16(k)
			picks.n++
		}
		if !ok || picks.n == 0 {
			continue
		}
		rest := d.weight(i, j)
		var c float64
		for n, k := range picks.picks[:picks.n] {
			c += d.w[k] * float64(n+1)
			rest -= d.w[k]
		}
		c += rest * float64(picks.n)
		if !found || c < bestCost {
			bestCost, bestOrder, found = c, picks, true
		}
	}
	return bestCost, bestOrder, found
}

// emit writes the tree for spans i..j at the current position, A holding
// the number.
func (g *gen) emitTree(d *dispatch, i, j int) {
	if i == j {
		g.jump(bpfasm.JMP|bpfasm.JA, 0, d.spans[i].out, 0)
		return
	}
	if m := d.splitAt(i, j); m >= 0 {
		left, right := g.subtree(d, i, m-1), g.subtree(d, m, j)
		g.jump(bpfasm.JMP|bpfasm.JGE|bpfasm.K, d.spans[m].lo, right.label, left.label)
		for _, s := range []subtree{left, right} {
			if !s.leaf {
				g.mark(s.label)
				g.emitTree(d, s.i, s.j)
			}
		}
		return
	}
	picks := d.chainAt(i, j)
	var rest outcome
	for k := i; k <= j; k++ {
		if !contains(picks, k) {
			rest = d.spans[k].out
			break
		}
	}
	for n, k := range picks {
		f := label(0) // the next jeq
		if n == len(picks)-1 {
			f = rest
		}
		g.jump(bpfasm.JMP|bpfasm.JEQ|bpfasm.K, d.spans[k].lo, d.spans[k].out, f)
	}
}

type subtree struct {
	label label
	leaf  bool
	i, j  int
}

func (g *gen) subtree(d *dispatch, i, j int) subtree {
	if i == j {
		return subtree{label: d.spans[i].out, leaf: true}
	}
	return subtree{label: g.newLabel(), i: i, j: j}
}

func contains(s []int, x int) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// Profile counts how often each syscall is called, keyed by audit arch and
// number as seccomp_data carries them (x32 numbers include X32Bit). With a
// profile the dispatch tree puts hot syscalls near its root.
type Profile map[ProfileKey]uint64

// ProfileKey identifies a syscall as a filter sees it.
type ProfileKey struct {
	AuditArch uint32
	Nr        uint32
}

// spanWeights gives each span the share of calls expected to land in it.
// Without a profile every syscall of the ABI's table weighs the same; with
// one, calls are weighted by their counts, and every syscall of the table
// keeps a small share so that unseen ones are not pushed arbitrarily deep.
// Without a profile, syscalls the policy denies weigh deniedWeight: a
// program under an allowlist makes allowed calls, and a denied one is
// rare (and usually fatal to it), so the allowed ones go near the root.
// Numbers outside the tables (and the x32 half when x32 is not a target)
// weigh next to nothing: only broken or hostile programs call them.
func spanWeights(w []float64, spans []span, filters []*policy.Filter, prof Profile, denied func(outcome) bool) []float64 {
	const stray = 1e-6
	w = grow(&w, len(spans))
	for i := range w {
		w[i] = stray
	}
	// Native numbers before x32 ones: a span that crosses X32Bit adds them
	// in number order.
	if len(filters) == 2 && filters[0].Arch.X32 {
		filters = []*policy.Filter{filters[1], filters[0]}
	}
	for _, f := range filters {
		var total uint64
		for k, c := range prof {
			if k.AuditArch == f.Arch.AuditArch && isX32Nr(f.Arch, k.Nr) == f.Arch.X32 {
				total += c
			}
		}
		base := 1.0
		if f.Arch.X32 {
			base = x32Weight
		}
		nrs := f.Arch.Nrs()
		k := 0
		for i, s := range spans {
			for k < len(nrs) && nrs[k] < s.lo {
				k++
			}
			scale := 1.0
			if len(prof) == 0 && denied(s.out) {
				scale = deniedWeight
			}
			for ; k < len(nrs) && nrs[k] <= s.hi; k++ {
				x := base
				if total > 0 {
					share := float64(prof[ProfileKey{f.Arch.AuditArch, nrs[k]}]) / float64(total)
					x = 0.99*share*float64(len(nrs)) + 0.01
				}
				w[i] += x * scale
			}
		}
	}
	return w
}

// x32Weight is the weight of an x32 syscall without a profile: x32
// programs are rare, so the x32 half hangs deep in the x86_64 tree and
// x86_64 calls do not pay for the x32 check.
const x32Weight = 0.01

// deniedWeight trades allowed calls against denied ones. On
// examples/nginx.pol, 1 (pure uniform) gives 10.6 instructions per allowed
// call and 9.8 over all calls, 0.1 gives 9.4 and 10.4, and lower values
// buy almost nothing more.
const deniedWeight = 0.1

func isX32Nr(a *syscalls.Arch, nr uint32) bool {
	return a.AuditArch == syscalls.AuditArchX86_64 && nr&syscalls.X32Bit != 0
}
