package lang

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// syntaxError turns a participle error into an *Error that says what was
// expected where, in the language's words rather than the grammar's.
//
// fallback says what was expected when participle does not know: when it
// stopped at a token after a complete expression or call.
func syntaxError(err error, toks []lexer.Token, fallback string) *Error {
	var ut *participle.UnexpectedTokenError
	if errors.As(err, &ut) {
		e := &Error{Pos: toPos(ut.Unexpected.Pos)}
		found := describe(ut.Unexpected)
		want := expected(ut, toks, fallback)
		e.Msg = fmt.Sprintf("expected %s, found %s", want, found)
		e.Hint = hintFor(ut.Unexpected, toks)
		if ut.Unexpected.Value == ")" && strings.HasPrefix(want, "a comparison operator") {
			e.Hint = "& binds tighter than a comparison: write arg1 & MASK == VALUE without parentheses"
		}
		return e
	}
	var pe participle.Error
	if errors.As(err, &pe) {
		return &Error{Pos: toPos(pe.Position()), Msg: pe.Message()}
	}
	return &Error{Msg: err.Error()}
}

func describe(t lexer.Token) string {
	if t.EOF() {
		return "end of input"
	}
	return fmt.Sprintf("%q", t.Value)
}

var expectRE = regexp.MustCompile(`\(expected (.*)\)$`)

// grammarWords names the grammar's pieces for people.
var grammarWords = map[string]string{
	"GIdent":      "a name",
	"<ident>":     "a name",
	"GOr":         "a condition such as fd == 1",
	"GAnd":        "a condition such as fd == 1",
	"GUnary":      "a condition such as fd == 1",
	"GCmp":        "a comparison such as fd == 1",
	"GAction":     "an action (allow, kill, errno(E), …)",
	"GConst":      "a constant (a number or a name)",
	"GTerm":       "a constant (a number or a name)",
	"GSyscallRef": "a syscall name or @set",
	"gRefs":       "a syscall name or @set",
	"GCall":       "a call such as openat(AT_FDCWD, 0, O_RDONLY)",
	"GSetName":    "a set name such as @net",
	"<setref>":    "a set name such as @net",
	"GString":     `a quoted path such as "base.pol"`,
	"<string>":    `a quoted path such as "base.pol"`,
}

// expected describes what the parser wanted. The previous token says more
// than the grammar node in the common cases (after default, an action;
// after ==, a constant), so it is consulted first.
func expected(ut *participle.UnexpectedTokenError, toks []lexer.Token, fallback string) string {
	if ut.Unexpected.Value == "if" {
		return grammarWords["GSyscallRef"]
	}
	want := ""
	if m := expectRE.FindStringSubmatch(ut.Message()); m != nil {
		want = m[1]
	}
	if prev, ok := prevToken(toks, ut.Unexpected.Pos.Offset); ok {
		switch {
		case prev.Value == "default" || prev.Value == "badarch" || prev.Value == "=>":
			return grammarWords["GAction"]
		case prev.Value == "if" || prev.Value == "&&" || prev.Value == "||" || prev.Value == "!":
			return grammarWords["GOr"]
		case prev.Value == "set":
			return grammarWords["GSetName"]
		case prev.Value == "include":
			return grammarWords["GString"]
		case prev.Value == "," && listKind(toks, prev.Pos.Offset) != "":
			return listKind(toks, prev.Pos.Offset)
		case prev.Value == "arch":
			return "an architecture name such as x86_64"
		case (want == "<ident>" || want == "gRefs") && (prev.Value == "=" || isAction(prev.Value)):
			return grammarWords["GSyscallRef"]
		case strings.ContainsAny(prev.Value, "=<>&|") && prev.Value != "=>":
			return grammarWords["GConst"]
		}
	}
	if want == "" {
		return fallback
	}
	if strings.HasPrefix(want, `("=="`) {
		return "a comparison operator (==, !=, <, <=, >, >=)"
	}
	// A sequence shows as its first element and the rest ("=>" GAction):
	// the first is what was missing.
	if i := strings.IndexByte(want, ' '); i > 0 && !strings.HasPrefix(want, "(") {
		want = want[:i]
	}
	if w, ok := grammarWords[want]; ok {
		return w
	}
	return want
}

// hintFor suggests a fix for a few mistakes that are easy to make.
func hintFor(t lexer.Token, toks []lexer.Token) string {
	prev, ok := prevToken(toks, t.Pos.Offset)
	switch {
	case t.Value == "=" && ok && isName(prev):
		return "comparison is written =="
	case t.Value == "if" && ok && (prev.Value == "," || !isName(prev)):
		return "a rule names its syscalls before the condition: allow read if fd == 0"
	case t.Type == lexDef.Symbols()["Ident"] && ok && prev.Value == "set":
		return fmt.Sprintf("write @%s", t.Value)
	case t.Type == lexDef.Symbols()["Ident"] && ok && prev.Value == "include":
		return fmt.Sprintf("write include %q", t.Value)
	case t.Type == lexDef.Symbols()["Ident"] && ok && isName(prev):
		if before, ok := prevToken(toks, prev.Pos.Offset); ok && before.Value == "test" {
			return fmt.Sprintf("an architecture is written %s:%s(…)", prev.Value, t.Value)
		}
	}
	return ""
}

func isName(t lexer.Token) bool {
	syms := lexDef.Symbols()
	return t.Type == syms["Ident"] || t.Type == syms["Number"] || t.Type == syms["SetRef"]
}

// listKind says what the comma-separated list whose comma is at offset
// holds, from what comes before its first element: the names after arch
// are ABIs; after an action, or "=" in a set, syscalls. "" is anything
// else (a call's arguments).
func listKind(toks []lexer.Token, comma int) string {
	for {
		name, ok := prevToken(toks, comma)
		if !ok || !isName(name) {
			return ""
		}
		head, ok := prevToken(toks, name.Pos.Offset)
		switch {
		case !ok:
			return ""
		case head.Value == ",":
			comma = head.Pos.Offset
			continue
		case head.Value == "arch":
			return "an architecture name such as x86_64"
		case head.Value == "=" || head.Value == ")" || isAction(head.Value):
			// ")" ends an action's argument, as in errno(EPERM): a call's
			// arguments are inside its parentheses, never after them.
			return grammarWords["GSyscallRef"]
		}
		return ""
	}
}

// prevToken returns the significant token before offset. Tokens are in
// offset order, so a binary search finds the place: this runs once per bad
// statement, and a file of garbage has many.
func prevToken(toks []lexer.Token, offset int) (lexer.Token, bool) {
	syms := lexDef.Symbols()
	i := sort.Search(len(toks), func(i int) bool { return toks[i].Pos.Offset >= offset })
	for i--; i >= 0; i-- {
		if t := toks[i]; t.Type != syms["Comment"] && t.Type != syms["Whitespace"] && !t.EOF() {
			return t, true
		}
	}
	return lexer.Token{}, false
}
