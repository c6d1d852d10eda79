package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// childEnv marks a process started by Run as a sandbox helper. Its value is
// irrelevant; the parameters travel through configFd, so nothing secret or
// large sits in the environment or argv, and the command's environment
// (childConfig.Env) does not carry the marker.
const childEnv = "_SCC_SANDBOX_HELPER"

// The helper's inherited descriptors (exec.Cmd.ExtraFiles start at 3).
const (
	configFd = 3 // read end of a pipe carrying one JSON childConfig
	statusFd = 4 // write end of the status pipe: an error message, or EOF at exec
	socketFd = 5 // one end of a socketpair for the listener fd (Notify only)
)

// childConfig is what the supervisor tells the helper.
type childConfig struct {
	Filter   []byte
	Flags    uint
	Path     string
	Args     []string
	Env      []string
	Listener bool // install with NEW_LISTENER and send the fd over socketFd
}

// Init must be the first call in main (and in TestMain). In an ordinary
// process it returns at once. In a helper started by Run it installs the
// filter and execs the command, and never returns: if any step fails it
// reports the error on the status pipe and exits with status 127 without
// running the command.
func Init() {
	if _, ok := os.LookupEnv(childEnv); !ok {
		return
	}
	runHelper()
}

func runHelper() {
	// Everything from no_new_privs to execve must happen on one thread:
	// no_new_privs is per thread and execve runs on the calling one.
	runtime.LockOSThread()
	for _, fd := range []int{configFd, statusFd, socketFd} {
		syscall.CloseOnExec(fd) // EBADF for socketFd without Notify is fine
	}
	status := os.NewFile(statusFd, "sandbox-status")
	fail := func(format string, args ...any) {
		// If the filter forbids write, the supervisor sees exit 127 with no
		// message; the command still has not run.
		fmt.Fprintf(status, format, args...)
		os.Exit(127)
	}

	raw, err := io.ReadAll(os.NewFile(configFd, "sandbox-config"))
	if err != nil {
		fail("sandbox helper: reading parameters: %v", err)
	}
	unix.Close(configFd)
	var cfg childConfig
	if err := json.Unmarshal(raw, &cfg); err != nil {
		fail("sandbox helper: decoding parameters: %v", err)
	}
	// Check the path before the filter is in place, when reporting an error
	// cannot itself be blocked by the filter. execve below still has the
	// last word.
	if err := unix.Access(cfg.Path, unix.X_OK); err != nil {
		fail("exec %s: %v", cfg.Path, err)
	}

	// Build everything execve and sendmsg need now. Between Install and
	// execve the helper must not allocate: a heap that grows there calls
	// mmap, which the policy may deny, and the Go runtime dies with
	// "cannot allocate memory" (seen on CI, with a recorded policy that
	// had no mmap). GC off for the same reason: a cycle started there wakes
	// and parks threads with calls the policy need not allow.
	ex, err := prepareExec(cfg.Path, cfg.Args, cfg.Env)
	if err != nil {
		fail("exec %s: %v", cfg.Path, err)
	}
	flags := cfg.Flags
	if cfg.Listener {
		flags |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	}
	prog, err := decodeFilter(cfg.Filter)
	if err != nil {
		fail("%v", err)
	}
	debug.SetGCPercent(-1)

	listener, err := install(prog, flags|waitKillable(cfg.Listener))
	if err != nil && cfg.Listener && errors.Is(err, unix.EINVAL) {
		listener, err = install(prog, flags) // before Linux 5.19
	}
	if err != nil {
		fail("%v", err)
	}
	// From here on every system call passes through the filter: keep the
	// path to execve short and free of allocation.
	if cfg.Listener {
		if err := sendFd(socketFd, listener); err != nil {
			fail("sandbox helper: passing the notification listener to the supervisor: %v", err)
		}
		// The command must not hold its own listener: it could answer its
		// own notifications. The kernel made it close-on-exec already; the
		// close is so that no later change to that can leak it.
		unix.Close(listener)
		unix.Close(socketFd)
	}
	errno := ex.exec()
	fail("exec %s: %v", cfg.Path, errno)
}

// HelperCalls are the system calls the helper may make between installing
// the filter and its execve, besides execve itself: the Go runtime's other
// threads sleep (nanosleep), wake each other (futex) and at times block
// signals (rt_sigprocmask). They vary from run to run, so a filter that
// refuses one makes the start fail now and then, not every time. With a
// listener the helper also makes NotifyHelperCalls, to hand its fd over.
var HelperCalls = []string{"futex", "nanosleep", "rt_sigprocmask"}

// NotifyHelperCalls are the helper's further calls when Options.Notify is
// set: sendmsg passes the listener, close drops the helper's copy.
var NotifyHelperCalls = []string{"sendmsg", "close"}

// waitKillable is SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV when the filter
// has a listener. Without it a signal that reaches a thread waiting for the
// supervisor's answer (the Go runtime preempts with SIGURG, in the helper
// and in any Go command) interrupts the call after the supervisor has taken
// it; the call restarts and is notified again, so the supervisor sees, logs
// and answers one call twice. With it, once taken, the call waits for the
// answer and only a fatal signal ends the wait.
func waitKillable(listener bool) uint {
	if listener {
		return unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
	}
	return 0
}

// execArgs is an execve call built in advance, so that making it allocates
// nothing.
type execArgs struct {
	path       *byte
	argv, envp []*byte
}

func prepareExec(path string, args, env []string) (execArgs, error) {
	p, err := unix.BytePtrFromString(path)
	if err != nil {
		return execArgs{}, err
	}
	argv, err := syscall.SlicePtrFromStrings(args)
	if err != nil {
		return execArgs{}, err
	}
	envp, err := syscall.SlicePtrFromStrings(env)
	if err != nil {
		return execArgs{}, err
	}
	return execArgs{p, argv, envp}, nil
}

// exec returns only if execve fails.
func (e execArgs) exec() unix.Errno {
	_, _, errno := unix.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(e.path)),
		uintptr(unsafe.Pointer(&e.argv[0])), uintptr(unsafe.Pointer(&e.envp[0])))
	return errno
}

// sendFd passes fd over a unix socket with a one-byte message, building the
// message in a fixed-size array so that nothing is allocated after the
// filter is installed.
func sendFd(sock, fd int) error {
	var oob [24]byte // CmsgSpace(4) on 64-bit
	n := unix.CmsgSpace(4)
	if n > len(oob) {
		return fmt.Errorf("control message of %d bytes", n)
	}
	h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
	h.Level = unix.SOL_SOCKET
	h.Type = unix.SCM_RIGHTS
	h.SetLen(unix.CmsgLen(4))
	*(*int32)(unsafe.Pointer(&oob[unix.CmsgLen(0)])) = int32(fd)
	var data [1]byte
	iov := unix.Iovec{Base: &data[0]}
	iov.SetLen(1)
	msg := unix.Msghdr{Iov: &iov, Iovlen: 1, Control: &oob[0]}
	msg.SetControllen(n)
	_, _, errno := unix.RawSyscall(unix.SYS_SENDMSG, uintptr(sock), uintptr(unsafe.Pointer(&msg)), 0)
	if errno != 0 {
		return errno
	}
	return nil
}
