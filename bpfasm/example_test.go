package bpfasm_test

import (
	"fmt"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/syscalls"
)

// A compiler emits instructions with symbolic targets and lets Assemble
// compute the offsets.
func ExampleProgram_Assemble() {
	var p bpfasm.Program
	p.Emit(
		bpfasm.Instr{Insn: bpfasm.Stmt(bpfasm.LD|bpfasm.W|bpfasm.ABS, bpfasm.OffArch)},
		bpfasm.Instr{Insn: bpfasm.Jump(bpfasm.JMP|bpfasm.JEQ|bpfasm.K, syscalls.AuditArchX86_64, 0, 0), False: "kill"},
		bpfasm.Instr{Insn: bpfasm.Stmt(bpfasm.LD|bpfasm.W|bpfasm.ABS, bpfasm.OffNr)},
		bpfasm.Instr{Insn: bpfasm.Jump(bpfasm.JMP|bpfasm.JEQ|bpfasm.K, 1, 0, 0), True: "allow", False: "deny"},
	)
	p.Mark("deny")
	p.Emit(bpfasm.Instr{Insn: bpfasm.Stmt(bpfasm.RET|bpfasm.K, uint32(policy.Errno(1)))})
	p.Mark("allow")
	p.Emit(bpfasm.Instr{Insn: bpfasm.Stmt(bpfasm.RET|bpfasm.K, uint32(policy.Allow))})
	p.Mark("kill")
	p.Emit(bpfasm.Instr{Insn: bpfasm.Stmt(bpfasm.RET|bpfasm.K, uint32(policy.KillProcess))})

	insns, err := p.Assemble()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(bpfasm.Disassemble(insns))
	// Output:
	//    0: 0x20 0x00 0x00 0x00000004  ld arch
	//    1: 0x15 0x00 0x04 0xc000003e  jeq AUDIT_ARCH_X86_64, 2, 6
	//    2: 0x20 0x00 0x00 0x00000000  ld nr
	//    3: 0x15 0x01 0x00 0x00000001  jeq write, 5, 4
	//    4: 0x06 0x00 0x00 0x00050001  ret errno(EPERM)
	//    5: 0x06 0x00 0x00 0x7fff0000  ret allow
	//    6: 0x06 0x00 0x00 0x80000000  ret kill
}

// Run answers what a filter does with one call.
func ExampleRun() {
	prog, _ := bpfasm.ParseAsm("allow-write.s", []byte(`
		ld arch
		jeq AUDIT_ARCH_X86_64, ok, kill
	ok:	ld nr
		jeq write, allow, deny
	allow:	ret allow
	deny:	ret errno(EPERM)
	kill:	ret kill
	`))
	insns, _ := prog.Assemble()
	for _, nr := range []int32{1, 2} {
		ret, steps, err := bpfasm.Run(insns, &bpfasm.Data{Nr: nr, Arch: syscalls.AuditArchX86_64})
		fmt.Println(nr, policy.Action(ret), steps, err)
	}
	// Output:
	// 1 allow 5 <nil>
	// 2 errno(EPERM) 5 <nil>
}

func ExampleVerify() {
	err := bpfasm.Verify([]bpfasm.Insn{
		bpfasm.Stmt(bpfasm.LD|bpfasm.H|bpfasm.ABS, 0),
		bpfasm.Stmt(bpfasm.RET|bpfasm.A, 0),
	})
	fmt.Println(err)
	// Output:
	// bpfasm: verify: instruction 0 (ldh [0]): seccomp does not allow 16- or 8-bit loads
}
