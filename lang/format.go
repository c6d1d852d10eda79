package lang

import (
	"bytes"
	"strconv"
	"strings"
)

// Format prints a file in canonical form: one statement per line, comments
// kept, a blank line between groups of statements (header, sets, rules,
// tests) and before a commented statement. Parse(Format(f)) gives f back,
// positions aside.
func Format(f *File) []byte {
	var b bytes.Buffer
	prevGroup := -1
	for _, s := range f.Stmts {
		c := comments(s)
		g := group(s)
		if prevGroup >= 0 && (g != prevGroup || len(c.Doc) > 0) {
			b.WriteByte('\n')
		}
		prevGroup = g
		writeComment(&b, c.Doc)
		b.WriteString(formatStmt(s))
		if c.Comment != "" {
			b.WriteString("  # ")
			b.WriteString(strings.ReplaceAll(c.Comment, "\n", " "))
		}
		b.WriteByte('\n')
	}
	if len(f.Trailing) > 0 {
		if len(f.Stmts) > 0 {
			b.WriteByte('\n')
		}
		writeComment(&b, f.Trailing)
	}
	return b.Bytes()
}

// group sorts statements into the blocks Format separates with a blank line.
func group(s Stmt) int {
	switch s.(type) {
	case *SetStmt:
		return 1
	case *RuleStmt:
		return 2
	case *TestStmt:
		return 3
	}
	return 0
}

func writeComment(b *bytes.Buffer, lines []string) {
	for _, l := range lines {
		// A line built in Go may hold newlines; each becomes a comment line.
		for _, part := range strings.Split(l, "\n") {
			if part == "" {
				b.WriteString("#\n")
				continue
			}
			b.WriteString("# ")
			b.WriteString(part)
			b.WriteByte('\n')
		}
	}
}

func formatStmt(s Stmt) string {
	switch s := s.(type) {
	case *ArchStmt:
		names := make([]string, len(s.Names))
		for i, n := range s.Names {
			names[i] = n.Name
		}
		return "arch " + strings.Join(names, ", ")
	case *DefaultStmt:
		return "default " + s.Action.String()
	case *BadArchStmt:
		return "badarch " + s.Action.String()
	case *IncludeStmt:
		return "include " + strconv.Quote(s.Path)
	case *SetStmt:
		head := "set @" + s.Name.Name + " = "
		return head + formatRefs(len(head), s.Members)
	case *RuleStmt:
		head := s.Action.String() + " "
		out := head + formatRefs(len(head), s.Syscalls)
		if s.Cond != nil {
			out += " if " + FormatExpr(s.Cond)
		}
		return out
	case *TestStmt:
		out := "test "
		if s.Arch != nil {
			out += s.Arch.Name + ":"
		}
		return out + s.Call.String() + " => " + s.Want.String()
	}
	return ""
}

// lineWidth is where Format wraps a long list of syscalls, continuing on
// an indented line (newlines mean nothing to the parser).
const lineWidth = 100

func formatRefs(col int, refs []SyscallRef) string {
	var b strings.Builder
	for i, r := range refs {
		s := r.String()
		if i > 0 {
			b.WriteByte(',')
			col++
			if col+1+len(s)+1 > lineWidth {
				b.WriteString("\n    ")
				col = 4
			} else {
				b.WriteByte(' ')
				col++
			}
		}
		b.WriteString(s)
		col += len(s)
	}
	return b.String()
}

// String spells the reference as written: read or @net.
func (r SyscallRef) String() string {
	if r.IsSet {
		return "@" + r.Name
	}
	return r.Name
}

// String spells the action as written: allow, errno(EPERM), trace(7).
// kill_process prints as kill, its canonical name.
func (a Action) String() string {
	if a.Arg == nil {
		return a.Kind
	}
	return a.Kind + "(" + a.Arg.String() + ")"
}

// String spells the constant as written, terms joined by |, without
// parentheses: O_WRONLY|O_CREAT.
func (c Const) String() string {
	parts := make([]string, len(c.Terms))
	for i, t := range c.Terms {
		parts[i] = t.String()
	}
	return strings.Join(parts, "|")
}

// String spells the term as written, or in decimal when it was built in Go
// without a spelling.
func (t Term) String() string {
	switch {
	case t.Name != "":
		return t.Name
	case t.Text != "":
		return t.Text
	case t.Neg:
		return "-" + strconv.FormatUint(-t.Num, 10)
	}
	return strconv.FormatUint(t.Num, 10)
}

// String spells the call as written: openat(AT_FDCWD, 0, O_RDONLY).
func (c Call) String() string {
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = a.String()
	}
	return c.Name + "(" + strings.Join(args, ", ") + ")"
}

// Binding strength of conditions, loosest first.
const (
	precOr = iota + 1
	precAnd
	precNot
)

// FormatExpr prints a condition with the parentheses its tree needs and no
// others, except that a negated comparison is written !(fd == 1): the
// language reads !fd == 1 the same way, but a C or Go reader would not.
func FormatExpr(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e, 0)
	return b.String()
}

func writeExpr(b *strings.Builder, e Expr, outer int) {
	switch e := e.(type) {
	case *BinaryExpr:
		prec := precOr
		if e.Op == "&&" {
			prec = precAnd
		}
		if prec < outer {
			b.WriteByte('(')
			defer b.WriteByte(')')
		}
		writeExpr(b, e.X, prec)
		b.WriteString(" " + e.Op + " ")
		// The parser groups to the left, so a right operand of the same
		// operator came from parentheses and keeps them.
		writeExpr(b, e.Y, prec+1)
	case *NotExpr:
		b.WriteByte('!')
		if _, ok := e.X.(*NotExpr); ok {
			writeExpr(b, e.X, precNot)
			return
		}
		b.WriteByte('(')
		writeExpr(b, e.X, 0)
		b.WriteByte(')')
	case *CompareExpr:
		b.WriteString(e.Arg.Name)
		if e.Mask != nil {
			b.WriteString(" & ")
			if len(e.Mask.Terms) > 1 {
				b.WriteString("(" + e.Mask.String() + ")")
			} else {
				b.WriteString(e.Mask.String())
			}
		}
		b.WriteString(" " + e.Op + " " + e.Value.String())
	}
}
