package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const openatFormat = `name: sys_enter_openat
ID: 782
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:int common_pid;	offset:4;	size:4;	signed:1;

	field:int __syscall_nr;	offset:8;	size:4;	signed:1;
	field:int dfd;	offset:16;	size:8;	signed:0;
	field:const char * filename;	offset:24;	size:8;	signed:0;
	field:int flags;	offset:32;	size:8;	signed:0;
	field:umode_t mode;	offset:40;	size:8;	signed:0;

print fmt: "dfd: 0x%08lx"
`

func TestParseFormat(t *testing.T) {
	ps, err := parseFormat(openatFormat)
	require.NoError(t, err)
	assert.Equal(t, []param{
		{name: "dfd", typ: "int", bits: 32},
		{name: "filename", typ: "const char *", bits: 64, pointer: true},
		{name: "flags", typ: "int", bits: 32},
		{name: "mode", typ: "umode_t", bits: 16},
	}, ps)
}

func TestParseFormatErrors(t *testing.T) {
	tests := []struct{ name, text, msg string }{
		{"unknown type", "field:int __syscall_nr;\nfield:weird_t x;\n", `unknown parameter type "weird_t"`},
		{"no nr", "field:int x;\n", "no __syscall_nr"},
		{"no name", "field:int __syscall_nr;\nfield:*;\n", "cannot split"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFormat(tt.text)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		typ           string
		bits          int
		pointer, wide bool
	}{
		{"unsigned long", 64, false, false}, {"const clockid_t", 32, false, false},
		{"loff_t", 64, false, true}, {"__u64", 64, false, true}, {"u32 *", 64, true, false},
		{"cap_user_header_t", 64, true, false}, {"const enum landlock_rule_type", 32, false, false},
		{"old_uid_t", 16, false, false}, {"const void *const", 64, true, false},
	}
	for _, tt := range tests {
		bits, ptr, wide, err := classify(tt.typ)
		require.NoError(t, err, tt.typ)
		assert.Equal(t, []any{tt.bits, tt.pointer, tt.wide}, []any{bits, ptr, wide}, tt.typ)
	}
}

func TestX32Table(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "unistd_x32.h")
	require.NoError(t, os.WriteFile(path, []byte(
		"#define __NR_read (__X32_SYSCALL_BIT + 0)\n#define __NR_rt_sigaction (__X32_SYSCALL_BIT + 512)\n#define __NR_other 5\n"), 0o644))
	es, err := x32Table(path)
	require.NoError(t, err)
	assert.Equal(t, []syscallEntry{{"read", 0x40000000}, {"rt_sigaction", 0x40000200}}, es)

	_, err = x32Table(filepath.Join(dir, "missing.h"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "linux-libc-dev")
}

func TestCheckTable(t *testing.T) {
	assert.NoError(t, checkTable("t", []syscallEntry{{"b", 2}, {"a", 1}}))
	assert.ErrorContains(t, checkTable("t", []syscallEntry{{"a", 1}, {"b", 1}}), "share number")
	assert.ErrorContains(t, checkTable("t", []syscallEntry{{"a", 1}, {"a", 2}}), "listed twice")
}

func TestParseConstFile(t *testing.T) {
	src := `package unix
import "syscall"
const (
	AT_FDCWD = -0x64
	O_BIG    = 0xffffffffffffffff
	SHIFTED  = 1 << 4 | O_X
	O_X      = 0x1
	NAME     = "str"
	EPERM    = syscall.Errno(0x1)
	SIGKILL  = syscall.Signal(0x9)
	BAD      = unknownFunc(1)
)
`
	path := filepath.Join(t.TempDir(), "z.go")
	require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
	cs, err := parseConstFile(path)
	require.NoError(t, err)
	got := map[string]uint64{}
	kinds := map[string]constKind{}
	for _, c := range cs {
		v, ok := asUint64(c.val)
		require.True(t, ok, c.name)
		got[c.name] = v
		kinds[c.name] = c.kind
	}
	assert.Equal(t, map[string]uint64{
		"AT_FDCWD": 0xffffffffffffff9c, "O_BIG": ^uint64(0), "SHIFTED": 0x11, "O_X": 1, "EPERM": 1, "SIGKILL": 9,
	}, got)
	assert.Equal(t, kindErrno, kinds["EPERM"])
	assert.Equal(t, kindSignal, kinds["SIGKILL"])
}
