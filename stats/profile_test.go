package stats_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/stats"
	"github.com/scc-dev/scc/syscalls"
)

// TestMeasureProfile: the weighted mean is the count-weighted average of
// the instructions each profiled call executes, per ABI, and x32 calls
// (same audit arch as x86_64) are counted for x32 only.
func TestMeasureProfile(t *testing.T) {
	p, diags := resolve.Load("t.pol", []byte(`arch x86_64, x32
default errno(EPERM)
allow read, write, close, futex
allow socket if domain == 2
`), resolve.Options{})
	require.NoError(t, diags.Err())
	prog, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err)
	x86, _ := syscalls.ArchByName("x86_64")
	x32, _ := syscalls.ArchByName("x32")
	steps := func(a *syscalls.Arch, name string) (uint32, int) {
		nr, ok := a.Nr(name)
		require.True(t, ok)
		_, n, err := bpfasm.Run(prog, &bpfasm.Data{Arch: a.AuditArch, Nr: int32(nr)})
		require.NoError(t, err)
		return nr, n
	}
	readNr, readSteps := steps(x86, "read")
	sockNr, sockSteps := steps(x86, "socket")
	x32Nr, x32Steps := steps(x32, "futex")
	prof := compiler.Profile{
		{AuditArch: x86.AuditArch, Nr: readNr}: 3,
		{AuditArch: x86.AuditArch, Nr: sockNr}: 1,
		{AuditArch: x32.AuditArch, Nr: x32Nr}:  5,
	}
	r, err := stats.MeasureProfile(prog, []*syscalls.Arch{x86, x32}, prof)
	require.NoError(t, err)
	require.Equal(t, uint64(4), r.Arches[0].ProfileCalls)
	require.InDelta(t, float64(3*readSteps+sockSteps)/4, r.Arches[0].ProfileMean, 1e-9)
	require.Equal(t, uint64(5), r.Arches[1].ProfileCalls)
	require.InDelta(t, float64(x32Steps), r.Arches[1].ProfileMean, 1e-9)

	var out bytes.Buffer
	r.Write(&out)
	require.Contains(t, out.String(), "profile: 4 calls; executed per call, weighted by the profile")

	plain, err := stats.Measure(prog, []*syscalls.Arch{x86})
	require.NoError(t, err)
	require.Zero(t, plain.Arches[0].ProfileCalls, "no profile, no weighted figures")
}
