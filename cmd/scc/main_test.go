package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/sandbox"
)

func TestMain(m *testing.M) {
	// The test binary stands in for scc when scc run re-executes itself.
	sandbox.Init()
	os.Exit(withCompanions(m.Run))
}

// withCompanions builds scc's companion commands (scc-k8s, which writes
// the k8s format) into a directory put first on PATH, where scc looks
// for them when they are not next to it, and runs the tests.
func withCompanions(tests func() int) int {
	dir, err := os.MkdirTemp("", "scc-companions")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// The go that runs the tests, else PATH's: runtime.GOROOT is empty in
	// a -trimpath build (GOFLAGS=-trimpath go test ./...).
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); runtime.GOROOT() == "" || err != nil {
		gobin = "go"
	}
	build := exec.Command(gobin, "build", "-o", filepath.Join(dir, "scc-k8s"), "github.com/scc-dev/scc/cmd/scc-k8s")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building scc-k8s: %v\n%s", err, out)
		return 1
	}
	os.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return tests()
}

// scc runs the CLI in-process and returns its exit status and output.
func scc(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCompileWritesRawFilter(t *testing.T) {
	out := filepath.Join(t.TempDir(), "readonly.bpf")
	code, _, errOut := scc(t, "", "compile", "../../examples/readonly.pol", "-o", out)
	require.Equal(t, 0, code, errOut)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	prog, err := bpfasm.Decode(data)
	require.NoError(t, err)
	require.NoError(t, bpfasm.Verify(prog))
}

func TestCompileFailureLeavesOutputUntouched(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "app.bpf")
	require.NoError(t, os.WriteFile(out, []byte("old output"), 0o644))
	bad := filepath.Join(dir, "bad.pol")
	require.NoError(t, os.WriteFile(bad, []byte("default allow\nallow reed\n"), 0o644))
	code, _, errOut := scc(t, "", "compile", bad, "-o", out)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "bad.pol:2:7: unknown syscall \"reed\" (did you mean read?)")
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Equal(t, "old output", string(data))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 2, "no temporary file may be left behind")
}

func TestCompileToStdoutNeedsFormat(t *testing.T) {
	code, _, errOut := scc(t, "", "compile", "../../examples/readonly.pol", "-o", "-")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "-f")
	code, out, errOut := scc(t, "", "compile", "../../examples/readonly.pol", "-o", "-", "-f", "bpf")
	require.Equal(t, 0, code, errOut)
	require.Zero(t, len(out)%8)
}

func TestDisasmFromStdin(t *testing.T) {
	code, bpf, errOut := scc(t, "", "compile", "../../examples/readonly.pol", "-o", "-", "-f", "bpf")
	require.Equal(t, 0, code, errOut)
	code, out, errOut := scc(t, bpf, "disasm", "-")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "jeq AUDIT_ARCH_X86_64")
	require.Contains(t, out, "ret errno(EACCES)")
	require.Contains(t, out, "ld arg1.lo")
}

func TestSim(t *testing.T) {
	for _, tc := range []struct{ call, want string }{
		{"openat(AT_FDCWD, 0, O_RDONLY)", "allow"},
		{"openat(AT_FDCWD, 0, O_WRONLY|O_CREAT)", "errno(EACCES)"},
		{"openat2(AT_FDCWD, 0, 0, 24)", "errno(ENOSYS)"},
	} {
		code, out, errOut := scc(t, "", "sim", "../../examples/readonly.pol", tc.call)
		require.Equal(t, 0, code, errOut)
		require.Contains(t, out, ": "+tc.want+" (", tc.call)
	}
	code, out, errOut := scc(t, "", "sim", "../../examples/readonly.pol", "--arch", "i386", "--nr", "5")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "kill", "a call from an ABI the policy does not target gets the bad-arch action")
}

func TestCheckReportsPositions(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "p.pol")
	require.NoError(t, os.WriteFile(p, []byte("default allow\nallow write if fdd == 1\n"), 0o644))
	code, _, errOut := scc(t, "", "check", p)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "p.pol:2:16: write has no argument \"fdd\" (did you mean fd?)")
	code, _, errOut = scc(t, "", "check", "../../examples/nginx.pol")
	require.Equal(t, 0, code, errOut)
}

func TestStats(t *testing.T) {
	code, out, errOut := scc(t, "", "stats", "../../examples/nginx.pol")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "length: ")
	require.Contains(t, out, "x86_64: ")
	require.Regexp(t, `kernel action cache: \d+ of \d+ allowed`, out)
}
