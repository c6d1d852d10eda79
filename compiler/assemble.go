package compiler

import (
	"fmt"

	"github.com/scc-dev/scc/bpfasm"
)

// assemble turns optimized ops (jumps naming instruction indexes) into the
// kernel program: jump targets become offsets, and a conditional jump whose
// target is out of 8-bit reach goes through a `ja` trampoline placed right
// after it. It does what bpfasm's Program.Assemble does with labels, the
// same way (TestAssembleMatchesBpfasm), without building label names and
// maps only to resolve them again: that round trip cost a fifth of a
// compile.
func (a *assembler) assemble(ops []op) ([]bpfasm.Insn, error) {
	if len(ops) == 0 {
		return nil, fmt.Errorf("compiler: empty program (a bug in scc)")
	}
	nodes, order := grow(&a.nodes, len(ops)), grow(&a.order, len(ops))
	defer func() { a.nodes, a.order = nodes, order }() // kept, grown
	for i, o := range ops {
		nodes[i] = asmNode{op: o}
		order[i] = i
		if isCond(o.in) && o.t == o.f {
			// The test is moot (the optimizer leaves none; kept exact).
			if o.t == i+1 {
				nodes[i].deleted = true
			} else {
				nodes[i].op = op{in: bpfasm.Stmt(bpfasm.JMP|bpfasm.JA, 0), t: o.t, f: -1}
			}
		}
	}
	// pos maps nodes to output indexes; a deleted node takes the index of
	// the instruction after it, where jumps to it land.
	layout := func() []int {
		pos := grow(&a.pos, len(nodes))
		next := 0
		for _, id := range order {
			if !nodes[id].deleted {
				next++
			}
		}
		for j := len(order) - 1; j >= 0; j-- {
			id := order[j]
			if !nodes[id].deleted {
				next--
			}
			pos[id] = next
		}
		return pos
	}
	// Trampolines only make distances grow, and a test gets at most two,
	// so this ends.
	for grown := true; grown; {
		pos := layout()
		grown = false
		for j := 0; j < len(order); j++ {
			id := order[j]
			nd := nodes[id]
			if nd.deleted || !isCond(nd.in) {
				continue
			}
			far := func(t int) bool { return t >= 0 && pos[t]-pos[id]-1 > 255 }
			farT, farF := far(nd.t), far(nd.f)
			if !farT && !farF {
				continue
			}
			var tramps []int
			add := func(target int) int {
				nodes = append(nodes, asmNode{op: op{in: bpfasm.Stmt(bpfasm.JMP|bpfasm.JA, 0), t: target, f: -1}})
				tramps = append(tramps, len(nodes)-1)
				return len(nodes) - 1
			}
			t, f := nd.t, nd.f
			switch {
			case farT && farF && t == f:
				tr := add(t)
				t, f = tr, tr
			default:
				if farT {
					t = add(t)
				}
				if farF {
					f = add(f)
				}
			}
			nodes[id].t, nodes[id].f = t, f
			order = append(order[:j+1], append(tramps, order[j+1:]...)...)
			j += len(tramps)
			grown = true
		}
		if len(order) > 4*bpfasm.MaxInsns+len(ops) { // cannot happen; guards the loop
			break
		}
	}
	pos := layout()
	total := len(order)
	for _, id := range order {
		if nodes[id].deleted {
			total--
		}
	}
	if total > bpfasm.MaxInsns {
		return nil, fmt.Errorf("the program has %d instructions; the kernel's limit is %d", total, bpfasm.MaxInsns)
	}
	out := make([]bpfasm.Insn, 0, total)
	for _, id := range order {
		nd := nodes[id]
		if nd.deleted {
			continue
		}
		in, here := nd.in, pos[id]
		switch {
		case isJA(in):
			in.K = uint32(pos[nd.t] - here - 1)
		case isCond(in):
			in.Jt, in.Jf = uint8(pos[nd.t]-here-1), uint8(pos[nd.f]-here-1)
		}
		out = append(out, in)
	}
	return out, nil
}

// assembler keeps assemble's tables between compiles.
type assembler struct {
	nodes []asmNode
	order []int
	pos   []int
}

// asmNode is an instruction during assembly. Its targets name nodes, so
// that inserting a trampoline moves nothing; order lists the nodes in
// program order.
type asmNode struct {
	op
	deleted bool // a test whose branches both go to the next instruction
}

// assemble is assembler.assemble with tables of its own.
func assemble(ops []op) ([]bpfasm.Insn, error) { return new(assembler).assemble(ops) }
