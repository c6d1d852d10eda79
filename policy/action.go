package policy

import (
	"fmt"

	"github.com/scc-dev/scc/syscalls"
)

// Action is a seccomp filter return value (SECCOMP_RET_*): the action in
// the high 16 bits, its data (errno, trace message) in the low 16. Using the
// kernel's own encoding keeps the IR, the emulator and the BPF in one
// vocabulary.
type Action uint32

// The seccomp return actions (linux/seccomp.h).
const (
	KillProcess Action = 0x80000000
	KillThread  Action = 0x00000000
	Trap        Action = 0x00030000
	ErrnoBase   Action = 0x00050000
	Notify      Action = 0x7fc00000
	TraceBase   Action = 0x7ff00000
	Log         Action = 0x7ffc0000
	Allow       Action = 0x7fff0000

	// ActionMask selects the action of a return value (SECCOMP_RET_ACTION_FULL),
	// DataMask its data (SECCOMP_RET_DATA).
	ActionMask Action = 0xffff0000
	DataMask   Action = 0x0000ffff

	// MaxErrno is the largest errno the kernel passes back: larger data values
	// are clamped by the kernel to MAX_ERRNO.
	MaxErrno = 4095
)

// Errno returns the action that fails the call with errno e.
func Errno(e uint16) Action { return ErrnoBase | Action(e) }

// Trace returns the action that notifies a ptrace tracer with message n.
func Trace(n uint16) Action { return TraceBase | Action(n) }

// Base is the action without its data.
func (a Action) Base() Action { return a & ActionMask }

// Data is the errno or trace message carried by the action.
func (a Action) Data() uint16 { return uint16(a & DataMask) }

// Kind is the action's name in the language: allow, kill, kill_thread, trap,
// errno, trace, log, notify (or "unknown").
func (a Action) Kind() string {
	switch a.Base() {
	case KillProcess:
		return "kill"
	case KillThread:
		return "kill_thread"
	case Trap:
		return "trap"
	case ErrnoBase:
		return "errno"
	case Notify:
		return "notify"
	case TraceBase:
		return "trace"
	case Log:
		return "log"
	case Allow:
		return "allow"
	}
	return "unknown"
}

// String spells the action as the language writes it: allow, errno(EPERM),
// trace(7), kill.
func (a Action) String() string {
	switch a.Base() {
	case ErrnoBase:
		if n, ok := syscalls.ErrnoName(a.Data()); ok {
			return "errno(" + n + ")"
		}
		return fmt.Sprintf("errno(%d)", a.Data())
	case TraceBase:
		return fmt.Sprintf("trace(%d)", a.Data())
	case KillProcess, KillThread, Trap, Notify, Log, Allow:
		if a.Data() == 0 {
			return a.Kind()
		}
		return fmt.Sprintf("%s(%d)", a.Kind(), a.Data())
	}
	return fmt.Sprintf("action(%#x)", uint32(a))
}

// Precedence orders actions the way the kernel does when several filters
// return different values: the lower the number, the stronger the action.
// Stacked filters (scc run on a process that already has one) resolve this
// way, and so does `scc diff` when it names the stricter side.
func (a Action) Precedence() int {
	switch a.Base() {
	case KillProcess:
		return 0
	case KillThread:
		return 1
	case Trap:
		return 2
	case ErrnoBase:
		return 3
	case Notify:
		return 4
	case TraceBase:
		return 5
	case Log:
		return 6
	case Allow:
		return 7
	}
	// Unknown actions behave as kill_process in the kernel.
	return 0
}
