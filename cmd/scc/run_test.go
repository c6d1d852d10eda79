package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/sandbox"
	"github.com/scc-dev/scc/syscalls"
)

func writePolicy(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "p.pol")
	require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
	return p
}

func TestKillOnViolation(t *testing.T) {
	host := syscalls.Host()
	p, diags := resolve.Load("p.pol", []byte(`default errno(EPERM)
allow read, write, execve
log getpid
errno(EACCES) openat if flags & O_WRONLY != 0
allow openat
trap mkdir
notify unlink
test mkdir(0, 0) => trap
`), resolve.Options{Arches: []*syscalls.Arch{host}})
	require.NoError(t, diags.Err())
	k := KillOnViolation(p)
	require.Empty(t, k.Tests, "the tests state the old actions")

	nr := func(name string) uint32 { n, ok := host.Nr(name); require.True(t, ok); return n }
	for _, tc := range []struct {
		call string
		args [6]uint64
		want policy.Action
	}{
		{"read", [6]uint64{}, policy.Allow},
		{"getpid", [6]uint64{}, policy.Log},
		{"openat", [6]uint64{0, 0, 0}, policy.Allow},
		{"openat", [6]uint64{0, 0, 1}, policy.KillProcess},
		{"mkdir", [6]uint64{}, policy.KillProcess},
		{"unlink", [6]uint64{}, policy.KillProcess},
		{"ptrace", [6]uint64{}, policy.KillProcess}, // the default
	} {
		got := k.Decide(host.AuditArch, nr(tc.call), &tc.args)
		assert.Equal(t, tc.want, got, "%s%v", tc.call, tc.args)
	}
	assert.Equal(t, policy.KillProcess, k.BadArch)
	// The original is untouched.
	var zero [6]uint64
	assert.Equal(t, policy.Trap, p.Decide(host.AuditArch, nr("mkdir"), &zero))
	assert.Equal(t, policy.Errno(1), p.Default)
}

func TestParseNotify(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    *notifyAnswer
		wantErr string
	}{
		{"", nil, ""},
		{"allow", &notifyAnswer{allow: true}, ""},
		{"deny", &notifyAnswer{errno: 1}, ""},
		{"deny:ENOENT", &notifyAnswer{errno: 2}, ""},
		{"deny:13", &notifyAnswer{errno: 13}, ""},
		{"deny:0", nil, "not an errno"},
		{"deny:ENOPE", nil, "not an errno"},
		{"yes", nil, "want allow, deny or deny:ERRNO"},
	} {
		got, err := parseNotify(tc.in)
		if tc.wantErr != "" {
			assert.ErrorContains(t, err, tc.wantErr, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestFormatArg(t *testing.T) {
	for _, tc := range []struct {
		p    syscalls.Param
		v    uint64
		want string
	}{
		{syscalls.Param{Type: "int", Bits: 32}, 0xffffff9c, "-100"},
		{syscalls.Param{Type: "umode_t", Bits: 16}, 0o755, "0755"},
		{syscalls.Param{Type: "unsigned long", Bits: 64}, 0x80000, "0x80000"},
		{syscalls.Param{Type: "size_t", Bits: 64}, 4096, "4096"},
		{syscalls.Param{Type: "void *", Bits: 64, Pointer: true}, 0x7ffd0000, "0x7ffd0000"},
		{syscalls.Param{Type: "const char *", Bits: 64, Pointer: true}, 0, "0x0"},
	} {
		assert.Equal(t, tc.want, formatArg(tc.p, tc.v, uint32(os.Getpid())), "%+v %#x", tc.p, tc.v)
	}
}

func TestExplainSigsys(t *testing.T) {
	host := syscalls.Host()
	nr, _ := host.Nr("openat")
	got := explainSigsys(&sandbox.SigsysInfo{Arch: host.AuditArch, Nr: int32(nr), Action: uint32(policy.KillProcess)})
	assert.Equal(t, fmt.Sprintf("killed by seccomp: openat (%s syscall %d, action kill)", host.Name, nr), got)
	assert.Contains(t, explainSigsys(nil), "record of the call was not found")
}

func TestRunChecksBeforeExec(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "marker")
	for _, tc := range []struct {
		name, src string
		flags     []string
		want      string
	}{
		{"execve denied", "default allow\nerrno(EPERM) execve\n", nil, "the filter gives execve errno(EPERM), so CMD could not start: add `allow execve`"},
		{"execve killed", "default allow\nkill execve\n", nil, "gives execve kill"},
		{"kill on violation", "default allow\nerrno(EPERM) execve\n", []string{"--kill-on-violation"}, "gives execve kill"},
		{"notify without answer", "default allow\nnotify mkdir\n", nil, "--notify=allow or --notify=deny"},
		{"notified execve denied", "default allow\nnotify execve\n", []string{"--notify=deny"}, "gives execve notify"},
		{"syntax error", "default allow\nallow read if\n", nil, "p.pol:3:1: expected a condition"},
		{"unknown syscall", "default allow\nallow reed\n", nil, `p.pol:2:7: unknown syscall "reed"`},
		{"bad notify flag", "default allow\n", []string{"--notify=maybe"}, "want allow, deny or deny:ERRNO"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"run"}, tc.flags...)
			args = append(args, writePolicy(t, tc.src), "--", "touch", marker)
			code, _, errOut := scc(t, "", args...)
			assert.Equal(t, exitRunFailed, code, errOut)
			assert.Contains(t, errOut, tc.want)
			assert.NoFileExists(t, marker, "the command must not run")
		})
	}
}

func TestRunWarnsAboutHelperCalls(t *testing.T) {
	code, _, errOut := scc(t, "", "run", writePolicy(t, "default allow\nerrno(EPERM) nanosleep\n"), "--", "true")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "warning: the filter gives nanosleep errno(EPERM); scc's helper may call it")
}

// --notify without notify rules would silently audit nothing.
func TestRunWarnsAboutUselessNotify(t *testing.T) {
	code, _, errOut := scc(t, "", "run", "--notify=allow", writePolicy(t, "default allow\n"), "--", "true")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "scc run: warning: --notify has no effect: the filter sends no call to notify")

	code, _, errOut = scc(t, "", "run", "--notify=allow", writePolicy(t, "default allow\nnotify mkdir\n"), "--", "true")
	require.Equal(t, 0, code, errOut)
	require.NotContains(t, errOut, "has no effect")
}

func TestRunCommandStatuses(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "script")
	require.NoError(t, os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644))
	pol := writePolicy(t, "default allow\nerrno(EPERM) reboot\n")
	for _, tc := range []struct {
		argv []string
		code int
		want string
	}{
		{[]string{"true"}, 0, ""},
		{[]string{"sh", "-c", "exit 7"}, 7, ""},
		{[]string{"sh", "-c", "kill -TERM $$"}, 128 + 15, ""},
		{[]string{"no-such-command-scc"}, exitNotFound, "no-such-command-scc: command not found"},
		{[]string{notExec}, exitNotRunnable, "permission denied"},
	} {
		code, _, errOut := scc(t, "", append([]string{"run", pol, "--"}, tc.argv...)...)
		assert.Equal(t, tc.code, code, "%v: %s", tc.argv, errOut)
		assert.Contains(t, errOut, tc.want)
	}
}

func TestRunStreams(t *testing.T) {
	// In-process, stdout and stderr are buffers: the command's output is
	// copied into them, and the flags after POLICY belong to the command.
	pol := writePolicy(t, "default allow\nerrno(EPERM) reboot\n")
	var out, errOut bytes.Buffer
	code := run([]string{"run", pol, "sh", "-c", "cat; echo err >&2", "-x"}, bytes.NewBufferString("in\n"), &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	require.Equal(t, "in\n", out.String())
	require.Equal(t, "err\n", errOut.String())
}

// execve is given pointers, never zero: a filter whose answer depends on
// them is judged over every argument (the symbolic explorer), not only on
// all-zero arguments, which would refuse a command that starts and pass
// one that does not.
func TestRunExecveDependsOnArguments(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "marker")

	// Denied only for a NULL path: the real execve passes. Refused before.
	code, _, errOut := scc(t, "", "run", writePolicy(t, "default allow\nerrno(EPERM) execve if filename == 0\n"), "--", "touch", marker)
	require.Equal(t, 0, code, errOut)
	assert.FileExists(t, marker)
	assert.Contains(t, errOut, "warning: the filter gives execve errno(EPERM) for some arguments")
	require.NoError(t, os.Remove(marker))

	// Denied for every real path: warned with the fix, and still fail closed.
	code, _, errOut = scc(t, "", "run", writePolicy(t, "default allow\nerrno(EPERM) execve if filename != 0\n"), "--", "touch", marker)
	assert.Equal(t, exitRunFailed, code, errOut)
	assert.Contains(t, errOut, "warning: the filter gives execve errno(EPERM) for some arguments (execve's pointers, which scc cannot know beforehand); if the helper's execve gets it, CMD does not start: allow execve without a condition")
	assert.Contains(t, errOut, "operation not permitted")
	assert.NoFileExists(t, marker)

	// Denied whatever the arguments, by two rules: refused before the start.
	code, _, errOut = scc(t, "", "run", writePolicy(t, "default allow\nerrno(EPERM) execve if filename != 0\nkill execve\n"), "--", "touch", marker)
	assert.Equal(t, exitRunFailed, code, errOut)
	assert.Contains(t, errOut, "CMD could not start: add `allow execve`")
	assert.NoFileExists(t, marker)
}

// The helper's calls are judged over every argument too: the Go runtime's
// futex calls are never futex(0, 0, ...).
func TestRunWarnsAboutHelperCallArguments(t *testing.T) {
	code, _, errOut := scc(t, "", "run", writePolicy(t, "default allow\nerrno(EPERM) nanosleep if arg0 == 1\n"), "--", "true")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "warning: the filter gives nanosleep errno(EPERM) for some arguments; scc's helper may call it")
}

// Mistakes on scc run's own command line exit 125 like its other failures
// before the start, not 1, which CMD itself may exit with.
func TestRunUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run"}, "scc run: no policy and no command"},
		{[]string{"run", "--bogus", "p.pol", "--", "true"}, "scc run: unknown flag: --bogus"},
		{[]string{"run", "--notify"}, "scc run: flag needs an argument: --notify"},
		{[]string{"run", writePolicy(t, "default allow\n")}, "scc run: no command to run"},
	} {
		code, _, errOut := scc(t, "", tc.args...)
		assert.Equal(t, exitRunFailed, code, "%v: %s", tc.args, errOut)
		assert.Contains(t, errOut, tc.want, "%v", tc.args)
	}
}

// execve's argv and envp are arrays of string pointers: the log lists argv
// and counts envp, read from the caller's memory (here this process's own).
func TestFormatArgStringList(t *testing.T) {
	cstrings := func(ss ...string) ([]*byte, uint64) {
		arr := make([]*byte, len(ss)+1)
		for i, s := range ss {
			p, err := unix.BytePtrFromString(s)
			require.NoError(t, err)
			arr[i] = p
		}
		return arr, uint64(uintptr(unsafe.Pointer(&arr[0])))
	}
	argvParam := syscalls.Param{Name: "argv", Type: "const char *const *", Bits: 64, Pointer: true}
	envpParam := syscalls.Param{Name: "envp", Type: "const char *const *", Bits: 64, Pointer: true}
	pid := uint32(os.Getpid())

	argv, addr := cstrings("sh", "-c", `echo "hi"`)
	assert.Equal(t, `["sh", "-c", "echo \"hi\""]`, formatArg(argvParam, addr, pid))
	runtime.KeepAlive(argv)

	long := make([]string, maxListed+3)
	for i := range long {
		long[i] = fmt.Sprint(i)
	}
	argv, addr = cstrings(long...)
	got := formatArg(argvParam, addr, pid)
	assert.True(t, strings.HasPrefix(got, `["0", "1", `), got)
	assert.True(t, strings.HasSuffix(got, fmt.Sprintf(`"%d", ...]`, maxListed-1)), got)
	runtime.KeepAlive(argv)

	env, addr := cstrings("A=1", "SECRET=x")
	assert.Equal(t, "[2 vars]", formatArg(envpParam, addr, pid))
	runtime.KeepAlive(env)

	assert.Equal(t, "0x0", formatArg(argvParam, 0, pid))
}

// A compiled filter that disagrees with its policy stops the run whichever
// checked call shows it, a helper call as well as execve.
func TestCheckBeforeExecStopsOnCompilerBugInHelperCall(t *testing.T) {
	host := syscalls.Host()
	require.NotNil(t, host)
	futex, ok := host.Nr("futex")
	require.True(t, ok)
	decide := func(nr uint32, _ *[6]uint64) (policy.Action, error) {
		if nr == futex {
			return policy.Allow, fmt.Errorf("%w: the compiled filter gives syscall %d kill but the policy means allow", errCompilerBug, nr)
		}
		return policy.Allow, nil
	}
	err := checkBeforeExec(decide, nil, host, nil, false, io.Discard)
	require.ErrorIs(t, err, errCompilerBug)
}

// scc run explores the filter only when an answer it checks may depend on
// the arguments: never for nginx.pol (execve and the helper's calls are
// decided by number), always when execve or futex has a condition.
func TestDependsOnArgs(t *testing.T) {
	host := syscalls.Host()
	if host == nil || host.Name != "x86_64" {
		t.Skip("the policies name x86_64 syscalls")
	}
	for _, tc := range []struct {
		src  string
		want bool
	}{
		{"", false}, // examples/nginx.pol, below
		{"default allow\nerrno(EPERM) execve if filename == 0\n", true},
		{"default allow\nerrno(EPERM) futex if op == 128\n", true},
		{"default allow\nerrno(EPERM) mkdir if mode == 0\n", false},
	} {
		path := "../../examples/nginx.pol"
		if tc.src != "" {
			path = writePolicy(t, tc.src)
		}
		p, diags := resolve.LoadFile(path, resolve.Options{Arches: []*syscalls.Arch{host}})
		require.NoError(t, diags.Err())
		prog, err := compiler.Compile(p, compiler.Options{})
		require.NoError(t, err)
		assert.Equal(t, tc.want, dependsOnArgs(prog, host, checkedCalls(true)), "%s", path)
	}
}

// A caller that is gone by the time its strings were read may have left its
// pid to another process: the log shows the raw pointers and says so. A
// Notification made here has no listener (fd 0 is none), so Valid reports
// false, as for a caller that died; its pid is this process, whose memory
// does hold the path, so a logger that did not ask Valid would print it.
func TestNotifyLogCallerGone(t *testing.T) {
	host := syscalls.Host()
	require.NotNil(t, host)
	nr, ok := host.Nr("mkdir")
	if !ok {
		t.Skipf("%s has no mkdir system call", host.Name)
	}
	path, err := unix.BytePtrFromString("/tmp/not-the-callers")
	require.NoError(t, err)
	addr := uint64(uintptr(unsafe.Pointer(path)))
	n := sandbox.Notification{Pid: uint32(os.Getpid()), Arch: host.AuditArch, Nr: int32(nr), Args: [6]uint64{addr, 0o755}}
	require.False(t, n.Valid())
	require.Equal(t, `mkdir("/tmp/not-the-callers", 0755)`, formatCall(host, n, true), "the string is readable")

	var log bytes.Buffer
	resp := notifyLogger(host, notifyAnswer{allow: true}, &log)(n)
	runtime.KeepAlive(path)
	assert.True(t, resp.Continue)
	assert.Equal(t, fmt.Sprintf("scc run: notify: pid %d: mkdir(%#x, 0755) (the caller is gone): allowed\n", os.Getpid(), addr), log.String())
}
