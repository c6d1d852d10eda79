package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"syscall"

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

	flags := cfg.Flags
	if cfg.Listener {
		flags |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	}
	listener, err := Install(cfg.Filter, flags)
	if err != nil {
		fail("%v", err)
	}
	// From here on every system call passes through the filter: keep the
	// path to execve short.
	if cfg.Listener {
		if err := unix.Sendmsg(socketFd, []byte{0}, unix.UnixRights(listener), nil, 0); err != nil {
			fail("sandbox helper: passing the notification listener to the supervisor: %v", err)
		}
		// The command must not hold its own listener: it could answer its
		// own notifications. The kernel made it close-on-exec already; the
		// close is so that no later change to that can leak it.
		unix.Close(listener)
		unix.Close(socketFd)
	}
	err = syscall.Exec(cfg.Path, cfg.Args, cfg.Env)
	fail("exec %s: %v", cfg.Path, err)
}
