// Package lang is the syntax layer of scc: the grammar of the policy
// language, its syntax tree, the parser and the printer. It knows nothing of
// architectures or syscall numbers; package resolve gives names meaning.
//
// The language (docs/language.md has all of it):
//
//	# comment to end of line
//	arch x86_64, x32               # target ABIs; default: the host's
//	default errno(EPERM)           # exactly once
//	badarch kill                   # action for calls from other ABIs (default kill)
//	include "base.pol"             # textual composition
//	set @net = socket, connect     # named syscall sets
//	allow read, write if fd == 1 && count <= 4096
//	errno(EACCES) openat if flags & O_ACCMODE != O_RDONLY
//	allow @net
//	test openat(AT_FDCWD, 0, O_RDONLY) => allow
package lang

// Node is implemented by every syntax tree node.
type Node interface {
	Position() Pos
}

// File is one parsed source file. Includes are not expanded here: they stay
// IncludeStmt nodes for package resolve to load.
type File struct {
	Name  string
	Stmts []Stmt

	// Trailing holds the comment lines after the last statement (without
	// the leading "# "), so that reformatting a file keeps them.
	Trailing []string
}

// Stmt is one top-level statement.
type Stmt interface {
	Node
	stmt()
}

// Comments carried by statements so that the printer can write readable
// generated policies (scc import, scc record). Doc holds whole comment lines
// before the statement, without the leading "# "; Comment is a trailing
// comment on the statement's own line.
type Comments struct {
	Doc     []string
	Comment string
}

// ArchStmt: arch NAME[, NAME...]
type ArchStmt struct {
	Pos   Pos
	Names []Ident
	Comments
}

// DefaultStmt: default ACTION
type DefaultStmt struct {
	Pos    Pos
	Action Action
	Comments
}

// BadArchStmt: badarch ACTION — what a call from an ABI that is not a target
// gets (kill when absent).
type BadArchStmt struct {
	Pos    Pos
	Action Action
	Comments
}

// SetStmt: set @NAME = SYSCALL[, SYSCALL...]; members may name other sets.
type SetStmt struct {
	Pos     Pos
	Name    Ident // without the '@'
	Members []SyscallRef
	Comments
}

// IncludeStmt: include "PATH" (relative to the including file).
type IncludeStmt struct {
	Pos  Pos
	Path string
	Comments
}

// RuleStmt: ACTION SYSCALL[, SYSCALL...] [if EXPR]
type RuleStmt struct {
	Pos      Pos
	Action   Action
	Syscalls []SyscallRef
	Cond     Expr // nil: unconditional
	Comments
}

// TestStmt: test [ARCH:]CALL => ACTION — an expectation checked by scc test.
type TestStmt struct {
	Pos  Pos
	Arch *Ident // nil: every target arch
	Call Call
	Want Action
	Comments
}

func (s *ArchStmt) Position() Pos    { return s.Pos }
func (s *DefaultStmt) Position() Pos { return s.Pos }
func (s *BadArchStmt) Position() Pos { return s.Pos }
func (s *SetStmt) Position() Pos     { return s.Pos }
func (s *IncludeStmt) Position() Pos { return s.Pos }
func (s *RuleStmt) Position() Pos    { return s.Pos }
func (s *TestStmt) Position() Pos    { return s.Pos }

func (*ArchStmt) stmt()    {}
func (*DefaultStmt) stmt() {}
func (*BadArchStmt) stmt() {}
func (*SetStmt) stmt()     {}
func (*IncludeStmt) stmt() {}
func (*RuleStmt) stmt()    {}
func (*TestStmt) stmt()    {}

// Ident is a name with its position.
type Ident struct {
	Pos  Pos
	Name string
}

func (i Ident) Position() Pos { return i.Pos }

// SyscallRef names a syscall ("read") or a set ("@net", IsSet, Name "net").
type SyscallRef struct {
	Pos   Pos
	Name  string
	IsSet bool
}

func (r SyscallRef) Position() Pos { return r.Pos }

// Action kinds, as written in the language.
const (
	ActAllow      = "allow"
	ActKill       = "kill" // kill the process (SECCOMP_RET_KILL_PROCESS)
	ActKillThread = "kill_thread"
	ActTrap       = "trap"
	ActErrno      = "errno" // takes an argument
	ActTrace      = "trace" // takes an argument
	ActLog        = "log"
	ActNotify     = "notify"
)

// Action is an action as written: Kind is one of the Act* constants; Arg is
// set for errno(E) and trace(N).
type Action struct {
	Pos  Pos
	Kind string
	Arg  *Const
}

func (a Action) Position() Pos { return a.Pos }

// Expr is a condition: *BinaryExpr, *NotExpr or *CompareExpr.
type Expr interface {
	Node
	expr()
}

// BinaryExpr: X && Y, X || Y.
type BinaryExpr struct {
	Pos  Pos
	Op   string // "&&" or "||"
	X, Y Expr
}

// NotExpr: !X.
type NotExpr struct {
	Pos Pos
	X   Expr
}

// CompareExpr: ARG [& MASK] OP VALUE. Arg is "arg0".."arg5" or a parameter
// name from the syscall's signature ("fd", "flags").
type CompareExpr struct {
	Pos   Pos
	Arg   Ident
	Mask  *Const // nil: no mask
	Op    string // == != < <= > >=
	Value Const
}

func (e *BinaryExpr) Position() Pos  { return e.Pos }
func (e *NotExpr) Position() Pos     { return e.Pos }
func (e *CompareExpr) Position() Pos { return e.Pos }

func (*BinaryExpr) expr()  {}
func (*NotExpr) expr()     {}
func (*CompareExpr) expr() {}

// Const is a constant expression: one or more terms OR-ed together
// (O_WRONLY|O_CREAT).
type Const struct {
	Pos   Pos
	Terms []Term
}

func (c Const) Position() Pos { return c.Pos }

// Term is a number or a symbolic name. For a number, Num holds its value
// (already two's-complemented when Neg) and Text its spelling, so that the
// printer can keep 0x1f as 0x1f. For a name, Name is set and Num is zero.
type Term struct {
	Pos  Pos
	Name string
	Num  uint64
	Neg  bool
	Text string
}

// Call is a syscall invocation with constant arguments, used by test
// statements and by `scc sim`: openat(AT_FDCWD, 0, O_RDONLY).
type Call struct {
	Pos  Pos
	Name string
	Args []Const
}
