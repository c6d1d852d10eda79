package bpfasm

import (
	"fmt"
	"strings"

	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/syscalls"
)

// Disassemble prints a program, one line per instruction: index, the raw
// fields in hex, and a statement that ParseAsm reads back to the same
// instruction. Jump targets are absolute indexes. Syscall numbers and audit
// arch values in jeq are printed by name where the flow analysis pins down
// the ABI (see the package documentation). Any input is printed, valid or
// not.
func Disassemble(p []Insn) string {
	states := runFlow(flowGraph{n: len(p), insn: func(i int) Insn { return p[i] }, targets: offsetTargets(p)}, nil)
	known := knownAuditArches()
	var b strings.Builder
	for i, in := range p {
		var s *flowState
		if states[i].reached {
			s = &states[i]
		}
		fmt.Fprintf(&b, "%4d: 0x%02x 0x%02x 0x%02x 0x%08x  %s\n", i, in.Op, in.Jt, in.Jf, in.K, symStatement(in, i, s, known))
	}
	return b.String()
}

// statement formats one instruction with numbers only.
func statement(in Insn, pc int, s *flowState) string {
	return symStatement(in, pc, s, nil)
}

func symStatement(in Insn, pc int, s *flowState, known []uint32) string {
	if text, ok := canonical(in, pc, s, known); ok {
		return text
	}
	return fmt.Sprintf(".insn %#x, %d, %d, %#x", in.Op, in.Jt, in.Jf, in.K)
}

// imm prints a constant; small ones read better in decimal.
func imm(k uint32) string {
	if k < 1000 {
		return fmt.Sprintf("#%d", k)
	}
	return fmt.Sprintf("#%#x", k)
}

var aluNames = map[uint16]string{
	ADD: "add", SUB: "sub", MUL: "mul", DIV: "div", OR: "or", AND: "and",
	LSH: "lsh", RSH: "rsh", MOD: "mod", XOR: "xor",
}

var jumpNames = map[uint16]string{JEQ: "jeq", JGT: "jgt", JGE: "jge", JSET: "jset"}

// dataName names a 32-bit word of seccomp_data.
func dataName(k uint32) string {
	switch {
	case k == OffNr:
		return "nr"
	case k == OffArch:
		return "arch"
	case k == OffIP:
		return "ip.lo"
	case k == OffIP+4:
		return "ip.hi"
	}
	half := "lo"
	if (k-OffArgs)%8 == 4 {
		half = "hi"
	}
	return fmt.Sprintf("arg%d.%s", (k-OffArgs)/8, half)
}

// canonical prints the statement for in, or reports false when no
// statement encodes exactly these bits (a field the opcode ignores is not
// zero, or the opcode means nothing).
func canonical(in Insn, pc int, s *flowState, known []uint32) (string, bool) {
	op, k := in.Op, in.K
	if op > 0xff {
		return "", false
	}
	noJumps := in.Jt == 0 && in.Jf == 0
	noK := noJumps && k == 0
	sizeName := map[uint16]string{W: "ld", H: "ldh", B: "ldb"}[size(op)]
	switch class(op) {
	case LD:
		switch {
		case !noJumps:
		case mode(op) == ABS && sizeName != "":
			if size(op) == W && k < DataSize && k%4 == 0 {
				return "ld " + dataName(k), true
			}
			return fmt.Sprintf("%s [%d]", sizeName, k), true
		case mode(op) == IND && sizeName != "":
			return fmt.Sprintf("%s [x + %d]", sizeName, k), true
		case op == LD|IMM:
			return "ld " + imm(k), true
		case op == LD|MEM:
			return fmt.Sprintf("ld M[%d]", k), true
		case op == LD|W|LEN && k == 0:
			return "ld #len", true
		}
	case LDX:
		switch {
		case !noJumps:
		case op == LDX|IMM:
			return "ldx " + imm(k), true
		case op == LDX|MEM:
			return fmt.Sprintf("ldx M[%d]", k), true
		case op == LDX|W|LEN && k == 0:
			return "ldx #len", true
		case op == LDX|B|MSH:
			return fmt.Sprintf("ldxb 4*([%d]&0xf)", k), true
		}
	case ST, STX:
		if noJumps && (op == ST || op == STX) {
			return fmt.Sprintf("%s M[%d]", map[uint16]string{ST: "st", STX: "stx"}[op], k), true
		}
	case ALU:
		if op == ALU|NEG && noK {
			return "neg", true
		}
		name, ok := aluNames[aluOp(op)]
		switch {
		case !ok || !noJumps:
		case src(op) == K:
			return name + " " + imm(k), true
		case k == 0:
			return name + " x", true
		}
	case JMP:
		if op == JMP|JA && noJumps {
			return fmt.Sprintf("ja %d", uint64(pc)+1+uint64(k)), true
		}
		name, ok := jumpNames[aluOp(op)]
		if !ok || (src(op) == X && k != 0) {
			return "", false
		}
		operand := "x"
		if src(op) == K {
			operand = jumpOperand(op, k, s, known)
		}
		return fmt.Sprintf("%s %s, %d, %d", name, operand, pc+1+int(in.Jt), pc+1+int(in.Jf)), true
	case RET:
		switch {
		case op == RET|K && noJumps:
			return "ret " + policy.Action(k).String(), true
		case op == RET|A && noK:
			return "ret a", true
		}
	case MISC:
		switch {
		case op == MISC|TAX && noK:
			return "tax", true
		case op == MISC|TXA && noK:
			return "txa", true
		}
	}
	return "", false
}

// jumpOperand names the constant of a jeq when the flow state says what it
// is compared with: an audit arch value against the loaded arch, a syscall
// of the one possible ABI against the loaded nr.
func jumpOperand(op uint16, k uint32, s *flowState, known []uint32) string {
	if s == nil || known == nil || aluOp(op) != JEQ || s.a.kind != valData {
		return imm(k)
	}
	switch s.a.k {
	case OffArch:
		if name, ok := syscalls.AuditArchName(k); ok {
			return name
		}
	case OffNr:
		if arch, ok := s.uniqueArch(known); ok {
			if abi := abiFor(arch, k); abi != nil {
				if name, ok := abi.SyscallName(k); ok {
					if abi.X32 {
						return abi.Name + ":" + name
					}
					return name
				}
			}
		}
	}
	return imm(k)
}
