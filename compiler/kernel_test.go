package compiler_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"golang.org/x/sys/unix"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/sandbox"
)

const loadEnv = "SCC_COMPILER_TEST_LOAD"

func TestMain(m *testing.M) {
	// The test binary is also the sandbox's helper: Run re-executes it to
	// install a filter and exec the command.
	sandbox.Init()
	if path := os.Getenv(loadEnv); path != "" {
		loadAndExit(path)
	}
	os.Exit(m.Run())
}

// loadAndExit is the child of TestKernelAcceptsEveryFilter. It installs the
// filter behind a three-instruction guard that lets its own exit_group
// through: after loading, every call is filtered, and a filter that traps or
// kills would otherwise hide whether the load itself succeeded. The guard
// leaves the filter's instructions and relative jumps untouched, so the
// kernel checks exactly the same program, 3 instructions longer.
func loadAndExit(path string) {
	prog, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	guard := bpfasm.Encode([]bpfasm.Insn{
		bpfasm.Stmt(bpfasm.LD|bpfasm.W|bpfasm.ABS, bpfasm.OffNr),
		bpfasm.Jump(bpfasm.JMP|bpfasm.JEQ|bpfasm.K, unix.SYS_EXIT_GROUP, 0, 1),
		bpfasm.Stmt(bpfasm.RET|bpfasm.K, uint32(policy.Allow)),
	})
	// Only this thread gets the filter (no TSYNC), so the Go runtime's other
	// threads cannot trip over it; this one goes straight to exit_group.
	prog = append(guard, prog...)
	fprog := unix.SockFprog{Len: uint16(len(prog) / 8), Filter: (*unix.SockFilter)(unsafe.Pointer(&prog[0]))}
	runtime.LockOSThread()
	// Signals stay pending from here on: the Go runtime preempts with
	// SIGURG, and a handler run under a filter that refuses rt_sigreturn
	// (alldefault.pol refuses everything) returns into garbage and the child
	// dies of SIGSEGV, which looked like the kernel refusing the filter.
	all := ^uint64(0)
	if _, _, errno := unix.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&all)), 0, 8, 0, 0); errno != 0 {
		fmt.Fprintln(os.Stderr, "rt_sigprocmask:", errno)
		os.Exit(3)
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "no_new_privs:", err)
		os.Exit(3)
	}
	_, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&fprog)))
	if errno != 0 {
		fmt.Fprintln(os.Stderr, "seccomp:", errno)
		os.Exit(3)
	}
	unix.RawSyscall(unix.SYS_EXIT_GROUP, 0, 0, 0)
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: loading filters for these tests needs root (or CAP_SYS_ADMIN without no_new_privs)")
	}
}

// TestKernelAcceptsEveryFilter loads each compiled policy with seccomp(2)
// in a child process.
func TestKernelAcceptsEveryFilter(t *testing.T) {
	needRoot(t)
	if runtime.GOARCH != "amd64" {
		t.Skip("skipped: the load guard is written for x86_64")
	}
	for _, path := range policyFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			_, prog := load(t, path)
			f := filepath.Join(t.TempDir(), "filter.bpf")
			require.NoError(t, os.WriteFile(f, bpfasm.Encode(prog), 0o644))
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), loadEnv+"="+f)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "the kernel refused the filter for %s (%d instructions): %s", path, len(prog), out)
		})
	}
}

// TestKernelEndToEnd makes real syscalls under compiled filters: an errno
// rule returns its errno, an allowed call works.
func TestKernelEndToEnd(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing")
	require.NoError(t, os.WriteFile(existing, []byte("hello from a read-only world\n"), 0o644))
	sh, err := exec.LookPath("sh")
	require.NoError(t, err)
	cat, err := exec.LookPath("cat")
	require.NoError(t, err)

	run := func(policyPath string, argv ...string) (sandbox.Result, string, string) {
		_, prog := load(t, policyPath)
		var stdout, stderr bytes.Buffer
		res, err := sandbox.Run(context.Background(), sandbox.Options{
			Filter: bpfasm.Encode(prog), Path: argv[0], Args: argv, Stdout: &stdout, Stderr: &stderr,
		})
		require.NoError(t, err)
		return res, stdout.String(), stderr.String()
	}

	t.Run("readonly: reading works", func(t *testing.T) {
		res, out, _ := run("../examples/readonly.pol", cat, existing)
		require.Equal(t, 0, res.Status)
		require.Equal(t, "hello from a read-only world\n", out)
	})
	t.Run("readonly: creating fails with EACCES", func(t *testing.T) {
		created := filepath.Join(dir, "created")
		res, _, errOut := run("../examples/readonly.pol", sh, "-c", "echo x > "+created)
		require.NotEqual(t, 0, res.Status)
		require.Contains(t, errOut, "Permission denied")
		require.NoFileExists(t, created)
	})
	t.Run("nofork: builtins work, starting a program does not", func(t *testing.T) {
		res, out, errOut := run("../examples/nofork.pol", sh, "-c", "echo builtin; /bin/true; echo after")
		require.Contains(t, out, "builtin")
		require.Regexp(t, `(?i)fork|not permitted`, errOut)
		_ = res
	})
}
