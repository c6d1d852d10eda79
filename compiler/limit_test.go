package compiler_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/resolve"
)

// A policy too big for the kernel fails to compile with a message that
// says so, rather than producing a program the kernel would refuse.
func TestTooManyInstructions(t *testing.T) {
	var b strings.Builder
	b.WriteString("arch x86_64\ndefault allow\n")
	for i := 0; i < 1500; i++ {
		fmt.Fprintf(&b, "errno(%d) read if arg0 == %d\n", i%4000+1, uint64(i)<<32|uint64(i))
	}
	p, diags := resolve.Load("huge.pol", []byte(b.String()), resolve.Options{})
	require.NoError(t, diags.Err())
	_, err := compiler.Compile(p, compiler.Options{})
	require.Error(t, err)
	require.Contains(t, err.Error(), "4096")
}
