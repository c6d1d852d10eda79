package record

import "fmt"

// runtimeSyscalls are the calls runc's init process makes itself after it
// loaded the container's filter and before it execs the container's
// program; a deny-by-default profile that lacks them stops the container
// from starting. Docker, Podman (with --runtime runc) and Kubernetes (via
// containerd) all start containers through runc, so one list serves them.
//
// Obtained on Debian 12 with runc 1.1.5 and a busybox rootfs, as
//
//	strace -f -o log runc --root STATE run --bundle BUNDLE id
//
// with noNewPrivileges false (Docker's default: the filter is loaded before
// runc drops privileges, so setuid/setgid/setgroups/capset follow it) and
// true (loaded just before execve; a subset). The list is every syscall of
// the thread that called prctl(PR_SET_SECCOMP) between that call and its
// execve (runc loads the filter without TSYNC, so its other threads are not
// filtered). Checked again on the same machine: the noNewPrivileges=true
// run made close epoll_ctl execve fstatfs futex getdents64 getpid openat
// prctl write; the false run all of the list but sched_yield and nanosleep,
// and once rt_sigreturn (a Go runtime signal, SIGURG preemption, handled
// on that thread). The Go runtime's calls vary from run to run: a failed
// rt_sigreturn kills the thread, so it is listed, and so are sched_yield and
// nanosleep, which runc's other threads made while spinning on runtime
// locks. crun is not covered.
var runtimeSyscalls = []string{
	"capget", "capset", "chdir", "close", "epoll_ctl", "execve", "faccessat2", "fcntl", "fstat",
	"fstatfs", "futex", "getcwd", "getdents64", "getpid", "getppid", "nanosleep", "newfstatat", "openat", "prctl",
	"read", "rt_sigreturn", "sched_yield", "setgid", "setgroups", "setuid", "write",
}

// sccRunSyscalls are the calls `scc run`'s helper may make between
// installing the filter and its execve (see package sandbox): the Go
// runtime's other threads sleep (nanosleep), wake each other (futex) and at
// times block signals (rt_sigprocmask). They vary from run to run, so a
// recording of the program alone lacks them, and a filter that fails a
// futex wake crashes the helper. With --notify the helper also calls
// sendmsg and close; those are left to the policy's author.
var sccRunSyscalls = []string{"execve", "futex", "nanosleep", "rt_sigprocmask"}

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
