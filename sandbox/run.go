package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Options describe one sandboxed command.
type Options struct {
	Filter []byte // raw classic BPF program, 8 bytes per instruction
	Flags  uint   // extra SECCOMP_FILTER_FLAG_* (LOG, SPEC_ALLOW); TSYNC always; NEW_LISTENER and WAIT_KILLABLE_RECV when Notify != nil
	Path   string // the program; resolved with exec.LookPath when it has no '/'
	Args   []string
	Env    []string // nil: the supervisor's environment
	Dir    string   // "": the supervisor's working directory

	// nil: inherit the supervisor's os.Stdin, os.Stdout, os.Stderr.
	Stdin          io.Reader
	Stdout, Stderr io.Writer

	// Notify, when set, answers every call for which the filter returns
	// SECCOMP_RET_USER_NOTIF. It runs in the supervisor, one call at a time,
	// while the calling thread of the command waits. See the package doc
	// for why Continue is not a security boundary.
	Notify func(Notification) Response
}

// Result is how a started command ended.
type Result struct {
	Pid      int
	ExitCode int // valid when !Signaled
	Signaled bool
	Signal   syscall.Signal
	Status   int // ExitCode, or 128+Signal as a shell reports it

	// SIGSYS explains a death by SIGSYS (a seccomp kill or an unhandled
	// trap) when the kernel logged it; nil otherwise.
	SIGSYS *SigsysInfo
}

// ExecTimeout bounds the time from starting the helper to its execve of the
// command. Exec takes milliseconds; a helper that has not got there by then
// is stuck under its own filter and is killed (the command never ran).
var ExecTimeout = 30 * time.Second

// readStatus reads the helper's status pipe until the helper execs (EOF, no
// message), fails (a message), or the timeout passes.
func readStatus(r *os.File, timeout time.Duration) (msg []byte, timedOut bool) {
	r.SetReadDeadline(time.Now().Add(timeout))
	msg, err := io.ReadAll(r)
	return msg, errors.Is(err, os.ErrDeadlineExceeded)
}

// helperPath is the binary Run re-executes: /proc/self/exe still names it
// when the file on disk has been replaced or deleted. A variable so that a
// test can stand in a binary that does not call Init.
var helperPath = "/proc/self/exe"

// Run starts o.Path under o.Filter and waits for it. A non-nil error means
// the command did not run: the filter was rejected, the program could not be
// executed, or the helper failed; the message says which. The exception is
// ctx: when it ends, the command is killed and Run returns its Result with
// ctx.Err() wrapped in the error.
//
// SIGINT, SIGTERM, SIGHUP and SIGQUIT received by the supervisor while Run
// waits are passed on to the command instead of ending the supervisor (see
// the package doc for the terminal case).
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Path == "" {
		return Result{}, errors.New("sandbox: no program to run (Options.Path is empty)")
	}
	path, err := resolve(o.Path)
	if err != nil {
		return Result{}, err
	}
	args := o.Args
	if len(args) == 0 {
		args = []string{o.Path}
	}
	env := o.Env
	if env == nil {
		env = os.Environ()
	}
	config, err := json.Marshal(childConfig{
		Filter: o.Filter, Flags: o.Flags, Path: path, Args: args, Env: env, Listener: o.Notify != nil,
	})
	if err != nil {
		return Result{}, fmt.Errorf("sandbox: encoding the helper's parameters: %w", err)
	}

	s := &session{}
	defer s.closeAll()
	if err := s.makeChannels(o.Notify != nil); err != nil {
		return Result{}, err
	}
	if err := s.sendConfig(config); err != nil {
		return Result{}, err
	}
	// Open the kernel log before the command starts, positioned at its end,
	// so that only records of this run are read afterwards.
	kmsg := openKmsg()
	defer kmsg.close()

	// The helper gets SIGKILL when the thread that starts it exits
	// (Pdeathsig, see helperCmd): keep this goroutine on that thread until
	// the command has been waited for, so that only the supervisor's death
	// ends the command, not the Go runtime retiring a thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd := s.helperCmd(ctx, o)
	// Catch signals before the start so that one arriving during it does not
	// kill the supervisor and orphan the command.
	fwd := newForwarder()
	defer fwd.stop()
	if err := cmd.Start(); err != nil {
		return Result{}, fmt.Errorf("sandbox: starting the helper: %w", err)
	}
	fwd.start(cmd.Process)
	s.closeChildEnds()

	// The notification loop starts as soon as the listener arrives: the
	// helper's own execve may be one of the notified calls.
	var n *notifier
	if s.sockParent >= 0 {
		if listener := receiveFd(s.sockParent); listener >= 0 { // -1: the helper failed first
			if n, err = startNotifier(listener, o.Notify); err != nil {
				cmd.Process.Kill()
				cmd.Wait()
				return Result{}, err
			}
		}
	}
	msg, timedOut := readStatus(s.statusR, ExecTimeout)
	if timedOut {
		// The helper neither exec'd nor died: a filter that traps or
		// notifies a call the helper makes before execve (futex, exit_group
		// …) can keep it looping in the Go runtime's SIGSYS handling forever.
		cmd.Process.Kill()
		cmd.Wait()
		if n != nil {
			n.stop()
		}
		return Result{}, fmt.Errorf("sandbox: the helper did not reach exec %s within %v: the filter must let execve and the calls made before it (futex, nanosleep, rt_sigprocmask, exit_group …) through", path, ExecTimeout)
	}
	if len(msg) > 0 {
		cmd.Wait()
		if n != nil {
			n.stop()
		}
		return Result{}, errors.New(strings.TrimSpace(string(msg)))
	}
	if unread, err := unix.IoctlGetInt(int(s.configR.Fd()), unix.TIOCINQ); err == nil && unread > 0 { // TIOCINQ is FIONREAD
		// Nobody read the parameters: the command never started.
		cmd.Process.Kill()
		cmd.Wait()
		if n != nil {
			n.stop()
		}
		return Result{}, notStarted(ctx, cmd.ProcessState)
	}
	cmd.Wait() // an *ExitError or a copy error; the wait status is what counts
	if n != nil {
		n.stop()
	}
	if cmd.ProcessState == nil {
		return Result{}, errors.New("sandbox: lost the command's wait status")
	}
	res := resultOf(cmd.ProcessState)
	if res.Signaled && res.Signal == syscall.SIGSYS {
		res.SIGSYS = kmsg.findSigsys(res.Pid)
		if killedHelper(res.SIGSYS, path) {
			// The exec never happened: the filter stopped the helper on
			// one of the calls it makes between installing and execve.
			return res, fmt.Errorf("the seccomp filter killed the sandbox helper before it could exec %s (syscall %d, arch %#x): the policy must allow execve and the calls made before it", path, res.SIGSYS.Nr, res.SIGSYS.Arch)
		}
	}
	if ctx.Err() != nil && res.Signaled && res.Signal == syscall.SIGKILL {
		return res, fmt.Errorf("sandbox: command killed: %w", ctx.Err())
	}
	return res, nil
}

// notStarted explains why a helper exited without reading its parameters.
func notStarted(ctx context.Context, ps *os.ProcessState) error {
	if ctx.Err() != nil {
		return fmt.Errorf("sandbox: command not started: %w", ctx.Err())
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return fmt.Errorf("sandbox: the helper was killed by %v before starting the command", ws.Signal())
	}
	// It exited by itself: the binary ran as itself, not as a helper.
	return errors.New("sandbox: the helper did not run (sandbox.Init must be the first call in main)")
}

// killedHelper tells whether the kernel's record of a seccomp kill names the
// helper binary (the supervisor's own) rather than the command.
func killedHelper(info *SigsysInfo, command string) bool {
	if info == nil {
		return false
	}
	self, err := os.Executable()
	if err != nil {
		return false
	}
	if cmd, err := filepath.EvalSymlinks(command); err == nil && cmd == self {
		return false // the command is this binary: the record cannot tell
	}
	return info.exe == self
}

func resolve(name string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	p, err := exec.LookPath(name)
	if err != nil {
		var ee *exec.Error
		if errors.As(err, &ee) {
			return "", fmt.Errorf("exec %s: %w", name, ee.Err)
		}
		return "", err
	}
	return p, nil
}

func resultOf(ps *os.ProcessState) Result {
	ws := ps.Sys().(syscall.WaitStatus)
	r := Result{Pid: ps.Pid()}
	if ws.Signaled() {
		r.Signaled, r.Signal = true, ws.Signal()
		r.ExitCode = -1
		r.Status = 128 + int(ws.Signal())
		return r
	}
	r.ExitCode = ws.ExitStatus()
	r.Status = r.ExitCode
	return r
}

// session holds the descriptors shared with one helper.
type session struct {
	configR, configW *os.File
	statusR, statusW *os.File
	sockChild        *os.File
	sockParent       int
}

func (s *session) makeChannels(notify bool) error {
	s.sockParent = -1
	var err error
	if s.configR, s.configW, err = os.Pipe(); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	if s.statusR, s.statusW, err = os.Pipe(); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	if notify {
		// SEQPACKET: one message carries the fd, and the helper's close is
		// seen as end-of-file.
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("sandbox: socketpair: %w", err)
		}
		s.sockParent = fds[0]
		s.sockChild = os.NewFile(uintptr(fds[1]), "sandbox-socket")
	}
	return nil
}

// helperCmd prepares the re-execution of this binary as the helper, with
// the command's standard streams and directory, and the session's pipes as
// fds 3, 4 (and 5).
func (s *session) helperCmd(ctx context.Context, o Options) *exec.Cmd {
	cmd := exec.CommandContext(ctx, helperPath)
	cmd.Args = []string{"scc-sandbox-helper"}
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Dir = o.Dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, o.Stdout, o.Stderr
	if cmd.Stdin == nil {
		cmd.Stdin = os.Stdin
	}
	if cmd.Stdout == nil {
		cmd.Stdout = os.Stdout
	}
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	// The command dies with the supervisor: unsupervised, its notified
	// calls would fail with ENOSYS, and nobody would report how it ended.
	// The setting survives the helper's execve (exec clears it only for
	// a program that gains privileges, which no_new_privs rules out; a
	// command that changes its own uid or gid loses it), and os/exec checks
	// for a parent already gone.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.ExtraFiles = []*os.File{s.configR, s.statusW}
	if s.sockChild != nil {
		cmd.ExtraFiles = append(cmd.ExtraFiles, s.sockChild)
	}
	return cmd
}

// sendConfig fills the parameter pipe before the helper starts, so that
// afterwards an unread byte proves the helper never read them.
func (s *session) sendConfig(config []byte) error {
	fd := int(s.configW.Fd())
	if size, err := unix.FcntlInt(uintptr(fd), unix.F_GETPIPE_SZ, 0); err == nil && size < len(config) {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, len(config)); err != nil {
			return fmt.Errorf("sandbox: the command's arguments and environment are too large to pass (%d bytes): %w", len(config), err)
		}
	}
	if _, err := s.configW.Write(config); err != nil {
		return fmt.Errorf("sandbox: passing the parameters: %w", err)
	}
	return s.configW.Close()
}

// closeChildEnds drops the supervisor's copies of the helper's ends, so
// that the helper's exit or exec is seen as end-of-file. The read end of
// the parameter pipe stays open: Run checks that it was drained.
func (s *session) closeChildEnds() {
	for _, f := range []*os.File{s.statusW, s.sockChild} {
		if f != nil {
			f.Close()
		}
	}
}

func (s *session) closeAll() {
	s.closeChildEnds()
	for _, f := range []*os.File{s.configR, s.configW, s.statusR} {
		if f != nil {
			f.Close()
		}
	}
	if s.sockParent >= 0 {
		unix.Close(s.sockParent)
	}
}

// receiveFd reads one SCM_RIGHTS fd, or returns -1 at end-of-file.
func receiveFd(sock int) int {
	buf := make([]byte, 1)
	oob := make([]byte, unix.CmsgSpace(4))
	for {
		_, oobn, _, _, err := unix.Recvmsg(sock, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err != nil || oobn == 0 {
			return -1
		}
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err != nil || len(msgs) != 1 {
			return -1
		}
		fds, err := unix.ParseUnixRights(&msgs[0])
		if err != nil || len(fds) != 1 {
			return -1
		}
		return fds[0]
	}
}

// forwarder passes the supervisor's termination signals to the command.
type forwarder struct {
	ch         chan os.Signal
	done       chan struct{}
	foreground bool
}

var forwardedSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

func newForwarder() *forwarder {
	f := &forwarder{ch: make(chan os.Signal, 8), done: make(chan struct{}), foreground: inForeground()}
	for _, sig := range forwardedSignals {
		// A signal the supervisor was started ignoring (nohup, a background
		// job) stays ignored: catching it would change the command's
		// inherited disposition too.
		if !signal.Ignored(sig) {
			signal.Notify(f.ch, sig)
		}
	}
	return f
}

func (f *forwarder) start(p *os.Process) {
	go func() {
		for {
			select {
			case sig := <-f.ch:
				// In the terminal's foreground process group, a key like ^C
				// already reached the command, which shares our group:
				// sending it again would deliver it twice.
				if f.foreground && (sig == syscall.SIGINT || sig == syscall.SIGQUIT) {
					continue
				}
				p.Signal(sig)
			case <-f.done:
				return
			}
		}
	}()
}

func (f *forwarder) stop() {
	signal.Stop(f.ch)
	close(f.done)
}

// inForeground tells whether this process group owns its controlling
// terminal, so that keyboard signals reach the whole group.
func inForeground() bool {
	fd, err := unix.Open("/dev/tty", unix.O_RDONLY|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	pgrp, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	return err == nil && pgrp == unix.Getpgrp()
}
