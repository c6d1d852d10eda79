package sandbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxInstructions is BPF_MAXINSNS: the kernel refuses longer programs.
const maxInstructions = 4096

// alwaysFlags are added to every install. TSYNC puts the filter on every
// thread of the process (a Go program always has several); TSYNC_ESRCH makes
// a failed synchronisation return -ESRCH instead of a thread id, which is
// what allows TSYNC together with NEW_LISTENER (Linux 5.7).
const alwaysFlags = unix.SECCOMP_FILTER_FLAG_TSYNC | unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH

// Install sets no_new_privs and installs filter, a raw classic BPF program
// (8 bytes per instruction: u16 code, u8 jt, u8 jf, u32 k, little-endian), on
// every thread of the current process. flags are extra SECCOMP_FILTER_FLAG_*
// bits (LOG, SPEC_ALLOW, NEW_LISTENER); TSYNC is always added. With
// NEW_LISTENER the listener fd is returned, otherwise listenerFd is -1.
//
// The caller should hold runtime.LockOSThread: no_new_privs is set on the
// calling thread only, and seccomp(2) reads it from the thread that installs.
// The filter cannot be removed: use Install in a process that is about to
// exec, or in a test child, never in a long-lived supervisor.
func Install(filter []byte, flags uint) (listenerFd int, err error) {
	prog, err := decodeFilter(filter)
	if err != nil {
		return -1, err
	}
	return install(prog, flags)
}

// install does not allocate on success, so the sandbox helper can call it
// with garbage collection off and nothing left to do but execve.
func install(prog []unix.SockFilter, flags uint) (listenerFd int, err error) {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return -1, fmt.Errorf("setting no_new_privs: %w", err)
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	r, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
		uintptr(flags|alwaysFlags), uintptr(unsafe.Pointer(&fprog)))
	if errno != 0 {
		return -1, installError(errno, flags)
	}
	if flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER == 0 {
		return -1, nil
	}
	return int(r), nil
}

// decodeFilter turns the raw bytes into kernel structs, catching the
// mistakes the kernel would only answer with a bare EINVAL.
func decodeFilter(filter []byte) ([]unix.SockFilter, error) {
	switch n := len(filter) / 8; {
	case len(filter) == 0:
		return nil, errors.New("installing the seccomp filter: the program is empty")
	case len(filter)%8 != 0:
		return nil, fmt.Errorf("installing the seccomp filter: the program is %d bytes, not a whole number of 8-byte instructions", len(filter))
	case n > maxInstructions:
		return nil, fmt.Errorf("installing the seccomp filter: the program has %d instructions, the kernel accepts at most %d", n, maxInstructions)
	}
	prog := make([]unix.SockFilter, len(filter)/8)
	for i := range prog {
		b := filter[i*8:]
		prog[i] = unix.SockFilter{
			Code: binary.LittleEndian.Uint16(b[0:]),
			Jt:   b[2],
			Jf:   b[3],
			K:    binary.LittleEndian.Uint32(b[4:]),
		}
	}
	return prog, nil
}

// installError words a seccomp(2) failure for a person: the bare errno of
// the kernel rarely says which of the inputs was wrong.
func installError(errno syscall.Errno, flags uint) error {
	var why string
	switch errno {
	case unix.EINVAL:
		why = "the kernel rejected the program"
		if flags&^knownFlags != 0 {
			why = fmt.Sprintf("the kernel rejected the program or the flags %#x", flags)
		}
	case unix.ENOMEM:
		why = "the filters of this process would exceed the kernel's limit of 32768 instructions in all"
	case unix.EACCES:
		why = "no_new_privs is not set and the process lacks CAP_SYS_ADMIN"
	case unix.ESRCH:
		why = "another thread of this process has a different seccomp filter and cannot be synchronised"
	case unix.EBUSY:
		why = "a filter of this process already has a notification listener"
	case unix.EFAULT:
		why = "the program is not readable"
	case unix.ENOSYS:
		why = "this kernel has no seccomp filters"
	default:
		return fmt.Errorf("installing the seccomp filter: %w", errno)
	}
	return fmt.Errorf("installing the seccomp filter: %w (%s)", errno, why)
}

// knownFlags are the SECCOMP_FILTER_FLAG_* bits of Linux 6.x.
const knownFlags = unix.SECCOMP_FILTER_FLAG_TSYNC | unix.SECCOMP_FILTER_FLAG_LOG |
	unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW | unix.SECCOMP_FILTER_FLAG_NEW_LISTENER |
	unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH | unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
