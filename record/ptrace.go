package record

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// syscallInfo is struct ptrace_syscall_info (linux/ptrace.h) for an entry
// stop; the trailing words cover the larger seccomp variant of the union.
type syscallInfo struct {
	Op   uint8
	_    [3]uint8
	Arch uint32 // AUDIT_ARCH_*: the ABI of this call, even for a 32-bit process on x86_64
	IP   uint64
	SP   uint64
	Nr   uint64
	Args [6]uint64
	_    [2]uint64
}

// getSyscallInfo reads PTRACE_GET_SYSCALL_INFO (Linux 5.3), which gives the
// ABI and arguments without decoding per-architecture registers.
func getSyscallInfo(pid int) (*syscallInfo, error) {
	var info syscallInfo
	_, _, errno := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GET_SYSCALL_INFO, uintptr(pid),
		unsafe.Sizeof(info), uintptr(unsafe.Pointer(&info)), 0, 0)
	if errno != 0 {
		return nil, errno
	}
	return &info, nil
}

func unsafePointer(p *byte) unsafe.Pointer { return unsafe.Pointer(p) }
