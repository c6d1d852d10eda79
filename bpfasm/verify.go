package bpfasm

import "fmt"

// VerifyError says which instruction the kernel would reject and why.
// Index is -1 for faults of the program as a whole.
type VerifyError struct {
	Index  int
	Insn   Insn
	Reason string
}

func (e *VerifyError) Error() string {
	if e.Index < 0 {
		return "bpfasm: verify: " + e.Reason
	}
	return fmt.Sprintf("bpfasm: verify: instruction %d (%s): %s", e.Index, statement(e.Insn, e.Index, nil), e.Reason)
}

// classicAllows is chk_code_allowed in net/core/filter.c: every opcode
// classic BPF defines, before seccomp narrows the set.
func classicAllows(op uint16) bool {
	switch op {
	case ALU | ADD | K, ALU | ADD | X, ALU | SUB | K, ALU | SUB | X,
		ALU | MUL | K, ALU | MUL | X, ALU | DIV | K, ALU | DIV | X,
		ALU | MOD | K, ALU | MOD | X, ALU | AND | K, ALU | AND | X,
		ALU | OR | K, ALU | OR | X, ALU | XOR | K, ALU | XOR | X,
		ALU | LSH | K, ALU | LSH | X, ALU | RSH | K, ALU | RSH | X,
		ALU | NEG,
		LD | W | ABS, LD | H | ABS, LD | B | ABS, LD | W | LEN,
		LD | W | IND, LD | H | IND, LD | B | IND, LD | IMM, LD | MEM,
		LDX | W | LEN, LDX | B | MSH, LDX | IMM, LDX | MEM,
		ST, STX, MISC | TAX, MISC | TXA, RET | K, RET | A,
		JMP | JA, JMP | JEQ | K, JMP | JEQ | X, JMP | JGE | K, JMP | JGE | X,
		JMP | JGT | K, JMP | JGT | X, JMP | JSET | K, JMP | JSET | X:
		return true
	}
	return false
}

// seccompAllows is the opcode switch of seccomp_check_filter in
// kernel/seccomp.c: no packet loads other than 32-bit absolute ones, no MOD,
// no LDX MSH.
func seccompAllows(op uint16) bool {
	switch op {
	case LD | W | ABS, LD | W | LEN, LDX | W | LEN,
		RET | K, RET | A,
		ALU | ADD | K, ALU | ADD | X, ALU | SUB | K, ALU | SUB | X,
		ALU | MUL | K, ALU | MUL | X, ALU | DIV | K, ALU | DIV | X,
		ALU | AND | K, ALU | AND | X, ALU | OR | K, ALU | OR | X,
		ALU | XOR | K, ALU | XOR | X, ALU | LSH | K, ALU | LSH | X,
		ALU | RSH | K, ALU | RSH | X, ALU | NEG,
		LD | IMM, LDX | IMM, MISC | TAX, MISC | TXA,
		LD | MEM, LDX | MEM, ST, STX,
		JMP | JA, JMP | JEQ | K, JMP | JEQ | X, JMP | JGE | K, JMP | JGE | X,
		JMP | JGT | K, JMP | JGT | X, JMP | JSET | K, JMP | JSET | X:
		return true
	}
	return false
}

// Verify accepts exactly the programs seccomp(SECCOMP_SET_MODE_FILTER)
// accepts: the checks of bpf_check_basics_ok, bpf_check_classic (with
// check_load_and_stores) in net/core/filter.c and seccomp_check_filter in
// kernel/seccomp.c. The kernel runs them in that order and stops at the
// first fault; Verify reports the first fault of the same order.
func Verify(p []Insn) error {
	flen := len(p)
	// bpf_check_basics_ok and seccomp_prepare_filter.
	if flen == 0 {
		return &VerifyError{Index: -1, Reason: "program is empty"}
	}
	if flen > MaxInsns {
		return &VerifyError{Index: -1, Reason: fmt.Sprintf("program has %d instructions; the kernel's limit is %d", flen, MaxInsns)}
	}
	reject := func(pc int, format string, args ...any) error {
		return &VerifyError{Index: pc, Insn: p[pc], Reason: fmt.Sprintf(format, args...)}
	}

	// bpf_check_classic: per-instruction checks.
	for pc, in := range p {
		if !classicAllows(in.Op) {
			return reject(pc, "opcode %#x is not a classic BPF instruction", in.Op)
		}
		switch in.Op {
		case ALU | DIV | K, ALU | MOD | K:
			if in.K == 0 {
				return reject(pc, "division by constant zero")
			}
		case ALU | LSH | K, ALU | RSH | K:
			if in.K >= 32 {
				return reject(pc, "shift by %d; 32-bit shifts take 0..31", in.K)
			}
		case LD | MEM, LDX | MEM, ST, STX:
			if in.K >= MemWords {
				return reject(pc, "memory cell M[%d] does not exist (M[0]..M[%d])", in.K, MemWords-1)
			}
		case JMP | JA:
			if uint64(in.K) >= uint64(flen-pc-1) {
				return reject(pc, "jump target %d is past the last instruction (%d)", uint64(pc)+1+uint64(in.K), flen-1)
			}
		case JMP | JEQ | K, JMP | JEQ | X, JMP | JGE | K, JMP | JGE | X,
			JMP | JGT | K, JMP | JGT | X, JMP | JSET | K, JMP | JSET | X:
			if t := pc + int(in.Jt) + 1; t >= flen {
				return reject(pc, "true target %d is past the last instruction (%d)", t, flen-1)
			}
			if f := pc + int(in.Jf) + 1; f >= flen {
				return reject(pc, "false target %d is past the last instruction (%d)", f, flen-1)
			}
		}
		// The ancillary-load check (k >= SKF_AD_OFF) is subsumed by
		// seccomp's own bound on absolute loads below.
	}
	// bpf_check_classic: "Last instruction must be a RET code".
	if last := p[flen-1]; last.Op != RET|K && last.Op != RET|A {
		return reject(flen-1, "the last instruction must be a ret")
	}
	if err := checkLoadAndStores(p); err != nil {
		return err
	}

	// seccomp_check_filter.
	for pc, in := range p {
		if !seccompAllows(in.Op) {
			return reject(pc, "seccomp does not allow %s", opcodeKind(in.Op))
		}
		if in.Op == LD|W|ABS && (in.K >= DataSize || in.K%4 != 0) {
			return reject(pc, "seccomp loads only aligned 32-bit words inside seccomp_data (offset < %d, multiple of 4)", DataSize)
		}
	}
	return nil
}

// checkLoadAndStores is check_load_and_stores in net/core/filter.c, kept
// instruction for instruction because its verdict, not an idealised one, is
// what counts: one linear pass where memvalid holds the cells stored on
// every path so far; a jump ANDs it into its targets' masks and resets it,
// and it flows through a ret unchanged, so a load in unreachable code after
// a ret may still pass. Cell indexes are below 16 here (checked before).
func checkLoadAndStores(p []Insn) error {
	masks := make([]uint16, len(p))
	for i := range masks {
		masks[i] = 0xffff
	}
	var memvalid uint16
	for pc, in := range p {
		memvalid &= masks[pc]
		switch in.Op {
		case ST, STX:
			memvalid |= 1 << in.K
		case LD | MEM, LDX | MEM:
			if memvalid&(1<<in.K) == 0 {
				return &VerifyError{Index: pc, Insn: in, Reason: fmt.Sprintf("M[%d] may be read before it is written", in.K)}
			}
		case JMP | JA:
			masks[pc+1+int(in.K)] &= memvalid
			memvalid = 0xffff
		case JMP | JEQ | K, JMP | JEQ | X, JMP | JGE | K, JMP | JGE | X,
			JMP | JGT | K, JMP | JGT | X, JMP | JSET | K, JMP | JSET | X:
			masks[pc+1+int(in.Jt)] &= memvalid
			masks[pc+1+int(in.Jf)] &= memvalid
			memvalid = 0xffff
		}
	}
	return nil
}

// opcodeKind names a classic instruction seccomp refuses.
func opcodeKind(op uint16) string {
	switch {
	case class(op) == LD && mode(op) == ABS:
		return "16- or 8-bit loads"
	case class(op) == LD && mode(op) == IND:
		return "indirect loads"
	case op == LDX|B|MSH:
		return "ldxb 4*([k]&0xf)"
	case class(op) == ALU && aluOp(op) == MOD:
		return "mod"
	}
	return fmt.Sprintf("opcode %#x", op)
}
