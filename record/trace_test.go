package record

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/syscalls"
)

// Tests in this file trace real programs.

func needPtrace(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("tracing tests need root here (ptrace of children may be restricted by Yama otherwise)")
	}
}

func needTool(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s is not installed", path)
	}
}

// counts returns the recording's counts by native syscall name.
func counts(t *testing.T, rec *Recording) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	for k, st := range rec.Calls {
		out[keyName(k)] += st.Count
	}
	return out
}

func trace(t *testing.T, o Options) *Recording {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rec, err := Trace(ctx, o)
	require.NoError(t, err)
	require.False(t, rec.Interrupted, "timed out")
	return rec
}

func TestTraceLs(t *testing.T) {
	needPtrace(t)
	needTool(t, "/bin/ls")
	var out bytes.Buffer
	rec := trace(t, Options{Path: "/bin/ls", Args: []string{"ls", "/"}, Stdout: &out})
	c := counts(t, rec)
	assert.Equal(t, 0, rec.ExitCode)
	assert.Empty(t, rec.Warnings)
	assert.Contains(t, out.String(), "usr", "ls output reaches Stdout")
	assert.Equal(t, uint64(1), c["execve"])
	assert.Equal(t, uint64(1), c["exit_group"])
	assert.Greater(t, c["openat"], uint64(1), "ls opens libraries and the directory")
	assert.GreaterOrEqual(t, c["getdents64"], uint64(2), "reads / until it is empty")
	assert.GreaterOrEqual(t, c["write"], uint64(1))
	host := syscalls.Host()
	for k := range rec.Calls {
		assert.Equal(t, host.AuditArch, k.AuditArch)
	}
}

func TestTraceShellForks(t *testing.T) {
	needPtrace(t)
	needTool(t, "/bin/sh")
	rec := trace(t, Options{Path: "sh", Args: []string{"sh", "-c", "/bin/true; /bin/true"}})
	c := counts(t, rec)
	assert.Equal(t, 0, rec.ExitCode)
	// The shell's execve, and one per /bin/true in the forked children.
	assert.Equal(t, uint64(3), c["execve"])
	assert.Equal(t, uint64(2), c["clone"]+c["vfork"]+c["fork"]+c["clone3"], "two children")
	assert.GreaterOrEqual(t, c["wait4"], uint64(2))
	assert.Equal(t, uint64(3), c["exit_group"])
}

func TestTraceBusybox(t *testing.T) {
	needPtrace(t)
	needTool(t, "/bin/busybox")
	var out bytes.Buffer
	rec := trace(t, Options{Path: "/bin/busybox", Args: []string{"busybox", "sh", "-c", "echo hi; ls /; echo done"}, Stdout: &out})
	c := counts(t, rec)
	assert.Equal(t, 0, rec.ExitCode)
	assert.Contains(t, out.String(), "hi\n")
	assert.GreaterOrEqual(t, c["write"], uint64(2))
	assert.GreaterOrEqual(t, c["getdents64"], uint64(2))
	assert.Contains(t, out.String(), "done\n")
	// ls is not the last command, so the shell runs it in a child.
	assert.GreaterOrEqual(t, c["execve"], uint64(1))
	assert.GreaterOrEqual(t, c["fork"]+c["vfork"]+c["clone"], uint64(1), "%v", c)
}

func TestTraceExitStatusAndSignal(t *testing.T) {
	needPtrace(t)
	rec := trace(t, Options{Path: "sh", Args: []string{"sh", "-c", "exit 3"}})
	assert.Equal(t, 3, rec.ExitCode)
	assert.False(t, rec.Signaled)
	require.Len(t, rec.Warnings, 1)
	assert.Contains(t, rec.Warnings[0], "status 3")
	assert.NotZero(t, counts(t, rec)["exit_group"])

	rec = trace(t, Options{Path: "sh", Args: []string{"sh", "-c", "kill -9 $$"}})
	assert.True(t, rec.Signaled)
	assert.Equal(t, syscall.SIGKILL, rec.Signal)
	assert.Equal(t, -1, rec.ExitCode)
	assert.NotZero(t, counts(t, rec)["kill"])
	require.Len(t, rec.Warnings, 1)
	assert.Contains(t, rec.Warnings[0], "killed")
}

func TestTraceSignalPassThrough(t *testing.T) {
	needPtrace(t)
	// The shell's trap must run: the signal is delivered, not swallowed.
	var out bytes.Buffer
	rec := trace(t, Options{Path: "sh", Args: []string{"sh", "-c", "trap 'echo caught' USR1; kill -USR1 $$; echo after"}, Stdout: &out})
	assert.Equal(t, "caught\nafter\n", out.String())
	assert.Equal(t, 0, rec.ExitCode)
}

func TestTraceStartError(t *testing.T) {
	needPtrace(t)
	_, err := Trace(context.Background(), Options{Path: "/nonexistent/program"})
	assert.ErrorContains(t, err, "/nonexistent/program")
	_, err = Trace(context.Background(), Options{Path: "no-such-program-scc"})
	assert.ErrorContains(t, err, "no-such-program-scc")
	_, err = Trace(context.Background(), Options{})
	assert.ErrorContains(t, err, "no program")
}

func TestTraceCancel(t *testing.T) {
	needPtrace(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	rec, err := Trace(ctx, Options{Path: "sh", Args: []string{"sh", "-c", "sleep 30; echo never"}})
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.True(t, rec.Interrupted)
	assert.NotZero(t, counts(t, rec)["execve"])
}

const goProgram = `package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

func main() {
	dir := os.Args[1]
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p := filepath.Join(dir, fmt.Sprint(i))
			if err := os.WriteFile(p, []byte("hello"), 0o644); err != nil {
				panic(err)
			}
			if _, err := os.ReadFile(p); err != nil {
				panic(err)
			}
		}(i)
	}
	wg.Wait()
	// One AF_UNIX and one AF_INET socket for the argument recording.
	if fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0); err == nil {
		syscall.Close(fd)
	}
	if l, err := net.Listen("tcp4", "127.0.0.1:0"); err == nil {
		l.Close()
	}
	os.Exit(7)
}
`

func TestTraceGoProgramThreadsAndArgs(t *testing.T) {
	needPtrace(t)
	gobin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		p, err := exec.LookPath("go")
		if err != nil {
			t.Skip("no go toolchain to build the test program")
		}
		gobin = p
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(goProgram), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module prog\ngo 1.21\n"), 0o644))
	build := exec.Command(gobin, "build", "-o", "prog", ".")
	build.Dir = dir
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	data := t.TempDir()
	rec := trace(t, Options{Path: filepath.Join(dir, "prog"), Args: []string{"prog", data},
		ArgSyscalls: DefaultArgSyscalls()})
	assert.Equal(t, 7, rec.ExitCode)
	c := counts(t, rec)
	assert.GreaterOrEqual(t, c["clone"]+c["clone3"], uint64(2), "the Go runtime starts threads")
	assert.GreaterOrEqual(t, c["openat"], uint64(16), "8 writes + 8 reads")
	assert.GreaterOrEqual(t, c["write"], uint64(8))
	assert.NotZero(t, c["rt_sigaction"])
	// Files written by every goroutine, whichever thread ran it.
	entries, err := os.ReadDir(data)
	require.NoError(t, err)
	assert.Len(t, entries, 8)

	host := syscalls.Host()
	socketNr, _ := host.Nr("socket")
	st := rec.Calls[Key{host.AuditArch, socketNr}]
	require.NotNil(t, st)
	af := func(n string) uint64 { v, _ := host.Const(n); return v }
	assert.Contains(t, st.Values[0], af("AF_UNIX"))
	assert.Contains(t, st.Values[0], af("AF_INET"))
	assert.Nil(t, st.Values[3], "only the listed arguments are recorded")

	openatNr, _ := host.Nr("openat")
	flags := rec.Calls[Key{host.AuditArch, openatNr}].Values[2]
	wantCreate := af("O_WRONLY") | af("O_CREAT") | af("O_TRUNC") | af("O_CLOEXEC")
	found := false
	for v := range flags {
		if v&wantCreate == wantCreate {
			found = true
		}
	}
	assert.True(t, found, "os.WriteFile's openat flags recorded: %v", flags)

	// The recorded socket domains become the rule's condition.
	f, err := Policy(rec, WriteOptions{Args: true, Command: []string{"prog"}})
	require.NoError(t, err)
	policy := string(lang.Format(f))
	mustResolve(t, []byte(policy))
	assert.Contains(t, policy, "allow socket if (family == AF_UNIX || family == AF_INET) && ")
}

// TestTraceLeavesOtherChildrenAlone: a child the caller started itself is
// neither waited for nor reaped by Trace, and two Traces can run at once.
func TestTraceLeavesOtherChildrenAlone(t *testing.T) {
	needPtrace(t)
	other := exec.Command("sleep", "3")
	require.NoError(t, other.Start())
	start := time.Now()
	done := make(chan *Recording, 1)
	go func() { done <- trace(t, Options{Path: "/bin/true"}) }()
	rec := trace(t, Options{Path: "sh", Args: []string{"sh", "-c", "exit 4"}})
	assert.Equal(t, 4, rec.ExitCode)
	assert.Equal(t, 0, (<-done).ExitCode)
	assert.Less(t, time.Since(start), 2*time.Second, "Trace waited for the caller's own child")
	require.NoError(t, other.Wait(), "the caller's child's status must still be there")
}

func TestTraceProgress(t *testing.T) {
	needPtrace(t)
	var last Progress
	calls := 0
	rec := trace(t, Options{Path: "/bin/ls", Args: []string{"ls", "/usr"}, Progress: func(p Progress) {
		calls++
		last = p
	}})
	require.NotZero(t, calls)
	assert.Equal(t, len(rec.Calls), last.Distinct)
	assert.NotEmpty(t, last.Newest)
	assert.LessOrEqual(t, len(last.Newest), newestKept)
}

// Overhead: BenchmarkDDPlain vs BenchmarkDDTraced, a syscall-heavy program
// (dd with 1-byte blocks: two syscalls per byte).
func ddArgs() []string {
	return []string{"dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=20000", "status=none"}
}

func BenchmarkDDPlain(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if err := exec.Command("dd", ddArgs()[1:]...).Run(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDDTraced(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	for i := 0; i < b.N; i++ {
		if _, err := Trace(context.Background(), Options{Path: "dd", Args: ddArgs()}); err != nil {
			b.Fatal(err)
		}
	}
}
