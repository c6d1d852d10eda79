package record

import (
	"strings"
	"sync"
)

// groups sorts syscalls into headings for the generated policy, after
// systemd's syscall groups (systemd.exec(5), SystemCallFilter=) where they
// exist, plus "memory" and "credentials" for calls systemd keeps in
// @default or spreads over several groups. The order is the output order;
// a syscall named in no group lands in "other".
var groups = []struct {
	name     string
	syscalls string
}{
	{"basic-io", "_llseek close close_range dup dup2 dup3 lseek pread64 preadv preadv2 pwrite64 pwritev pwritev2 read readv write writev"},
	{"file-system", "access chdir chmod chown chown32 creat faccessat faccessat2 fallocate fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat fcntl fcntl64 fgetxattr flistxattr fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 ftruncate ftruncate64 futimesat getcwd getdents getdents64 getxattr inotify_add_watch inotify_init inotify_init1 inotify_rm_watch lchown lchown32 lgetxattr link linkat listxattr llistxattr lremovexattr lsetxattr lstat lstat64 mkdir mkdirat mknod mknodat newfstatat oldfstat oldlstat oldstat open openat openat2 readlink readlinkat removexattr rename renameat renameat2 rmdir setxattr stat stat64 statfs statfs64 statx symlink symlinkat truncate truncate64 umask unlink unlinkat utime utimensat utimensat_time64 utimes"},
	{"io-event", "_newselect epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2 poll ppoll ppoll_time64 pselect6 pselect6_time64 select"},
	{"ipc", "ipc memfd_create mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink msgctl msgget msgrcv msgsnd pipe pipe2 process_madvise process_vm_readv process_vm_writev semctl semget semop semtimedop semtimedop_time64 shmat shmctl shmdt shmget"},
	{"memory", "brk get_mempolicy madvise mbind membarrier migrate_pages mincore mlock mlock2 mlockall mmap mmap2 move_pages mprotect mremap mseal msync munlock munlockall munmap pkey_alloc pkey_free pkey_mprotect remap_file_pages set_mempolicy"},
	{"network-io", "accept accept4 bind connect getpeername getsockname getsockopt listen recv recvfrom recvmmsg recvmmsg_time64 recvmsg send sendmmsg sendmsg sendto setsockopt shutdown socket socketcall socketpair"},
	{"process", "arch_prctl clone clone3 execve execveat exit exit_group fork futex futex_time64 futex_waitv get_robust_list get_thread_area getpgid getpgrp getpid getppid getpriority getrlimit getrusage getsid gettid ioprio_get ioprio_set kcmp kill pidfd_getfd pidfd_open pidfd_send_signal prctl prlimit64 rseq rt_tgsigqueueinfo sched_get_priority_max sched_get_priority_min sched_getaffinity sched_getattr sched_getparam sched_getscheduler sched_rr_get_interval sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield set_robust_list set_thread_area set_tid_address setpgid setpriority setrlimit setsid setns tgkill tkill ugetrlimit unshare vfork wait4 waitid waitpid"},
	{"credentials", "capget capset getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getresgid getresgid32 getresuid getresuid32 getuid getuid32 setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setuid setuid32"},
	{"signal", "pause restart_syscall rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 sigaction sigaltstack signal signalfd signalfd4 sigpending sigprocmask sigreturn sigsuspend"},
	{"sync", "fdatasync fsync sync sync_file_range sync_file_range2 syncfs"},
	{"time", "alarm clock_getres clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep clock_nanosleep_time64 getitimer gettimeofday nanosleep setitimer time timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 times"},
	{"system", "getcpu getrandom ioctl sysinfo syslog uname"},
}

const otherGroup = "other"

// groupOf maps a syscall to its group, built on first use: every scc
// process links this package, few record.
var groupOf = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, g := range groups {
		for _, s := range strings.Fields(g.syscalls) {
			m[s] = g.name
		}
	}
	return m
})

// groupName is the heading a syscall is listed under.
func groupName(syscall string) string {
	if g, ok := groupOf()[syscall]; ok {
		return g
	}
	return otherGroup
}

// groupOrder ranks a heading for sorting; other comes last.
func groupOrder(name string) int {
	for i, g := range groups {
		if g.name == name {
			return i
		}
	}
	return len(groups)
}
