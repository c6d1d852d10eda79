package lang

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a position in a source file. Line and Col are 1-based; a zero Pos
// means "no position" (for example a policy built in Go rather than parsed).
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) IsValid() bool { return p.Line > 0 }

// String formats the position the way compilers and editors expect:
// file:line:col, dropping the parts that are unknown.
func (p Pos) String() string {
	s := p.File
	if p.IsValid() {
		if s != "" {
			s += ":"
		}
		s += fmt.Sprintf("%d:%d", p.Line, p.Col)
	}
	if s == "" {
		s = "-"
	}
	return s
}

// Severity says whether a diagnostic stops compilation.
type Severity int

const (
	SeverityError Severity = iota
	SeverityWarning
)

func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// Error is one diagnostic: where, what, and optionally how to fix it.
// It is modelled on go/scanner.Error so that tools can print
// "file:line:col: message" and editors can jump to it.
type Error struct {
	Pos      Pos
	Severity Severity
	Msg      string
	Hint     string // "did you mean ...", or how to fix; may be empty
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Pos.String())
	b.WriteString(": ")
	if e.Severity == SeverityWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// ErrorList collects diagnostics. As an error it reports every entry, one per
// line, sorted by position.
type ErrorList []*Error

func (l *ErrorList) Add(pos Pos, sev Severity, hint, format string, args ...any) {
	*l = append(*l, &Error{Pos: pos, Severity: sev, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// Errorf adds an error; Warnf adds a warning.
func (l *ErrorList) Errorf(pos Pos, format string, args ...any) {
	l.Add(pos, SeverityError, "", format, args...)
}

func (l *ErrorList) Warnf(pos Pos, format string, args ...any) {
	l.Add(pos, SeverityWarning, "", format, args...)
}

// Sort orders diagnostics by file, line and column, keeping insertion order
// among equal positions.
func (l ErrorList) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// HasErrors reports whether any entry is an error rather than a warning.
func (l ErrorList) HasErrors() bool {
	for _, e := range l {
		if e.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Errors returns only the errors; Warnings only the warnings.
func (l ErrorList) Errors() ErrorList   { return l.filter(SeverityError) }
func (l ErrorList) Warnings() ErrorList { return l.filter(SeverityWarning) }

func (l ErrorList) filter(s Severity) ErrorList {
	var out ErrorList
	for _, e := range l {
		if e.Severity == s {
			out = append(out, e)
		}
	}
	return out
}

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Err returns the list as an error if it holds any errors, else nil.
func (l ErrorList) Err() error {
	if !l.HasErrors() {
		return nil
	}
	return l
}
