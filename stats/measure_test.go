package stats_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/stats"
	"github.com/scc-dev/scc/syscalls"
)

// TestMeasureCounts measures a hand-written program whose per-call costs
// are known without running it: x86_64 read takes 5 instructions, every
// other x86_64 syscall 6, every i386 syscall 3.
func TestMeasureCounts(t *testing.T) {
	x86, _ := syscalls.ArchByName("x86_64")
	i386, _ := syscalls.ArchByName("i386")
	errno := uint32(policy.Errno(1))
	prog := []bpfasm.Insn{
		bpfasm.Stmt(bpfasm.LD|bpfasm.W|bpfasm.ABS, bpfasm.OffArch),
		bpfasm.Jump(bpfasm.JMP|bpfasm.JEQ|bpfasm.K, x86.AuditArch, 0, 6),
		bpfasm.Stmt(bpfasm.LD|bpfasm.W|bpfasm.ABS, bpfasm.OffNr),
		bpfasm.Jump(bpfasm.JMP|bpfasm.JEQ|bpfasm.K, 0, 2, 0), // read
		bpfasm.Jump(bpfasm.JMP|bpfasm.JEQ|bpfasm.K, 1, 1, 2), // write
		bpfasm.Stmt(bpfasm.RET|bpfasm.K, errno),              // not reached
		bpfasm.Stmt(bpfasm.RET|bpfasm.K, uint32(policy.Allow)),
		bpfasm.Stmt(bpfasm.RET|bpfasm.K, errno),
		bpfasm.Stmt(bpfasm.RET|bpfasm.K, uint32(policy.KillProcess)),
	}
	require.NoError(t, bpfasm.Verify(prog))
	r, err := stats.Measure(prog, []*syscalls.Arch{x86, i386})
	require.NoError(t, err)
	require.Equal(t, len(prog), r.Length)

	n := len(x86.Syscalls())
	ar := r.Arches[0]
	assert.Equal(t, n, ar.Syscalls)
	assert.InDelta(t, float64(5+6*(n-1))/float64(n), ar.Mean, 1e-9)
	assert.Equal(t, 6, ar.Max)
	assert.Equal(t, "write", ar.MaxName, "the first syscall in number order that costs the most")
	assert.Equal(t, 2, ar.Allowed)
	assert.InDelta(t, 5.5, ar.AllowMean, 1e-9)
	assert.Equal(t, 6, ar.AllowMax)
	assert.Equal(t, map[policy.Action]int{policy.Allow: 2, policy.Errno(1): n - 2}, ar.Actions)
	assert.Equal(t, []string{"read", "write"}, ar.Cached)
	assert.Empty(t, ar.NotCachedAllowed)

	ai := r.Arches[1]
	assert.Equal(t, len(i386.Syscalls()), ai.Syscalls)
	assert.InDelta(t, 3.0, ai.Mean, 1e-9)
	assert.Equal(t, 3, ai.Max)
	assert.Zero(t, ai.Allowed)
	assert.Equal(t, map[policy.Action]int{policy.KillProcess: len(i386.Syscalls())}, ai.Actions)

	var out bytes.Buffer
	r.Write(&out)
	assert.Contains(t, out.String(), "length: 9 instructions\n")
	assert.Contains(t, out.String(), fmt.Sprintf("x86_64: %d syscalls; executed per call: mean %.2f, max 6 (write)\n", n, ar.Mean))
	assert.Contains(t, out.String(), "  allowed: 2; executed: mean 5.50, max 6\n")
	assert.Contains(t, out.String(), "  kernel action cache: 2 of 2 allowed syscalls are decided without running the filter\n")
	assert.Contains(t, out.String(), fmt.Sprintf("i386: %d syscalls; executed per call: mean 3.00, max 3 (", ai.Syscalls))
}
