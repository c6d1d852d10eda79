package lang

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseErrors(t *testing.T) {
	const wantAction = `expected an action (allow, kill, errno(E), …) or a statement (arch, default, set, include, test), found `
	tests := []struct {
		src  string
		pos  string // line:col
		msg  string
		hint string
	}{
		// Misspelled keywords and actions.
		{"alow read", "1:1", wantAction + `"alow"`, `did you mean "allow"?`},
		{"arch x86_64\ndefualt errno(EPERM)", "2:1", wantAction + `"defualt"`, `did you mean "default"?`},
		{"errnoo(EPERM) read", "1:1", wantAction + `"errnoo"`, `did you mean "errno"?`},
		{"incldue \"a.pol\"", "1:1", wantAction + `"incldue"`, `did you mean "include"?`},
		{"frobnicate read", "1:1", wantAction + `"frobnicate"`, ""},
		{"default alow", "1:9", `expected an action (allow, kill, kill_thread, trap, log, notify, errno(E), trace(N)), found "alow"`, `did you mean "allow"?`},
		{"arch x86_64 x32", "1:13", wantAction + `"x32"`, `missing "," before "x32"?`},
		// Actions and their arguments.
		{"errno read", "1:1", "errno needs a value, e.g. errno(EPERM)", ""},
		{"default trace", "1:9", "trace needs a value, e.g. trace(1)", ""},
		{"allow(1) read", "1:7", "allow takes no value", "write just allow"},
		{"test f() => kill(9)", "1:18", "kill takes no value", "write just kill"},
		// Missing pieces.
		{"default", "1:8", "expected an action (allow, kill, errno(E), …), found end of input", ""},
		{"arch", "1:5", "expected an architecture name such as x86_64, found end of input", ""},
		{"allow", "1:6", "expected a syscall name or @set, found end of input", ""},
		{"errno(EPERM)", "1:13", "expected a syscall name or @set, found end of input", ""},
		{"set @io =", "1:10", "expected a syscall name or @set, found end of input", ""},
		// A list's "," followed by nothing it can hold.
		{"allow read,,", "1:12", `expected a syscall name or @set, found ","`, ""},
		{"errno(EPERM) read, write,", "1:26", "expected a syscall name or @set, found end of input", ""},
		{"arch x86_64,,", "1:13", `expected an architecture name such as x86_64, found ","`, ""},
		// Statements the one before them spoiled.
		{"arch x86_64,\nallow read", "1:12", `the list ends with ",", so it took "allow" on line 2 as one more name`, `remove the "," if "allow" starts the next statement`},
		{"set @io = read,\nkill openat", "1:15", `the list ends with ",", so it took "kill" on line 2 as one more name`, `remove the "," if "kill" starts the next statement`},
		{"set @io = read if fd == 1", "1:16", `"if" here follows no rule's syscalls: only a rule takes a condition`, "a set lists syscalls only: put the condition on the rule that uses it, e.g. allow @set if fd == 1"},
		{"allow read if fd == 1 if fd == 2", "1:23", `"if" here follows no rule's syscalls: only a rule takes a condition`, "a rule has one condition: join them with && or ||"},
		{"default allow if fd == 1", "1:15", `"if" here follows no rule's syscalls: only a rule takes a condition`, "the default action decides every call no rule matches: it takes no condition"},
		{"allow if fd == 1", "1:7", `expected a syscall name or @set, found "if"`, ""},
		{"allow read, if fd == 1", "1:13", `expected a syscall name or @set, found "if"`, "a rule names its syscalls before the condition: allow read if fd == 0"},
		{"allow read if", "1:14", "expected a condition such as fd == 1, found end of input", ""},
		{"allow read if fd", "1:17", "expected a comparison operator (==, !=, <, <=, >, >=), found end of input", ""},
		{"allow read if fd = 1", "1:18", `expected a comparison operator (==, !=, <, <=, >, >=), found "="`, "comparison is written =="},
		{"allow read if fd ==", "1:20", "expected a constant (a number or a name), found end of input", ""},
		{"allow read if fd == 1 &&\nallow write", "2:7", `expected a comparison operator (==, !=, <, <=, >, >=), found "write"`, ""},
		{"allow read if (fd == 1", "1:23", `expected ")", found end of input`, ""},
		{"set net = socket", "1:5", `expected a set name such as @net, found "net"`, "write @net"},
		{"set @net socket", "1:10", `expected "=", found "socket"`, ""},
		{"include base.pol", "1:9", `expected a quoted path such as "base.pol", found "base"`, `write include "base"`},
		{"test i386 socketcall(1)", "1:11", `expected "(", found "socketcall"`, "an architecture is written i386:socketcall(…)"},
		{"test openat(1) allow", "1:16", `expected "=>", found "allow"`, ""},
		{"test openat(1, 2 => allow", "1:18", `expected ")", found "=>"`, ""},
		// Masks.
		{"allow read if (fd & 3) == 0", "1:22", `expected a comparison operator (==, !=, <, <=, >, >=), found ")"`, "& binds tighter than a comparison: write arg1 & MASK == VALUE without parentheses"},
		{"allow read if fd & A|B == 0", "1:20", "a mask of several constants needs parentheses", "write fd & (A|B)"},
		// Lexical errors.
		{`include "a.pol`, "1:9", "unterminated string", `a string ends with " on the same line`},
		{"include \"a\\q\"", "1:9", `invalid string "a\q"`, `escapes are Go's: \" \\ \n \t \x41 \u00e9`},
		{"allow read $", "1:12", `unexpected character "$"`, ""},
		{"allow @ read", "1:7", "expected a set name after @", "set names look like @net"},
		{"allow read if fd == - 1", "1:21", `unexpected character "-"`, "a negative number is written without a space: -1"},
		// Numbers.
		{"allow read if fd == 0x", "1:21", "number 0x has no digits", "e.g. 0x1f, 0o755, 0b101"},
		{"allow read if fd == 0b", "1:21", "number 0b has no digits", "e.g. 0x1f, 0o755, 0b101"},
		{"allow read if fd == 09", "1:21", "invalid digit '9' in octal number 09", "a leading 0 makes a number octal; drop it for decimal"},
		{"allow read if fd == 0b102", "1:21", "invalid digit '2' in binary number 0b102", ""},
		{"allow read if fd == 12ab", "1:21", "invalid digit 'a' in decimal number 12ab", ""},
		{"allow read if fd == 1__0", "1:21", "'_' must separate digits in number 1__0", ""},
		{"allow read if fd == 0x1_0000_0000_0000_0000", "1:21", "number 0x1_0000_0000_0000_0000 overflows 64 bits", ""},
		{"allow read if fd == 18446744073709551616", "1:21", "number 18446744073709551616 overflows 64 bits", ""},
		{"allow read if fd == -9223372036854775809", "1:21", "number -9223372036854775809 overflows 64 bits", "a negative number must be at least -0x8000000000000000"},
		{"test f(0x) => allow", "1:8", "number 0x has no digits", "e.g. 0x1f, 0o755, 0b101"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			f, err := Parse("e.pol", []byte(tt.src))
			require.Error(t, err)
			assert.Nil(t, f)
			var list ErrorList
			require.ErrorAs(t, err, &list)
			require.Len(t, list, 1)
			e := list[0]
			assert.Equal(t, "e.pol:"+tt.pos, e.Pos.String())
			assert.Equal(t, tt.msg, e.Msg)
			assert.Equal(t, tt.hint, e.Hint)
			assert.Equal(t, SeverityError, e.Severity)
		})
	}
}

func TestParseExprErrors(t *testing.T) {
	tests := []struct{ src, err string }{
		{"", "1:1: expected a condition such as fd == 1, found end of input"},
		{"fd == 1 garbage", `1:9: expected "&&", "||" or the end of the condition, found "garbage"`},
		{"fd == 1 $", `1:9: unexpected character "$"`},
		{"fd == 0x", "1:7: number 0x has no digits (e.g. 0x1f, 0o755, 0b101)"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := ParseExpr(tt.src)
			require.EqualError(t, err, tt.err)
		})
	}
}

func TestSuggest(t *testing.T) {
	cands := append(append([]string(nil), actionNames...), keywords...)
	tests := []struct{ in, want string }{
		{"alow", "allow"},
		{"allwo", "allow"},
		{"Allow", "allow"},
		{"kil", "kill"},
		{"errn", "errno"},
		{"tset", "test"},
		{"sett", "set"},
		{"kill_proces", "kill_process"},
		{"read", ""},
		{"x", ""},
		{"notice", "notify"},
		{"permit", ""},
	}
	for _, tt := range tests {
		want := ""
		if tt.want != "" {
			want = `did you mean "` + tt.want + `"?`
		}
		assert.Equal(t, want, suggest(tt.in, cands), tt.in)
	}
}
