package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/bpfasm"
)

// The shell sessions in the inspection docs really run. A session is a
// fenced block whose first line starts with "$ ": `$ cat FILE` writes the
// lines that follow to FILE, `$ scc ARGS` must print the lines that follow
// (stdout, then stderr; a last line "..." allows more), and `$ echo $?`
// checks the last exit status. A session with any other command (`sudo`, a
// background job) is skipped. The sessions of a document share one
// directory, in order, where examples/ is the repository's and
// chromium.bpf is explore/testdata/chromium.s assembled.
func TestDocExamples(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	asm, err := os.ReadFile(filepath.Join(root, "explore/testdata/chromium.s"))
	require.NoError(t, err)
	p, err := bpfasm.ParseAsm("chromium.s", asm)
	require.NoError(t, err)
	chromium, err := p.Assemble()
	require.NoError(t, err)

	for _, doc := range []struct {
		file string
		runs int // sessions that must run
	}{{"docs/inspect.md", 5}, {"docs/lint.md", 3}} {
		t.Run(doc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(root, doc.file))
			require.NoError(t, err)
			dir := t.TempDir()
			require.NoError(t, os.Symlink(filepath.Join(root, "examples"), filepath.Join(dir, "examples")))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "chromium.bpf"), bpfasm.Encode(chromium), 0o644))
			t.Chdir(dir)
			ran := 0
			for _, s := range sessions(string(data)) {
				if runSession(t, s) {
					ran++
				}
			}
			assert.Equal(t, doc.runs, ran, "sessions run")
		})
	}
}

// sessions returns the fenced blocks that start with "$ ", as lines.
func sessions(doc string) [][]string {
	var out [][]string
	var cur []string
	in := false
	for _, l := range strings.Split(doc, "\n") {
		if strings.HasPrefix(l, "```") {
			if in && len(cur) > 0 && strings.HasPrefix(cur[0], "$ ") {
				out = append(out, cur)
			}
			in, cur = !in, nil
			continue
		}
		if in {
			cur = append(cur, l)
		}
	}
	return out
}

func runSession(t *testing.T, block []string) bool {
	t.Helper()
	type step struct {
		cmd  string
		body []string
	}
	var steps []step
	for _, l := range block {
		if c, ok := strings.CutPrefix(l, "$ "); ok {
			steps = append(steps, step{cmd: c})
		} else {
			steps[len(steps)-1].body = append(steps[len(steps)-1].body, l)
		}
	}
	for _, s := range steps {
		if !strings.HasPrefix(s.cmd, "cat ") && !strings.HasPrefix(s.cmd, "scc ") && s.cmd != "echo $?" {
			t.Logf("skipped (runs %q): %s", s.cmd, block[0])
			return false
		}
	}
	code := 0
	for _, s := range steps {
		switch f := shellWords(s.cmd); f[0] {
		case "cat":
			require.NoError(t, os.WriteFile(f[1], []byte(strings.Join(s.body, "\n")+"\n"), 0o644))
		case "echo":
			assert.Equal(t, strings.Join(s.body, ""), strconv.Itoa(code), "exit status of the command before %q", s.cmd)
		case "scc":
			var out, errOut string
			code, out, errOut = scc(t, "", f[1:]...)
			got := lines(out + errOut)
			want := s.body
			if n := len(want); n > 0 && want[n-1] == "..." {
				want = want[:n-1]
				if len(got) > len(want) {
					got = got[:len(want)]
				}
			}
			assert.Equal(t, want, got, "$ %s", s.cmd)
		}
	}
	return true
}

// shellWords splits a command line as sh would for the sessions' needs:
// words separated by blanks, with '...' quoting.
func shellWords(s string) []string {
	var out []string
	var w strings.Builder
	inWord, quoted := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			quoted, inWord = !quoted, true
		case (r == ' ' || r == '\t') && !quoted:
			if inWord {
				out = append(out, w.String())
				w.Reset()
			}
			inWord = false
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		out = append(out, w.String())
	}
	return out
}
