package record

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/scc-dev/scc/syscalls"
)

// Options says what to run and what to record.
type Options struct {
	// Path is the program; a name without a slash is looked up in $PATH.
	Path string
	// Args is the full argument vector including argv[0], as in exec.Cmd;
	// empty means []string{Path}.
	Args []string
	// Env is the environment; nil means the caller's own.
	Env []string
	// Dir is the working directory; empty means the caller's.
	Dir string
	// Stdin, Stdout and Stderr are connected as in exec.Cmd: nil is /dev/null.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// ArgSyscalls maps a syscall name to the argument indexes whose values
	// are recorded (nil: names and counts only). DefaultArgSyscalls is the
	// set Policy knows how to turn into conditions.
	ArgSyscalls map[string][]int
	// Progress, when set, is called from the tracing goroutine at most about
	// five times a second, and once at the end.
	Progress func(Progress)
}

// Progress is a snapshot for a live display.
type Progress struct {
	Syscalls uint64   // syscalls seen so far
	Distinct int      // distinct (ABI, syscall) pairs
	Newest   []string // the most recent first-seen syscall names, newest last
}

// Key identifies a syscall as a seccomp filter sees it: the audit arch and
// the number (x32 numbers include syscalls.X32Bit).
type Key struct {
	AuditArch uint32
	Nr        uint32
}

// Stat is what was seen of one syscall.
type Stat struct {
	Count uint64
	// Values[i] counts each value seen for argument i; nil for arguments
	// that were not recorded.
	Values [6]map[uint64]uint64
}

// Recording is the result of a trace.
type Recording struct {
	Calls       map[Key]*Stat
	ExitCode    int // of the first program; -1 when it was killed by a signal
	Signaled    bool
	Signal      syscall.Signal
	Interrupted bool // the context was cancelled and the programs killed
	Warnings    []string
}

// newestKept is how many first-seen names Progress carries.
const newestKept = 5

// progressEvery throttles Progress callbacks.
const progressEvery = 200 * time.Millisecond

// Trace runs the program under ptrace, following every thread, child and
// exec, and counts each syscall entry. A program that fails or dies still
// gives a Recording (with a warning); the error is only for a program that
// could not be started or traced. Cancelling ctx kills every traced process
// and returns what was seen, with Interrupted set.
//
// Trace waits only for the processes it traces (wait4 with __WNOTHREAD on
// its own locked thread), so other goroutines may start and wait for child
// processes meanwhile, and several Traces may run at once.
func Trace(ctx context.Context, o Options) (*Recording, error) {
	if o.Path == "" {
		return nil, errors.New("record: no program to run")
	}
	path := o.Path
	if !strings.Contains(path, "/") {
		p, err := exec.LookPath(path)
		if err != nil {
			return nil, fmt.Errorf("record: %w", err)
		}
		path = p
	}
	if o.Dir != "" && !filepath.IsAbs(path) {
		// The child changes directory before exec; keep the path meaning
		// what it meant to the caller.
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
	}
	args := o.Args
	if len(args) == 0 {
		args = []string{o.Path}
	}
	env := o.Env
	if env == nil {
		env = os.Environ()
	}

	files, closeAfterStart, copiers, err := stdio(o)
	if err != nil {
		return nil, err
	}

	t := &tracer{
		rec:     &Recording{Calls: map[Key]*Stat{}},
		argSpec: resolveArgSpec(o.ArgSyscalls),
		opts:    o,
		live:    map[int]*tracee{},
	}

	// Every ptrace request for a tracee must come from the thread that is
	// its tracer, and with PTRACE_TRACEME that is the thread that forked
	// it: start and trace from one locked OS thread.
	started := make(chan error, 1)
	done := make(chan struct{})
	onCleanThread(func() {
		defer close(done)
		// The thread is never unlocked: if tracing ends abnormally it may
		// still be a tracer, so let it exit with the goroutine.
		proc, err := os.StartProcess(path, args, &os.ProcAttr{
			Dir:   o.Dir,
			Env:   env,
			Files: files,
			Sys:   &syscall.SysProcAttr{Ptrace: true, Pdeathsig: syscall.SIGKILL},
		})
		started <- err
		if err != nil {
			return
		}
		t.loop(ctx, proc.Pid)
	})
	err = <-started
	for _, f := range closeAfterStart {
		f.Close()
	}
	if err != nil {
		<-done
		for _, c := range copiers {
			c.abort()
		}
		return nil, fmt.Errorf("record: start %s: %w", o.Path, err)
	}

	// Kill the whole traced tree when the context ends; the loop notices
	// the deaths and returns.
	stop := context.AfterFunc(ctx, t.killAll)
	<-done
	stop()
	for _, c := range copiers {
		c.wait()
	}
	if t.err != nil {
		return nil, t.err
	}
	if o.Progress != nil {
		o.Progress(t.progress())
	}
	return t.rec, nil
}

// maxThreadTries bounds the search for a thread without children.
const maxThreadTries = 16

// onCleanThread runs f in a new goroutine locked to an OS thread that has
// no child processes. The tracer's wait4 (with __WNOTHREAD) sees this
// thread's children as well as its tracees; a thread that earlier forked a
// child for some other goroutine (an exec.Cmd) would make Trace reap that
// child's status and wait for it to exit. Threads with children are held
// locked while the next one is tried, so the runtime must use another (or
// start a new one), then released. Without /proc/PID/task/TID/children
// the first thread is used.
func onCleanThread(f func()) {
	go lockCleanThread(f, maxThreadTries)
}

// lockCleanThread locks the goroutine to its thread and runs f there if
// the thread has no children or no tries are left; else it tries again on
// a new goroutine, keeping this thread until f has returned.
func lockCleanThread(f func(), tries int) {
	runtime.LockOSThread()
	if tries <= 1 || !hasChildren() {
		f()
		return
	}
	next := make(chan struct{})
	go func() {
		defer close(next)
		lockCleanThread(f, tries-1)
	}()
	<-next
	runtime.UnlockOSThread()
}

// hasChildren tells whether the calling thread has child processes
// (zombies included); false when the kernel does not say.
func hasChildren() bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/children", unix.Gettid()))
	return err == nil && len(strings.TrimSpace(string(data))) > 0
}

type tracee struct {
	// attached is false between learning of a new tracee (from its
	// parent's fork event) and its first stop, the SIGSTOP that must not
	// be delivered.
	attached bool
}

type tracer struct {
	rec     *Recording
	argSpec map[Key][]int
	opts    Options
	err     error

	mu        sync.Mutex // guards live and cancelled: killAll runs on another goroutine
	live      map[int]*tracee
	cancelled bool

	total        uint64
	newest       []string
	lastProgress time.Time
}

func (t *tracer) killAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cancelled = true
	for pid := range t.live {
		unix.Kill(pid, unix.SIGKILL)
	}
}

// track registers a tracee and, once the trace is cancelled, kills
// newcomers that were forked while killAll ran.
func (t *tracer) track(pid int, attached bool) *tracee {
	t.mu.Lock()
	defer t.mu.Unlock()
	tr := t.live[pid]
	if tr == nil {
		tr = &tracee{attached: attached}
		t.live[pid] = tr
	}
	if t.cancelled {
		unix.Kill(pid, unix.SIGKILL)
	}
	return tr
}

func (t *tracer) forget(pid int) {
	t.mu.Lock()
	delete(t.live, pid)
	t.mu.Unlock()
}

const ptraceOptions = unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_TRACEFORK | unix.PTRACE_O_TRACEVFORK |
	unix.PTRACE_O_TRACECLONE | unix.PTRACE_O_TRACEEXEC | unix.PTRACE_O_EXITKILL

// loop is the wait loop; it runs on the locked tracer thread until no
// tracee is left.
func (t *tracer) loop(ctx context.Context, mainPid int) {
	// The child stops with SIGTRAP after its execve succeeded (PTRACE_TRACEME
	// semantics). That execve is not seen as a syscall stop, but the program
	// made it under the filter it will run with: count it.
	var ws unix.WaitStatus
	if _, err := wait4(mainPid, &ws); err != nil || !ws.Stopped() {
		t.err = fmt.Errorf("record: %s did not stop after exec (status %#x, %v)", t.opts.Path, uint32(ws), err)
		return
	}
	t.track(mainPid, true)
	if err := unix.PtraceSetOptions(mainPid, ptraceOptions); err != nil {
		unix.Kill(mainPid, unix.SIGKILL)
		t.err = fmt.Errorf("record: PTRACE_SETOPTIONS: %w", err)
		wait4(mainPid, &ws)
		return
	}
	if host := syscalls.Host(); host != nil {
		if nr, ok := host.Nr("execve"); ok {
			t.count(Key{host.AuditArch, nr}, nil)
		}
	}
	unix.PtraceSyscall(mainPid, 0)

	for {
		pid, err := wait4(-1, &ws)
		if err == unix.ECHILD {
			break
		}
		if err != nil {
			t.err = fmt.Errorf("record: wait4: %w", err)
			t.killAll()
			return
		}
		t.maybeProgress()
		switch {
		case ws.Exited() || ws.Signaled():
			t.forget(pid)
			if pid == mainPid {
				t.mainExited(ws)
			}
			continue
		case !ws.Stopped():
			continue
		}
		tr := t.track(pid, false)
		sig := ws.StopSignal()
		inject := 0
		switch {
		case sig == unix.SIGTRAP|0x80:
			t.syscallStop(pid)
		case sig == unix.SIGTRAP && ws.TrapCause() > 0:
			t.eventStop(pid, ws.TrapCause())
		case sig == unix.SIGSTOP && !tr.attached:
			// The initial stop of an auto-attached child or thread.
			tr.attached = true
		case isStopSignal(sig) && isGroupStop(pid):
			// Group-stop: the tracee was not seized, so it cannot be left
			// in a listening stop; resuming it ignores job control, as
			// strace does without PTRACE_SEIZE.
		default:
			// A signal-delivery-stop: deliver the signal.
			inject = int(sig)
		}
		tr.attached = true
		// ESRCH here means the tracee was killed meanwhile; its exit is
		// reported by a later wait.
		unix.PtraceSyscall(pid, inject)
	}
	if ctx.Err() != nil {
		t.rec.Interrupted = true
		t.warnf("interrupted: the programs were killed, the recording is incomplete")
	}
}

// wait4 waits on the tracer thread for its tracees only. __WNOTHREAD
// leaves out the children that other threads of this process forked (an
// exec.Cmd elsewhere in the program, another test): without it wait4(-1)
// would reap their exit statuses and keep waiting while they live.
func wait4(pid int, ws *unix.WaitStatus) (int, error) {
	for {
		p, err := unix.Wait4(pid, ws, unix.WALL|unix.WNOTHREAD, nil)
		if err != unix.EINTR {
			return p, err
		}
	}
}

func (t *tracer) mainExited(ws unix.WaitStatus) {
	if ws.Signaled() {
		t.rec.ExitCode = -1
		t.rec.Signaled = true
		t.rec.Signal = ws.Signal()
		t.mu.Lock()
		cancelled := t.cancelled
		t.mu.Unlock()
		if !cancelled {
			t.warnf("%s was killed by signal %v: the recording may be incomplete", t.opts.Path, ws.Signal())
		}
		return
	}
	t.rec.ExitCode = ws.ExitStatus()
	if t.rec.ExitCode != 0 {
		t.warnf("%s exited with status %d: check that the recording covers a successful run", t.opts.Path, t.rec.ExitCode)
	}
}

func (t *tracer) warnf(format string, args ...any) {
	t.rec.Warnings = append(t.rec.Warnings, fmt.Sprintf(format, args...))
}

func isStopSignal(s syscall.Signal) bool {
	return s == unix.SIGSTOP || s == unix.SIGTSTP || s == unix.SIGTTIN || s == unix.SIGTTOU
}

// isGroupStop tells a group-stop from a signal-delivery-stop the way the
// ptrace man page says: PTRACE_GETSIGINFO fails with EINVAL for the former.
func isGroupStop(pid int) bool {
	var si [128]byte
	_, _, errno := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETSIGINFO, uintptr(pid), 0, uintptr(unsafePointer(&si[0])), 0, 0)
	return errno == unix.EINVAL
}

func (t *tracer) eventStop(pid, cause int) {
	switch cause {
	case unix.PTRACE_EVENT_FORK, unix.PTRACE_EVENT_VFORK, unix.PTRACE_EVENT_CLONE:
		msg, err := unix.PtraceGetEventMsg(pid)
		if err == nil {
			// The child may already have reported its initial stop (then
			// it is tracked and attached); otherwise expect it.
			t.track(int(msg), false)
		}
	case unix.PTRACE_EVENT_EXEC:
		// A non-leader thread that execs takes over the leader's pid; the
		// old thread id is gone without an exit report.
		if msg, err := unix.PtraceGetEventMsg(pid); err == nil && int(msg) != pid {
			t.forget(int(msg))
		}
	}
}

func (t *tracer) syscallStop(pid int) {
	info, err := getSyscallInfo(pid)
	if err != nil || info.Op != unix.PTRACE_SYSCALL_INFO_ENTRY {
		return
	}
	k := Key{AuditArch: info.Arch, Nr: uint32(info.Nr)}
	t.count(k, &info.Args)
}

func (t *tracer) count(k Key, args *[6]uint64) {
	st := t.rec.Calls[k]
	if st == nil {
		st = &Stat{}
		t.rec.Calls[k] = st
		t.newest = append(t.newest, keyName(k))
		if len(t.newest) > newestKept {
			t.newest = t.newest[len(t.newest)-newestKept:]
		}
	}
	st.Count++
	t.total++
	if args == nil {
		return
	}
	for _, i := range t.argSpec[k] {
		if st.Values[i] == nil {
			st.Values[i] = map[uint64]uint64{}
		}
		st.Values[i][args[i]]++
	}
}

func (t *tracer) progress() Progress {
	return Progress{Syscalls: t.total, Distinct: len(t.rec.Calls), Newest: append([]string(nil), t.newest...)}
}

func (t *tracer) maybeProgress() {
	if t.opts.Progress == nil {
		return
	}
	now := time.Now()
	if now.Sub(t.lastProgress) < progressEvery {
		return
	}
	t.lastProgress = now
	t.opts.Progress(t.progress())
}

// archOf returns the ABI a call was made from, or nil for an ABI scc does
// not know.
func archOf(k Key) *syscalls.Arch {
	for _, a := range syscalls.ByAuditArch(k.AuditArch) {
		if k.AuditArch != syscalls.AuditArchX86_64 || a.X32 == (k.Nr&syscalls.X32Bit != 0) {
			return a
		}
	}
	return nil
}

// keyName names a syscall, or spells its number when unknown (arch:nr).
func keyName(k Key) string {
	if a := archOf(k); a != nil {
		if n, ok := a.SyscallName(k.Nr); ok {
			return n
		}
		return fmt.Sprintf("%s:%d", a.Name, k.Nr)
	}
	return fmt.Sprintf("%#x:%d", k.AuditArch, k.Nr)
}

// resolveArgSpec turns syscall names into the keys the tracer sees, on every
// ABI, so that a 32-bit child's calls are recorded like a 64-bit one's.
func resolveArgSpec(spec map[string][]int) map[Key][]int {
	out := map[Key][]int{}
	names := make([]string, 0, len(spec))
	for n := range spec {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		var idx []int
		for _, i := range spec[name] {
			if i >= 0 && i < 6 {
				idx = append(idx, i)
			}
		}
		for _, a := range syscalls.Arches() {
			if nr, ok := a.Nr(name); ok {
				out[Key{a.AuditArch, nr}] = idx
			}
		}
	}
	return out
}
