package lang

import (
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// This file is the grammar. The structs below are participle's parse tree,
// private to the package: parse.go turns them into the public syntax tree
// of ast.go, checking what the grammar accepts loosely on purpose (action
// names and their arguments, numbers, masks) so that those mistakes get a
// precise message instead of a generic "unexpected token".

// lexRules are tried in order. Bad tokens (an unterminated string, a stray
// character) are lexed rather than rejected so that lexAll can report them
// with a specific message; no grammar rule accepts them, so the parser stops
// at them too.
var lexRules = []lexer.SimpleRule{
	{Name: "Comment", Pattern: `#[^\n]*`},
	{Name: "Whitespace", Pattern: `[ \t\r\n]+`},
	{Name: "String", Pattern: `"(\\.|[^"\\\n])*"`},
	{Name: "BadString", Pattern: `"(\\.|[^"\\\n])*`},
	// Numbers are lexed generously (0x, 09, 1abc) and validated by
	// parseNumber, which knows what is wrong with them.
	{Name: "Number", Pattern: `-?[0-9][0-9A-Za-z_]*`},
	{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_]*`},
	{Name: "SetRef", Pattern: `@[A-Za-z_][A-Za-z0-9_]*`},
	{Name: "Punct", Pattern: `=>|==|!=|<=|>=|&&|\|\||[<>=!&|(),:]`},
	{Name: "Bad", Pattern: `.`},
}

// lexDef lexes lexRules by hand. It produces exactly the tokens, token
// numbers included, of participle's regexp lexer for them,
// lexer.MustSimple(lexRules) (the tests and a fuzz target compare the
// two), several times faster; lexing was a sixth of the time `scc compile`
// spent on Docker's default profile. The regexp lexer is not built here:
// compiling its regexps at start-up cost every scc process 0.4 ms and 70 KB.
var lexDef = newScanDef(ruleSymbols(lexRules))

// ruleSymbols numbers the rules as participle's stateful lexer does: EOF
// is -1, then each rule in order one less.
func ruleSymbols(rules []lexer.SimpleRule) map[string]lexer.TokenType {
	syms := map[string]lexer.TokenType{"EOF": lexer.EOF}
	for i, r := range rules {
		syms[r.Name] = lexer.EOF - 1 - lexer.TokenType(i)
	}
	return syms
}

// Indexes of lexRules, as scanToken reports them.
const (
	tokComment = iota
	tokWhitespace
	tokString
	tokBadString
	tokNumber
	tokIdent
	tokSetRef
	tokPunct
	tokBad
)

// scanDef is a lexer.Definition that lexes lexRules by hand.
type scanDef struct {
	symbols map[string]lexer.TokenType
	types   [tokBad + 1]lexer.TokenType // lexRules' token numbers, by index
}

func newScanDef(symbols map[string]lexer.TokenType) *scanDef {
	d := &scanDef{symbols: symbols}
	for i, r := range lexRules {
		d.types[i] = symbols[r.Name]
	}
	return d
}

func (d *scanDef) Symbols() map[string]lexer.TokenType { return d.symbols }

func (d *scanDef) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return d.LexString(filename, string(b))
}

func (d *scanDef) LexString(filename, src string) (lexer.Lexer, error) {
	return &scanLexer{def: d, data: src, pos: lexer.Position{Filename: filename, Line: 1, Column: 1}}, nil
}

// lexTokens lexes all of src into a slice of exactly its size, ending
// with EOF. Whitespace is dropped here rather than elided by the parser:
// nothing after the lexer needs it, and the token slice, which the parser
// copies, is the largest allocation of a parse (a fresh page per 64 tokens
// in a short-lived process; lexer.ConsumeAll starts at 1024 tokens).
func (d *scanDef) lexTokens(filename, src string) []lexer.Token {
	n := 1
	for s := src; s != ""; {
		k, kind := scanToken(s)
		if kind != tokWhitespace {
			n++
		}
		s = s[k:]
	}
	toks := make([]lexer.Token, 0, n)
	l := scanLexer{def: d, data: src, pos: lexer.Position{Filename: filename, Line: 1, Column: 1}}
	for {
		t, _ := l.Next()
		if t.Type == d.types[tokWhitespace] {
			continue
		}
		toks = append(toks, t)
		if t.EOF() {
			return toks
		}
	}
}

type scanLexer struct {
	def  *scanDef
	data string
	pos  lexer.Position
}

func (l *scanLexer) Next() (lexer.Token, error) {
	if l.data == "" {
		return lexer.EOFToken(l.pos), nil
	}
	n, kind := scanToken(l.data)
	span := l.data[:n]
	l.data = l.data[n:]
	pos := l.pos
	l.pos.Advance(span)
	return lexer.Token{Type: l.def.types[kind], Value: span, Pos: pos}, nil
}

// scanToken returns the length of the token at the start of s (not empty)
// and the index of the first rule of lexRules that matches there, as
// participle's lexer picks it: rules in order, each regexp leftmost-first.
func scanToken(s string) (int, int) {
	c := s[0]
	switch {
	case c == '#':
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			return i, tokComment
		}
		return len(s), tokComment
	case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		i := 1
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
			i++
		}
		return i, tokWhitespace
	case c == '"':
		// The body: `\` and any character but a newline, or anything but
		// `"`, `\` and a newline. Neither can take a `"` that starts it, so
		// the longest body is the only one that can end in one.
		i := 1
		for i < len(s) {
			switch s[i] {
			case '\\':
				if i+1 < len(s) && s[i+1] != '\n' {
					i += 2
					continue
				}
			case '"':
				return i + 1, tokString
			case '\n':
			default:
				i++
				continue
			}
			break
		}
		return i, tokBadString
	case c == '-' && len(s) > 1 && isDigit(s[1]), isDigit(c):
		i := 1
		if c == '-' {
			i = 2
		}
		for i < len(s) && isWordByte(s[i]) {
			i++
		}
		return i, tokNumber
	case isIdentStart(c):
		i := 1
		for i < len(s) && isWordByte(s[i]) {
			i++
		}
		return i, tokIdent
	case c == '@' && len(s) > 1 && isIdentStart(s[1]):
		i := 2
		for i < len(s) && isWordByte(s[i]) {
			i++
		}
		return i, tokSetRef
	}
	if len(s) > 1 {
		switch s[:2] {
		case "=>", "==", "!=", "<=", ">=", "&&", "||":
			return 2, tokPunct
		}
	}
	if strings.IndexByte("<>=!&|(),:", c) >= 0 {
		return 1, tokPunct
	}
	// Bad: one character (an invalid UTF-8 byte counts as one, as the
	// regexp reads it).
	_, n := utf8.DecodeRuneInString(s)
	return n, tokBad
}

func isDigit(c byte) bool      { return '0' <= c && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isWordByte(c byte) bool   { return isIdentStart(c) || isDigit(c) }

// stmtParser parses one statement; Parse calls it until the input ends,
// which tells it where each statement starts (for comments and for
// reporting the statement a syntax error is in).
var stmtParser = lazyParser[gStmt]()

// lazyParser builds a participle parser for G on first use. Building one
// walks the grammar by reflection and takes about a millisecond for the
// statement grammar; a process that never parses (scc version, scc disasm)
// or never needs that grammar should not pay for it at start-up.
func lazyParser[G any]() *parser[G] {
	return &parser[G]{build: sync.OnceValue(func() *participle.Parser[G] {
		return participle.MustBuild[G](
			participle.Lexer(lexDef),
			participle.Elide("Comment", "Whitespace"),
			participle.UseLookahead(2),
		)
	})}
}

// parser is a participle parser built on first use (see lazyParser).
type parser[G any] struct {
	build func() *participle.Parser[G]
}

func (p *parser[G]) ParseFromLexer(lex *lexer.PeekingLexer, opts ...participle.ParseOption) (*G, error) {
	return p.build().ParseFromLexer(lex, opts...)
}

func (p *parser[G]) ParseString(filename, src string, opts ...participle.ParseOption) (*G, error) {
	return p.build().ParseString(filename, src, opts...)
}

// gStmt is one statement. Keywords are matched by value, so they are
// reserved only at the start of a statement: a syscall may be called kill.
// A rule accepts any identifier but a keyword as its action, so that a
// misspelled action or keyword ("alow", "defualt") reaches parse.go and
// gets a "did you mean". It is tried first because most statements are
// rules, and the other kinds each start with their keyword, which a rule
// refuses: the order changes no successful parse (and TestParseErrors
// pins the messages of failed ones), only how many alternatives
// participle tries (each costs a copy of its parse state).
type gStmt struct {
	Pos lexer.Position

	Rule    *gRule    `parser:"@@"`
	Arch    *gArch    `parser:"| @@"`
	Default *gDefault `parser:"| @@"`
	BadArch *gBadArch `parser:"| @@"`
	Include *gInclude `parser:"| @@"`
	Set     *gSet     `parser:"| @@"`
	Test    *gTest    `parser:"| @@"`
}

type gArch struct {
	Pos   lexer.Position
	Names []*gIdent `parser:"'arch' @@ (',' @@)*"`
}

type gDefault struct {
	Pos    lexer.Position
	Action *gAction `parser:"'default' @@"`
}

type gBadArch struct {
	Pos    lexer.Position
	Action *gAction `parser:"'badarch' @@"`
}

type gInclude struct {
	Pos  lexer.Position
	Path gString `parser:"'include' @@"`
}

type gString struct {
	Pos   lexer.Position
	Value string `parser:"@String"`
}

type gSet struct {
	Pos     lexer.Position
	Name    *gSetName `parser:"'set' @@ '='"`
	Members *gRefs    `parser:"@@"`
}

type gSetName struct {
	Pos  lexer.Position
	Name string `parser:"@SetRef"`
}

type gTest struct {
	Pos  lexer.Position
	Arch *gIdent  `parser:"'test' (@@ ':')?"`
	Call *gCall   `parser:"@@ '=>'"`
	Want *gAction `parser:"@@"`
}

type gRule struct {
	Pos      lexer.Position
	Action   *gAction `parser:"(?! 'arch' | 'default' | 'badarch' | 'include' | 'set' | 'test' | 'if') @@"`
	Syscalls *gRefs   `parser:"@@"`
	Cond     *gOr     `parser:"('if' @@)?"`
}

// gAction takes any name and an optional argument; parse.go checks that
// the name is an action and that it has an argument exactly when it needs
// one.
type gAction struct {
	Pos  lexer.Position
	Name string  `parser:"@Ident"`
	Arg  *gConst `parser:"('(' @@ ')')?"`
}

// gSyscallRef is a syscall or @set. "if" is excluded so that `allow if ...`
// reports a missing syscall instead of a rule for a syscall named "if".
type gSyscallRef struct {
	Pos  lexer.Position
	Set  string `parser:"@SetRef"`
	Name string `parser:"| (?! 'if') @Ident"`
}

// gRefs is `gSyscallRef (',' gSyscallRef)*`, parsed by hand
// (participle.Parseable). The list is where policies are long (Docker's
// default profile names about 400 syscalls in one rule), and participle's
// generic repetition cost about 4 KB of garbage per name: a branch of the
// parse state per iteration, per alternative and per lookahead.
type gRefs struct {
	Refs []*gSyscallRef
}

// Parse reads the list as the grammar above would: a trailing ',' not
// followed by a name is left for the caller, as participle's lookahead
// backtracks over it.
func (r *gRefs) Parse(lex *lexer.PeekingLexer) error {
	ref := func() *gSyscallRef {
		t := lex.Peek()
		switch {
		case t.Type == lexDef.types[tokSetRef]:
			lex.Next()
			return &gSyscallRef{Pos: t.Pos, Set: t.Value}
		case t.Type == lexDef.types[tokIdent] && t.Value != "if":
			lex.Next()
			return &gSyscallRef{Pos: t.Pos, Name: t.Value}
		}
		return nil
	}
	first := ref()
	if first == nil {
		return participle.NextMatch
	}
	r.Refs = append(r.Refs, first)
	for lex.Peek().Value == "," && lex.Peek().Type == lexDef.types[tokPunct] {
		cp := lex.MakeCheckpoint()
		lex.Next()
		next := ref()
		if next == nil {
			lex.LoadCheckpoint(cp)
			break
		}
		r.Refs = append(r.Refs, next)
	}
	return nil
}

type gIdent struct {
	Pos  lexer.Position
	Name string `parser:"@Ident"`
}

type gCall struct {
	Pos  lexer.Position
	Name string    `parser:"@Ident '('"`
	Args []*gConst `parser:"(@@ (',' @@)*)? ')'"`
}

// Conditions, loosest first: || then && then ! then comparisons.
type gOr struct {
	Pos   lexer.Position
	Terms []*gAnd `parser:"@@ ('||' @@)*"`
}

type gAnd struct {
	Pos     lexer.Position
	Factors []*gUnary `parser:"@@ ('&&' @@)*"`
}

type gUnary struct {
	Pos   lexer.Position
	Not   *gUnary `parser:"'!' @@"`
	Paren *gOr    `parser:"| '(' @@ ')'"`
	Cmp   *gCmp   `parser:"| @@"`
}

type gCmp struct {
	Pos   lexer.Position
	Arg   *gIdent `parser:"@@"`
	Mask  *gConst `parser:"('&' @@)?"`
	Op    string  `parser:"@('==' | '!=' | '<=' | '>=' | '<' | '>')"`
	Value *gConst `parser:"@@"`
}

// gConst is TERM|TERM..., optionally in parentheses. Paren is kept because
// an unparenthesised multi-term mask is ambiguous to a reader and rejected.
type gConst struct {
	Pos   lexer.Position
	Paren []*gTerm `parser:"'(' @@ ('|' @@)* ')'"`
	Terms []*gTerm `parser:"| @@ ('|' @@)*"`
}

type gTerm struct {
	Pos    lexer.Position
	Number string `parser:"@Number"`
	Name   string `parser:"| @Ident"`
}
