package lang

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Built on first use, like stmtParser: most commands never need them.
var (
	exprParser = lazyParser[gOr]()
	refParser  = lazyParser[gSyscallRef]()
	callParser = lazyParser[gCall]()
)

// Parse parses one policy file. The error, if any, is an ErrorList of
// *Error; it holds the first error only, because what follows a syntax
// error is usually noise. Comments are kept in the statements' Comments
// and in File.Trailing.
func Parse(filename string, src []byte) (*File, error) {
	toks, lexErr := lexAll(filename, src)
	stmts, perr := parseStmts(toks)
	c := converter{toks: toks}
	if lexErr != nil {
		// First, so that it wins over the parser's complaint about the
		// same token.
		c.errs = append(c.errs, lexErr)
	}
	f := &File{Name: filename}
	for _, s := range stmts {
		f.Stmts = append(f.Stmts, c.stmt(s))
	}
	if perr != nil {
		c.errs = append(c.errs, perr)
	}
	if len(c.errs) > 0 {
		// The earliest error is reported: a misspelled action before a
		// syntax error is usually its cause ("defualt errno(EPERM)" is the
		// rule "defualt errno" followed by a stray "(").
		c.errs.Sort()
		return nil, c.errs[:1]
	}
	attachComments(f, stmts, toks)
	return f, nil
}

// parseStmts parses statements until the end of the input or the first
// syntax error, returning the complete statements before it.
func parseStmts(toks []lexer.Token) ([]*gStmt, *Error) {
	syms := lexDef.Symbols()
	pl, err := lexer.Upgrade(&replay{toks: toks}, syms["Comment"])
	if err != nil {
		return nil, &Error{Pos: toPos(toks[0].Pos), Msg: err.Error()}
	}
	var stmts []*gStmt
	for !pl.Peek().EOF() {
		start, cp := *pl.Peek(), pl.MakeCheckpoint()
		s, err := stmtParser.ParseFromLexer(pl, participle.AllowTrailing(true))
		if err != nil {
			e := syntaxError(err, toks, "a statement")
			if cont := continuation(pl, cp, start); cont != nil {
				// The previous statement stopped short of this token; what
				// follows the token is where the error really is.
				return stmts, syntaxError(cont, toks, "a statement")
			}
			if e := misplaced(toks, stmts, start); e != nil {
				return stmts, e
			}
			if start.Type == syms["Ident"] && !isAction(start.Value) && !isKeyword(start.Value) {
				// The statement begins with a name that is neither an
				// action nor a keyword: that is the mistake to report,
				// whatever the parser tripped on after it.
				c := converter{toks: toks}
				c.ruleAction(&gAction{Pos: start.Pos, Name: start.Value})
				return stmts, c.errs[0]
			}
			return stmts, e
		}
		stmts = append(stmts, s)
	}
	return stmts, nil
}

// misplaced explains two statements that fail to parse because of the
// statement before them, or nil:
//
//   - "if" after a statement that takes no condition, or after a rule
//     that already has one (a rule's condition would have parsed);
//   - a statement whose action or keyword the list above took as one more
//     name, because that list ends with ",": in `arch x86_64,` then
//     `allow read` on the next line, "allow" is read as an ABI and the
//     statement seems to start at "read".
func misplaced(toks []lexer.Token, stmts []*gStmt, start lexer.Token) *Error {
	if start.Value == "if" {
		e := &Error{Pos: toPos(start.Pos), Msg: `"if" here follows no rule's syscalls: only a rule takes a condition`}
		if n := len(stmts); n > 0 {
			switch last := stmts[n-1]; {
			case last.Set != nil:
				e.Hint = "a set lists syscalls only: put the condition on the rule that uses it, e.g. allow @set if fd == 1"
			case last.Rule != nil && last.Rule.Cond != nil:
				e.Hint = "a rule has one condition: join them with && or ||"
			case last.Default != nil:
				e.Hint = "the default action decides every call no rule matches: it takes no condition"
			}
		}
		return e
	}
	word, ok := prevToken(toks, start.Pos.Offset)
	if !ok || word.Type != lexDef.types[tokIdent] || !isAction(word.Value) && !isKeyword(word.Value) {
		return nil
	}
	comma, ok := prevToken(toks, word.Pos.Offset)
	if !ok || comma.Value != "," || comma.Pos.Line == word.Pos.Line {
		return nil
	}
	return &Error{
		Pos:  toPos(comma.Pos),
		Msg:  fmt.Sprintf(`the list ends with ",", so it took %q on line %d as one more name`, word.Value, word.Pos.Line),
		Hint: fmt.Sprintf(`remove the "," if %q starts the next statement`, word.Value),
	}
}

// replay hands the tokens lexAll made to the parser, so that the input is
// lexed once.
type replay struct {
	toks []lexer.Token
	next int
}

func (r *replay) Next() (lexer.Token, error) {
	if r.next >= len(r.toks) {
		// ConsumeAll ends the slice with EOF; keep returning it.
		return r.toks[len(r.toks)-1], nil
	}
	r.next++
	return r.toks[r.next-1], nil
}

// continuation explains a statement that starts with "if", ",", "&&" or
// "||". Such a token belongs to the statement before, which the parser
// ended early because what followed the token did not parse: the grammar's
// optional parts backtrack. Parsing what the token introduces finds the
// real error; nil means the token is simply misplaced.
func continuation(pl *lexer.PeekingLexer, cp lexer.Checkpoint, start lexer.Token) error {
	pl.LoadCheckpoint(cp)
	pl.Next()
	var err error
	switch start.Value {
	case "if", "&&", "||":
		_, err = exprParser.ParseFromLexer(pl, participle.AllowTrailing(true))
	case ",":
		_, err = refParser.ParseFromLexer(pl, participle.AllowTrailing(true))
	}
	return err
}

// ParseExpr parses a condition such as `fd == 1 && count <= 4096`.
func ParseExpr(src string) (Expr, error) {
	toks, lexErr := lexAll("", []byte(src))
	if lexErr != nil {
		return nil, ErrorList{lexErr}
	}
	g, err := exprParser.ParseString("", src)
	if err != nil {
		return nil, ErrorList{syntaxError(err, toks, wantNext(err, toks, "a condition such as fd == 1", `"&&", "||" or the end of the condition`))}
	}
	c := converter{toks: toks}
	e := c.or(g)
	if len(c.errs) > 0 {
		return nil, c.errs[:1]
	}
	return e, nil
}

// ParseCall parses a syscall invocation with constant arguments, such as
// `openat(AT_FDCWD, 0, O_RDONLY)`.
func ParseCall(src string) (*Call, error) {
	toks, lexErr := lexAll("", []byte(src))
	if lexErr != nil {
		return nil, ErrorList{lexErr}
	}
	g, err := callParser.ParseString("", src)
	if err != nil {
		return nil, ErrorList{syntaxError(err, toks, wantNext(err, toks, "a call such as openat(AT_FDCWD, 0, O_RDONLY)", "the end of the call"))}
	}
	c := converter{toks: toks}
	call := c.call(g)
	if len(c.errs) > 0 {
		return nil, c.errs[:1]
	}
	return call, nil
}

// wantNext says what a parse of a whole input wanted where it failed: the
// thing itself at the start, the end of it after a complete one.
func wantNext(err error, toks []lexer.Token, start, end string) string {
	var pe participle.Error
	if errors.As(err, &pe) {
		if _, ok := prevToken(toks, pe.Position().Offset); ok {
			return end
		}
	}
	return start
}

// lexAll tokenises src, whitespace left out, and reports the first token
// the grammar has no use for (a stray character, an unterminated string)
// with its own message.
// Parse reports it only if no syntax error comes before it: in
// `include base.pol` the missing quotes are the mistake, not the ".".
func lexAll(filename string, src []byte) ([]lexer.Token, *Error) {
	toks := lexDef.lexTokens(filename, string(src))
	syms := lexDef.Symbols()
	for _, t := range toks {
		switch t.Type {
		case syms["BadString"]:
			return toks, &Error{Pos: toPos(t.Pos), Msg: "unterminated string", Hint: `a string ends with " on the same line`}
		case syms["Bad"]:
			e := &Error{Pos: toPos(t.Pos), Msg: fmt.Sprintf("unexpected character %q", t.Value)}
			switch t.Value {
			case "@":
				e.Msg = "expected a set name after @"
				e.Hint = "set names look like @net"
			case "-":
				e.Hint = "a negative number is written without a space: -1"
			case "'":
				e.Hint = `strings use double quotes: "file.pol"`
			}
			return toks, e
		}
	}
	return toks, nil
}

func toPos(p lexer.Position) Pos {
	return Pos{File: p.Filename, Line: p.Line, Col: p.Column}
}

// converter turns participle's tree into the public syntax tree, collecting
// the errors the grammar leaves to it.
type converter struct {
	toks []lexer.Token // every token, for context in messages
	errs ErrorList
}

func (c *converter) errorf(p lexer.Position, hint, format string, args ...any) {
	c.errs.Add(toPos(p), SeverityError, hint, format, args...)
}

func (c *converter) stmt(s *gStmt) Stmt {
	switch {
	case s.Arch != nil:
		st := &ArchStmt{Pos: toPos(s.Arch.Pos)}
		for _, n := range s.Arch.Names {
			st.Names = append(st.Names, c.ident(n))
		}
		return st
	case s.Default != nil:
		return &DefaultStmt{Pos: toPos(s.Default.Pos), Action: c.action(s.Default.Action)}
	case s.BadArch != nil:
		return &BadArchStmt{Pos: toPos(s.BadArch.Pos), Action: c.action(s.BadArch.Action)}
	case s.Include != nil:
		path, err := strconv.Unquote(s.Include.Path.Value)
		if err != nil {
			c.errorf(s.Include.Path.Pos, `escapes are Go's: \" \\ \n \t \x41 \u00e9`, "invalid string %s", s.Include.Path.Value)
		}
		return &IncludeStmt{Pos: toPos(s.Include.Pos), Path: path}
	case s.Set != nil:
		st := &SetStmt{Pos: toPos(s.Set.Pos)}
		if s.Set.Name != nil {
			st.Name = Ident{Pos: toPos(s.Set.Name.Pos), Name: strings.TrimPrefix(s.Set.Name.Name, "@")}
		}
		st.Members = syscallRefs(s.Set.Members)
		return st
	case s.Test != nil:
		st := &TestStmt{Pos: toPos(s.Test.Pos)}
		if s.Test.Arch != nil {
			id := c.ident(s.Test.Arch)
			st.Arch = &id
		}
		if s.Test.Call != nil {
			st.Call = *c.call(s.Test.Call)
		}
		if s.Test.Want != nil {
			st.Want = c.action(s.Test.Want)
		}
		return st
	case s.Rule != nil:
		st := &RuleStmt{Pos: toPos(s.Rule.Pos)}
		if s.Rule.Action != nil {
			st.Action = c.ruleAction(s.Rule.Action)
		}
		st.Syscalls = syscallRefs(s.Rule.Syscalls)
		if s.Rule.Cond != nil {
			st.Cond = c.or(s.Rule.Cond)
		}
		return st
	}
	return nil
}

func (c *converter) ident(g *gIdent) Ident {
	if g == nil {
		return Ident{}
	}
	return Ident{Pos: toPos(g.Pos), Name: g.Name}
}

func syscallRefs(g *gRefs) []SyscallRef {
	if g == nil {
		return nil
	}
	out := make([]SyscallRef, len(g.Refs))
	for i, r := range g.Refs {
		out[i] = syscallRef(r)
	}
	return out
}

func syscallRef(g *gSyscallRef) SyscallRef {
	if g.Set != "" {
		return SyscallRef{Pos: toPos(g.Pos), Name: strings.TrimPrefix(g.Set, "@"), IsSet: true}
	}
	return SyscallRef{Pos: toPos(g.Pos), Name: g.Name}
}

// actionNames lists the actions as the language spells them, in the order
// messages show them. kill_process is an alias of kill.
var actionNames = []string{ActAllow, ActKill, "kill_process", ActKillThread, ActTrap, ActLog, ActNotify, ActErrno, ActTrace}

// keywords start the statements that are not rules.
var keywords = []string{"arch", "default", "badarch", "include", "set", "test"}

// ruleAction converts the action at the start of a rule. That position is
// also where every statement starts, so an unknown name there may be a
// misspelled keyword as well as a misspelled action.
func (c *converter) ruleAction(g *gAction) Action {
	if !isAction(g.Name) {
		hint := suggest(g.Name, append(append([]string(nil), actionNames...), keywords...))
		if prev, ok := prevToken(c.toks, g.Pos.Offset); hint == "" && ok && prev.Pos.Line == g.Pos.Line && (isName(prev) || prev.Value == ")") {
			// "arch x86_64 x32", "allow read write": a list missing a comma
			// ends the statement early and the next name looks like one.
			hint = fmt.Sprintf("missing \",\" before %q?", g.Name)
		}
		c.errorf(g.Pos, hint,
			"expected an action (allow, kill, errno(E), …) or a statement (arch, default, set, include, test), found %q", g.Name)
		return Action{Pos: toPos(g.Pos), Kind: g.Name}
	}
	return c.action(g)
}

func isKeyword(name string) bool {
	for _, k := range keywords {
		if k == name {
			return true
		}
	}
	return false
}

func isAction(name string) bool {
	for _, a := range actionNames {
		if a == name {
			return true
		}
	}
	return false
}

func (c *converter) action(g *gAction) Action {
	a := Action{Pos: toPos(g.Pos), Kind: g.Name}
	if g.Name == "kill_process" {
		a.Kind = ActKill
	}
	if !isAction(g.Name) {
		c.errorf(g.Pos, suggest(g.Name, actionNames), "expected an action (allow, kill, kill_thread, trap, log, notify, errno(E), trace(N)), found %q", g.Name)
		return a
	}
	if g.Arg != nil {
		arg := c.constant(g.Arg)
		a.Arg = &arg
	}
	switch takesArg := a.Kind == ActErrno || a.Kind == ActTrace; {
	case takesArg && a.Arg == nil:
		example := "errno(EPERM)"
		if a.Kind == ActTrace {
			example = "trace(1)"
		}
		c.errorf(g.Pos, "", "%s needs a value, e.g. %s", g.Name, example)
	case !takesArg && a.Arg != nil:
		c.errorf(g.Arg.Pos, "write just "+g.Name, "%s takes no value", g.Name)
		a.Arg = nil
	}
	return a
}

func (c *converter) call(g *gCall) *Call {
	call := &Call{Pos: toPos(g.Pos), Name: g.Name}
	for _, a := range g.Args {
		call.Args = append(call.Args, c.constant(a))
	}
	if len(call.Args) > 6 {
		c.errorf(g.Args[6].Pos, "", "a syscall has at most 6 arguments, %s has %d", g.Name, len(call.Args))
	}
	return call
}

// or and and build left-associative trees, as Go does: a || b || c is
// (a || b) || c.
func (c *converter) or(g *gOr) Expr {
	x := c.and(g.Terms[0])
	for _, t := range g.Terms[1:] {
		x = &BinaryExpr{Pos: x.Position(), Op: "||", X: x, Y: c.and(t)}
	}
	return x
}

func (c *converter) and(g *gAnd) Expr {
	x := c.unary(g.Factors[0])
	for _, f := range g.Factors[1:] {
		x = &BinaryExpr{Pos: x.Position(), Op: "&&", X: x, Y: c.unary(f)}
	}
	return x
}

func (c *converter) unary(g *gUnary) Expr {
	switch {
	case g.Not != nil:
		return &NotExpr{Pos: toPos(g.Pos), X: c.unary(g.Not)}
	case g.Paren != nil:
		return c.or(g.Paren)
	}
	cmp := &CompareExpr{Pos: toPos(g.Cmp.Pos), Arg: c.ident(g.Cmp.Arg), Op: g.Cmp.Op, Value: c.constant(g.Cmp.Value)}
	if m := g.Cmp.Mask; m != nil {
		if len(m.Terms) > 1 {
			// Go would read arg & A|B as (arg & A) | B; the language has no
			// such expression, so insist on the reading that is meant.
			c.errorf(m.Pos, fmt.Sprintf("write %s & (%s)", g.Cmp.Arg.Name, constText(m.Terms)),
				"a mask of several constants needs parentheses")
		}
		mask := c.constant(m)
		cmp.Mask = &mask
	}
	return cmp
}

func constText(ts []*gTerm) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.Number + t.Name
	}
	return strings.Join(parts, "|")
}

func (c *converter) constant(g *gConst) Const {
	k := Const{Pos: toPos(g.Pos)}
	terms := g.Terms
	if g.Paren != nil {
		terms = g.Paren
	}
	for _, t := range terms {
		k.Terms = append(k.Terms, c.term(t))
	}
	return k
}

func (c *converter) term(g *gTerm) Term {
	t := Term{Pos: toPos(g.Pos)}
	if g.Name != "" {
		t.Name = g.Name
		return t
	}
	t.Text = g.Number
	n, neg, err := parseNumber(g.Number)
	if err != nil {
		c.errorf(g.Pos, err.hint, "%s", err.msg)
	}
	t.Num, t.Neg = n, neg
	return t
}

type numberError struct{ msg, hint string }

// parseNumber reads Go's integer literal syntax (0x, 0o, 0b, leading-0
// octal, _ separators) with an optional leading minus, which gives the
// 64-bit two's complement (-1 is 0xffffffffffffffff).
func parseNumber(text string) (uint64, bool, *numberError) {
	digits, neg := strings.CutPrefix(text, "-")
	n, err := strconv.ParseUint(digits, 0, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, neg, &numberError{msg: fmt.Sprintf("number %s overflows 64 bits", text)}
		}
		return 0, neg, diagnoseNumber(text, digits)
	}
	if neg {
		if n > 1<<63 {
			return 0, neg, &numberError{msg: fmt.Sprintf("number %s overflows 64 bits", text), hint: "a negative number must be at least -0x8000000000000000"}
		}
		n = -n
	}
	return n, neg, nil
}

// diagnoseNumber says what is wrong with a literal strconv rejected.
func diagnoseNumber(text, digits string) *numberError {
	base, body, name := 10, digits, "decimal"
	lower := strings.ToLower(digits)
	switch {
	case strings.HasPrefix(lower, "0x"):
		base, body, name = 16, digits[2:], "hexadecimal"
	case strings.HasPrefix(lower, "0o"):
		base, body, name = 8, digits[2:], "octal"
	case strings.HasPrefix(lower, "0b"):
		base, body, name = 2, digits[2:], "binary"
	case len(digits) > 1 && digits[0] == '0':
		base, body, name = 8, digits[1:], "octal"
	}
	if strings.Trim(body, "_") == "" {
		return &numberError{msg: fmt.Sprintf("number %s has no digits", text), hint: "e.g. 0x1f, 0o755, 0b101"}
	}
	for _, r := range body {
		if r == '_' {
			continue
		}
		if v, err := strconv.ParseUint(string(r), 36, 8); err != nil || int(v) >= base {
			e := &numberError{msg: fmt.Sprintf("invalid digit %q in %s number %s", r, name, text)}
			if base == 8 && digits[0] == '0' && len(digits) > 1 && !strings.HasPrefix(lower, "0o") {
				e.hint = "a leading 0 makes a number octal; drop it for decimal"
			}
			return e
		}
	}
	return &numberError{msg: fmt.Sprintf("'_' must separate digits in number %s", text)}
}

// suggest returns a "did you mean" hint for the nearest candidate, if it is
// near enough to be a typo rather than a different word.
func suggest(name string, candidates []string) string {
	limit := 2
	if len(name) <= 3 {
		limit = 1
	}
	best, bestD := "", limit+1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(name), c)
		// Ties go to the candidate of the same length: "tset" is "test"
		// with two letters swapped rather than "set" with one too many.
		if d < bestD || d == bestD && best != "" && len(c) == len(name) && len(best) != len(name) {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("did you mean %q?", best)
}

// editDistance is the Levenshtein distance, with a transposition of two
// neighbouring letters counting as one edit (typing "defualt").
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
