package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTestCommand(t *testing.T) {
	dir := writePolicies(t, map[string]string{
		"pass.pol": `arch x86_64
default errno(EPERM)
allow read if fd == 0
allow openat if flags & O_ACCMODE == O_RDONLY
test read(0, 0, 10) => allow
test read(1, 0, 10) => errno(EPERM)
test openat(AT_FDCWD, 0, O_RDONLY) => allow
`,
		"fail.pol": `arch x86_64, i386
default errno(EPERM)
allow mkdir
errno(EACCES) openat if flags & O_ACCMODE != O_RDONLY
allow openat
test mkdir(0, 0755) => errno(EPERM)
test x86_64: openat(AT_FDCWD, 0, O_WRONLY | O_CREAT) => allow
test openat(AT_FDCWD, 0, O_RDONLY) => allow
`,
		"base.pol": "test getpid() => allow\n",
		"incl.pol": "arch x86_64\ndefault kill\ninclude \"base.pol\"\n",
		"none.pol": "arch x86_64\ndefault kill\n",
		"bad.pol":  "arch x86_64\ndefault kill\ntest reed() => allow\n",
	})
	path := func(name string) string { return filepath.Join(dir, name) }
	for _, tc := range []struct {
		name  string
		files []string
		code  int
		out   string
	}{
		{"passing", []string{"pass.pol"}, 0, "3 passed, 0 failed\n"},
		// A test without an arch runs on every target; each failure is
		// one line.
		{"failing", []string{"fail.pol"}, 1,
			path("fail.pol") + ":6:1: test mkdir(0, 0755) on x86_64: got allow, want errno(EPERM)\n" +
				path("fail.pol") + ":6:1: test mkdir(0, 0755) on i386: got allow, want errno(EPERM)\n" +
				path("fail.pol") + ":7:1: test openat(AT_FDCWD, 0, O_WRONLY|O_CREAT) on x86_64: got errno(EACCES), want allow\n" +
				"2 passed, 3 failed\n"},
		{"several files", []string{"pass.pol", "fail.pol"}, 1,
			path("fail.pol") + ":6:1: test mkdir(0, 0755) on x86_64: got allow, want errno(EPERM)\n" +
				path("fail.pol") + ":6:1: test mkdir(0, 0755) on i386: got allow, want errno(EPERM)\n" +
				path("fail.pol") + ":7:1: test openat(AT_FDCWD, 0, O_WRONLY|O_CREAT) on x86_64: got errno(EACCES), want allow\n" +
				"5 passed, 3 failed\n"},
		{"test in an included file", []string{"incl.pol"}, 1,
			path("base.pol") + ":1:1: test getpid() on x86_64: got kill, want allow\n" +
				"0 passed, 1 failed\n"},
		{"no tests", []string{"none.pol"}, 0, path("none.pol") + ": no test statements\n0 passed, 0 failed\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"test"}
			for _, f := range tc.files {
				args = append(args, path(f))
			}
			code, out, errOut := scc(t, "", args...)
			assert.Equal(t, tc.code, code, errOut)
			assert.Equal(t, tc.out, out)
		})
	}

	t.Run("policy that does not resolve", func(t *testing.T) {
		code, out, errOut := scc(t, "", "test", path("bad.pol"), path("pass.pol"))
		assert.Equal(t, 1, code)
		assert.Contains(t, errOut, path("bad.pol")+`:3:6: test: reed is not a syscall on any target`)
		assert.Equal(t, "3 passed, 1 failed\n", out, "the other policies still run")
	})
	t.Run("verbose", func(t *testing.T) {
		code, out, errOut := scc(t, "", "test", "-v", path("pass.pol"))
		require.Equal(t, 0, code, errOut)
		assert.Equal(t, path("pass.pol")+":5:1: test read(0, 0, 10) on x86_64: ok, allow\n"+
			path("pass.pol")+":6:1: test read(1, 0, 10) on x86_64: ok, errno(EPERM)\n"+
			path("pass.pol")+":7:1: test openat(AT_FDCWD, 0, O_RDONLY) on x86_64: ok, allow\n"+
			"3 passed, 0 failed\n", out)
	})
	t.Run("stdin", func(t *testing.T) {
		code, out, errOut := scc(t, "arch x86_64\ndefault allow\nerrno(EPERM) mkdir\ntest getpid() => errno(EPERM)\n", "test", "-")
		assert.Equal(t, 1, code, errOut)
		assert.Equal(t, "<stdin>:4:1: test getpid() on x86_64: got allow, want errno(EPERM)\n0 passed, 1 failed\n", out)
	})
}

// The examples carry their own tests, and they pass.
func TestTestExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.pol")
	require.NoError(t, err)
	code, out, errOut := scc(t, "", append([]string{"test"}, files...)...)
	require.Equal(t, 0, code, "%s%s", out, errOut)
	assert.Regexp(t, `^[1-9]\d* passed, 0 failed\n$`, out)
}
