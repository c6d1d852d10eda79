// Package explore reads seccomp BPF programs symbolically: it follows every
// path through a program, recording what each path requires of the
// seccomp_data (the arch, the syscall number, each 32-bit half of each
// argument) and what it returns. From those paths it decompiles a program
// back into a policy (Decompile) and compares two programs by meaning rather
// than by text (Diff).
//
// A seccomp program is a DAG over 64 bytes of input, so the paths are
// finite. The accumulator, X and the memory cells hold either a constant or a
// data word under an AND mask, which covers what compilers emit (libseccomp,
// scc, hand-written filters). Any other arithmetic on a data word — A = arg +
// 3 — is handled by splitting the path on each value the word can still
// take when there are few, and is reported as unsupported otherwise.
package explore

import (
	"fmt"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/policy"
)

// MaxPaths bounds the exploration: a program whose tests are independent
// of each other can have exponentially many paths.
const MaxPaths = 1 << 14

// splitLimit is how many values a word may still take for the explorer to
// split a path on them when it cannot track arithmetic on the word.
const splitLimit = 256

// UnsupportedError is a program the explorer cannot follow.
type UnsupportedError struct {
	Index  int // -1: the program as a whole
	Insn   bpfasm.Insn
	Reason string
}

func (e *UnsupportedError) Error() string {
	if e.Index < 0 {
		return "explore: " + e.Reason
	}
	return fmt.Sprintf("explore: instruction %d (op %#x, k %#x): %s", e.Index, e.Insn.Op, e.Insn.K, e.Reason)
}

// val is a register or memory cell: a constant, or data word `word` & mask.
type val struct {
	known bool
	k     uint32
	word  int
	mask  uint32
}

func konst(k uint32) val { return val{known: true, k: k} }

type state struct {
	a, x    val
	mem     [bpfasm.MemWords]val
	written uint16
	cons    Cons
}

// concrete returns v's value when the path's constraints leave it only one.
func (s *state) concrete(v val) (uint32, bool) {
	if v.known {
		return v.k, true
	}
	w := s.cons[v.word]
	if len(w.Set) == 1 && w.Set[0].Lo == w.Set[0].Hi {
		return w.Set[0].Lo & v.mask, true
	}
	return 0, false
}

type explorer struct {
	prog  []bpfasm.Insn
	paths []Path
}

// Explore returns every feasible path through prog. The paths partition
// the input space: each seccomp_data satisfies exactly one of them.
func Explore(prog []bpfasm.Insn) ([]Path, error) {
	if len(prog) == 0 {
		return nil, &UnsupportedError{Index: -1, Reason: "empty program"}
	}
	if len(prog) > bpfasm.MaxInsns {
		return nil, &UnsupportedError{Index: -1, Reason: fmt.Sprintf("%d instructions; the kernel's limit is %d", len(prog), bpfasm.MaxInsns)}
	}
	e := &explorer{prog: prog}
	if err := e.run(0, state{cons: Free()}); err != nil {
		return nil, err
	}
	return e.paths, nil
}

func (e *explorer) fail(pc int, format string, args ...any) error {
	return &UnsupportedError{Index: pc, Insn: e.prog[pc], Reason: fmt.Sprintf(format, args...)}
}

// split forks the path on every value data word w can take, then resumes
// at pc, where the value is now a constant.
func (e *explorer) split(pc int, s state, w int, why string) error {
	vals, ok := s.cons[w].Values(splitLimit)
	if !ok {
		return e.fail(pc, "%s on a data word that can take more than %d values", why, splitLimit)
	}
	for _, v := range vals {
		t := s
		t.cons[w] = Word{Set: Point(v)}
		if err := e.run(pc, t); err != nil {
			return err
		}
	}
	return nil
}

func (e *explorer) run(pc int, s state) error {
	for {
		if pc >= len(e.prog) {
			return &UnsupportedError{Index: -1, Reason: fmt.Sprintf("execution leaves the program after instruction %d", len(e.prog)-1)}
		}
		in := e.prog[pc]
		next := pc + 1
		switch in.Op {
		case bpfasm.LD | bpfasm.W | bpfasm.ABS:
			if in.K >= bpfasm.DataSize || in.K%4 != 0 {
				return e.fail(pc, "seccomp loads only aligned 32-bit words below offset %d", bpfasm.DataSize)
			}
			s.a = val{word: int(in.K / 4), mask: ^uint32(0)}
		case bpfasm.LD | bpfasm.W | bpfasm.LEN:
			s.a = konst(bpfasm.DataSize)
		case bpfasm.LDX | bpfasm.W | bpfasm.LEN:
			s.x = konst(bpfasm.DataSize)
		case bpfasm.LD | bpfasm.IMM:
			s.a = konst(in.K)
		case bpfasm.LDX | bpfasm.IMM:
			s.x = konst(in.K)
		case bpfasm.LD | bpfasm.MEM, bpfasm.LDX | bpfasm.MEM:
			if in.K >= bpfasm.MemWords || s.written&(1<<in.K) == 0 {
				return e.fail(pc, "M[%d] is read before it is written", in.K)
			}
			if in.Op == bpfasm.LD|bpfasm.MEM {
				s.a = s.mem[in.K]
			} else {
				s.x = s.mem[in.K]
			}
		case bpfasm.ST, bpfasm.STX:
			if in.K >= bpfasm.MemWords {
				return e.fail(pc, "memory cell %d does not exist", in.K)
			}
			s.written |= 1 << in.K
			if in.Op == bpfasm.ST {
				s.mem[in.K] = s.a
			} else {
				s.mem[in.K] = s.x
			}
		case bpfasm.MISC | bpfasm.TAX:
			s.x = s.a
		case bpfasm.MISC | bpfasm.TXA:
			s.a = s.x
		case bpfasm.RET | bpfasm.K:
			return e.leaf(pc, s, in.K)
		case bpfasm.RET | bpfasm.A:
			if k, ok := s.concrete(s.a); ok {
				return e.leaf(pc, s, k)
			}
			return e.split(pc, s, s.a.word, "ret A")
		case bpfasm.JMP | bpfasm.JA:
			if uint64(in.K) >= uint64(len(e.prog)-pc-1) {
				return e.fail(pc, "jump out of the program")
			}
			next = pc + 1 + int(in.K)
		default:
			switch in.Op & 0x07 {
			case bpfasm.ALU:
				done, err := e.alu(pc, &s)
				if done || err != nil {
					return err
				}
			case bpfasm.JMP:
				return e.jump(pc, s)
			default:
				return e.fail(pc, "seccomp does not allow this instruction")
			}
		}
		pc = next
	}
}

func (e *explorer) leaf(pc int, s state, ret uint32) error {
	if len(e.paths) >= MaxPaths {
		return &UnsupportedError{Index: -1, Reason: fmt.Sprintf("more than %d paths", MaxPaths)}
	}
	e.paths = append(e.paths, Path{Cons: s.cons, Action: policy.Action(ret)})
	return nil
}

// alu executes an ALU instruction. done means the path was handed on
// (split, or ended by a division by zero) and the caller must stop.
func (e *explorer) alu(pc int, s *state) (done bool, err error) {
	in := e.prog[pc]
	op := in.Op & 0xf0
	operand := konst(in.K)
	if in.Op&bpfasm.X != 0 {
		operand = s.x
	}
	if op == bpfasm.NEG {
		operand = konst(0)
	}
	k, kok := s.concrete(operand)
	if !kok {
		return true, e.split(pc, *s, operand.word, "arithmetic with a data word in X")
	}
	// AND with a constant keeps a data word exact: it only narrows the mask.
	if op == bpfasm.AND && !s.a.known {
		s.a.mask &= k
		if s.a.mask == 0 {
			s.a = konst(0)
		}
		return false, nil
	}
	a, aok := s.concrete(s.a)
	if !aok {
		return true, e.split(pc, *s, s.a.word, "arithmetic on a data word")
	}
	switch op {
	case bpfasm.ADD:
		a += k
	case bpfasm.SUB:
		a -= k
	case bpfasm.MUL:
		a *= k
	case bpfasm.DIV:
		if k == 0 {
			if in.Op&bpfasm.X == 0 {
				return true, e.fail(pc, "division by constant zero")
			}
			// The kernel ends the program with 0 (kill_thread).
			return true, e.leaf(pc, *s, 0)
		}
		a /= k
	case bpfasm.OR:
		a |= k
	case bpfasm.AND:
		a &= k
	case bpfasm.XOR:
		a ^= k
	case bpfasm.LSH, bpfasm.RSH:
		if in.Op&bpfasm.X == 0 && k >= 32 {
			return true, e.fail(pc, "shift by %d", k)
		}
		if op == bpfasm.LSH {
			a <<= k & 31
		} else {
			a >>= k & 31
		}
	case bpfasm.NEG:
		a = -a
	default:
		return true, e.fail(pc, "seccomp does not allow this instruction")
	}
	s.a = konst(a)
	return false, nil
}

// mirror turns "k op word" into "word op' k".
var mirror = map[policy.Op]policy.Op{policy.EQ: policy.EQ, policy.GT: policy.LT, policy.GE: policy.LE}

func (e *explorer) jump(pc int, s state) error {
	in := e.prog[pc]
	tt, ft := pc+1+int(in.Jt), pc+1+int(in.Jf)
	if tt >= len(e.prog) || ft >= len(e.prog) {
		return e.fail(pc, "jump out of the program")
	}
	var op policy.Op
	set := false
	switch in.Op & 0xf0 {
	case bpfasm.JEQ:
		op = policy.EQ
	case bpfasm.JGT:
		op = policy.GT
	case bpfasm.JGE:
		op = policy.GE
	case bpfasm.JSET:
		set = true
	default:
		return e.fail(pc, "seccomp does not allow this instruction")
	}
	lhs, rhs := s.a, konst(in.K)
	if in.Op&bpfasm.X != 0 {
		rhs = s.x
	}
	if k, ok := s.concrete(rhs); ok {
		rhs = konst(k)
	}
	if k, ok := s.concrete(lhs); ok {
		lhs = konst(k)
	}
	if lhs.known && rhs.known {
		taken := false
		if set {
			taken = lhs.k&rhs.k != 0
		} else {
			taken = op.Compare(uint64(lhs.k), uint64(rhs.k))
		}
		if taken {
			return e.run(tt, s)
		}
		return e.run(ft, s)
	}
	if !rhs.known && !lhs.known {
		return e.split(pc, s, rhs.word, "comparison of two data words")
	}
	if lhs.known { // constant op word: swap sides
		lhs, rhs = rhs, lhs
		if !set {
			op = mirror[op]
		}
	}
	// (word & mask) op k
	w, mask, k := lhs.word, lhs.mask, rhs.k
	var yes, no Word
	if set {
		m := mask & k
		yes = s.cons[w].And(m, policy.NE, 0)
		no = s.cons[w].And(m, policy.EQ, 0)
		if m == 0 {
			return e.run(ft, s)
		}
	} else {
		yes = s.cons[w].And(mask, op, k)
		no = s.cons[w].And(mask, op.Negate(), k)
	}
	if yes.Feasible() {
		t := s
		t.cons[w] = yes
		if err := e.run(tt, t); err != nil {
			return err
		}
	}
	if no.Feasible() {
		s.cons[w] = no
		return e.run(ft, s)
	}
	return nil
}
