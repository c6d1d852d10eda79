package bpfasm

import (
	"encoding/binary"
	"fmt"
)

// Insn is one classic BPF instruction, laid out as struct sock_filter.
type Insn struct {
	Op     uint16
	Jt, Jf uint8
	K      uint32
}

// Opcode parts, as in linux/bpf_common.h. An opcode is class | size | mode
// for loads, class | op | source for ALU and jumps.
const (
	// Instruction classes.
	LD   = 0x00
	LDX  = 0x01
	ST   = 0x02
	STX  = 0x03
	ALU  = 0x04
	JMP  = 0x05
	RET  = 0x06
	MISC = 0x07

	// Load sizes.
	W = 0x00
	H = 0x08
	B = 0x10

	// Load modes.
	IMM = 0x00
	ABS = 0x20
	IND = 0x40
	MEM = 0x60
	LEN = 0x80
	MSH = 0xa0

	// ALU operations.
	ADD = 0x00
	SUB = 0x10
	MUL = 0x20
	DIV = 0x30
	OR  = 0x40
	AND = 0x50
	LSH = 0x60
	RSH = 0x70
	NEG = 0x80
	MOD = 0x90
	XOR = 0xa0

	// Jump operations.
	JA   = 0x00
	JEQ  = 0x10
	JGT  = 0x20
	JGE  = 0x30
	JSET = 0x40

	// Operand sources: the constant K or the index register X; RET may
	// also return the accumulator A.
	K = 0x00
	X = 0x08
	A = 0x10

	// MISC operations.
	TAX = 0x00
	TXA = 0x80
)

// MaxInsns is BPF_MAXINSNS, the kernel's limit on a program's length.
const MaxInsns = 4096

// Memory cells M[0..MemWords-1] (BPF_MEMWORDS).
const MemWords = 16

// Offsets into struct seccomp_data on little-endian ABIs (every ABI scc
// targets): nr, arch, instruction_pointer, then args[6] as 64-bit words.
const (
	OffNr    = 0
	OffArch  = 4
	OffIP    = 8
	OffArgs  = 16
	DataSize = 64
)

// ArgLo is the offset of the low 32 bits of argument i.
func ArgLo(i int) uint32 { return uint32(OffArgs + 8*i) }

// ArgHi is the offset of the high 32 bits of argument i.
func ArgHi(i int) uint32 { return uint32(OffArgs + 8*i + 4) }

// Stmt builds a non-jump instruction.
func Stmt(op uint16, k uint32) Insn { return Insn{Op: op, K: k} }

// Jump builds a jump with relative offsets jt and jf (for JA, k is the
// offset).
func Jump(op uint16, k uint32, jt, jf uint8) Insn { return Insn{Op: op, Jt: jt, Jf: jf, K: k} }

// Opcode fields.
func class(op uint16) uint16 { return op & 0x07 }
func size(op uint16) uint16  { return op & 0x18 }
func mode(op uint16) uint16  { return op & 0xe0 }
func aluOp(op uint16) uint16 { return op & 0xf0 }
func src(op uint16) uint16   { return op & 0x08 }

const insnSize = 8

// Encode lays a program out as the kernel reads an array of struct
// sock_filter on a little-endian machine.
func Encode(p []Insn) []byte {
	b := make([]byte, len(p)*insnSize)
	for i, in := range p {
		e := b[i*insnSize:]
		binary.LittleEndian.PutUint16(e[0:], in.Op)
		e[2] = in.Jt
		e[3] = in.Jf
		binary.LittleEndian.PutUint32(e[4:], in.K)
	}
	return b
}

// Decode is the inverse of Encode. It accepts any instruction bits (Verify
// judges them) but rejects sizes the kernel would never take.
func Decode(b []byte) ([]Insn, error) {
	switch {
	case len(b) == 0:
		return nil, fmt.Errorf("bpfasm: empty program")
	case len(b)%insnSize != 0:
		return nil, fmt.Errorf("bpfasm: program is %d bytes, not a multiple of %d", len(b), insnSize)
	case len(b)/insnSize > MaxInsns:
		return nil, fmt.Errorf("bpfasm: program has %d instructions; the kernel's limit is %d", len(b)/insnSize, MaxInsns)
	}
	p := make([]Insn, len(b)/insnSize)
	for i := range p {
		e := b[i*insnSize:]
		p[i] = Insn{
			Op: binary.LittleEndian.Uint16(e[0:]),
			Jt: e[2],
			Jf: e[3],
			K:  binary.LittleEndian.Uint32(e[4:]),
		}
	}
	return p, nil
}
