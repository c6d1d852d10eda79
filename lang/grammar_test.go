package lang

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/stretchr/testify/require"
)

// lexWith returns every token of src, EOF included.
func lexWith(t testing.TB, def lexer.StringDefinition, src string) []lexer.Token {
	lx, err := def.LexString("f.pol", src)
	require.NoError(t, err)
	toks, err := lexer.ConsumeAll(lx)
	require.NoError(t, err)
	return toks
}

// lexerSeeds are inputs at every rule's edges: escapes and newlines in
// strings, signs and suffixes of numbers, two-character punctuation, bad
// bytes and multi-byte characters.
var lexerSeeds = []string{
	"",
	"allow read, write if fd == 1 && count <= 4096 # tail\r\n",
	`include "a\"b\\c" "unterminated` + "\n" + `"x\` + "\n" + `"\`,
	"default errno(EPERM)\nbadarch kill\narch x86_64, x32\n",
	"set @net = socket, connect\nallow @net @ @1 -1 - 0x1f 09 1abc_Z -x",
	"test x32: read(0) => allow\n=>==!=<=>=&&|| <>=!&|(),: ; ' $ é \xff\xfe 日本",
	"#\n#x\n\t \r",
	`"\é" "é\` + "\xff" + `"`,
}

// TestLexerMatchesRegexps: the hand-written lexer gives participle's
// regexp lexer's tokens (type, text, position) on the seeds and on every
// policy in the repository.
func TestLexerMatchesRegexps(t *testing.T) {
	srcs := append([]string(nil), lexerSeeds...)
	for _, pat := range []string{"testdata/*", "testdata/*/*", "../examples/*.pol", "../testdata/policies/*.pol"} {
		files, err := filepath.Glob(pat)
		require.NoError(t, err)
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil {
				srcs = append(srcs, string(b))
			}
		}
	}
	require.Greater(t, len(srcs), len(lexerSeeds), "no policy files found")
	for _, src := range srcs {
		require.Equal(t, lexWith(t, regexLexDef, src), lexWith(t, lexDef, src), "%q", src)
	}
}

// regexLexDef is participle's own lexer for lexRules, the reference that
// lexDef must agree with.
var regexLexDef = lexer.MustSimple(lexRules)

func TestSymbolsAreParticiples(t *testing.T) {
	require.Equal(t, regexLexDef.Symbols(), lexDef.Symbols())
}

func FuzzLexer(f *testing.F) {
	for _, s := range lexerSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		require.Equal(t, lexWith(t, regexLexDef, src), lexWith(t, lexDef, src), "%q", src)
	})
}

func BenchmarkLex(b *testing.B) {
	src, err := os.ReadFile("../examples/nginx.pol")
	require.NoError(b, err)
	for _, c := range []struct {
		name string
		def  lexer.StringDefinition
	}{{"regexp", regexLexDef}, {"scan", lexDef}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				lexWith(b, c.def, string(src))
			}
		})
	}
}
