package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// disasm then asm gives back the same bytes for every example.
func TestAsmInvertsDisasm(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"readonly.pol", "nofork.pol", "nginx.pol"} {
		pol := filepath.Join("../../examples", name)
		compiled := filepath.Join(dir, name+".bpf")
		code, _, errOut := scc(t, "", "compile", pol, "-o", compiled)
		require.Equal(t, 0, code, errOut)
		code, text, errOut := scc(t, "", "disasm", compiled)
		require.Equal(t, 0, code, errOut)

		code, raw, errOut := scc(t, text, "asm", "-", "-o", "-")
		require.Equal(t, 0, code, errOut)
		want, err := os.ReadFile(compiled)
		require.NoError(t, err)
		assert.Equal(t, want, []byte(raw), name)
	}
}

// A hand-written filter assembles and runs like any other.
func TestAsmHandWritten(t *testing.T) {
	out := filepath.Join(t.TempDir(), "chromium.bpf")
	code, _, errOut := scc(t, "", "asm", "../../explore/testdata/chromium.s", "-o", out)
	require.Equal(t, 0, code, errOut)
	code, stdout, errOut := scc(t, "", "sim", out, "--nr", "2")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "x86_64 nr 2 (open): trap (9 instructions)\n", stdout)
}

// Bad text or a program the kernel would refuse: a positioned message,
// status 1, and the old output left as it was.
func TestAsmErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "old.bpf")
	require.NoError(t, os.WriteFile(out, []byte("old"), 0o644))
	for _, tc := range []struct{ src, want string }{
		{"ld nr\njeq read, ok\nret kill\nok: ret allow\nbogus x\n", "f.s:5:1: unknown instruction \"bogus\""},
		{"ld [100]\nret allow\n", "f.s: the kernel would refuse this program"},
		{"ld nr\njeq read, ok\nok: ret allow\n", "f.s:2:5: cannot tell which ABI syscall \"read\" belongs to here"},
		{"ld nr\njeq x86_64:read, nowhere\nret allow\n", "f.s: bpfasm: instruction 1 jumps to undefined label \"nowhere\""},
		{"ld nr\njeq x86_64:read, ok, 0\nok: ret allow\n", "f.s:2:22: target 0 is not after instruction 1"},
	} {
		src := filepath.Join(dir, "f.s")
		require.NoError(t, os.WriteFile(src, []byte(tc.src), 0o644))
		t.Chdir(dir)
		code, _, errOut := scc(t, "", "asm", "f.s", "-o", out)
		assert.Equal(t, 1, code, tc.src)
		assert.Contains(t, errOut, tc.want)
		data, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.Equal(t, "old", string(data), "the old output is untouched")
	}
	code, _, errOut := scc(t, "", "asm", "f.s")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "-o OUT.bpf")
}
