// Package bpfasm is scc's classic BPF toolkit for seccomp: the instruction
// type and its kernel encoding, a label-resolving assembler for the compiler,
// a text assembler and disassembler for people, an emulator with the kernel's
// seccomp semantics, and a verifier that accepts exactly what the kernel
// accepts.
//
// # Text syntax
//
// Disassemble prints one instruction per line: its index, the four raw
// fields, then a statement in bpf_asm-like syntax. ParseAsm reads the
// statements back (the index and raw-field columns may be kept or dropped),
// so that ParseAsm(Disassemble(p)) assembles to p for every program Decode
// accepts.
//
//	ld nr | ld arch | ld ip.lo | ld arg2.hi    32-bit load from seccomp_data
//	ld [k] | ldh [k] | ldb [k]                 other absolute loads
//	ld [x + k] | ldh [x + k] | ldb [x + k]     indirect loads (seccomp rejects them)
//	ld #k | ld #len | ld M[k]                  also ldx; ldxb 4*([k]&0xf)
//	st M[k] | stx M[k]
//	add #k | add x | neg                       also sub mul div mod and or xor lsh rsh
//	tax | txa
//	ja L
//	jeq #k, Lt, Lf | jeq x, Lt, Lf             also jgt jge jset; Lf may be omitted (next)
//	ret #k | ret a | ret allow | ret errno(EPERM) | ret trace(3) | ret kill ...
//	.insn op, jt, jf, k                        any instruction, verbatim
//	name:                                      a label
//
// Numbers are decimal or 0x-hex; `#` before an immediate is optional.
// Jump targets are label names or absolute instruction indexes. `;` starts a
// comment, and so does `#` at the start of a line or followed by a blank.
//
// Symbols stand for constants where the disassembler prints them:
// AUDIT_ARCH_X86_64 and the other audit arch names anywhere a constant is
// expected, and syscall names in jump operands. A syscall number depends on
// the ABI, so a bare name (jeq write, 3, 4) is resolved the same way the
// disassembler chose to print it: a forward data-flow pass tracks which audit
// arch values are still possible at each instruction (jeq AUDIT_ARCH_X on a
// loaded arch narrows the true branch to X and removes X from the false
// branch); the name must then belong to exactly one ABI. With
// AUDIT_ARCH_X86_64 a bare name means x86_64; x32 names are written, and
// printed, qualified: jeq x32:read. Any name may be qualified explicitly
// (jeq aarch64:openat, ...), which needs no flow context.
//
// # Jumps in Program
//
// Instr.True and Instr.False name labels. An empty target keeps the raw
// offset already in Insn.Jt/Jf (Insn.K for ja), so the zero value means "the
// next instruction" and numeric targets from assembly text survive
// unchanged. Assemble inserts ja trampolines for conditional jumps that
// cannot reach their target within 255 instructions, and turns a conditional
// jump whose labelled targets coincide into a ja (or drops it when that is
// the next instruction).
package bpfasm
