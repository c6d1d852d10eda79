package sandbox

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Notification is one system call held by the kernel for the supervisor
// (struct seccomp_notif).
type Notification struct {
	Pid  uint32 // thread id of the caller, in the supervisor's pid namespace
	Arch uint32 // AUDIT_ARCH_* of the call
	Nr   int32
	Args [6]uint64
	IP   uint64
	ID   uint64 // the kernel's cookie for this call

	listener int // the notify fd, for Valid
}

// Valid reports whether the call is still waiting for its answer. A handler
// that reads the caller's memory (/proc/PID/mem) must ask after reading: if
// the caller died meanwhile, its pid may already belong to another process,
// and what was read is not the call's (seccomp_unotify(2)).
func (n Notification) Valid() bool {
	id := n.ID
	return ioctl(n.listener, unix.SECCOMP_IOCTL_NOTIF_ID_VALID, unsafe.Pointer(&id)) == nil
}

// Response is the supervisor's answer to a Notification.
type Response struct {
	// Continue lets the call run as if the filter had allowed it
	// (SECCOMP_USER_NOTIF_FLAG_CONTINUE); Errno and Val are then ignored.
	Continue bool
	// Errno, when not zero, fails the call with that error number (1..4095,
	// e.g. int32(syscall.EPERM)). A value outside that range fails the call
	// with EPERM rather than leaving the caller blocked.
	Errno int32
	// Val is the call's return value when Errno is zero and !Continue.
	Val int64
}

// Kernel layouts (linux/seccomp.h); their sizes are encoded in the ioctl
// numbers (0x50 and 0x18), which the kernel checks.
type seccompNotif struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Nr    int32
	Arch  uint32
	IP    uint64
	Args  [6]uint64
}

type seccompNotifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// notifier answers notifications from one listener until stopped or until
// no process uses the filter any more.
type notifier struct {
	fd      int
	wakeR   int
	wakeW   int
	handler func(Notification) Response
	done    chan struct{}
}

func startNotifier(fd int, h func(Notification) Response) (*notifier, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("sandbox: notification loop: %w", err)
	}
	n := &notifier{fd: fd, wakeR: p[0], wakeW: p[1], handler: h, done: make(chan struct{})}
	go n.loop()
	return n, nil
}

// stop ends the loop and closes the listener. Processes the command left
// behind that still run under the filter then get ENOSYS for notified
// calls, which is the kernel's answer when no listener is left.
func (n *notifier) stop() {
	unix.Write(n.wakeW, []byte{0})
	<-n.done
	unix.Close(n.fd)
	unix.Close(n.wakeR)
	unix.Close(n.wakeW)
}

func (n *notifier) loop() {
	defer close(n.done)
	// poll first: a bare NOTIF_RECV can block after the last user of the
	// filter is gone, while poll reports POLLHUP then.
	for {
		fds := []unix.PollFd{{Fd: int32(n.fd), Events: unix.POLLIN}, {Fd: int32(n.wakeR), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			return
		}
		if fds[1].Revents != 0 {
			return
		}
		if fds[0].Revents&unix.POLLIN == 0 {
			return // POLLHUP: every process under the filter has exited
		}
		var req seccompNotif // the kernel insists on a zeroed buffer
		if err := ioctl(n.fd, unix.SECCOMP_IOCTL_NOTIF_RECV, unsafe.Pointer(&req)); err != nil {
			if err == unix.ENOENT || err == unix.EINTR {
				continue // the caller died or was interrupted before we got it
			}
			return
		}
		resp := n.handler(Notification{
			Pid: req.Pid, Arch: req.Arch, Nr: req.Nr, Args: req.Args, IP: req.IP, ID: req.ID,
			listener: n.fd,
		})
		n.send(req.ID, resp)
	}
}

func (n *notifier) send(id uint64, r Response) {
	out := seccompNotifResp{ID: id}
	switch {
	case r.Continue:
		out.Flags = unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE
	case r.Errno < 0 || r.Errno > 4095:
		out.Error = -int32(unix.EPERM)
	case r.Errno != 0:
		out.Error = -r.Errno // the kernel wants a negative errno
	default:
		out.Val = r.Val
	}
	// ENOENT: the caller is gone (killed, or its call was interrupted);
	// there is nobody left to answer. EINTR: a signal (the Go runtime's
	// preemption) came while the kernel waited for the listener's lock, and
	// nothing was sent: the caller, which waits killably once its call is
	// taken, would wait for ever.
	for ioctl(n.fd, unix.SECCOMP_IOCTL_NOTIF_SEND, unsafe.Pointer(&out)) == unix.EINTR {
	}
}

func ioctl(fd int, req uint, arg unsafe.Pointer) error {
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg))
	if errno != 0 {
		return errno
	}
	return nil
}
