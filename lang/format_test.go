package lang

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestFormatGolden formats every testdata/*.pol and compares the result
// with the .golden file next to it.
func TestFormatGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.pol")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			require.NoError(t, err)
			f, err := Parse(path, src)
			require.NoError(t, err)
			got := Format(f)
			golden := strings.TrimSuffix(path, ".pol") + ".golden"
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
		})
	}
}

// TestFormatRoundTrip checks, on every policy at hand, that formatting
// keeps the meaning (Parse∘Format gives the same tree, comments included)
// and is idempotent.
func TestFormatRoundTrip(t *testing.T) {
	var files []string
	for _, pattern := range []string{"testdata/*.pol", "testdata/*.golden", "../examples/*.pol"} {
		m, err := filepath.Glob(pattern)
		require.NoError(t, err)
		files = append(files, m...)
	}
	for _, path := range files {
		t.Run(path, func(t *testing.T) {
			src, err := os.ReadFile(path)
			require.NoError(t, err)
			f, err := Parse(path, src)
			require.NoError(t, err)
			out := Format(f)
			g, err := Parse(path, out)
			require.NoError(t, err, "formatted:\n%s", out)
			clearPos(f)
			clearPos(g)
			assert.Equal(t, f, g)
			assert.Equal(t, string(out), string(Format(g)))
		})
	}
}

// TestFormatBuilt prints trees built in Go, which have no spellings.
func TestFormatBuilt(t *testing.T) {
	two := konst(Term{Num: 2}, Term{Name: "O_CREAT"})
	f := &File{Stmts: []Stmt{
		&DefaultStmt{Action: actArg("errno", Term{Num: 1}), Comments: Comments{Doc: []string{"two\nlines", ""}}},
		&RuleStmt{Action: act("allow"), Syscalls: []SyscallRef{sys("open")},
			Cond:     or(not(masked("flags", two, "!=", konst(Term{Num: 0}))), cmp("arg0", "==", konst(Term{Num: ^uint64(0), Neg: true}))),
			Comments: Comments{Comment: "multi\nline"}},
	}}
	want := "# two\n# lines\n#\ndefault errno(1)\n\nallow open if !(flags & (2|O_CREAT) != 0) || arg0 == -1  # multi line\n"
	assert.Equal(t, want, string(Format(f)))
	assert.Equal(t, "", FormatExpr(nil))
	assert.Equal(t, "", string(Format(&File{})))
}
