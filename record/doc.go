// Package record traces a program and writes the seccomp policy it needs:
// the engine of `scc record`.
//
// Trace runs the program under ptrace (PTRACE_TRACEME, then
// TRACESYSGOOD|TRACEFORK|TRACEVFORK|TRACECLONE|TRACEEXEC|EXITKILL), follows
// every thread, child and exec, and counts each syscall entry by audit arch
// and number, read with PTRACE_GET_SYSCALL_INFO so a 32-bit program on
// x86_64 is recorded under i386. Policy turns a Recording into a lang.File:
// an arch statement for the ABIs seen, the default action, and one allow
// rule per syscall under systemd-style group headings, with call counts as
// comments and, with WriteOptions.Args, the tightest readable condition on
// the arguments that matter (socket's family and type, open flags, mmap
// prot, clone flags, signals, ioctl/prctl/fcntl commands). Merge adds a
// recording to an existing policy; WriteProfile/ReadProfile keep call
// frequencies for the compiler.
//
// # Overhead
//
// Every syscall stops the tracee twice (entry and exit). Measured on the
// project machine (2 cores, kernel 6.18) with
//
//	go test ./record -run XXX -bench DD -benchtime 5x
//
// dd if=/dev/zero of=/dev/null bs=1 count=20000 (40,000 syscalls) takes
// 83 ms plain and 2.1 s traced: about 50 µs per syscall, 25× slower on
// this worst case. strace -f -o /dev/null takes 3.0 s for the same run.
// Programs that compute more than they call the kernel slow down far less.
//
// A seccomp filter returning SECCOMP_RET_TRACE for each syscall, with
// PTRACE_CONT instead of PTRACE_SYSCALL, would halve the stops, and one
// that traces only syscalls not yet seen would remove most of them. It was
// not chosen: the filter must be installed inside the child before its
// execve, which os.StartProcess gives no hook for (it needs a re-exec of
// scc as a helper, as package sandbox does), and a filter that stops
// reporting known syscalls loses the call counts the frequency profile
// and the rule comments are built from.
//
// Job control: tracees are not PTRACE_SEIZEd, so a group-stop cannot be
// kept as a listening stop; like strace without seize, the tracee is
// resumed. Trace waits only for its own tracees (__WNOTHREAD on the
// tracing thread), so the caller may run other child processes, and other
// Traces, at the same time.
package record
