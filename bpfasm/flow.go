package bpfasm

// A forward data-flow pass over a program (forward-only jumps make it a DAG,
// so one pass in index order sees every predecessor first). It tracks what
// A, X and M[] hold and which audit arch values a path can still have, so
// that the disassembler can print syscall names for the right ABI and the
// assembler can read them back the same way.

// valKind says what a register holds.
type valKind uint8

const (
	valUnknown valKind = iota
	valConst           // the constant k
	valData            // the seccomp_data word at offset k
)

type val struct {
	kind valKind
	k    uint32
}

// archSet has one bit per known audit arch value (in knownAuditArches
// order) and otherArch for every other value.
type archSet uint32

const otherArch archSet = 1 << 31

type flowState struct {
	reached bool
	a, x    val
	mem     [MemWords]val
	arches  archSet
}

func (s *flowState) merge(o *flowState) {
	if !o.reached {
		return
	}
	if !s.reached {
		*s = *o
		return
	}
	meet := func(p *val, q val) {
		if *p != q {
			*p = val{}
		}
	}
	meet(&s.a, o.a)
	meet(&s.x, o.x)
	for i := range s.mem {
		meet(&s.mem[i], o.mem[i])
	}
	s.arches |= o.arches
}

// uniqueArch returns the single audit arch value a path can have.
func (s *flowState) uniqueArch(known []uint32) (uint32, bool) {
	if s.arches&otherArch != 0 {
		return 0, false
	}
	found, ok := uint32(0), false
	for i, v := range known {
		if s.arches&(1<<i) != 0 {
			if ok {
				return 0, false
			}
			found, ok = v, true
		}
	}
	return found, ok
}

// flowGraph is what the pass needs from a program: its length, each
// instruction (read after visit, so visit may still fill in K) and the
// absolute targets of jumps (-1 when out of range).
type flowGraph struct {
	n       int
	insn    func(i int) Insn
	targets func(i int) (t, f int)
}

// runFlow computes the state on entry to every instruction; visit sees each
// reached instruction's entry state before the instruction is applied.
func runFlow(g flowGraph, visit func(i int, s *flowState)) []flowState {
	known := knownAuditArches()
	bit := func(v uint32) archSet {
		for i, k := range known {
			if k == v {
				return 1 << i
			}
		}
		return otherArch
	}
	states := make([]flowState, g.n+1)
	if g.n == 0 {
		return states
	}
	states[0] = flowState{reached: true, a: val{valConst, 0}, x: val{valConst, 0}, arches: otherArch | (1<<len(known) - 1)}
	flowTo := func(t int, s *flowState) {
		if t >= 0 && t < g.n {
			states[t].merge(s)
		}
	}
	for i := 0; i < g.n; i++ {
		in := &states[i]
		if !in.reached {
			continue
		}
		if visit != nil {
			visit(i, in)
		}
		ins := g.insn(i)
		s := *in
		switch {
		case ins.Op == LD|W|ABS:
			s.a = val{}
			if ins.K < DataSize && ins.K%4 == 0 {
				s.a = val{valData, ins.K}
			}
		case ins.Op == LD|IMM:
			s.a = val{valConst, ins.K}
		case ins.Op == LDX|IMM:
			s.x = val{valConst, ins.K}
		case ins.Op == LD|W|LEN:
			s.a = val{valConst, DataSize}
		case ins.Op == LDX|W|LEN:
			s.x = val{valConst, DataSize}
		case ins.Op == LD|MEM || ins.Op == LDX|MEM:
			v := val{}
			if ins.K < MemWords {
				v = s.mem[ins.K]
			}
			if class(ins.Op) == LD {
				s.a = v
			} else {
				s.x = v
			}
		case ins.Op == ST || ins.Op == STX:
			if ins.K < MemWords {
				s.mem[ins.K] = s.a
				if ins.Op == STX {
					s.mem[ins.K] = s.x
				}
			}
		case ins.Op == MISC|TAX:
			s.x = s.a
		case ins.Op == MISC|TXA:
			s.a = s.x
		case class(ins.Op) == RET && ins.Op <= 0xff:
			continue
		case isJump(ins.Op):
			t, f := g.targets(i)
			if ins.Op == JMP|JA {
				flowTo(t, &s)
				continue
			}
			st, sf := s, s
			operand, constOperand := ins.K, true
			if src(ins.Op) == X {
				operand, constOperand = s.x.k, s.x.kind == valConst
			}
			if aluOp(ins.Op) == JEQ && s.a == (val{valData, OffArch}) && constOperand {
				b := bit(operand)
				st.arches &= b
				if b != otherArch {
					sf.arches &^= b
				}
			}
			flowTo(t, &st)
			flowTo(f, &sf)
			continue
		default:
			// ALU results and unknown instructions: A (and for
			// unknown opcodes, everything) is no longer known.
			s.a = val{}
			if class(ins.Op) != ALU {
				s.x = val{}
				s.mem = [MemWords]val{}
			}
		}
		flowTo(i+1, &s)
	}
	return states
}

// offsetTargets gives the targets a kernel program's jumps encode.
func offsetTargets(p []Insn) func(i int) (int, int) {
	return func(i int) (int, int) {
		in := p[i]
		abs := func(off uint64) int {
			if t := uint64(i) + 1 + off; t < uint64(len(p)) {
				return int(t)
			}
			return -1
		}
		if in.Op == JMP|JA {
			return abs(uint64(in.K)), -1
		}
		return abs(uint64(in.Jt)), abs(uint64(in.Jf))
	}
}
