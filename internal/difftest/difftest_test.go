package difftest

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/scc-dev/scc/bpfasm"
)

// ComparePrograms finds a difference in one syscall number, and none
// between a program and itself.
func TestComparePrograms(t *testing.T) {
	allow := []bpfasm.Insn{{Op: bpfasm.RET | bpfasm.K, K: 0x7fff0000}}
	// ld nr; jeq 83 → errno(EPERM), else allow.
	denyMkdir := []bpfasm.Insn{
		{Op: bpfasm.LD | bpfasm.W | bpfasm.ABS, K: 0},
		{Op: bpfasm.JMP | bpfasm.JEQ | bpfasm.K, K: 83, Jf: 1},
		{Op: bpfasm.RET | bpfasm.K, K: 0x00050001},
		{Op: bpfasm.RET | bpfasm.K, K: 0x7fff0000},
	}
	tried, diffs := ComparePrograms(t, allow, allow, 100, nil)
	assert.Greater(t, tried, 100)
	assert.Empty(t, diffs)

	_, diffs = ComparePrograms(t, allow, denyMkdir, 100, nil)
	assert.NotEmpty(t, diffs)
	for _, d := range diffs {
		assert.Equal(t, int32(83), d.Data.Nr, "%s", d)
		assert.Equal(t, uint32(0x00050001), d.B)
	}

	_, diffs = ComparePrograms(t, allow, denyMkdir, 100, func(d bpfasm.Data) bool { return d.Nr == 83 })
	assert.Empty(t, diffs, "skipped inputs are not run")
}
