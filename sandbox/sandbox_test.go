package sandbox_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/scc-dev/scc/sandbox"
)

func TestMain(m *testing.M) {
	// The test binary is its own sandbox helper: Run re-executes it.
	sandbox.Init()
	if mode := os.Getenv(helperModeEnv); mode != "" {
		runHelperMode(mode)
		return
	}
	os.Exit(m.Run())
}

// needRoot skips tests that install filters and start programs for real.
func needRoot(t *testing.T, programs ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: starts real programs under seccomp filters")
	}
	if runtime.GOARCH != "amd64" {
		t.Skipf("the test filters use x86_64 syscall numbers (filters_test.go), this is %s", runtime.GOARCH)
	}
	for _, p := range programs {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("needs %s (apt-get install -y busybox-static coreutils): %v", p, err)
		}
	}
}

type output struct{ stdout, stderr bytes.Buffer }

func run(t *testing.T, filter []byte, args ...string) (sandbox.Result, *output, error) {
	t.Helper()
	var out output
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := sandbox.Run(ctx, sandbox.Options{
		Filter: filter, Path: args[0], Args: args, Dir: t.TempDir(),
		Stdin: strings.NewReader(""), Stdout: &out.stdout, Stderr: &out.stderr,
	})
	return res, &out, err
}

func TestFailClosed(t *testing.T) {
	needRoot(t, "/bin/sh")
	ret := bpf.RawInstruction{Op: 0x06, K: unix.SECCOMP_RET_ALLOW}
	tooLong := make([]bpf.RawInstruction, 4097)
	for i := range tooLong {
		tooLong[i] = ret
	}
	tests := []struct {
		name    string
		filter  []byte
		wantErr string
	}{
		{"jump out of range", rawBytes([]bpf.RawInstruction{
			{Op: 0x15, Jt: 5, Jf: 0, K: 1}, // jeq #1, +5: past the end
			ret,
		}), "installing the seccomp filter: invalid argument (the kernel rejected the program)"},
		{"no return at the end", rawBytes([]bpf.RawInstruction{
			{Op: 0x20, K: 0}, // ld [0]
		}), "installing the seccomp filter: invalid argument (the kernel rejected the program)"},
		{"empty", nil, "installing the seccomp filter: the program is empty"},
		{"4097 instructions", rawBytes(tooLong), "the program has 4097 instructions, the kernel accepts at most 4096"},
		{"partial instruction", []byte{6, 0, 0, 0, 0, 0, 0xff}, "the program is 7 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			marker := filepath.Join(dir, "MARKER")
			_, out, err := run(t, tt.filter, "/bin/sh", "-c", "touch "+marker)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.NoFileExists(t, marker, "the command ran although the filter was not installed")
			assert.Empty(t, out.stdout.String()+out.stderr.String())
		})
	}
}

func TestExecFailures(t *testing.T) {
	needRoot(t)
	tests := []struct {
		name, path, wantErr string
	}{
		{"missing absolute path", "/bin/nope", "exec /bin/nope: no such file or directory"},
		{"missing in PATH", "scc-no-such-program", "exec scc-no-such-program: executable file not found in $PATH"},
		{"not executable", "/etc/passwd", "exec /etc/passwd: permission denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, _, err := run(t, allowAll(t), tt.path)
			require.EqualError(t, err, tt.wantErr)
			assert.Zero(t, res)
		})
	}
}

func TestReadOnlyOpens(t *testing.T) {
	needRoot(t, "/bin/sh", "/bin/cat")
	dir := t.TempDir()
	file := filepath.Join(dir, "FILE")
	require.NoError(t, os.WriteFile(file, []byte("hello from the file\n"), 0o644))
	filter := readOnlyOpens(t)

	t.Run("cat reads", func(t *testing.T) {
		res, out, err := run(t, filter, "/bin/cat", file)
		require.NoError(t, err)
		assert.Equal(t, 0, res.Status, out.stderr.String())
		assert.Equal(t, "hello from the file\n", out.stdout.String())
	})
	t.Run("shell cannot create", func(t *testing.T) {
		created := filepath.Join(dir, "f")
		res, out, err := run(t, filter, "/bin/sh", "-c", "echo > "+created)
		require.NoError(t, err)
		assert.Contains(t, out.stderr.String(), "Permission denied")
		assert.Equal(t, 2, res.ExitCode, "dash exits 2 when a redirection fails")
		assert.NoFileExists(t, created)
	})
	t.Run("shell cannot append", func(t *testing.T) {
		res, out, err := run(t, filter, "/bin/sh", "-c", "echo more >> "+file)
		require.NoError(t, err)
		assert.Contains(t, out.stderr.String(), "Permission denied")
		assert.NotZero(t, res.ExitCode)
		got, _ := os.ReadFile(file)
		assert.Equal(t, "hello from the file\n", string(got))
	})
}

func TestNoFork(t *testing.T) {
	needRoot(t, "/bin/busybox")
	filter := noFork(t)

	// A lone "ls" runs the applet inside the shell's own process, without
	// forking; a second command makes the shell fork for the first.
	res, out, err := run(t, filter, "/bin/busybox", "sh", "-c", "ls; echo done")
	require.NoError(t, err)
	assert.NotContains(t, out.stdout.String(), "done")
	assert.Contains(t, out.stderr.String(), "Operation not permitted")
	assert.NotZero(t, res.ExitCode)
	t.Logf("busybox sh -c ls: status %d, stderr %q", res.Status, out.stderr.String())

	res, out, err = run(t, filter, "/bin/busybox", "sh", "-c", "echo hi")
	require.NoError(t, err)
	assert.Equal(t, 0, res.Status)
	assert.Equal(t, "hi\n", out.stdout.String())

	// Without the filter the same shell lists the directory: the failure
	// above is the filter's doing.
	res, out, err = run(t, allowAll(t), "/bin/busybox", "sh", "-c", "ls /")
	require.NoError(t, err)
	assert.Equal(t, 0, res.Status, out.stderr.String())
	assert.Contains(t, out.stdout.String(), "proc")
}

func TestExitStatus(t *testing.T) {
	needRoot(t, "/bin/sh")
	tests := []struct {
		name     string
		script   string
		want     sandbox.Result
		signaled bool
	}{
		{"success", "true", sandbox.Result{ExitCode: 0, Status: 0}, false},
		{"exit 7", "exit 7", sandbox.Result{ExitCode: 7, Status: 7}, false},
		{"killed by SIGTERM", "kill -TERM $$", sandbox.Result{ExitCode: -1, Signaled: true, Signal: syscall.SIGTERM, Status: 143}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, _, err := run(t, allowAll(t), "/bin/sh", "-c", tt.script)
			require.NoError(t, err)
			assert.Positive(t, res.Pid)
			res.Pid = 0
			assert.Equal(t, tt.want, res)
		})
	}
}

func TestSigsys(t *testing.T) {
	needRoot(t, "/bin/mkdir")
	tests := []struct {
		name   string
		action uint32
		flags  uint
		// The kernel logs kill actions by default but trap only when the
		// filter asked for logging.
		wantInfo bool
	}{
		{"kill_process", unix.SECCOMP_RET_KILL_PROCESS, 0, true},
		{"kill_thread", unix.SECCOMP_RET_KILL_THREAD, 0, true},
		{"trap with LOG", unix.SECCOMP_RET_TRAP, unix.SECCOMP_FILTER_FLAG_LOG, true},
		{"trap without LOG", unix.SECCOMP_RET_TRAP, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The kernel prints audit records under a rate limit (10 per
			// 5 s) shared with everything else on the machine: a record
			// that is missing once gets one more chance after it refills.
			var res sandbox.Result
			for attempt := 0; attempt < 2; attempt++ {
				if attempt > 0 {
					t.Logf("no audit record for pid %d; retrying after the printk rate limit", res.Pid)
					time.Sleep(5500 * time.Millisecond)
				}
				dir := t.TempDir()
				var err error
				res, err = sandbox.Run(context.Background(), sandbox.Options{
					Filter: onMkdir(t, tt.action), Flags: tt.flags,
					Path: "mkdir", Args: []string{"mkdir", filepath.Join(dir, "d")},
					Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{},
				})
				require.NoError(t, err)
				assert.True(t, res.Signaled)
				assert.Equal(t, syscall.SIGSYS, res.Signal)
				assert.Equal(t, 159, res.Status)
				assert.NoDirExists(t, filepath.Join(dir, "d"))
				if res.SIGSYS != nil || !tt.wantInfo {
					break
				}
			}
			if !tt.wantInfo {
				assert.Nil(t, res.SIGSYS)
				return
			}
			require.NotNil(t, res.SIGSYS, "no seccomp audit record for pid %d in /dev/kmsg", res.Pid)
			assert.Equal(t, uint32(auditArchX86_64), res.SIGSYS.Arch)
			assert.Contains(t, []int32{nrMkdir, nrMkdirat}, res.SIGSYS.Nr)
			assert.Equal(t, tt.action, res.SIGSYS.Action)
		})
	}
}

// A filter that stops execve itself: the helper, not the command, meets it,
// and Run must say the command never started.
func TestExecBlocked(t *testing.T) {
	needRoot(t, "/bin/sh")
	tests := []struct {
		name    string
		action  uint32
		wantErr string
	}{
		{"errno", errnoRet(unix.EPERM), "exec /bin/sh: operation not permitted"},
		{"kill_process", unix.SECCOMP_RET_KILL_PROCESS, "the seccomp filter killed the sandbox helper before it could exec /bin/sh (syscall 59, arch 0xc000003e)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			marker := filepath.Join(t.TempDir(), "MARKER")
			filter := table(t, rule{nrExecve, tt.action}, rule{nrExecveat, tt.action})
			var err error
			for attempt := 0; attempt < 2; attempt++ {
				_, _, err = run(t, filter, "/bin/sh", "-c", "touch "+marker)
				assert.NoFileExists(t, marker)
				if err != nil || tt.action != unix.SECCOMP_RET_KILL_PROCESS {
					break
				}
				// Without the kernel's record (rate limit) the death cannot
				// be told from the command's: see TestSigsys.
				t.Log("no audit record for the helper's death; retrying after the printk rate limit")
				time.Sleep(5500 * time.Millisecond)
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestNotify(t *testing.T) {
	needRoot(t, "/bin/mkdir")
	tests := []struct {
		name    string
		answer  sandbox.Response
		created bool
	}{
		{"errno EPERM", sandbox.Response{Errno: int32(syscall.EPERM)}, false},
		{"continue", sandbox.Response{Continue: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			target := filepath.Join(t.TempDir(), "d")
			var seen []sandbox.Notification
			var stderr bytes.Buffer
			res, err := sandbox.Run(context.Background(), sandbox.Options{
				Filter: onMkdir(t, unix.SECCOMP_RET_USER_NOTIF),
				Path:   "mkdir", Args: []string{"mkdir", target},
				Stderr: &stderr,
				Notify: func(n sandbox.Notification) sandbox.Response {
					seen = append(seen, n)
					return tt.answer
				},
			})
			require.NoError(t, err)
			require.Len(t, seen, 1, "one mkdir, one notification")
			n := seen[0]
			assert.Equal(t, uint32(res.Pid), n.Pid)
			assert.Equal(t, uint32(auditArchX86_64), n.Arch)
			// mkdir(path, mode) or mkdirat(AT_FDCWD, path, mode); coreutils
			// asks for 0777 and lets the umask trim it.
			switch n.Nr {
			case nrMkdir:
				assert.Equal(t, uint64(0o777), n.Args[1])
			case nrMkdirat:
				assert.Equal(t, uint64(0o777), n.Args[2])
			default:
				t.Fatalf("notified for syscall %d, want mkdir or mkdirat", n.Nr)
			}
			if tt.created {
				assert.Equal(t, 0, res.Status, stderr.String())
				assert.DirExists(t, target)
			} else {
				assert.Equal(t, 1, res.Status)
				assert.Contains(t, stderr.String(), "Operation not permitted")
				assert.NoDirExists(t, target)
			}
		})
	}
}

// Valid tells a handler whether the call still waits: true while it does,
// false once the caller is dead (its pid, and what /proc/PID/mem shows, may
// then be someone else's).
func TestNotificationValid(t *testing.T) {
	needRoot(t, "/bin/mkdir")
	var before, after bool
	res, err := sandbox.Run(context.Background(), sandbox.Options{
		Filter: onMkdir(t, unix.SECCOMP_RET_USER_NOTIF),
		Path:   "mkdir", Args: []string{"mkdir", filepath.Join(t.TempDir(), "d")},
		Notify: func(n sandbox.Notification) sandbox.Response {
			before = n.Valid()
			require.NoError(t, syscall.Kill(int(n.Pid), syscall.SIGKILL))
			deadline := time.Now().Add(5 * time.Second)
			for n.Valid() && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			after = n.Valid()
			return sandbox.Response{Errno: int32(syscall.EPERM)}
		},
	})
	require.NoError(t, err)
	assert.True(t, before, "valid while the caller waits")
	assert.False(t, after, "not valid once the caller is dead")
	assert.Equal(t, syscall.SIGKILL, res.Signal)
}

// The helper's own execve passes through the filter after the listener
// exists: notifying it must not deadlock, and the handler sees it.
func TestNotifyExecve(t *testing.T) {
	needRoot(t, "/bin/true")
	var nrs []int32
	res, err := sandbox.Run(context.Background(), sandbox.Options{
		Filter: table(t, rule{nrExecve, unix.SECCOMP_RET_USER_NOTIF}),
		Path:   "/bin/true",
		Notify: func(n sandbox.Notification) sandbox.Response {
			nrs = append(nrs, n.Nr)
			return sandbox.Response{Continue: true}
		},
	})
	require.NoError(t, err)
	assert.Equal(t, 0, res.Status)
	assert.Equal(t, []int32{nrExecve}, nrs)
}

// The helper is a Go program: the runtime's preemption signal (SIGURG) can
// reach its thread while the execve waits for the answer. Each call must be
// seen once all the same (WAIT_KILLABLE_RECV), not once per restart.
func TestNotifyOncePerCall(t *testing.T) {
	needRoot(t, "/bin/true")
	filter := table(t, rule{nrExecve, unix.SECCOMP_RET_USER_NOTIF})
	for i := 0; i < 30; i++ {
		calls := 0
		_, err := sandbox.Run(context.Background(), sandbox.Options{
			Filter: filter, Path: "/bin/true",
			Notify: func(n sandbox.Notification) sandbox.Response {
				calls++
				// A supervisor that takes its time, as one that logs does.
				time.Sleep(2 * time.Millisecond)
				return sandbox.Response{Continue: true}
			},
		})
		require.NoError(t, err)
		require.Equal(t, 1, calls, "run %d: one execve, notified %d times", i, calls)
	}
}

func TestNotifyManyCallsAndChildren(t *testing.T) {
	needRoot(t, "/bin/sh", "/bin/mkdir")
	dir := t.TempDir()
	// Children of the command inherit the filter: every mkdir, from three
	// processes, reaches the handler, and Run returns when the shell exits.
	calls := 0
	res, err := sandbox.Run(context.Background(), sandbox.Options{
		Filter: onMkdir(t, unix.SECCOMP_RET_USER_NOTIF),
		Path:   "/bin/sh", Args: []string{"sh", "-c", "mkdir a; mkdir b; mkdir c"},
		Dir: dir, Stderr: &bytes.Buffer{},
		Notify: func(n sandbox.Notification) sandbox.Response {
			calls++
			if calls == 2 {
				return sandbox.Response{Errno: int32(syscall.EEXIST)}
			}
			return sandbox.Response{Continue: true}
		},
	})
	require.NoError(t, err)
	assert.Equal(t, 3, calls)
	assert.Equal(t, 0, res.Status)
	assert.DirExists(t, filepath.Join(dir, "a"))
	assert.NoDirExists(t, filepath.Join(dir, "b"))
	assert.DirExists(t, filepath.Join(dir, "c"))
}

func TestSignalForwarding(t *testing.T) {
	needRoot(t, "/bin/sh", "/bin/sleep")
	if tty, err := os.Open("/dev/tty"); err == nil {
		tty.Close()
		// With a terminal, ^C is not forwarded (the terminal delivers it).
		t.Skip("has a controlling terminal; run without one (CI, or setsid)")
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			if signal.Ignored(sig) {
				// Under nohup, say: scc keeps ignoring what its caller ignores.
				t.Skipf("this test process was started ignoring %v", sig)
			}
			started := filepath.Join(t.TempDir(), "started")
			done := make(chan struct{})
			var res sandbox.Result
			var err error
			go func() {
				defer close(done)
				res, err = sandbox.Run(context.Background(), sandbox.Options{
					Filter: allowAll(t),
					Path:   "/bin/sh", Args: []string{"sh", "-c", "touch " + started + "; exec sleep 20"},
				})
			}()
			require.Eventually(t, func() bool { _, e := os.Stat(started); return e == nil }, 10*time.Second, 10*time.Millisecond)
			time.Sleep(50 * time.Millisecond) // let the shell exec sleep
			// The signal goes to the supervisor, i.e. this test process: it
			// must survive, and the command must die of it.
			require.NoError(t, syscall.Kill(os.Getpid(), sig))
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("the command did not receive the forwarded %v", sig)
			}
			require.NoError(t, err)
			assert.Equal(t, sig, res.Signal)
			assert.Equal(t, 128+int(sig), res.Status)
		})
	}
}

func TestContextCancel(t *testing.T) {
	needRoot(t, "/bin/sh", "/bin/sleep")
	started := filepath.Join(t.TempDir(), "started")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for {
			if _, err := os.Stat(started); err == nil {
				cancel()
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	begin := time.Now()
	res, err := sandbox.Run(ctx, sandbox.Options{
		Filter: allowAll(t), Path: "sh", Args: []string{"sh", "-c", "touch " + started + "; exec sleep 20"},
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, syscall.SIGKILL, res.Signal)
	assert.Less(t, time.Since(begin), 10*time.Second)

	// A context that ends before the command starts: still ctx's error.
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = sandbox.Run(ctx, sandbox.Options{Filter: allowAll(t), Path: "sleep", Args: []string{"sleep", "20"}})
	require.ErrorIs(t, err, context.Canceled)
}

func TestEnvDirStdin(t *testing.T) {
	needRoot(t, "/bin/sh")
	dir := t.TempDir()
	var out bytes.Buffer
	res, err := sandbox.Run(context.Background(), sandbox.Options{
		Filter: allowAll(t),
		Path:   "sh", Args: []string{"sh", "-c", `pwd; echo "$GREETING"; env | grep -c SCC_SANDBOX || true; cat`},
		Env:   []string{"GREETING=hello", "PATH=/usr/bin:/bin"},
		Dir:   dir,
		Stdin: strings.NewReader("from stdin\n"), Stdout: &out,
	})
	require.NoError(t, err)
	assert.Equal(t, 0, res.Status)
	// The helper's marker variable is not passed on.
	assert.Equal(t, dir+"\nhello\n0\nfrom stdin\n", out.String())
}

// The supervisor is not filtered: only the helper and the command are.
func TestSupervisorUnfiltered(t *testing.T) {
	needRoot(t, "/bin/true")
	_, _, err := run(t, onMkdir(t, unix.SECCOMP_RET_KILL_PROCESS), "/bin/true")
	require.NoError(t, err)
	status, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	assert.Contains(t, string(status), "Seccomp:\t0")
	require.NoError(t, os.Mkdir(filepath.Join(t.TempDir(), "still-allowed"), 0o755))
}

// helperCmd re-executes the test binary in one of the modes of runHelperMode.
func helperCmd(t *testing.T, mode string, args ...string) *exec.Cmd {
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), helperModeEnv+"="+mode)
	return cmd
}

// BenchmarkRun measures the cost of one sandboxed start: re-exec of the
// test binary, install, exec of /bin/true, wait.
func BenchmarkRun(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	filter := allowAll(b)
	for b.Loop() {
		res, err := sandbox.Run(context.Background(), sandbox.Options{Filter: filter, Path: "/bin/true"})
		if err != nil || res.Status != 0 {
			b.Fatal(res, err)
		}
	}
}

// BenchmarkNotify measures one notified call answered with Continue.
func BenchmarkNotify(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	filter := table(b, rule{nrExecve, unix.SECCOMP_RET_USER_NOTIF})
	for b.Loop() {
		_, err := sandbox.Run(context.Background(), sandbox.Options{
			Filter: filter, Path: "/bin/true",
			Notify: func(sandbox.Notification) sandbox.Response { return sandbox.Response{Continue: true} },
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// A filter that traps the calls the helper makes after installing it (here:
// every call) leaves the helper looping in the Go runtime's SIGSYS handling;
// Run must give up, kill it, and report that the command never ran.
func TestHelperStuckUnderItsFilter(t *testing.T) {
	needRoot(t, "/bin/sh")
	old := sandbox.ExecTimeout
	sandbox.ExecTimeout = 3 * time.Second
	defer func() { sandbox.ExecTimeout = old }()
	marker := filepath.Join(t.TempDir(), "MARKER")
	// execve traps, and exit_group fails, so the runtime cannot even die
	// of the SIGSYS (testdata/policies/big.pol does this by accident).
	filter := table(t, rule{nrExecve, unix.SECCOMP_RET_TRAP}, rule{unix.SYS_EXIT_GROUP, errnoRet(unix.EPERM)})
	start := time.Now()
	_, _, err := run(t, filter, "/bin/sh", "-c", "touch "+marker)
	require.Error(t, err)
	assert.NoFileExists(t, marker)
	assert.Less(t, time.Since(start), 20*time.Second)
	t.Log(err)
}
