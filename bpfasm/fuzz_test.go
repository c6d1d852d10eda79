package bpfasm

import (
	"bytes"
	"os"
	"testing"
)

func seedPrograms() [][]byte {
	var out [][]byte
	for _, name := range []string{"testdata/x86_64.bpf", "testdata/multiarch.bpf", "testdata/raw.bpf"} {
		if b, err := os.ReadFile(name); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// FuzzDecode: decoding, disassembling, running and verifying never panic,
// and what decodes re-encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	for _, b := range seedPrograms() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			return
		}
		if !bytes.Equal(Encode(p), b) {
			t.Fatalf("Encode(Decode(b)) != b")
		}
		_ = Disassemble(p)
		verr := Verify(p)
		_, _, rerr := Run(p, x86(1, 2, 3))
		if verr == nil && rerr != nil {
			t.Fatalf("Verify accepts but Run fails: %v\n%s", rerr, Disassemble(p))
		}
	})
}

// FuzzAsm: ParseAsm never panics, and a program it assembles prints as text
// that assembles back to the same instructions.
func FuzzAsm(f *testing.F) {
	for _, name := range []string{"testdata/x86_64.s", "testdata/multiarch.s", "testdata/raw.s"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("ld #len\nldxb 4*([1]&0xf)\nret errno(EPERM)"))
	f.Fuzz(func(t *testing.T, src []byte) {
		prog, err := ParseAsm("fuzz.s", src)
		if err != nil {
			return
		}
		p, err := prog.Assemble()
		if err != nil {
			return
		}
		text := Disassemble(p)
		prog2, err := ParseAsm("again.s", []byte(text))
		if err != nil {
			t.Fatalf("disassembly does not parse: %v\n%s", err, text)
		}
		p2, err := prog2.Assemble()
		if err != nil {
			t.Fatalf("disassembly does not assemble: %v\n%s", err, text)
		}
		if !bytes.Equal(Encode(p), Encode(p2)) {
			t.Fatalf("round trip changed the program\n%s\n%s", text, Disassemble(p2))
		}
	})
}

// FuzzRun: the emulator never panics, executes at most len(p)
// instructions, and agrees with Verify.
func FuzzRun(f *testing.F) {
	for _, b := range seedPrograms() {
		f.Add(b, int32(1), uint32(0xc000003e), uint64(0), uint64(0))
	}
	f.Fuzz(func(t *testing.T, b []byte, nr int32, arch uint32, a0, a1 uint64) {
		p, err := Decode(b)
		if err != nil {
			return
		}
		d := &Data{Nr: nr, Arch: arch, Args: [6]uint64{a0, a1}}
		_, steps, err := Run(p, d)
		if steps > len(p) {
			t.Fatalf("%d steps in a %d-instruction program", steps, len(p))
		}
		if err != nil && Verify(p) == nil {
			t.Fatalf("Verify accepts but Run fails: %v\n%s", err, Disassemble(p))
		}
	})
}
