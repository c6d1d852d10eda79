// Package compiler lowers a resolved policy to a classic seccomp BPF program.
//
// Layout of the generated program:
//
//	ld arch; jeq AUDIT_ARCH_A, A, …; jeq AUDIT_ARCH_B, B, badarch
//	A: ld nr; a search tree over ranges of syscall numbers
//	   leaves: either a shared `ret ACTION`, or the body of a syscall
//	   whose outcome depends on its arguments (its rules in order)
//	…
//	one `ret` per distinct action, shared by every jump to it
//
// Syscalls whose outcome does not depend on their arguments reach their
// `ret` without loading an argument, so the kernel's action cache can decide
// them from arch and number alone. x32 numbers (bit 0x40000000 under
// AUDIT_ARCH_X86_64) are a range of the x86_64 tree: they go to the x32
// filter when x32 is a target, else to the bad-arch action.
//
// The search tree is the minimum-expected-cost tree over the ranges
// (tree.go), weighted uniformly or by a frequency profile; the program then
// goes through peephole passes run to a fixed point (optimize.go, known.go).
// docs/performance.md describes both and the figures.
package compiler

import (
	"encoding/binary"
	"fmt"
	"sort"
	"sync"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/syscalls"
)

// Options tune code generation. The zero value is the default.
type Options struct {
	// Profile, when not empty, weights the dispatch tree by how often
	// each syscall is called (see record.ReadProfile); by default every
	// syscall of an ABI's table weighs the same.
	Profile Profile

	// NewerAction, when set, is returned for syscall numbers above the
	// largest in each target ABI's table instead of the default: calls
	// newer than scc's tables (errno(ENOSYS), as runc's patchbpf stub
	// does, lets libc fall back from clone3 or faccessat2 when the default
	// is kill or EPERM). Reference semantics: DecideNewer.
	NewerAction *policy.Action
}

// DecideNewer is policy.Decide with Options.NewerAction: a call from a
// target ABI whose number is above that ABI's largest gets newer.
func DecideNewer(p *policy.Policy, newer *policy.Action, auditArch, nr uint32, args *[6]uint64) policy.Action {
	if newer != nil {
		if f := p.Lookup(auditArch, nr); f != nil && nr > f.Arch.MaxNr() {
			return *newer
		}
	}
	return p.Decide(auditArch, nr, args)
}

// Compile lowers p to a BPF program that the kernel accepts.
func Compile(p *policy.Policy, opts Options) ([]bpfasm.Insn, error) {
	g := newGen(p, opts)
	defer g.free()
	ops, err := g.lower()
	if err != nil {
		return nil, err
	}
	insns, err := g.asm.assemble(ops)
	if err != nil {
		return nil, err
	}
	copyRets(insns)
	if err := bpfasm.Verify(insns); err != nil {
		return nil, fmt.Errorf("compiler produced a program the kernel would reject (a bug in scc): %w", err)
	}
	return insns, nil
}

// Lower produces the symbolic program, before labels are resolved.
func Lower(p *policy.Policy, opts Options) (*bpfasm.Program, error) {
	g := newGen(p, opts)
	defer g.free()
	ops, err := g.lower()
	if err != nil {
		return nil, err
	}
	return toProgram(ops), nil
}

// lower generates the program and optimizes it. Code is generated straight
// into ops whose jumps name labels (small integers, not strings: hashing
// label names cost a third of a compile), which resolve turns into
// instruction indexes. The ops live in g's buffers: they are good until
// g is freed.
func (g *gen) lower() ([]op, error) {
	if len(g.p.Filters) == 0 {
		return nil, fmt.Errorf("the policy has no target architecture")
	}
	g.archDispatch()
	// Bodies come after every tree, so that ABIs with identical rules for
	// a syscall share one body and every jump to it goes forward.
	for _, b := range g.queue {
		g.mark(b.label)
		g.body(b.s)
	}
	g.emitRets()
	if err := g.resolve(); err != nil {
		return nil, err
	}
	return optimize(g.ops), nil
}

// label names an instruction of the program being generated. Labels are
// numbered from 1; 0 is the next instruction (a false branch that falls
// through).
type label int32

type labelInfo struct {
	at  int           // the instruction marked, -1 until mark
	ret bool          // the label of a shared ret
	act policy.Action // …returning this
}

type gen struct {
	p      *policy.Policy
	opts   Options
	ops    []op                    // jumps name labels until resolve
	labels []labelInfo             // by label
	bodies map[string]label        // body key → label, so identical rule chains are emitted once
	rets   map[policy.Action]label // the actions returned, with their labels
	queue  []pendingBody

	// Scratch, kept with the rest between compiles.
	key     []byte // bodyKey
	spans   []span
	weights []float64
	asm     assembler
}

// gens keeps generators between compiles: Docker's profile needs some
// 100 KB of buffers, and allocating and collecting them at every compile
// cost more than filling them.
var gens sync.Pool

func newGen(p *policy.Policy, opts Options) *gen {
	g, _ := gens.Get().(*gen)
	if g == nil {
		g = &gen{bodies: map[string]label{}, rets: map[policy.Action]label{}}
	}
	g.p, g.opts = p, opts
	g.ops, g.queue = g.ops[:0], g.queue[:0]
	g.labels = append(g.labels[:0], labelInfo{}) // label 0 is "the next instruction"
	return g
}

// free hands g back for the next compile, holding on to nothing of this
// one's policy.
func (g *gen) free() {
	clear(g.queue)
	clear(g.bodies)
	clear(g.rets)
	g.p, g.opts = nil, Options{}
	gens.Put(g)
}

type pendingBody struct {
	label label
	s     *policy.Syscall
}

func (g *gen) newLabel() label {
	g.labels = append(g.labels, labelInfo{at: -1})
	return label(len(g.labels) - 1)
}

// mark makes l name the next instruction emitted.
func (g *gen) mark(l label) { g.labels[l].at = len(g.ops) }

func (g *gen) emit(in bpfasm.Insn) { g.ops = append(g.ops, op{in: in, t: -1, f: -1}) }

// jump emits a jump to labels t and f (f unused for ja).
func (g *gen) jump(opc uint16, k uint32, t, f label) {
	g.ops = append(g.ops, op{in: bpfasm.Insn{Op: opc, K: k}, t: int(t), f: int(f)})
}

func stmt(op uint16, k uint32) bpfasm.Insn { return bpfasm.Insn{Op: op, K: k} }

func load(off uint32) bpfasm.Insn { return stmt(bpfasm.LD|bpfasm.W|bpfasm.ABS, off) }

// resolve turns the labels jumps name into instruction indexes.
func (g *gen) resolve() error {
	target := func(i int, l int) (int, error) {
		if l == 0 {
			return i + 1, nil
		}
		t := g.labels[l].at
		if t <= i {
			return 0, fmt.Errorf("compiler: bad jump to label %d at %d (a bug in scc)", l, i)
		}
		return t, nil
	}
	for i := range g.ops {
		o := &g.ops[i]
		var err error
		switch {
		case isJA(o.in):
			o.t, err = target(i, o.t)
			o.f = -1
		case isCond(o.in):
			if o.t, err = target(i, o.t); err == nil {
				o.f, err = target(i, o.f)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// ret returns the label of the shared `ret a`.
func (g *gen) ret(a policy.Action) label {
	l, ok := g.rets[a]
	if !ok {
		l = g.newLabel()
		g.labels[l].ret, g.labels[l].act = true, a
		g.rets[a] = l
	}
	return l
}

func (g *gen) emitRets() {
	acts := make([]policy.Action, 0, len(g.rets))
	for a := range g.rets {
		acts = append(acts, a)
	}
	sort.Slice(acts, func(i, j int) bool { return acts[i] < acts[j] })
	for _, a := range acts {
		g.mark(g.rets[a])
		g.emit(stmt(bpfasm.RET|bpfasm.K, uint32(a)))
	}
}

// archDispatch checks the audit arch once and enters the tree of its ABI(s).
func (g *gen) archDispatch() {
	// Group filters by audit arch, keeping the policy's order: x86_64 and
	// x32 share one check and one tree.
	var order []uint32
	groups := map[uint32][]*policy.Filter{}
	for _, f := range g.p.Filters {
		if _, ok := groups[f.Arch.AuditArch]; !ok {
			order = append(order, f.Arch.AuditArch)
		}
		groups[f.Arch.AuditArch] = append(groups[f.Arch.AuditArch], f)
	}
	// Each check falls through into its ABI's tree and jumps past it to the
	// next check, so the first ABI (usually the native one) pays one jump.
	// A still holds the arch when the next check is reached: no reload.
	g.emit(load(bpfasm.OffArch))
	for i, aa := range order {
		next := g.ret(g.p.BadArch)
		if i < len(order)-1 {
			next = g.newLabel()
		}
		g.jump(bpfasm.JMP|bpfasm.JEQ|bpfasm.K, aa, 0, next)
		g.tree(groups[aa])
		if i < len(order)-1 {
			g.mark(next)
		}
	}
}

// tree emits the syscall-number dispatch for the filters sharing one audit
// arch; the bodies of syscalls that test arguments are queued.
func (g *gen) tree(filters []*policy.Filter) {
	g.emit(load(bpfasm.OffNr))
	spans := g.ranges(filters)
	g.weights = spanWeights(g.weights, spans, filters, g.opts.Profile, g.denied)
	d := planTree(spans, g.weights, true)
	g.emitTree(d, 0, len(spans)-1)
	d.release()
}

// outcome is where a range of syscall numbers goes: the label of a shared
// ret, or of a syscall body.
type outcome = label

// span is a maximal run of numbers [lo, hi] with one outcome.
type span struct {
	lo, hi uint32
	out    outcome
}

// ranges partitions the 32-bit number space into spans. For
// AUDIT_ARCH_X86_64 the x32 half (X32Bit set) belongs to the x32 filter when
// there is one and to the bad-arch action otherwise, and the other half to
// the x86_64 filter or, in an x32-only policy, to the bad-arch action.
func (g *gen) ranges(filters []*policy.Filter) []span {
	type seg struct {
		lo, hi uint32
		f      *policy.Filter
	}
	var segs []seg
	if filters[0].Arch.AuditArch == syscalls.AuditArchX86_64 {
		var native, x32 *policy.Filter
		for _, f := range filters {
			if f.Arch.X32 {
				x32 = f
			} else {
				native = f
			}
		}
		segs = []seg{{0, syscalls.X32Bit - 1, native}, {syscalls.X32Bit, ^uint32(0), x32}}
	} else {
		segs = []seg{{0, ^uint32(0), filters[0]}}
	}
	out := g.spans[:0]
	defer func() { g.spans = out }() // the buffer, for the next tree
	add := func(lo, hi uint32, o outcome) {
		if n := len(out); n > 0 && out[n-1].out == o && out[n-1].hi+1 == lo {
			out[n-1].hi = hi
			return
		}
		out = append(out, span{lo, hi, o})
	}
	for _, sg := range segs {
		if sg.f == nil {
			add(sg.lo, sg.hi, g.ret(g.p.BadArch))
			continue
		}
		next, done := sg.lo, false
		def := g.ret(g.p.Default)
		for _, s := range sg.f.Syscalls {
			if s.Nr < sg.lo || s.Nr > sg.hi {
				continue // cannot happen with resolved tables; keeps the split exact
			}
			if s.Nr > next {
				add(next, s.Nr-1, def)
			}
			add(s.Nr, s.Nr, g.syscallOutcome(s))
			if s.Nr == sg.hi { // next would wrap past 0xffffffff
				done = true
				break
			}
			next = s.Nr + 1
		}
		if !done {
			// Numbers past the table: the default, or NewerAction.
			if top := sg.f.Arch.MaxNr(); g.opts.NewerAction != nil && top < sg.hi {
				if next <= top {
					add(next, top, def)
				}
				add(max(next, top+1), sg.hi, g.ret(*g.opts.NewerAction))
			} else {
				add(next, sg.hi, def)
			}
		}
	}
	return out
}

// syscallOutcome returns the ret label when the outcome does not depend on
// arguments, else the label of the syscall's body (shared between syscalls
// with identical rules).
func (g *gen) syscallOutcome(s *policy.Syscall) outcome {
	if a, ok := argFree(s, g.p.Default); ok {
		return g.ret(a)
	}
	g.key = bodyKey(g.key[:0], s, g.p.Default)
	if l, ok := g.bodies[string(g.key)]; ok {
		return l
	}
	l := g.newLabel()
	g.bodies[string(g.key)] = l
	g.queue = append(g.queue, pendingBody{l, s})
	return l
}

// argFree reports the single action a syscall can end in, if there is only
// one: then no argument needs to be looked at.
func argFree(s *policy.Syscall, def policy.Action) (policy.Action, bool) {
	end := def // what the call ends in when no condition matches
	for _, r := range s.Rules {
		if r.Cond == nil {
			end = r.Action
			break
		}
	}
	for _, r := range s.Rules {
		if r.Action != end {
			return 0, false
		}
		if r.Cond == nil {
			break
		}
	}
	return end, true
}

// bodyKey appends to b a key that two syscalls share exactly when their
// rules (and the default they fall through to) are the same: a compact
// binary form of the rules, cheaper to build than their text.
func bodyKey(b []byte, s *policy.Syscall, def policy.Action) []byte {
	for _, r := range s.Rules {
		if r.Cond == nil {
			b = append(b, 'A')
			return binary.LittleEndian.AppendUint32(b, uint32(r.Action))
		}
		b = append(b, 'R')
		b = exprKey(b, r.Cond)
		b = binary.LittleEndian.AppendUint32(b, uint32(r.Action))
	}
	b = append(b, 'D')
	return binary.LittleEndian.AppendUint32(b, uint32(def))
}

// exprKey appends e in prefix form: every node starts with its kind and
// has a fixed number of fixed-size fields or children, so the form reads
// back one way only.
func exprKey(b []byte, e policy.Expr) []byte {
	switch e := e.(type) {
	case *policy.Cmp:
		b = append(b, 'c', byte(e.Op))
		b = binary.LittleEndian.AppendUint64(b, uint64(e.Arg))
		b = binary.LittleEndian.AppendUint64(b, e.Mask)
		return binary.LittleEndian.AppendUint64(b, e.Value)
	case *policy.And:
		return exprKey(exprKey(append(b, '&'), e.X), e.Y)
	case *policy.Or:
		return exprKey(exprKey(append(b, '|'), e.X), e.Y)
	case *policy.Not:
		return exprKey(append(b, '!'), e.X)
	case policy.Bool:
		if e {
			return append(b, 'T')
		}
		return append(b, 'F')
	}
	// Not an expression the compiler knows: cond reports it.
	s := e.String()
	b = append(b, '?')
	b = binary.LittleEndian.AppendUint64(b, uint64(len(s)))
	return append(b, s...)
}

// body emits a syscall's rules in order; the last falls through to the
// default.
func (g *gen) body(s *policy.Syscall) {
	for _, r := range s.Rules {
		t := g.ret(r.Action)
		if r.Cond == nil {
			g.jump(bpfasm.JMP|bpfasm.JA, 0, t, 0)
			return
		}
		next := g.newLabel()
		g.cond(r.Cond, t, next)
		g.mark(next)
	}
	g.jump(bpfasm.JMP|bpfasm.JA, 0, g.ret(g.p.Default), 0)
}

// cond emits code that jumps to t when e holds and to f otherwise.
func (g *gen) cond(e policy.Expr, t, f label) {
	switch e := e.(type) {
	case policy.Bool:
		target := f
		if e {
			target = t
		}
		g.jump(bpfasm.JMP|bpfasm.JA, 0, target, 0)
	case *policy.Not:
		g.cond(e.X, f, t)
	case *policy.And:
		mid := g.newLabel()
		g.cond(e.X, mid, f)
		g.mark(mid)
		g.cond(e.Y, t, f)
	case *policy.Or:
		mid := g.newLabel()
		g.cond(e.X, t, mid)
		g.mark(mid)
		g.cond(e.Y, t, f)
	case *policy.Cmp:
		g.cmp(e, t, f)
	default:
		panic(fmt.Sprintf("compiler: unknown expression %T", e))
	}
}

// cmp compares (arg & mask) with a 64-bit value using two 32-bit words.
// The high word decides unless it is equal; masks whose high half is zero
// (every int-typed argument) skip it entirely.
func (g *gen) cmp(c *policy.Cmp, t, f label) {
	mh, ml := uint32(c.Mask>>32), uint32(c.Mask)
	vh, vl := uint32(c.Value>>32), uint32(c.Value)
	op := c.Op
	// LT and LE are GE and GT with the targets swapped; NE is EQ swapped.
	switch op {
	case policy.NE:
		op, t, f = policy.EQ, f, t
	case policy.LT:
		op, t, f = policy.GE, f, t
	case policy.LE:
		op, t, f = policy.GT, f, t
	}
	if mh != 0 || vh != 0 {
		g.loadMasked(bpfasm.ArgHi(c.Arg), mh)
		lo := g.newLabel()
		if op == policy.EQ {
			g.jump(bpfasm.JMP|bpfasm.JEQ|bpfasm.K, vh, lo, f)
		} else {
			eq := g.newLabel()
			g.jump(bpfasm.JMP|bpfasm.JGT|bpfasm.K, vh, t, eq)
			g.mark(eq)
			g.jump(bpfasm.JMP|bpfasm.JEQ|bpfasm.K, vh, lo, f)
		}
		g.mark(lo)
	}
	if op == policy.EQ && vl == 0 && ml != ^uint32(0) {
		// (x & m) == 0 is one jset.
		g.emit(load(bpfasm.ArgLo(c.Arg)))
		g.jump(bpfasm.JMP|bpfasm.JSET|bpfasm.K, ml, f, t)
		return
	}
	g.loadMasked(bpfasm.ArgLo(c.Arg), ml)
	switch op {
	case policy.EQ:
		g.jump(bpfasm.JMP|bpfasm.JEQ|bpfasm.K, vl, t, f)
	case policy.GT:
		g.jump(bpfasm.JMP|bpfasm.JGT|bpfasm.K, vl, t, f)
	case policy.GE:
		g.jump(bpfasm.JMP|bpfasm.JGE|bpfasm.K, vl, t, f)
	}
}

func (g *gen) loadMasked(off, mask uint32) {
	g.emit(load(off))
	if mask != ^uint32(0) {
		g.emit(stmt(bpfasm.ALU|bpfasm.AND|bpfasm.K, mask))
	}
}

// denied reports whether an outcome is a ret of anything but allow (or
// log, which lets the call through too).
func (g *gen) denied(o outcome) bool {
	l := g.labels[o]
	return l.ret && l.act != policy.Allow && l.act != policy.Log
}
