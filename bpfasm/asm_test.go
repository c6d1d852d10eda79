package bpfasm

import (
	"math/rand"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseAsmForms(t *testing.T) {
	tests := []struct {
		src  string
		want Insn
	}{
		{"ld nr", Stmt(LD|W|ABS, 0)},
		{"ld ip.hi", Stmt(LD|W|ABS, 12)},
		{"ld arg3.lo", Stmt(LD|W|ABS, 40)},
		{"ld [8]", Stmt(LD|W|ABS, 8)},
		{"ldh [x + 0x10]", Stmt(LD|H|IND, 16)},
		{"ld 5", Stmt(LD|IMM, 5)},
		{"ld #AUDIT_ARCH_I386", Stmt(LD|IMM, 0x40000003)},
		{"ldx M[4]", Stmt(LDX|MEM, 4)},
		{"ldxb 4*([14]&0xf)", Stmt(LDX|B|MSH, 14)},
		{"lsh x", Stmt(ALU|LSH|X, 0)},
		{"ret #0x7fff0000", Stmt(RET|K, 0x7fff0000)},
		{"ret errno(13)", Stmt(RET|K, 0x5000d)},
		{"ret kill_process", Stmt(RET|K, 0x80000000)},
		{"ret trap(2)", Stmt(RET|K, 0x30002)},
		{"ret action(0x12345678)", Stmt(RET|K, 0x12345678)},
		{"jeq aarch64:openat, 1, 1", Jump(JMP|JEQ|K, 56, 0, 0)},
		{"jgt #1, 1", Jump(JMP|JGT|K, 1, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			prog, err := ParseAsm("t.s", []byte(tt.src+"\nret allow"))
			require.NoError(t, err)
			require.Len(t, prog.Insns, 2)
			assert.Equal(t, tt.want, prog.Insns[0].Insn)
		})
	}
}

func TestParseAsmErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown mnemonic", "ld nr\nfoo #1", "t.s:2:1: unknown instruction \"foo\""},
		{"bad number", "ld #12z", "t.s:1:5: bad number \"12z\""},
		{"out of range", "ld #0x100000000", "t.s:1:5: 0x100000000 is out of range"},
		{"backward number", "ld nr\njeq #1, 1, 2", "t.s:2:9: target 1 is not after instruction 1"},
		{"too far for a number", "jeq #1, 300, 1", "t.s:1:9: target 300 is too far"},
		{"duplicate label", "a:\na: ret allow", "t.s:2:1: label \"a\" is defined twice"},
		{"trailing junk", "ret allow allow", "t.s:1:11: unexpected \"allow\" after the statement"},
		{"unknown errno", "ret errno(EFOO)", "t.s:1:11: unknown errno \"EFOO\""},
		{"data too big", "ret errno(70000)", "out of range"},
		{"bad index column", "   3: 0x06 0x00 0x00 0x00000000  ret kill_thread", "t.s:1:4: index 3 does not match"},
		{"no ABI for a name", "ld nr\njeq write, 2, 3\nret allow\nret allow", "t.s:2:5: cannot tell which ABI syscall \"write\""},
		{"ABI lacks the name", "ld arch\njeq AUDIT_ARCH_X86_64, 2, 4\nld nr\njeq nosuchcall, 4, 4\nret allow",
			"t.s:4:5: x86_64 has no syscall \"nosuchcall\""},
		{"unknown ABI", "jeq vax:read, 1, 1\nret allow", "t.s:1:5: unknown ABI \"vax\""},
		{"ldh with a name", "ldh nr", "ldh takes [k] or [x + k]"},
		{"stray character", "ld nr @", "t.s:1:7: unexpected character '@'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAsm("t.s", []byte(tt.src))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestParseAsmComments(t *testing.T) {
	p := asm(t, "# leading comment\n\tld #5 # trailing\n  ; another\nret a ; done\n#\n")
	assert.Equal(t, []Insn{Stmt(LD|IMM, 5), Stmt(RET|A, 0)}, p)
}

// TestNamesFollowTheArch: names are printed (and read back) only where one
// ABI is possible.
func TestNamesFollowTheArch(t *testing.T) {
	p := asm(t, `
		ld nr
		jeq #1, 2, 2              ; no arch check yet: a number
		ld arch
		jeq AUDIT_ARCH_I386, i386
		jeq AUDIT_ARCH_X86_64, x86, other
	i386:	ld nr
		jeq write, yes, no        ; i386 write is 4
	x86:	ld nr
		jeq write, yes
		jeq x32:write, yes, no
	other:	ld nr
		jeq #1, yes, no           ; any other arch: a number
	yes:	ret allow
	no:	ret kill`)
	dis := Disassemble(p)
	for _, want := range []string{
		"   1: 0x15 0x00 0x00 0x00000001  jeq #1, 2, 2",
		"   6: 0x15 0x05 0x06 0x00000004  jeq write, 12, 13",
		"   8: 0x15 0x03 0x00 0x00000001  jeq write, 12, 9",
		"   9: 0x15 0x02 0x03 0x40000001  jeq x32:write, 12, 13",
		"  11: 0x15 0x00 0x01 0x00000001  jeq #1, 12, 13",
	} {
		assert.Contains(t, dis, want)
	}
}

func TestRoundTripGolden(t *testing.T) {
	for _, src := range []string{"testdata/x86_64.s", "testdata/multiarch.s"} {
		p := asm(t, mustRead(t, src))
		assert.Equal(t, p, asm(t, Disassemble(p)), src)
	}
}

// TestRoundTripRandom: every decodable program, however invalid,
// disassembles to text that assembles back to it.
func TestRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for range 3000 {
		n := 1 + rng.Intn(40)
		b := make([]byte, 8*n)
		rng.Read(b)
		for i := 0; i < n; i++ {
			// Mostly real opcodes, small offsets and known values,
			// so that the symbolic forms are exercised.
			if rng.Intn(4) > 0 {
				b[8*i], b[8*i+1] = byte(rng.Intn(256)), 0
			}
			if rng.Intn(2) == 0 {
				b[8*i+2], b[8*i+3] = byte(rng.Intn(n)), byte(rng.Intn(n))
			}
			switch rng.Intn(4) {
			case 0:
				copy(b[8*i+4:], []byte{0x3e, 0, 0, 0xc0})
			case 1:
				copy(b[8*i+4:], []byte{byte(rng.Intn(64)), 0, 0, 0})
			}
		}
		p, err := Decode(b)
		require.NoError(t, err)
		text := Disassemble(p)
		prog, err := ParseAsm("rt.s", []byte(text))
		require.NoError(t, err, text)
		got, err := prog.Assemble()
		require.NoError(t, err, text)
		require.Equal(t, p, got, text)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func TestDisassembleTolerates(t *testing.T) {
	p := []Insn{
		{Op: 0xffff, Jt: 1, Jf: 2, K: 3},
		Jump(JMP|JEQ|K, 1, 200, 255),
		{Op: JMP | JA, K: 0xffffffff},
		{Op: LD | W | LEN, K: 9},
	}
	dis := Disassemble(p)
	assert.Equal(t, 4, strings.Count(dis, "\n"))
	assert.Contains(t, dis, ".insn 0xffff, 1, 2, 0x3")
	assert.Contains(t, dis, "jeq #1, 202, 257")
	assert.Contains(t, dis, "ja 4294967298")
	assert.Contains(t, dis, ".insn 0x80, 0, 0, 0x9")
}
