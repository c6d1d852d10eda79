package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writePolicies writes name → source files into a temporary directory and
// returns it.
func writePolicies(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644))
	}
	return dir
}

const (
	cleanPolicy = "arch x86_64\ndefault errno(EPERM)\nallow read, write\n"
	// A shadowed rule and a sibling gap (openat restricted, open allowed).
	lintyPolicy = "arch x86_64\ndefault errno(EPERM)\nallow read\nkill read if fd == 0\nallow openat if flags == 0\nallow open\n"
)

func TestCheckStrict(t *testing.T) {
	dir := writePolicies(t, map[string]string{"clean.pol": cleanPolicy, "linty.pol": lintyPolicy})
	clean, linty := filepath.Join(dir, "clean.pol"), filepath.Join(dir, "linty.pol")
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{clean}, 0},
		{[]string{"--strict", clean}, 0},
		{[]string{linty}, 0},
		{[]string{"--strict", linty}, 1},
		{[]string{"--strict", clean, linty}, 1},
	} {
		code, out, errOut := scc(t, "", append([]string{"check"}, tc.args...)...)
		assert.Equal(t, tc.code, code, "%v: %s", tc.args, errOut)
		assert.Empty(t, out, "text diagnostics go to stderr")
	}
	_, _, errOut := scc(t, "", "check", linty)
	assert.Equal(t, linty+":4:1: warning: the rule never applies to read: the rule at 3:1 already decides every call it matches (delete it, or move it above the rule at 3:1 if it should win) [shadowed-rule]\n"+
		linty+":5:1: warning: openat is restricted, but open is allowed for any arguments and does the same job (give open the same rule) [sibling-gap]\n", errOut)
}

func TestCheckJSON(t *testing.T) {
	dir := writePolicies(t, map[string]string{
		"linty.pol": lintyPolicy,
		// A resolve warning (open does not exist on aarch64) and a lint one.
		"multi.pol":  "arch x86_64, aarch64\ndefault allow\nallow open\n",
		"bad.pol":    "default errno(EPERM)\nallow reed\n",
		"syntax.pol": "default errno(EPERM)\nallow read if\n",
	})
	code, out, errOut := scc(t, "", "check", "--format", "json",
		filepath.Join(dir, "linty.pol"), filepath.Join(dir, "multi.pol"), filepath.Join(dir, "bad.pol"), filepath.Join(dir, "syntax.pol"))
	require.Equal(t, 1, code, "an error makes the status 1")
	require.Empty(t, errOut)
	var got []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	type row struct {
		file        string
		line, col   int
		sev, kind   string
		messagePart string
	}
	want := []row{
		{"linty.pol", 4, 1, "warning", "shadowed-rule", "the rule never applies to read"},
		{"linty.pol", 5, 1, "warning", "sibling-gap", "openat is restricted, but open is allowed"},
		{"multi.pol", 2, 1, "warning", "default-allow", "default allow: every syscall without a rule is allowed"},
		{"multi.pol", 3, 7, "warning", "resolve", "open is not a syscall on aarch64; the rule is skipped there"},
		{"bad.pol", 2, 7, "error", "resolve", `unknown syscall "reed"`},
		{"syntax.pol", 3, 1, "error", "syntax", "expected a condition"},
	}
	require.Len(t, got, len(want), out)
	for i, w := range want {
		g := got[i]
		assert.Equal(t, filepath.Join(dir, w.file), g["file"], "%d", i)
		assert.EqualValues(t, w.line, g["line"], "%d", i)
		assert.EqualValues(t, w.col, g["col"], "%d", i)
		assert.Equal(t, w.sev, g["severity"], "%d", i)
		assert.Equal(t, w.kind, g["kind"], "%d", i)
		assert.Contains(t, g["message"], w.messagePart, "%d", i)
		assert.Contains(t, g, "hint")
	}
	assert.Equal(t, "did you mean read?", got[4]["hint"])
}

func TestCheckJSONEmpty(t *testing.T) {
	dir := writePolicies(t, map[string]string{"clean.pol": cleanPolicy})
	code, out, errOut := scc(t, "", "check", "--strict", "--format", "json", filepath.Join(dir, "clean.pol"))
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "[]\n", out)
}

func TestCheckStdinAndBadFormat(t *testing.T) {
	code, _, errOut := scc(t, "default allow\n", "check", "-")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "<stdin>:1:1: warning: default allow")
	code, _, errOut = scc(t, "", "check", "--format", "xml", "-")
	require.Equal(t, 1, code)
	assert.Contains(t, errOut, `--format "xml": want text or json`)
	code, _, errOut = scc(t, "", "check", "/nonexistent/p.pol")
	require.Equal(t, 1, code)
	assert.Contains(t, errOut, "no such file or directory")
}
