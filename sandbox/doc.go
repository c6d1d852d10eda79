// Package sandbox runs a command under a seccomp filter: it installs a raw
// classic BPF program, execs the command, waits for it and, when the filter
// asks for it, answers the command's system calls from the supervisor
// (SECCOMP_RET_USER_NOTIF). It is the engine of `scc run`.
//
// # How it works, and why a re-exec
//
// A filter applies to the thread that installs it and is inherited across
// fork and execve, so it must be installed in the process that becomes the
// command. A Go program cannot do that between fork and exec (os/exec's
// child runs no Go code), and installing it in the supervisor would filter
// the supervisor for the rest of its life. So Run starts a copy of its own
// binary (/proc/self/exe) with a private environment variable; Init, called
// first thing in main, recognises it and turns that copy into a helper:
//
//  1. lock the goroutine to its OS thread;
//  2. read the filter, the command and its environment from an inherited
//     pipe (not argv, which any user can read in /proc, and not the
//     environment, which the command would inherit);
//  3. check that the program exists and is executable;
//  4. prctl(PR_SET_NO_NEW_PRIVS, 1) and seccomp(SECCOMP_SET_MODE_FILTER,
//     TSYNC | TSYNC_ESRCH | Options.Flags), with Notify also NEW_LISTENER
//     and WAIT_KILLABLE_RECV (dropped on kernels before 5.19);
//  5. with Notify, pass the listener fd to the supervisor over a unix socket
//     (SCM_RIGHTS) and close it;
//  6. execve the command. The process keeps its pid, so Result.Pid, the
//     supervisor's signals and the kernel's audit records all name it.
//
// TSYNC matters because a Go process always has several threads: without it
// only the installing thread is filtered, and a runtime thread that is later
// reused by another goroutine runs unfiltered. The tests show both sides.
// TSYNC_ESRCH (Linux 5.7) is what lets TSYNC be combined with NEW_LISTENER:
// without it a failed synchronisation returns a thread id, which the kernel
// could not tell from a listener fd, so it refuses the pair.
//
// # Fail closed
//
// The helper reports every failure on a close-on-exec status pipe and exits
// with status 127 without running the command; a successful execve closes
// the pipe with nothing written. Run returns such failures as errors, never
// as a Result: an empty, short or oversized program, a program the kernel
// rejects ("installing the seccomp filter: invalid argument (the kernel
// rejected the program)"), a missing or non-executable program ("exec
// /bin/nope: no such file or directory").
//
// Between the install and the execve the helper is already filtered: the
// policy must allow execve and the few calls made in that window. Traced
// here (strace -f): the Go runtime's other threads call nanosleep (sysmon),
// futex and at times rt_sigprocmask; with Notify the helper calls sendmsg
// and close. Which of them happen varies from run to run, so a policy that
// kills one of them fails only sometimes. If execve itself is denied with
// an errno, the command does not start and Run says why. If it kills the helper, Run finds the kernel's audit record
// of the kill, sees that it names the helper binary, and returns an error
// saying so; when the record is missing (see below), the death is reported
// as the command's Result with SIGSYS. Either way the command never ran.
//
// # SIGSYS
//
// A command killed by seccomp (kill_process, kill_thread of its only
// thread) or by an unhandled trap dies of SIGSYS, Status 159. Result.SIGSYS
// then names the call: Run opens /dev/kmsg (root only) before starting the
// command and reads the kernel's audit record of type 1326 for the command's
// pid ("… pid=N … syscall=NN … arch=c000003e … code=0x80000000"). Limits:
// the kernel logs kills by default but traps only when the filter was
// installed with SECCOMP_FILTER_FLAG_LOG (and with sig=0, as the signal
// comes after); kauditd prints these records under the printk rate limit
// (10 per 5 s here, shared with every process on the machine), so a burst
// of kills loses some; an auditd, if one runs, takes the records instead
// of the kernel log; and a process that is not the command's direct child
// is not looked for. SIGSYS is nil whenever the record is not found within
// half a second.
//
// # User notification
//
// With Options.Notify, the filter's SECCOMP_RET_USER_NOTIF calls are held
// by the kernel until the supervisor answers. The supervisor polls the
// listener, takes each call with SECCOMP_IOCTL_NOTIF_RECV, calls Notify, and
// answers with SECCOMP_IOCTL_NOTIF_SEND: an errno, a return value, or
// Continue (SECCOMP_USER_NOTIF_FLAG_CONTINUE: run the call as if allowed).
// The loop ends when the command has exited; the listener is then closed,
// and any process the command left running gets ENOSYS for notified calls.
//
// Continue is not a security boundary. The handler sees the call's
// arguments, and for pointer arguments it would have to read the target's
// memory (/proc/PID/mem) to see a path or a struct; the target, or another
// of its threads, can change that memory after the handler has read it and
// before the kernel runs the call (time of check to time of use). A handler
// that reads memory must also call Notification.Valid after reading
// (SECCOMP_IOCTL_NOTIF_ID_VALID), since the pid may have been reused. Use notification to observe,
// to emulate a call in the supervisor, or to deny; let the filter itself
// decide what must never happen. Register arguments (numbers, flags, fds)
// are the values the call will run with; only what they point to can change.
//
// # Signals
//
// While Run waits, SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to the
// supervisor are passed on to the command instead of ending the supervisor,
// which then reports how the command ended. When the supervisor's process
// group owns its terminal, ^C and ^\ already reach the command (it shares the
// group), so SIGINT and SIGQUIT are not sent a second time. Signals the
// supervisor was started ignoring stay ignored. If the supervisor dies
// anyway (SIGKILL), the command gets SIGKILL too (PR_SET_PDEATHSIG, set in
// the helper and kept across its execve): left running, it would still be
// filtered, but its notified calls would fail with ENOSYS instead of getting
// the supervisor's answer. Processes the command started are not killed,
// nor is a command that changes its uid or gid (setuid, setresgid ...): the
// kernel clears the parent-death signal on every change of credentials.
package sandbox
