package bpfasm

import (
	"os"
	"testing"
)

func BenchmarkRun(b *testing.B) {
	src, err := os.ReadFile("testdata/x86_64.s")
	if err != nil {
		b.Fatal(err)
	}
	prog, err := ParseAsm("x86_64.s", src)
	if err != nil {
		b.Fatal(err)
	}
	p, err := prog.Assemble()
	if err != nil {
		b.Fatal(err)
	}
	d := x86(1, 2)
	for b.Loop() {
		if _, _, err := Run(p, d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAssembleTrampolines: 1000 conditional jumps that all need a
// trampoline over 3000 instructions.
func BenchmarkAssembleTrampolines(b *testing.B) {
	var p Program
	p.Emit(ldNr())
	for range 1000 {
		p.Emit(jeq(1, "end", ""))
	}
	for range 2000 {
		p.Emit(Instr{Insn: Stmt(LD|IMM, 0)})
	}
	p.Mark("end")
	p.Emit(ret(0))
	for b.Loop() {
		out, err := p.Assemble()
		if err != nil || len(out) <= len(p.Insns) {
			b.Fatal(err, len(out))
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	p := verifyProgram(b, "longest", "")
	for b.Loop() {
		if err := Verify(p); err != nil {
			b.Fatal(err)
		}
	}
}
