package bpfasm

import (
	"encoding/binary"
	"fmt"
)

// Data is struct seccomp_data, what a seccomp filter reads.
type Data struct {
	Nr   int32
	Arch uint32
	IP   uint64
	Args [6]uint64
}

// Bytes returns the 64 bytes the kernel exposes to the filter, in the
// little-endian layout of every ABI scc targets.
func (d *Data) Bytes() []byte {
	b := make([]byte, DataSize)
	binary.LittleEndian.PutUint32(b[OffNr:], uint32(d.Nr))
	binary.LittleEndian.PutUint32(b[OffArch:], d.Arch)
	binary.LittleEndian.PutUint64(b[OffIP:], d.IP)
	for i, a := range d.Args {
		binary.LittleEndian.PutUint64(b[OffArgs+8*i:], a)
	}
	return b
}

// RunError is an instruction the emulator cannot execute under seccomp's
// rules.
type RunError struct {
	Index  int
	Insn   Insn
	Reason string
}

func (e *RunError) Error() string {
	return fmt.Sprintf("bpfasm: run: instruction %d (%s): %s", e.Index, statement(e.Insn, e.Index, nil), e.Reason)
}

// Run executes a filter on one syscall the way the kernel's classic BPF
// interpreter does under seccomp, returning the filter's return value and
// the number of instructions executed (including the ret). Instructions
// that seccomp does not allow, reads of memory cells never written and
// jumps or fall-through out of the program are errors; a program that
// Verify accepts never hits them. Jumps only go forward, so Run executes at
// most len(p) instructions.
func Run(p []Insn, d *Data) (ret uint32, steps int, err error) {
	return run(p, d, nil)
}

// Trace is Run that also returns the indexes of the instructions executed,
// in order: the path a call takes through the filter.
func Trace(p []Insn, d *Data) (ret uint32, path []int, err error) {
	ret, _, err = run(p, d, &path)
	return ret, path, err
}

func run(p []Insn, d *Data, path *[]int) (ret uint32, steps int, err error) {
	if d == nil {
		return 0, 0, fmt.Errorf("bpfasm: run: no seccomp data")
	}
	if len(p) == 0 {
		return 0, 0, fmt.Errorf("bpfasm: run: empty program")
	}
	data := d.Bytes()
	var (
		a, x    uint32
		mem     [MemWords]uint32
		written uint16 // bit i: M[i] has been stored to
	)
	fail := func(pc int, format string, args ...any) (uint32, int, error) {
		return 0, steps, &RunError{Index: pc, Insn: p[pc], Reason: fmt.Sprintf(format, args...)}
	}
	pc := 0
	for {
		if pc >= len(p) {
			return 0, steps, fmt.Errorf("bpfasm: run: execution left the program after instruction %d", len(p)-1)
		}
		in := p[pc]
		steps++
		if path != nil {
			*path = append(*path, pc)
		}
		next := pc + 1
		switch in.Op {
		case LD | W | ABS:
			if in.K >= DataSize || in.K%4 != 0 {
				return fail(pc, "seccomp loads only aligned 32-bit words below offset %d", DataSize)
			}
			a = binary.LittleEndian.Uint32(data[in.K:])
		case LD | W | LEN:
			a = DataSize
		case LDX | W | LEN:
			x = DataSize
		case LD | IMM:
			a = in.K
		case LDX | IMM:
			x = in.K
		case LD | MEM, LDX | MEM:
			if in.K >= MemWords {
				return fail(pc, "memory cell %d does not exist (M[0]..M[%d])", in.K, MemWords-1)
			}
			if written&(1<<in.K) == 0 {
				return fail(pc, "M[%d] is read before it is written", in.K)
			}
			if class(in.Op) == LD {
				a = mem[in.K]
			} else {
				x = mem[in.K]
			}
		case ST, STX:
			if in.K >= MemWords {
				return fail(pc, "memory cell %d does not exist (M[0]..M[%d])", in.K, MemWords-1)
			}
			written |= 1 << in.K
			if in.Op == ST {
				mem[in.K] = a
			} else {
				mem[in.K] = x
			}
		case MISC | TAX:
			x = a
		case MISC | TXA:
			a = x
		case RET | K:
			return in.K, steps, nil
		case RET | A:
			return a, steps, nil
		case ALU | NEG:
			a = -a
		case JMP | JA:
			if uint64(in.K) >= uint64(len(p)-pc-1) {
				return fail(pc, "jump target %d is outside the program", uint64(pc)+1+uint64(in.K))
			}
			next = pc + 1 + int(in.K)
		default:
			switch class(in.Op) {
			case ALU:
				if !seccompAllows(in.Op) {
					return fail(pc, "seccomp does not allow this instruction")
				}
				operand := in.K
				if src(in.Op) == X {
					operand = x
				}
				switch aluOp(in.Op) {
				case ADD:
					a += operand
				case SUB:
					a -= operand
				case MUL:
					a *= operand
				case DIV:
					if operand == 0 {
						if src(in.Op) == K {
							return fail(pc, "division by constant zero")
						}
						// The kernel's translation of
						// classic BPF ends the program with
						// 0 on division by zero.
						return 0, steps, nil
					}
					a /= operand
				case AND:
					a &= operand
				case OR:
					a |= operand
				case XOR:
					a ^= operand
				case LSH, RSH:
					if src(in.Op) == K && operand >= 32 {
						return fail(pc, "shift by %d", operand)
					}
					// 32-bit shifts use the low five bits
					// of X, as eBPF's interpreter and the
					// x86-64 and arm64 JITs do.
					if aluOp(in.Op) == LSH {
						a <<= operand & 31
					} else {
						a >>= operand & 31
					}
				}
			case JMP:
				if !seccompAllows(in.Op) {
					return fail(pc, "seccomp does not allow this instruction")
				}
				operand := in.K
				if src(in.Op) == X {
					operand = x
				}
				var cond bool
				switch aluOp(in.Op) {
				case JEQ:
					cond = a == operand
				case JGT:
					cond = a > operand
				case JGE:
					cond = a >= operand
				case JSET:
					cond = a&operand != 0
				}
				off := in.Jf
				if cond {
					off = in.Jt
				}
				if pc+1+int(off) >= len(p) {
					return fail(pc, "jump target %d is outside the program", pc+1+int(off))
				}
				next = pc + 1 + int(off)
			default:
				return fail(pc, "seccomp does not allow this instruction")
			}
		}
		pc = next
	}
}
