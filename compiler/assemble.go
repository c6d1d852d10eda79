package compiler

import (
	"github.com/scc-dev/scc/bpfasm"
)

// assemble hands the optimized ops (jumps naming instruction indexes) to
// bpfasm.Link, which places trampolines and resolves offsets. Going
// through Program and its labels instead would build label names and maps
// only to resolve them again: that round trip cost a fifth of a compile.
func (a *assembler) assemble(ops []op) ([]bpfasm.Insn, error) {
	nodes := grow(&a.nodes, len(ops))
	for i, o := range ops {
		nodes[i] = bpfasm.Node{Insn: o.in, T: o.t, F: o.f}
		if isCond(o.in) && o.t == o.f {
			// The test is moot (the optimizer leaves none; kept exact),
			// as bpfasm treats a test whose labels are the same.
			if o.t == i+1 {
				nodes[i].Drop = true
			} else {
				nodes[i] = bpfasm.Node{Insn: bpfasm.Stmt(bpfasm.JMP|bpfasm.JA, 0), T: o.t, F: -1}
			}
		}
	}
	return a.link.Link(nodes)
}

// assembler keeps assemble's tables, and Link's, between compiles.
type assembler struct {
	nodes []bpfasm.Node
	link  bpfasm.Linker
}

// assemble is assembler.assemble with tables of its own.
func assemble(ops []op) ([]bpfasm.Insn, error) { return new(assembler).assemble(ops) }
