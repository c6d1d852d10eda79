package bpfasm

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// verifyCases are programs with the kernel's verdict: want is "" when
// seccomp accepts the program, else a fragment of Verify's reason. The
// kernel test loads each of them into a thread of a child process, so the
// accepted ones must allow every call (TestAcceptedCasesAllow checks).
var verifyCases = []struct {
	name string
	src  string
	want string
}{
	{"minimal", "ret allow", ""},
	{"ret a", "ld nr\nld #0x7fff0000\nret a", ""},
	{"every allowed opcode", `
		ld arch
		ld nr
		ld #len
		ldx #len
		ld #1
		ldx #2
		st M[0]
		stx M[15]
		ld M[0]
		ldx M[15]
		add #1
		add x
		sub #1
		sub x
		mul #3
		mul x
		div #3
		div x
		and #1
		and x
		or #1
		or x
		xor #1
		xor x
		lsh #31
		lsh x
		rsh #1
		rsh x
		neg
		tax
		txa
		ja next
	next:
		jeq #1, a
	a:	jeq x, b
	b:	jgt #1, c
	c:	jgt x, d
	d:	jge #1, e
	e:	jge x, f
	f:	jset #1, g
	g:	jset x, h
	h:	ld arg5.hi
		ld #0x7fff0000
		ret a`, ""},
	{"store on both paths", "ld nr\njeq #1, 2, 4\nst M[1]\nja 5\nst M[1]\nld M[1]\nret allow", ""},
	{"load after ret passes", "st M[0]\nret allow\nld M[0]\nret a", ""},
	{"longest", "", ""}, // filled in by init: MaxInsns instructions

	{"empty", "", "program is empty"},
	{"too long", "", "program has 4097 instructions"},
	{"no ret at the end", "ld nr", "the last instruction must be a ret"},
	{"ret x", ".insn 0x0e, 0, 0, 0", "not a classic BPF instruction"},
	{"garbage opcode", ".insn 0xff, 0, 0, 0\nret allow", "not a classic BPF instruction"},
	{"high opcode bits", ".insn 0x106, 0, 0, 0", "not a classic BPF instruction"},
	{"ld h", "ldh [0]\nret a", "seccomp does not allow 16- or 8-bit loads"},
	{"ld b", "ldb [4]\nret a", "seccomp does not allow 16- or 8-bit loads"},
	{"ld ind", "ld [x + 0]\nret a", "seccomp does not allow indirect loads"},
	{"ldx msh", "ldxb 4*([0]&0xf)\nret allow", "seccomp does not allow ldxb"},
	{"mod", "ld #4\nmod #3\nret a", "seccomp does not allow mod"},
	{"mod x", "mod x\nret a", "seccomp does not allow mod"},
	{"misaligned load", "ld [2]\nret a", "aligned 32-bit words"},
	{"load past seccomp_data", "ld [64]\nret a", "aligned 32-bit words"},
	{"ancillary load", "ld [0xfffff000]\nret a", "aligned 32-bit words"},
	{"div by zero", "div #0\nret a", "division by constant zero"},
	{"mod by zero", "mod #0\nret a", "division by constant zero"},
	{"shift by 32", "rsh #32\nret a", "shift by 32"},
	{"memory cell 16", "st M[16]\nret allow", "M[16] does not exist"},
	{"ldx memory cell 99", "ld #0\nst M[0]\nldx M[99]\nret allow", "M[99] does not exist"},
	{"load before store", "ld M[3]\nret a", "M[3] may be read before it is written"},
	{"store on one path only", "ld nr\njeq #1, 2, 3\nst M[1]\nld M[1]\nret a", "M[1] may be read"},
	{"unreachable load at the start", "ret allow\nld M[0]\nret a", "M[0] may be read"},
	{"jt past the end", "ld nr\njeq #1, 3, 2\nret allow", "true target 3 is past the last instruction"},
	{"jf past the end", "ld nr\njeq #1, 2, 3\nret allow", "false target 3 is past the last instruction"},
	{"jump to the end", "ld nr\njeq #1, 2\n", "true target 2 is past the last instruction"},
	{"ja past the end", "ja 2\nret allow", "jump target 2 is past"},
	{"ja far past the end", ".insn 0x05, 0, 0, 0xffffffff\nret allow", "is past"},
	{"unknown jump op", ".insn 0x55, 0, 0, 0\nret allow", "not a classic BPF instruction"},
	{"ja with x source", ".insn 0x0d, 0, 0, 0\nret allow", "not a classic BPF instruction"},
	{"ld with size on imm", ".insn 0x08, 0, 0, 0\nret allow", "not a classic BPF instruction"},
}

// verifyProgram builds a case's program; src "" means a special case.
func verifyProgram(t testing.TB, name, src string) []Insn {
	switch name {
	case "longest", "too long":
		n := MaxInsns
		if name == "too long" {
			n++
		}
		p := make([]Insn, n)
		p[n-1] = Stmt(RET|K, 0x7fff0000)
		return p // LD IMM 0 everywhere else
	case "empty":
		return nil
	}
	return asm(t, src)
}

func TestVerify(t *testing.T) {
	for _, tt := range verifyCases {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(verifyProgram(t, tt.name, tt.src))
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestVerifyErrorNamesTheInstruction(t *testing.T) {
	err := Verify(asm(t, "ld nr\nst M[0]\nldh [2]\nret a"))
	var ve *VerifyError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, 2, ve.Index)
	assert.Equal(t, Stmt(LD|H|ABS, 2), ve.Insn)
	assert.Equal(t, "bpfasm: verify: instruction 2 (ldh [2]): seccomp does not allow 16- or 8-bit loads", err.Error())
}

// TestAcceptedCasesAllow: whatever Verify accepts, Run executes without
// error, and the accepted cases allow everything.
func TestAcceptedCasesAllow(t *testing.T) {
	for _, tt := range verifyCases {
		if tt.want != "" {
			continue
		}
		p := verifyProgram(t, tt.name, tt.src)
		for _, d := range []*Data{x86(0), x86(1), {Nr: -1, Arch: 0xffffffff, Args: [6]uint64{^uint64(0)}}} {
			r, _, err := Run(p, d)
			assert.NoError(t, err, tt.name)
			assert.Equal(t, uint32(0x7fff0000), r, tt.name)
		}
	}
}
