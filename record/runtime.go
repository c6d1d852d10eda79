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
// execve. Go runtime calls (mmap, sched_yield, ...) may also appear on
// other machines; they are not listed because none were made here.
var runtimeSyscalls = []string{
	"capget", "capset", "chdir", "close", "epoll_ctl", "execve", "faccessat2", "fcntl", "fstat",
	"fstatfs", "futex", "getcwd", "getdents64", "getpid", "getppid", "newfstatat", "openat", "prctl",
	"read", "setgid", "setgroups", "setuid", "write",
}

// runtimeFor returns the runtime's own syscalls for a --for value.
func runtimeFor(name string) ([]string, error) {
	switch name {
	case "":
		return nil, nil
	case "docker", "podman", "kubernetes":
		return runtimeSyscalls, nil
	}
	return nil, fmt.Errorf("record: unknown container runtime %q (want docker, podman or kubernetes)", name)
}
