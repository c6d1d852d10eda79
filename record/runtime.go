package record

import (
	"fmt"

	"github.com/scc-dev/scc/sandbox"
)

// runtimeSyscalls are the calls the container runtime's init process
// makes itself after it loaded the container's filter and before it execs
// the container's program; a deny-by-default profile that lacks them stops
// the container from starting. Docker, Podman and Kubernetes start
// containers through runc or crun, so one list, the union of both, serves
// them all.
//
// Obtained on Debian 12 with runc 1.1.5 and crun 1.8.1 and a busybox
// rootfs, as
//
//	strace -f -o log runc --root STATE run --bundle BUNDLE id
//	strace -f -o log crun --cgroup-manager disabled --root STATE run --bundle BUNDLE id
//
// with noNewPrivileges false (Docker's, Podman's and Kubernetes' default:
// the filter is loaded before the runtime drops privileges, so the set*id
// and cap* calls follow it) and true (loaded just before execve; a subset),
// each as root and as user 1000:1000. The list is every syscall of the
// thread that loaded the filter between that call and its execve (runc
// loads it with prctl(PR_SET_SECCOMP), crun with seccomp(2); neither uses
// TSYNC, so other threads are not filtered).
//
// runc, noNewPrivileges false: capget capset chdir close epoll_ctl execve
// faccessat2 fcntl fstat fstatfs futex getcwd getdents64 getpid getppid
// newfstatat openat prctl read setgid setgroups setuid write, plus fchown
// for a non-root user (runc hands it the stdio pipes) and now and then
// rt_sigreturn (a Go runtime signal, SIGURG preemption, handled on that
// thread). noNewPrivileges true: close epoll_ctl execve fstatfs futex
// getdents64 getpid openat write. The Go runtime's calls vary from run to
// run: a failed rt_sigreturn kills the thread, so it is listed, and so are
// sched_yield and nanosleep, which runc's other threads made while spinning
// on runtime locks.
//
// crun, noNewPrivileges false: capset close execve prctl rt_sigaction
// rt_sigprocmask setresgid setresuid write (it resets every signal handler
// and switches ids with setres*id); true: close execve.
var runtimeSyscalls = []string{
	"capget", "capset", "chdir", "close", "epoll_ctl", "execve", "faccessat2", "fchown", "fcntl", "fstat",
	"fstatfs", "futex", "getcwd", "getdents64", "getpid", "getppid", "nanosleep", "newfstatat", "openat", "prctl",
	"read", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sched_yield", "setgid", "setgroups", "setresgid",
	"setresuid", "setuid", "write",
}

// sccRunSyscalls are the calls `scc run`'s helper may make between
// installing the filter and its execve: execve and sandbox.HelperCalls,
// the list scc run's own check warns about. They vary from run to run, so
// a recording of the program alone lacks them, and a filter that fails a
// futex wake crashes the helper. With --notify the helper also makes
// sandbox.NotifyHelperCalls; those are left to the policy's author.
var sccRunSyscalls = append([]string{"execve"}, sandbox.HelperCalls...)

// Runtimes are the values WriteOptions.For accepts besides "".
var Runtimes = []string{"scc", "docker", "podman", "kubernetes"}

// runtimeFor returns the runtime's own syscalls for a --for value, and
// how the rule comments name the reason.
func runtimeFor(name string) ([]string, string, error) {
	switch name {
	case "":
		return nil, "", nil
	case "scc":
		return sccRunSyscalls, "needed by scc run before exec", nil
	case "docker", "podman", "kubernetes":
		return runtimeSyscalls, "needed by the container runtime (" + name + ")", nil
	}
	return nil, "", fmt.Errorf("record: unknown runtime %q (want scc, docker, podman or kubernetes)", name)
}
