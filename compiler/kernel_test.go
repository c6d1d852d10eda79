package compiler_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"golang.org/x/sys/unix"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/sandbox"
	"github.com/scc-dev/scc/syscalls"
)

const (
	loadEnv  = "SCC_COMPILER_TEST_LOAD"
	probeEnv = "SCC_COMPILER_TEST_PROBE"
)

func TestMain(m *testing.M) {
	// The test binary is also the sandbox's helper: Run re-executes it to
	// install a filter and exec the command.
	sandbox.Init()
	if path := os.Getenv(loadEnv); path != "" {
		loadAndExit(path)
	}
	if calls := os.Getenv(probeEnv); calls != "" {
		probeAndExit(calls)
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
		res, out, errOut := run("../examples/nofork.pol", sh, "-c", "echo builtin; /bin/true && echo ran; echo after")
		require.Contains(t, out, "builtin")
		require.NotContains(t, out, "ran", "/bin/true must not start")
		require.Regexp(t, `(?i)fork|not permitted`, errOut)
		require.NotEqual(t, 0, res.Status, "the shell reports the failed fork")
	})
}

// probeAndExit is the child of TestKernelAgreesWithDecide, running under
// the filter: it makes each call ("nr,a0,...,a5" in hex, ';' between calls)
// and prints the errno it got, 0 for success, one per line.
func probeAndExit(calls string) {
	for _, call := range strings.Split(calls, ";") {
		var v [7]uintptr
		for i, f := range strings.Split(call, ",") {
			x, err := strconv.ParseUint(f, 16, 64)
			if err != nil || i >= len(v) {
				fmt.Fprintln(os.Stderr, "bad probe", call)
				os.Exit(3)
			}
			v[i] = uintptr(x)
		}
		_, _, errno := unix.RawSyscall6(v[0], v[1], v[2], v[3], v[4], v[5], v[6])
		fmt.Println(int(errno))
	}
	os.Exit(0)
}

// TestKernelAgreesWithDecide makes real syscalls, with high words set and
// clear, under a compiled filter, and checks that the kernel returns the
// errno policy.Decide gives, or, where Decide allows the call, the error the
// kernel gives on its own. kill(0x100000001, 0) is libseccomp issue #383:
// the kernel signals pid 1, so the rule for pid 1 must match it too.
func TestKernelAgreesWithDecide(t *testing.T) {
	needRoot(t)
	if runtime.GOARCH != "amd64" {
		t.Skip("skipped: the probes use x86_64 syscall numbers")
	}
	p, diags := resolve.Load("probe.pol", []byte(`arch x86_64
default allow
errno(EXDEV) kill if pid == 1
errno(EDOM) fchdir if arg0 > 0xffffffff
errno(ENOTTY) fchmod if fd == 1000 && mode & 0o7000 != 0
errno(ERANGE) fchown if arg1 == -1 && arg2 != -1
`), resolve.Options{})
	require.NoError(t, diags.Err())
	prog, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err)

	const ones = ^uint64(0)
	probes := []struct {
		name string
		nr   uint64
		args []uint64
		want unix.Errno // what the kernel must return
	}{
		{"kill(1, 0)", unix.SYS_KILL, []uint64{1, 0}, unix.EXDEV},
		{"kill(0x100000001, 0)", unix.SYS_KILL, []uint64{1<<32 | 1, 0}, unix.EXDEV},
		{"kill(0x7ffffff0, 0) allowed", unix.SYS_KILL, []uint64{0x7ffffff0, 0}, unix.ESRCH},
		{"fchdir(0x1000003e7)", unix.SYS_FCHDIR, []uint64{1<<32 | 999}, unix.EDOM},
		{"fchdir(999) allowed", unix.SYS_FCHDIR, []uint64{999}, unix.EBADF},
		{"fchmod(1000, 04755)", unix.SYS_FCHMOD, []uint64{1000, 0o4755}, unix.ENOTTY},
		{"fchmod(0xffffffff000003e8, 04000)", unix.SYS_FCHMOD, []uint64{0xffffffff<<32 | 1000, 0o4000}, unix.ENOTTY},
		{"fchmod(1000, 0x100000755) allowed", unix.SYS_FCHMOD, []uint64{1000, 1<<32 | 0o755}, unix.EBADF},
		{"fchmod(1000, 0x100004000)", unix.SYS_FCHMOD, []uint64{1000, 1<<32 | 0o4000}, unix.ENOTTY},
		{"fchown(999, -1, 0)", unix.SYS_FCHOWN, []uint64{999, ones, 0}, unix.ERANGE},
		{"fchown(999, 0xffffffff, 0) allowed", unix.SYS_FCHOWN, []uint64{999, 0xffffffff, 0}, unix.EBADF},
		{"fchown(999, -1, -1) allowed", unix.SYS_FCHOWN, []uint64{999, ones, ones}, unix.EBADF},
	}
	var calls []string
	for _, pr := range probes {
		var args [6]uint64
		copy(args[:], pr.args)
		want := p.Decide(syscalls.AuditArchX86_64, uint32(pr.nr), &args)
		if strings.HasSuffix(pr.name, "allowed") {
			require.Equal(t, policy.Allow, want, pr.name)
		} else {
			require.Equal(t, policy.Errno(uint16(pr.want)), want, pr.name)
		}
		f := []string{strconv.FormatUint(pr.nr, 16)}
		for _, a := range args {
			f = append(f, strconv.FormatUint(a, 16))
		}
		calls = append(calls, strings.Join(f, ","))
	}
	var stdout, stderr bytes.Buffer
	res, err := sandbox.Run(context.Background(), sandbox.Options{
		Filter: bpfasm.Encode(prog), Path: os.Args[0], Args: []string{os.Args[0], "-test.run=^$"},
		Env: append(os.Environ(), probeEnv+"="+strings.Join(calls, ";")), Stdout: &stdout, Stderr: &stderr,
	})
	require.NoError(t, err)
	require.Equal(t, 0, res.Status, stderr.String())
	got := strings.Fields(stdout.String())
	require.Len(t, got, len(probes), stdout.String())
	for i, pr := range probes {
		assert.Equal(t, strconv.Itoa(int(pr.want)), got[i], "%s: the kernel returned errno %s, want %d (%v)", pr.name, got[i], int(pr.want), pr.want)
	}
}
