package bpfasm

import (
	"fmt"
	"slices"
	"sort"
)

// Instr is an instruction of a symbolic program. For jumps, True and False
// name labels; "" keeps the raw offset in Insn (Jt/Jf, or K for JA), so the
// zero value falls through to the next instruction. JA uses only True.
type Instr struct {
	Insn
	True, False string
}

// Program is a program under construction: instructions plus labels, each
// label mapping to an index into Insns.
type Program struct {
	Insns  []Instr
	Labels map[string]int

	dups []string // labels marked twice, reported by Assemble
}

// Mark gives the next emitted instruction the label. Several labels may mark
// the same instruction.
func (p *Program) Mark(label string) {
	if p.Labels == nil {
		p.Labels = make(map[string]int)
	}
	if _, ok := p.Labels[label]; ok {
		p.dups = append(p.dups, label)
		return
	}
	p.Labels[label] = len(p.Insns)
}

// Emit appends instructions.
func (p *Program) Emit(i ...Instr) { p.Insns = append(p.Insns, i...) }

// isJump reports whether op is one of the jumps the kernel knows, i.e. an
// instruction whose targets Assemble resolves.
func isJump(op uint16) bool {
	if class(op) != JMP || op > 0xff {
		return false
	}
	switch op &^ X {
	case JMP | JA:
		return op&X == 0
	case JMP | JEQ, JMP | JGT, JMP | JGE, JMP | JSET:
		return true
	}
	return false
}

func isCondJump(op uint16) bool { return isJump(op) && op != JMP|JA }

// node is an instruction during assembly. Targets refer to node ids, which
// stay valid while trampolines are inserted.
// Node is an instruction whose jump targets are indexes into the slice
// Link gets, so that inserting a trampoline moves nothing.
type Node struct {
	Insn Insn
	T, F int  // target nodes, forward only; -1: keep the raw offset in Insn
	Drop bool // a moot test (both branches go to the next node): left out
}

// Assemble resolves labels and returns the kernel program. Jumps only go
// forward: a backward or self jump, an undefined or duplicate label, a label
// past the end or a non-jump naming a label is an error. Conditional jumps
// out of reach (more than 255 instructions) go through an inserted ja
// trampoline. Raw offsets that point past the end are kept as they are, for
// Verify to judge.
func (p *Program) Assemble() ([]Insn, error) {
	n := len(p.Insns)
	if n == 0 {
		return nil, fmt.Errorf("bpfasm: empty program")
	}
	if len(p.dups) > 0 {
		return nil, fmt.Errorf("bpfasm: label %q is defined twice", p.dups[0])
	}
	names := make([]string, 0, len(p.Labels))
	for name := range p.Labels {
		names = append(names, name)
	}
	sort.Strings(names) // deterministic error messages
	for _, name := range names {
		if at := p.Labels[name]; at < 0 || at >= n {
			return nil, fmt.Errorf("bpfasm: label %q marks no instruction (index %d of %d)", name, at, n)
		}
	}

	nodes := make([]Node, n, n+16)
	for i, in := range p.Insns {
		nd := Node{Insn: in.Insn, T: -1, F: -1}
		if !isJump(in.Op) {
			if in.True != "" || in.False != "" {
				return nil, fmt.Errorf("bpfasm: instruction %d is not a jump but names label %q", i, in.True+in.False)
			}
			nodes[i] = nd
			continue
		}
		resolve := func(label string, raw uint32) (int, error) {
			if label == "" {
				// An in-range raw target becomes a node reference so
				// that insertions keep it pointing at the same
				// instruction.
				if t := uint64(i) + 1 + uint64(raw); t < uint64(n) {
					return int(t), nil
				}
				return -1, nil
			}
			t, ok := p.Labels[label]
			switch {
			case !ok:
				return 0, fmt.Errorf("bpfasm: instruction %d jumps to undefined label %q", i, label)
			case t <= i:
				return 0, fmt.Errorf("bpfasm: instruction %d jumps back to label %q (instruction %d); BPF jumps only go forward", i, label, t)
			}
			return t, nil
		}
		var err error
		if in.Op == JMP|JA {
			if in.False != "" {
				return nil, fmt.Errorf("bpfasm: instruction %d: ja has one target but names false label %q", i, in.False)
			}
			nd.T, err = resolve(in.True, in.K)
		} else {
			if nd.T, err = resolve(in.True, uint32(in.Jt)); err == nil {
				nd.F, err = resolve(in.False, uint32(in.Jf))
			}
			// Same labelled target on both sides: the test is moot.
			// Raw pairs are left alone so that text round-trips.
			if err == nil && (in.True != "" || in.False != "") && nd.T == nd.F && nd.T >= 0 {
				if nd.T == i+1 {
					nd.Drop = true
				} else {
					nd.Insn = Insn{Op: JMP | JA}
					nd.F = -1
				}
			}
		}
		if err != nil {
			return nil, err
		}
		nodes[i] = nd
	}

	return Link(nodes)
}

// Link lays nodes out in order and resolves their targets to offsets. A
// conditional jump whose target is out of 8-bit reach goes through a ja
// trampoline inserted right after it. Both Program.Assemble and scc's
// compiler, which builds nodes without labels, end here.
func Link(nodes []Node) ([]Insn, error) { return new(Linker).Link(nodes) }

// Linker is Link with its working tables kept from one call to the next,
// for a caller that links many programs (scc's compiler keeps one with
// each pooled generator). The zero value is ready to use.
type Linker struct {
	nodes      []Node // the caller's, then the trampolines
	order, pos []int
}

// Link is the package's Link, reusing l's tables.
func (l *Linker) Link(in []Node) ([]Insn, error) {
	n := len(in)
	if n == 0 {
		return nil, fmt.Errorf("bpfasm: empty program")
	}
	for i, nd := range in {
		for _, t := range []int{nd.T, nd.F} {
			if t != -1 && (t <= i || t >= n) {
				return nil, fmt.Errorf("bpfasm: node %d targets node %d; targets go forward, within the program", i, t)
			}
		}
	}
	// Trampolines are appended: work on a copy, the caller's stays as is.
	nodes := append(l.nodes[:0], in...)
	order := l.order[:0]
	for i := range n {
		order = append(order, i)
	}
	// pos maps node ids to output indexes; a dropped node takes the index
	// of the instruction after it, which is where jumps to it now land.
	pos := l.pos
	defer func() { l.nodes, l.order, l.pos = nodes, order, pos }() // kept, grown
	layout := func() int {
		pos = append(pos[:0], make([]int, len(nodes))...)
		next := 0
		for _, id := range order {
			if !nodes[id].Drop {
				next++
			}
		}
		total := next
		for j := len(order) - 1; j >= 0; j-- {
			id := order[j]
			if !nodes[id].Drop {
				next--
			}
			pos[id] = next
		}
		return total
	}

	// Trampolines only make distances grow, and a conditional jump gets at
	// most two, so this loop ends.
	for {
		layout()
		grown := false
		for j := 0; j < len(order); j++ {
			id := order[j]
			nd := &nodes[id]
			if nd.Drop || !isCondJump(nd.Insn.Op) {
				continue
			}
			far := func(t int) bool { return t >= 0 && pos[t]-pos[id]-1 > 255 }
			farT, farF := far(nd.T), far(nd.F)
			if !farT && !farF {
				continue
			}
			var tramps [2]int
			nt := 0
			add := func(target int) int {
				nodes = append(nodes, Node{Insn: Insn{Op: JMP | JA}, T: target, F: -1})
				tramps[nt] = len(nodes) - 1
				nt++
				return len(nodes) - 1
			}
			nd = &nodes[id] // nodes may move when appended to
			t, f := nd.T, nd.F
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
			nodes[id].T, nodes[id].F = t, f
			order = slices.Insert(order, j+1, tramps[:nt]...)
			j += nt
			grown = true
		}
		if !grown {
			break
		}
		if len(order) > 4*MaxInsns+n { // cannot happen; guards the loop
			break
		}
	}

	total := layout()
	if total > MaxInsns {
		return nil, fmt.Errorf("bpfasm: program has %d instructions; the kernel's limit is %d", total, MaxInsns)
	}
	out := make([]Insn, 0, total)
	for _, id := range order {
		nd := nodes[id]
		if nd.Drop {
			continue
		}
		in := nd.Insn
		here := pos[id]
		if isJump(in.Op) {
			if in.Op == JMP|JA {
				if nd.T >= 0 {
					in.K = uint32(pos[nd.T] - here - 1)
				}
			} else {
				if nd.T >= 0 {
					in.Jt = uint8(pos[nd.T] - here - 1)
				}
				if nd.F >= 0 {
					in.Jf = uint8(pos[nd.F] - here - 1)
				}
			}
		}
		out = append(out, in)
	}
	return out, nil
}
