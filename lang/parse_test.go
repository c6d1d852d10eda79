package lang

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseStatements(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []Stmt
	}{
		{"arch", "arch x86_64, x32", []Stmt{&ArchStmt{Names: []Ident{id("x86_64"), id("x32")}}}},
		{"default", "default errno(EPERM)", []Stmt{&DefaultStmt{Action: actArg("errno", name("EPERM"))}}},
		{"badarch", "badarch kill_thread", []Stmt{&BadArchStmt{Action: act("kill_thread")}}},
		{"include with escapes", `include "dir/a \"b\".pol"`, []Stmt{&IncludeStmt{Path: `dir/a "b".pol`}}},
		{"set", "set @net = socket, @inet, connect", []Stmt{&SetStmt{Name: id("net"),
			Members: []SyscallRef{sys("socket"), setRef("inet"), sys("connect")}}}},
		{"unconditional rule", "allow read, write", []Stmt{&RuleStmt{Action: act("allow"),
			Syscalls: []SyscallRef{sys("read"), sys("write")}}}},
		{"rule on a set", "log @net", []Stmt{&RuleStmt{Action: act("log"), Syscalls: []SyscallRef{setRef("net")}}}},
		{"conditional rule", "allow write if fd == 1 && count <= 4096", []Stmt{&RuleStmt{
			Action: act("allow"), Syscalls: []SyscallRef{sys("write")},
			Cond: and(cmp("fd", "==", konst(num("1", 1))), cmp("count", "<=", konst(num("4096", 4096))))}}},
		{"kill_process is kill", "kill_process ptrace", []Stmt{&RuleStmt{Action: act("kill"), Syscalls: []SyscallRef{sys("ptrace")}}}},
		{"every plain action", "allow a kill b kill_thread c trap d log e notify f", []Stmt{
			&RuleStmt{Action: act("allow"), Syscalls: []SyscallRef{sys("a")}},
			&RuleStmt{Action: act("kill"), Syscalls: []SyscallRef{sys("b")}},
			&RuleStmt{Action: act("kill_thread"), Syscalls: []SyscallRef{sys("c")}},
			&RuleStmt{Action: act("trap"), Syscalls: []SyscallRef{sys("d")}},
			&RuleStmt{Action: act("log"), Syscalls: []SyscallRef{sys("e")}},
			&RuleStmt{Action: act("notify"), Syscalls: []SyscallRef{sys("f")}},
		}},
		{"trace", "trace(0x10) ptrace", []Stmt{&RuleStmt{Action: actArg("trace", num("0x10", 16)), Syscalls: []SyscallRef{sys("ptrace")}}}},
		{"syscall named kill", "errno(EPERM) kill\nallow kill if arg1 == 0", []Stmt{
			&RuleStmt{Action: actArg("errno", name("EPERM")), Syscalls: []SyscallRef{sys("kill")}},
			&RuleStmt{Action: act("allow"), Syscalls: []SyscallRef{sys("kill")}, Cond: cmp("arg1", "==", konst(num("0", 0)))},
		}},
		{"kill kill", "kill kill, allow", []Stmt{&RuleStmt{Action: act("kill"), Syscalls: []SyscallRef{sys("kill"), sys("allow")}}}},
		{"statements on one line, newlines free", "arch\nx86_64 default\nkill allow\nread ,\nwrite", []Stmt{
			&ArchStmt{Names: []Ident{id("x86_64")}},
			&DefaultStmt{Action: act("kill")},
			&RuleStmt{Action: act("allow"), Syscalls: []SyscallRef{sys("read"), sys("write")}},
		}},
		{"test", "test openat(AT_FDCWD, 0, O_RDONLY) => allow", []Stmt{&TestStmt{
			Call: Call{Name: "openat", Args: []Const{konst(name("AT_FDCWD")), konst(num("0", 0)), konst(name("O_RDONLY"))}},
			Want: act("allow")}}},
		{"test with arch", "test i386:socketcall(1, 0) => errno(EPERM)", []Stmt{&TestStmt{
			Arch: &Ident{Name: "i386"},
			Call: Call{Name: "socketcall", Args: []Const{konst(num("1", 1)), konst(num("0", 0))}},
			Want: actArg("errno", name("EPERM"))}}},
		{"test without arguments", "test getpid() => kill", []Stmt{&TestStmt{Call: Call{Name: "getpid"}, Want: act("kill")}}},
		{"test with OR-ed argument", "test open(0, O_WRONLY|O_CREAT, 0o644) => errno(1)", []Stmt{&TestStmt{
			Call: Call{Name: "open", Args: []Const{konst(num("0", 0)), konst(name("O_WRONLY"), name("O_CREAT")), konst(num("0o644", 0o644))}},
			Want: actArg("errno", num("1", 1))}}},
		{"comments only", "# nothing\n", nil},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("t.pol", []byte(tt.src))
			require.NoError(t, err)
			clearPos(f)
			for _, s := range f.Stmts {
				*comments(s) = Comments{}
			}
			assert.Equal(t, tt.want, f.Stmts)
		})
	}
}

func TestParseExprPrecedence(t *testing.T) {
	a := cmp("a", "==", konst(num("1", 1)))
	b := cmp("b", "!=", konst(num("2", 2)))
	c := cmp("c", "<", konst(num("3", 3)))
	tests := []struct {
		src  string
		want Expr
	}{
		{"a == 1 || b != 2 && c < 3", or(a, and(b, c))},
		{"a == 1 && b != 2 || c < 3", or(and(a, b), c)},
		{"(a == 1 || b != 2) && c < 3", and(or(a, b), c)},
		{"a == 1 || b != 2 || c < 3", or(or(a, b), c)},
		{"a == 1 || (b != 2 || c < 3)", or(a, or(b, c))},
		{"!a == 1 && b != 2", and(not(a), b)},
		{"!(a == 1 && b != 2)", not(and(a, b))},
		{"!!a == 1", not(not(a))},
		{"((a == 1))", a},
		{"x > 4 || x >= 5 || x <= 6", or(or(cmp("x", ">", konst(num("4", 4))), cmp("x", ">=", konst(num("5", 5)))), cmp("x", "<=", konst(num("6", 6))))},
		{"arg1 & O_ACCMODE == 0", masked("arg1", konst(name("O_ACCMODE")), "==", konst(num("0", 0)))},
		{"arg1 & (O_WRONLY|O_RDWR) != 0", masked("arg1", konst(name("O_WRONLY"), name("O_RDWR")), "!=", konst(num("0", 0)))},
		{"flags & 0x3 == O_RDONLY", masked("flags", konst(num("0x3", 3)), "==", konst(name("O_RDONLY")))},
		{"flags == O_WRONLY | O_CREAT", cmp("flags", "==", konst(name("O_WRONLY"), name("O_CREAT")))},
		{"flags == (O_WRONLY|O_CREAT) || a == 1", or(cmp("flags", "==", konst(name("O_WRONLY"), name("O_CREAT"))), a)},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			e, err := ParseExpr(tt.src)
			require.NoError(t, err)
			clearPos(e)
			assert.Equal(t, tt.want, e)
		})
	}
}

func TestParseNumbers(t *testing.T) {
	tests := []struct {
		text string
		want uint64
	}{
		{"0", 0},
		{"4096", 4096},
		{"1_000_000", 1000000},
		{"0x1f", 0x1f},
		{"0XFF", 0xff},
		{"0x_dead_beef", 0xdeadbeef},
		{"0o755", 0o755},
		{"0755", 0o755},
		{"0_644", 0o644},
		{"0b101", 5},
		{"-1", 0xffffffffffffffff},
		{"-0x10", 0xfffffffffffffff0},
		{"-0", 0},
		{"-9223372036854775808", 1 << 63},
		{"18446744073709551615", 0xffffffffffffffff},
		{"0xffffffffffffffff", 0xffffffffffffffff},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			e, err := ParseExpr("arg0 == " + tt.text)
			require.NoError(t, err)
			term := e.(*CompareExpr).Value.Terms[0]
			assert.Equal(t, tt.want, term.Num)
			assert.Equal(t, tt.text, term.Text)
			assert.Equal(t, tt.text[0] == '-', term.Neg)
			assert.Equal(t, tt.text, term.String())
		})
	}
}

func TestParsePositions(t *testing.T) {
	src := "# doc\narch x86_64\n\tallow read,\n  write if fd == 1 && count & 0x3 <= -1\ntest i386:open(0) => errno(EPERM)\n"
	f, err := Parse("p.pol", []byte(src))
	require.NoError(t, err)
	require.Len(t, f.Stmts, 3)
	at := func(line, col int) Pos { return Pos{File: "p.pol", Line: line, Col: col} }

	arch := f.Stmts[0].(*ArchStmt)
	assert.Equal(t, at(2, 1), arch.Pos)
	assert.Equal(t, at(2, 6), arch.Names[0].Pos)

	r := f.Stmts[1].(*RuleStmt)
	assert.Equal(t, at(3, 2), r.Pos)
	assert.Equal(t, at(3, 2), r.Action.Pos)
	assert.Equal(t, at(3, 8), r.Syscalls[0].Pos)
	assert.Equal(t, at(4, 3), r.Syscalls[1].Pos)
	and := r.Cond.(*BinaryExpr)
	assert.Equal(t, at(4, 12), and.Pos, "a binary expression is where its left operand starts")
	left := and.X.(*CompareExpr)
	assert.Equal(t, at(4, 12), left.Pos)
	assert.Equal(t, at(4, 18), left.Value.Pos)
	right := and.Y.(*CompareExpr)
	assert.Equal(t, at(4, 23), right.Arg.Pos)
	assert.Equal(t, at(4, 31), right.Mask.Pos)
	assert.Equal(t, at(4, 38), right.Value.Terms[0].Pos)

	ts := f.Stmts[2].(*TestStmt)
	assert.Equal(t, at(5, 1), ts.Pos)
	assert.Equal(t, at(5, 6), ts.Arch.Pos)
	assert.Equal(t, at(5, 11), ts.Call.Pos)
	assert.Equal(t, at(5, 16), ts.Call.Args[0].Pos)
	assert.Equal(t, at(5, 22), ts.Want.Pos)
	assert.Equal(t, at(5, 28), ts.Want.Arg.Pos)
}

func TestParseComments(t *testing.T) {
	src := `# Policy header.
#
#   indented
arch x86_64   # the host

# Deny by default.
default errno(EPERM)
allow read,   # stdin
      write   # stdout
#no space
allow close
# the end
`
	f, err := Parse("c.pol", []byte(src))
	require.NoError(t, err)
	require.Len(t, f.Stmts, 4)
	assert.Equal(t, Comments{Doc: []string{"Policy header.", "", "  indented"}, Comment: "the host"}, f.Stmts[0].(*ArchStmt).Comments)
	assert.Equal(t, Comments{Doc: []string{"Deny by default."}}, f.Stmts[1].(*DefaultStmt).Comments)
	assert.Equal(t, Comments{Comment: "stdin; stdout"}, f.Stmts[2].(*RuleStmt).Comments)
	assert.Equal(t, Comments{Doc: []string{"no space"}}, f.Stmts[3].(*RuleStmt).Comments)
	assert.Equal(t, []string{"the end"}, f.Trailing)
}

func TestParseCall(t *testing.T) {
	c, err := ParseCall("openat(AT_FDCWD, 0, O_RDONLY|O_CLOEXEC)")
	require.NoError(t, err)
	clearPos(c)
	assert.Equal(t, &Call{Name: "openat", Args: []Const{
		konst(name("AT_FDCWD")), konst(num("0", 0)), konst(name("O_RDONLY"), name("O_CLOEXEC"))}}, c)
	assert.Equal(t, "openat(AT_FDCWD, 0, O_RDONLY|O_CLOEXEC)", c.String())

	_, err = ParseCall("f(1, 2, 3, 4, 5, 6, 7)")
	require.EqualError(t, err, "1:21: a syscall has at most 6 arguments, f has 7")
	_, err = ParseCall("f(1) extra")
	require.Error(t, err)
}
