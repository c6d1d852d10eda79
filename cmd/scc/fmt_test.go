package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFmt(t *testing.T) {
	p := filepath.Join(t.TempDir(), "p.pol")
	require.NoError(t, os.WriteFile(p, []byte("default   allow\n# keep me\nallow   read,write if fd==1\n"), 0o644))
	code, out, errOut := scc(t, "", "fmt", "-l", p)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, p+"\n", out)
	code, _, errOut = scc(t, "", "fmt", "-w", p)
	require.Equal(t, 0, code, errOut)
	got, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Contains(t, string(got), "# keep me\nallow read, write if fd == 1\n")
	code, out, _ = scc(t, "", "fmt", "-l", p)
	require.Equal(t, 0, code)
	require.Empty(t, out, "formatting is idempotent")

	bad := filepath.Join(t.TempDir(), "bad.pol")
	require.NoError(t, os.WriteFile(bad, []byte("default allow\nallow read if\n"), 0o644))
	code, _, errOut = scc(t, "", "fmt", "-w", bad)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "bad.pol:")
}
