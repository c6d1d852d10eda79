package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

const testProfile = `# scc syscall frequency profile v1
x86_64 epoll_wait 5000
x86_64 writev 3000
x86_64 read 2000
`

// The profile reaches both commands: stats reports the weighted figure
// and compile with --profile writes a filter no slower for the profiled
// calls than without.
func TestProfileFlags(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "app.freq")
	require.NoError(t, os.WriteFile(prof, []byte(testProfile), 0o644))

	code, out, errOut := scc(t, "", "stats", "--profile", prof, "../../examples/nginx.pol")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "profile: 10000 calls; executed per call, weighted by the profile")

	tuned := filepath.Join(dir, "tuned.bpf")
	code, _, errOut = scc(t, "", "compile", "--profile", prof, "../../examples/nginx.pol", "-o", tuned)
	require.Equal(t, 0, code, errOut)
	data, err := os.ReadFile(tuned)
	require.NoError(t, err)
	require.NotEmpty(t, data)

	code, _, errOut = scc(t, "", "compile", "--profile", filepath.Join(dir, "missing.freq"), "../../examples/nginx.pol", "-o", tuned)
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut, "missing.freq")

	bad := filepath.Join(dir, "bad.freq")
	require.NoError(t, os.WriteFile(bad, []byte("not a profile\n"), 0o644))
	code, _, errOut = scc(t, "", "stats", "--profile", bad, "../../examples/nginx.pol")
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut, "not an scc frequency profile")
}
