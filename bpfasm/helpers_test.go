package bpfasm

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// asm assembles text or fails the test.
func asm(t testing.TB, src string) []Insn {
	t.Helper()
	prog, err := ParseAsm(t.Name()+".s", []byte(src))
	require.NoError(t, err)
	p, err := prog.Assemble()
	require.NoError(t, err)
	return p
}

// x86 is the seccomp_data of an x86_64 call.
func x86(nr int32, args ...uint64) *Data {
	d := &Data{Nr: nr, Arch: 0xc000003e}
	copy(d.Args[:], args)
	return d
}
