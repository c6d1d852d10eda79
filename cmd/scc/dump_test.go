package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDumpErrors is the in-process part; e2e/dump_test.go dumps processes
// confined by the scc binary itself.
func TestDumpErrors(t *testing.T) {
	code, _, errOut := scc(t, "", "dump", "notapid")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `"notapid" is not a process id`)
}
