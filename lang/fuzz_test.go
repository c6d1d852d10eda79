package lang

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzParse checks that no input makes the parser panic, that every error
// has a position, and that whatever parses prints to text that parses to
// the same tree.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/*.pol", "../examples/*.pol"} {
		files, _ := filepath.Glob(pattern)
		for _, path := range files {
			src, err := os.ReadFile(path)
			require.NoError(f, err)
			f.Add(string(src))
		}
	}
	for _, s := range []string{"allow read if fd == -1", "test i386:f(0x1|A, (B|C)) => trace(1)", "errno(EPERM) kill\n# c", `include "\u00e9"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		file, err := Parse("f.pol", []byte(src))
		if err != nil {
			var list ErrorList
			require.ErrorAs(t, err, &list)
			require.NotEmpty(t, list)
			for _, e := range list {
				assert.True(t, e.Pos.IsValid(), "error without a position: %v", e)
				assert.NotEmpty(t, e.Msg)
			}
			return
		}
		out := Format(file)
		again, err := Parse("f.pol", out)
		require.NoError(t, err, "formatted:\n%s", out)
		clearPos(file)
		clearPos(again)
		require.Equal(t, file, again, "formatted:\n%s", out)
	})
}
