package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestImportThenCompile(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "app.pol")
	code, stdout, errOut := scc(t, "", "import", "../../importer/testdata/ops.json", "-o", pol, "--kernel", "6.1")
	require.Equal(t, 0, code, errOut)
	require.Empty(t, stdout)
	require.Contains(t, errOut, "no_such_call: not a syscall on x86_64, x32; left out")
	data, err := os.ReadFile(pol)
	require.NoError(t, err)
	require.Contains(t, string(data), "allow write if arg0 == 1 && arg2 <= 0x1000")
	require.Contains(t, string(data), "kernel 6.1")

	// The imported policy compiles and means what the profile says.
	code, _, errOut = scc(t, "", "compile", pol, "-o", filepath.Join(dir, "app.bpf"))
	require.Equal(t, 0, code, errOut)
	code, stdout, errOut = scc(t, "", "sim", pol, "write(2, 0, 10)")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, stdout, "errno(ENOSPC)")
}

func TestImportFromStdinToStdout(t *testing.T) {
	profile := `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["ptrace"], "action": "SCMP_ACT_ERRNO"}]}`
	code, stdout, errOut := scc(t, profile, "import", "-", "--arch", "x86_64")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, stdout, "# Imported by scc import from <stdin>")
	require.Contains(t, stdout, "\nerrno(EPERM) ptrace\n")
}

func TestImportCaps(t *testing.T) {
	for _, tc := range []struct {
		caps  string
		mount bool
	}{{"default", false}, {"all", true}, {"sys_admin", true}, {"none", false}} {
		code, stdout, errOut := scc(t, "", "import", "../../importer/testdata/ops.json", "--caps", tc.caps)
		require.Equal(t, 0, code, errOut)
		require.Equal(t, tc.mount, strings.Contains(stdout, "\nallow mount\n"), "--caps %s", tc.caps)
	}
	code, _, errOut := scc(t, "", "import", "../../importer/testdata/ops.json", "--caps", "CAP_FLY")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `--caps: unknown capability "CAP_FLY"`)
}

func TestImportBadProfileLeavesOutputUntouched(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "app.pol")
	require.NoError(t, os.WriteFile(out, []byte("old"), 0o644))
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_FOO"}]}]}`), 0o644))
	code, _, errOut := scc(t, "", "import", bad, "-o", out)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `bad.json: syscalls[0].args[0].op: unknown operator "SCMP_CMP_FOO"`)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Equal(t, "old", string(data))
}
