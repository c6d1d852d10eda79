package lang

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// attachComments gives the comments that the grammar skips back to the
// statements, so that reformatting a file keeps them:
//
//   - comment lines between two statements become the Doc of the second;
//   - a comment on the line where a statement ends becomes its Comment;
//   - a comment inside a statement that spans lines is added to its Comment
//     (the printer writes a statement on one line);
//   - comments after the last statement go to File.Trailing.
func attachComments(f *File, stmts []*gStmt, toks []lexer.Token) {
	syms := lexDef.Symbols()
	comment, space := syms["Comment"], syms["Whitespace"]

	// starts[i] is the offset where statement i begins; ends[i] the last
	// significant token of statement i (the last one before statement i+1).
	n := len(stmts)
	starts := make([]int, n)
	for i, s := range stmts {
		starts[i] = s.Pos.Offset
	}
	ends := make([]lexer.Token, n)
	stmt := -1
	for _, t := range toks {
		for stmt+1 < n && t.Pos.Offset >= starts[stmt+1] {
			stmt++
		}
		if stmt >= 0 && t.Type != comment && t.Type != space && !t.EOF() {
			ends[stmt] = t
		}
	}

	stmt = -1
	for _, t := range toks {
		for stmt+1 < n && t.Pos.Offset >= starts[stmt+1] {
			stmt++
		}
		if t.Type != comment {
			continue
		}
		text := commentText(t.Value)
		switch {
		case stmt >= 0 && t.Pos.Offset < ends[stmt].Pos.Offset:
			appendComment(f.Stmts[stmt], text)
		case stmt >= 0 && t.Pos.Line == ends[stmt].Pos.Line:
			appendComment(f.Stmts[stmt], text)
		case stmt+1 < n:
			c := comments(f.Stmts[stmt+1])
			c.Doc = append(c.Doc, text)
		default:
			f.Trailing = append(f.Trailing, text)
		}
	}
}

// commentText drops the '#' and one space after it, as Comments documents.
func commentText(s string) string {
	s = strings.TrimPrefix(s, "#")
	s = strings.TrimPrefix(s, " ")
	return strings.TrimRight(s, " \t\r")
}

// appendComment adds a comment to a statement's line comment, joined by
// "; ". An empty one (a bare "#") adds nothing: joined, it would leave a
// trailing "; " that the printed line loses, so the file would not format
// to itself.
func appendComment(s Stmt, text string) {
	if text == "" {
		return
	}
	c := comments(s)
	if c.Comment != "" {
		c.Comment += "; "
	}
	c.Comment += text
}

// comments returns the Comments embedded in a statement.
func comments(s Stmt) *Comments {
	switch s := s.(type) {
	case *ArchStmt:
		return &s.Comments
	case *DefaultStmt:
		return &s.Comments
	case *BadArchStmt:
		return &s.Comments
	case *SetStmt:
		return &s.Comments
	case *IncludeStmt:
		return &s.Comments
	case *RuleStmt:
		return &s.Comments
	case *TestStmt:
		return &s.Comments
	}
	// Every statement type is listed above; a new one must be added.
	panic("lang: statement without comments")
}
