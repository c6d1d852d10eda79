package compiler

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/internal/difftest"
	"github.com/scc-dev/scc/resolve"
)

// TestAssembleMatchesBpfasm checks the compiler's own assembler against
// bpfasm's on every test policy, big.pol's trampolines included: the same
// ops, through labels and Program.Assemble or straight, give the same
// program.
func TestAssembleMatchesBpfasm(t *testing.T) {
	for _, path := range difftest.PolicyFiles(t, "..") {
		p, diags := resolve.LoadFile(path, resolve.Options{})
		require.NoError(t, diags.Err(), path)
		g := newGen(p, Options{})
		ops, err := g.lower()
		require.NoError(t, err, path)
		got, err := assemble(ops)
		require.NoError(t, err, path)
		want, err := toProgram(ops).Assemble()
		require.NoError(t, err, path)
		require.Equal(t, bpfasm.Disassemble(want), bpfasm.Disassemble(got), path)
		g.free()
	}
}

// A test that cannot be taken either way is dropped or becomes a ja, as
// bpfasm does with a test whose labels are the same.
func TestAssembleMootTests(t *testing.T) {
	jeq := bpfasm.Insn{Op: bpfasm.JMP | bpfasm.JEQ | bpfasm.K, K: 7}
	ret := bpfasm.Insn{Op: bpfasm.RET | bpfasm.K}
	ops := []op{
		{in: jeq, t: 1, f: 1},
		{in: jeq, t: 3, f: 3},
		{in: ret, t: -1, f: -1},
		{in: ret, t: -1, f: -1},
	}
	got, err := assemble(ops)
	require.NoError(t, err)
	require.Equal(t, []bpfasm.Insn{{Op: bpfasm.JMP | bpfasm.JA, K: 1}, ret, ret}, got)
}
