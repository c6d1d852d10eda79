package bpfasm

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		data      *Data
		want      uint32
		steps     int
		wantError string
	}{
		{"ld nr", "ld nr\nret a", x86(231), 231, 2, ""},
		{"ld arch", "ld arch\nret a", x86(0), 0xc000003e, 2, ""},
		{"ld ip halves", "ld ip.hi\ntax\nld ip.lo\nadd x\nret a", &Data{IP: 0x0000000500000007}, 12, 5, ""},
		{"ld arg hi", "ld arg5.hi\nret a", x86(0, 0, 0, 0, 0, 0, 0xdeadbeef00000000), 0xdeadbeef, 2, ""},
		{"ld imm", "ld #7\nret a", x86(0), 7, 2, ""},
		{"ld len", "ld #len\nret a", x86(0), 64, 2, ""},
		{"ldx len", "ldx #len\ntxa\nret a", x86(0), 64, 3, ""},
		{"ldx imm, tax, txa", "ldx #9\ntxa\nadd #1\ntax\ntxa\nret a", x86(0), 10, 6, ""},
		{"st and ld mem", "ld #5\nst M[15]\nld #0\nld M[15]\nret a", x86(0), 5, 5, ""},
		{"stx and ldx mem", "ldx #6\nstx M[3]\nldx M[3]\ntxa\nret a", x86(0), 6, 5, ""},
		{"alu k", "ld #10\nadd #5\nsub #3\nmul #4\ndiv #6\nor #0x100\nand #0x10f\nxor #1\nlsh #4\nrsh #2\nret a", x86(0), ((((10+5-3)*4/6)|0x100)&0x10f ^ 1) << 4 >> 2, 11, ""},
		{"alu x", "ldx #3\nld #10\nadd x\nmul x\ndiv x\nsub x\nret a", x86(0), (10+3)*3/3 - 3, 7, ""},
		{"neg wraps", "ld #1\nneg\nret a", x86(0), 0xffffffff, 3, ""},
		{"overflow wraps", "ld #0xffffffff\nadd #2\nret a", x86(0), 1, 3, ""},
		{"shift by x uses five bits", "ldx #33\nld #1\nlsh x\nret a", x86(0), 2, 4, ""},
		{"div by x zero returns 0", "ld #1\ndiv x\nret allow", x86(0), 0, 2, ""},
		{"jeq true", "ld nr\njeq #1, 2, 3\nret #10\nret #20", x86(1), 10, 3, ""},
		{"jeq false", "ld nr\njeq #1, 2, 3\nret #10\nret #20", x86(2), 20, 3, ""},
		{"jgt is unsigned", "ld nr\njgt #5, 2, 3\nret #1\nret #0", x86(-1), 1, 3, ""},
		{"jge edge", "ld nr\njge #5, 2, 3\nret #1\nret #0", x86(5), 1, 3, ""},
		{"jset", "ld arg1.lo\njset #0x40, 2, 3\nret #1\nret #0", x86(0, 0, 0x41), 1, 3, ""},
		{"jset clear", "ld arg1.lo\njset #0x40, 2, 3\nret #1\nret #0", x86(0, 0, 0x81), 0, 3, ""},
		{"jeq x", "ldx #4\nld nr\njeq x, 3, 4\nret #1\nret #0", x86(4), 1, 4, ""},
		{"ja", "ja 2\nret #1\nret #2", x86(0), 2, 2, ""},
		{"ret k", "ret errno(EPERM)", x86(0), 0x50001, 1, ""},

		{"ldh refused", "ldh [0]\nret a", x86(0), 0, 1, "seccomp does not allow"},
		{"ld ind refused", "ld [x + 0]\nret a", x86(0), 0, 1, "seccomp does not allow"},
		{"misaligned load", "ld [2]\nret a", x86(0), 0, 1, "aligned 32-bit words"},
		{"load past data", "ld [64]\nret a", x86(0), 0, 1, "aligned 32-bit words"},
		{"mod refused", "ld #5\nmod #2\nret a", x86(0), 0, 2, "seccomp does not allow"},
		{"div by constant zero", "div #0\nret a", x86(0), 0, 1, "division by constant zero"},
		{"shift too far", "lsh #32\nret a", x86(0), 0, 1, "shift by 32"},
		{"unwritten memory", "ld M[2]\nret a", x86(0), 0, 1, "M[2] is read before it is written"},
		{"memory out of range", "st M[16]\nret a", x86(0), 0, 1, "memory cell 16 does not exist"},
		{"falls off the end", "ld #1", x86(0), 0, 1, "left the program"},
		{"jump out", "ld nr\njeq #0, 9, 2\nret #0", x86(0), 0, 2, "jump target 9 is outside"},
		{"ja out", ".insn 0x05, 0, 0, 0xffffffff\nret #0", x86(0), 0, 1, "outside the program"},
		{"ret x refused", ".insn 0x0e, 0, 0, 0", x86(0), 0, 1, "seccomp does not allow"},
		{"garbage opcode", ".insn 0xffff, 0, 0, 0", x86(0), 0, 1, "seccomp does not allow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := asm(t, tt.src)
			got, steps, err := Run(p, tt.data)
			if tt.wantError != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantError)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.steps, steps)
		})
	}
}

func TestRunBadArguments(t *testing.T) {
	_, _, err := Run(nil, x86(0))
	assert.ErrorContains(t, err, "empty program")
	_, _, err = Run([]Insn{Stmt(RET|K, 0)}, nil)
	assert.ErrorContains(t, err, "no seccomp data")
}

// Trace gives Run's result and the instructions on the way, in order.
func TestTrace(t *testing.T) {
	prog := []Insn{
		{Op: LD | W | ABS, K: OffNr},
		{Op: JMP | JEQ | K, K: 1, Jt: 1},
		{Op: RET | K, K: 0},
		{Op: RET | K, K: 0x7fff0000},
	}
	for _, tc := range []struct {
		nr   int32
		ret  uint32
		path []int
	}{{1, 0x7fff0000, []int{0, 1, 3}}, {2, 0, []int{0, 1, 2}}} {
		d := Data{Nr: tc.nr}
		ret, path, err := Trace(prog, &d)
		require.NoError(t, err)
		require.Equal(t, tc.ret, ret)
		require.Equal(t, tc.path, path)
		want, steps, err := Run(prog, &d)
		require.NoError(t, err)
		require.Equal(t, want, ret)
		require.Len(t, path, steps)
	}
}
