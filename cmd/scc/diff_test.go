package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDiffCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
		return p
	}
	a := write("a.pol", "arch x86_64\ndefault errno(EPERM)\nallow read, write\n")
	b := write("b.pol", "arch x86_64\ndefault errno(EPERM)\nallow write\nallow read if arg0 <= 2\n")
	same := write("same.pol", "arch x86_64\ndefault errno(EPERM)\nset @io = write, read\nallow @io\n")

	code, out, errOut := scc(t, "", "diff", a, b)
	require.Equal(t, 1, code, errOut)
	require.Equal(t, "x86_64 read: allow → errno(EPERM) when arg0 > 2\n", out)

	code, out, errOut = scc(t, "", "diff", a, same)
	require.Equal(t, 0, code, errOut)
	require.Empty(t, out)

	// A policy against its own compiled filter.
	bpf := filepath.Join(dir, "a.bpf")
	code, _, errOut = scc(t, "", "compile", a, "-o", bpf)
	require.Equal(t, 0, code, errOut)
	code, out, errOut = scc(t, "", "diff", a, bpf)
	require.Equal(t, 0, code, errOut+out)

	code, _, errOut = scc(t, "", "diff", a, filepath.Join(dir, "missing.pol"))
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "missing.pol")
}

// A Docker profile, compiled by libseccomp, against the policy that says
// the same.
func TestDiffDockerProfile(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "p.json")
	require.NoError(t, os.WriteFile(prof, []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
	  "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"}]}`), 0o644))
	pol := filepath.Join(dir, "p.pol")
	require.NoError(t, os.WriteFile(pol, []byte("arch x86_64\ndefault errno(EPERM)\nbadarch kill_thread\nallow read, write, close\n"), 0o644))
	code, out, errOut := scc(t, "", "diff", prof, pol)
	require.Equal(t, 1, code, errOut)
	require.Equal(t, "x86_64 close: errno(EPERM) → allow\n", out)
}

func TestDecompileCommand(t *testing.T) {
	dir := t.TempDir()
	bpf := filepath.Join(dir, "r.bpf")
	code, _, errOut := scc(t, "", "compile", "../../examples/readonly.pol", "-o", bpf)
	require.Equal(t, 0, code, errOut)
	pol := filepath.Join(dir, "r.pol")
	code, _, errOut = scc(t, "", "decompile", bpf, "-o", pol)
	require.Equal(t, 0, code, errOut)
	code, out, errOut := scc(t, "", "diff", bpf, pol)
	require.Equal(t, 0, code, errOut+out)

	// A filter without an x32 check cannot be written exactly.
	code, raw, errOut := scc(t, "", "compile", "../../examples/readonly.pol", "-o", "-", "-f", "bpf")
	require.Equal(t, 0, code, errOut)
	_ = raw
	code, _, errOut = scc(t, "", "decompile", "../../bpfasm/testdata/raw.bpf")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "not exact")
	code, out, errOut = scc(t, "", "decompile", "--approximate", "../../bpfasm/testdata/raw.bpf")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "# Not exact")
}
