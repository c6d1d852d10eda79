package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/explore"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/sandbox"
	"github.com/scc-dev/scc/syscalls"
)

func init() { register(runCmd) }

// Exit statuses of scc run's own failures, as env(1), timeout(1) and docker
// run use them, so that they can be told from the command's own statuses.
const (
	exitRunFailed   = 125 // the policy, the filter or the sandbox failed: nothing ran
	exitNotRunnable = 126 // CMD exists but is not executable
	exitNotFound    = 127 // CMD was not found
)

// runOptions are scc run's flags.
type runOptions struct {
	filter          string
	log, specAllow  bool
	killOnViolation bool
	notify          string
}

func runCmd() *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run [flags] POLICY [--] CMD [ARGS...]\n  scc run [flags] -f FILTER.bpf [--] CMD [ARGS...]",
		Short: "run a command under a policy's filter",
		Long: `Compile POLICY for this machine's ABI, install it on a helper process and
exec CMD under it; or install a compiled raw filter given with -f. scc run
exits with CMD's status, 128+N when signal N killed it, and names the call
when seccomp killed it (status 159; as root, from the kernel's audit record).

Nothing runs if anything fails before exec: a policy error, a filter the
kernel rejects, a policy that denies execve. scc run then exits with 125
(126: CMD not executable, 127: CMD not found).

  scc run examples/readonly.pol -- cat /etc/hostname
  scc run --kill-on-violation app.pol -- ./app
  scc run --notify=allow audit.pol -- make     # log the calls sent to notify

Every option is described in docs/run.md.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError(cmd, errors.New("no policy and no command: scc run POLICY -- CMD [ARGS...]"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRun(cmd, o, args)
		},
	}
	// A usage error exits 125 like every other failure before CMD starts,
	// so that it cannot pass for CMD's own status 1.
	cmd.SetFlagErrorFunc(usageError)
	// CMD's own options must reach CMD: stop at the first operand.
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().StringVarP(&o.filter, "filter", "f", "", "run under this raw BPF filter (scc compile -o X.bpf) instead of a policy")
	cmd.Flags().BoolVar(&o.log, "log", false, "install with SECCOMP_FILTER_FLAG_LOG: the kernel logs every action but allow (traps are then named on SIGSYS)")
	cmd.Flags().BoolVar(&o.specAllow, "spec-allow", false, "install with SECCOMP_FILTER_FLAG_SPEC_ALLOW: no speculative-store-bypass mitigation for CMD")
	cmd.Flags().BoolVar(&o.killOnViolation, "kill-on-violation", false, "turn every action that stops a call (errno, trap, trace, notify, default, bad arch) into kill")
	cmd.Flags().StringVar(&o.notify, "notify", "", "answer the policy's notify calls, logging each: allow, deny (EPERM) or deny:ERRNO")
	return cmd
}

func runRun(cmd *cobra.Command, o runOptions, args []string) error {
	// The command's stderr and the notification log share one writer. A file
	// is passed to the command as is (it keeps its terminal); any other
	// writer is copied from a pipe in a goroutine, so it needs a lock.
	var stderr io.Writer = cmd.ErrOrStderr()
	if _, isFile := stderr.(*os.File); !isFile {
		stderr = &lockedWriter{w: stderr}
	}
	fail := func(code int, format string, a ...any) error {
		fmt.Fprintf(stderr, "scc run: "+format+"\n", a...)
		return exitError{code}
	}

	policyPath, argv := "", args
	if o.filter == "" {
		policyPath, argv = args[0], args[1:]
	}
	if len(argv) > 0 && argv[0] == "--" { // "--" after the first operand is CMD's, unless it is first
		argv = argv[1:]
	}
	if len(argv) == 0 {
		return fail(exitRunFailed, "no command to run: scc run POLICY -- CMD [ARGS...]")
	}
	answer, err := parseNotify(o.notify)
	if err != nil {
		return fail(exitRunFailed, "%v", err)
	}
	path, code, err := findCommand(argv[0])
	if err != nil {
		return fail(code, "%v", err)
	}

	host := syscalls.Host()
	if host == nil {
		return fail(exitRunFailed, "this machine's ABI is not one scc knows")
	}
	prog, decide, err := loadRunFilter(o, policyPath, host, cmd.InOrStdin(), stderr)
	if err != nil {
		return fail(exitRunFailed, "%v", err)
	}
	usesNotify := filterNotifies(prog)
	// Exploring costs as much as compiling on a large filter: only when an
	// answer checkBeforeExec needs may depend on the arguments. nil paths
	// (also when the explorer cannot follow the program): zero arguments.
	var paths []explore.Path
	if dependsOnArgs(prog, host, checkedCalls(usesNotify)) {
		paths, _ = explore.Explore(prog)
	}
	if err := checkBeforeExec(decide, paths, host, answer, usesNotify, stderr); err != nil {
		return fail(exitRunFailed, "%v", err)
	}

	opts := sandbox.Options{
		Filter: bpfasm.Encode(prog),
		Path:   path,
		Args:   argv,
		Stdin:  cmd.InOrStdin(),
		Stdout: cmd.OutOrStdout(),
		Stderr: stderr,
	}
	if o.log {
		opts.Flags |= unix.SECCOMP_FILTER_FLAG_LOG
	}
	if o.specAllow {
		opts.Flags |= unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
	}
	if usesNotify && answer != nil {
		opts.Notify = notifyLogger(host, *answer, stderr)
	}
	res, err := sandbox.Run(cmd.Context(), opts)
	if err != nil {
		return fail(exitRunFailed, "%v", err)
	}
	if res.Signaled && res.Signal == syscall.SIGSYS {
		fmt.Fprintln(stderr, "scc run: "+explainSigsys(res.SIGSYS))
	}
	if res.Status != 0 {
		return exitError{res.Status}
	}
	return nil
}

// usageError reports a mistake on scc run's command line.
func usageError(cmd *cobra.Command, err error) error {
	fmt.Fprintf(cmd.ErrOrStderr(), "scc run: %v\n", err)
	return exitError{exitRunFailed}
}

// findCommand resolves CMD as the shell would, so that a missing or
// non-executable command gets the shell's statuses before anything starts.
func findCommand(name string) (string, int, error) {
	path, err := exec.LookPath(name)
	if err == nil {
		return path, 0, nil
	}
	if errors.Is(err, exec.ErrDot) {
		return path, 0, nil // ./-less relative path in $PATH: the user asked for it by name
	}
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, exec.ErrNotFound) {
		return "", exitNotFound, fmt.Errorf("%s: command not found", name)
	}
	return "", exitNotRunnable, fmt.Errorf("%s: %v", name, errors.Unwrap(err))
}

// loadRunFilter compiles the policy for the host ABI only (a run has one
// ABI; the other targets would only lengthen the filter), or reads -f. It
// also returns how the filter decides a call, for the checks before exec.
func loadRunFilter(o runOptions, policyPath string, host *syscalls.Arch, stdin io.Reader, stderr io.Writer) ([]bpfasm.Insn, decider, error) {
	if o.filter != "" {
		data, err := readSource(o.filter, stdin)
		if err != nil {
			return nil, nil, err
		}
		prog, err := bpfasm.Decode(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", o.filter, err)
		}
		if o.killOnViolation {
			return nil, nil, errors.New("--kill-on-violation rewrites a policy: it cannot be used with -f")
		}
		return prog, emulated(prog, host), nil
	}
	data, err := readSource(policyPath, stdin)
	if err != nil {
		return nil, nil, err
	}
	p, err := loadPolicy(policyPath, data, []*syscalls.Arch{host}, stderr)
	if err != nil {
		// loadPolicy's error lists every diagnostic, one per line.
		return nil, nil, fmt.Errorf("%s: not run, the policy has errors:\n%v", policyPath, err)
	}
	if o.killOnViolation {
		p = KillOnViolation(p)
	}
	prog, err := compiler.Compile(p, compiler.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", policyPath, err)
	}
	// The checks before exec read the policy, and cross-check the program
	// with the emulator: a compiler bug must not start the command under a
	// filter that differs from what the checks saw.
	emu := emulated(prog, host)
	return prog, func(nr uint32, args *[6]uint64) (policy.Action, error) {
		want := p.Decide(host.AuditArch, nr, args)
		got, err := emu(nr, args)
		if err != nil {
			return want, fmt.Errorf("%w: the compiled filter fails in the emulator (%v); please report this", errCompilerBug, err)
		}
		if got != want {
			return want, fmt.Errorf("%w: the compiled filter gives syscall %d %s but the policy means %s; please report this", errCompilerBug, nr, got, want)
		}
		return want, nil
	}, nil
}

// KillOnViolation returns a copy of p in which every action that keeps a
// call from running as asked becomes kill (SECCOMP_RET_KILL_PROCESS): the
// default, the bad-arch action and every rule's errno, trap, trace, notify
// and kill_thread. allow and log (which lets the call run) stay. The
// policy's test statements are dropped: they state the old actions.
func KillOnViolation(p *policy.Policy) *policy.Policy {
	kill := func(a policy.Action) policy.Action {
		if a.Base() == policy.Allow || a.Base() == policy.Log {
			return a
		}
		return policy.KillProcess
	}
	out := &policy.Policy{Default: kill(p.Default), BadArch: kill(p.BadArch)}
	for _, f := range p.Filters {
		nf := &policy.Filter{Arch: f.Arch}
		for _, s := range f.Syscalls {
			ns := &policy.Syscall{Nr: s.Nr, Name: s.Name, Rules: make([]policy.Rule, len(s.Rules))}
			for i, r := range s.Rules {
				r.Action = kill(r.Action)
				ns.Rules[i] = r
			}
			nf.Syscalls = append(nf.Syscalls, ns)
		}
		out.Filters = append(out.Filters, nf)
	}
	return out
}

// errCompilerBug marks a compiled filter that disagrees with its policy.
var errCompilerBug = errors.New("BUG")

// decider gives the filter's action for a host-ABI call, or an error when
// it cannot tell.
type decider func(nr uint32, args *[6]uint64) (policy.Action, error)

// emulated decides with the BPF emulator, for a raw filter with no policy.
// A program the emulator cannot run is left to the kernel's own checks,
// which reject it with a clearer message than a guess here would give.
func emulated(prog []bpfasm.Insn, host *syscalls.Arch) decider {
	return func(nr uint32, args *[6]uint64) (policy.Action, error) {
		ret, _, err := bpfasm.Run(prog, &bpfasm.Data{Arch: host.AuditArch, Nr: int32(nr), Args: *args})
		return policy.Action(ret), err
	}
}

// filterNotifies tells whether any return of the program is
// SECCOMP_RET_USER_NOTIF (a return from the accumulator counts too: it may be).
func filterNotifies(prog []bpfasm.Insn) bool {
	for _, in := range prog {
		if in.Op == bpfasm.RET|bpfasm.K && policy.Action(in.K).Base() == policy.Notify {
			return true
		}
		if in.Op == bpfasm.RET|bpfasm.A {
			return true
		}
	}
	return false
}

// runsCall is whether an action lets a call through (log does, with a record).
func runsCall(a policy.Action) bool { return a.Base() == policy.Allow || a.Base() == policy.Log }

// checkedCalls are the calls checkBeforeExec judges: execve first, then
// those the helper makes between installing the filter and execve.
func checkedCalls(usesNotify bool) []string {
	calls := append([]string{"execve"}, sandbox.HelperCalls...)
	if usesNotify {
		calls = append(calls, sandbox.NotifyHelperCalls...)
	}
	return calls
}

// dependsOnArgs reports whether the filter's answer to one of the calls
// may depend on more than arch and number: the path the all-zero call takes
// loads another word of seccomp_data. A path that reads only arch and nr is
// taken by every call with that number, whatever its arguments.
func dependsOnArgs(prog []bpfasm.Insn, host *syscalls.Arch, calls []string) bool {
	for _, name := range calls {
		nr, ok := host.Nr(name)
		if !ok {
			continue
		}
		_, path, err := bpfasm.Trace(prog, &bpfasm.Data{Arch: host.AuditArch, Nr: int32(nr)})
		if err != nil {
			return true
		}
		for _, pc := range path {
			in := prog[pc]
			if cls := in.Op & 0x07; cls != bpfasm.LD && cls != bpfasm.LDX {
				continue
			}
			if in.Op&0xe0 != bpfasm.ABS || in.K != bpfasm.OffNr && in.K != bpfasm.OffArch {
				return true
			}
		}
	}
	return false
}

// checkBeforeExec refuses a filter that would stop the helper's execve, and
// warns about the other calls the helper may make under the filter. A call
// is judged over every argument the filter can tell apart (paths, from the
// symbolic explorer): execve is given pointers, never zeros, and the Go
// runtime's futex calls are never futex(0, 0, ...). When paths is nil (no
// checked call depends on its arguments, or the explorer cannot follow the
// program) only all-zero arguments are tried.
func checkBeforeExec(decide decider, paths []explore.Path, host *syscalls.Arch, answer *notifyAnswer, usesNotify bool, stderr io.Writer) error {
	if usesNotify && answer == nil {
		return errors.New("the filter sends calls to notify: say how to answer them with --notify=allow or --notify=deny (without a supervisor they fail with ENOSYS)")
	}
	if !usesNotify && answer != nil {
		fmt.Fprintln(stderr, "scc run: warning: --notify has no effect: the filter sends no call to notify")
	}
	lets := func(a policy.Action) bool {
		return runsCall(a) || (a.Base() == policy.Notify && answer != nil && answer.allow)
	}
	// actions is every answer the filter can give call nr, the all-zero
	// one first; an error when not even that one is known.
	actions := func(nr uint32) ([]policy.Action, error) {
		var zero [6]uint64
		a, err := decide(nr, &zero)
		if err != nil {
			return nil, err
		}
		out := []policy.Action{a}
		for _, p := range paths {
			if p.Cons[explore.WordNr].Holds(nr) && p.Cons[explore.WordArch].Holds(host.AuditArch) && !slices.Contains(out, p.Action) {
				out = append(out, p.Action)
			}
		}
		return out, nil
	}
	// judge splits the answers into one that stops the call (if any) and
	// whether any lets it run.
	judge := func(as []policy.Action) (stop policy.Action, stops, runs bool) {
		for _, a := range as {
			if lets(a) {
				runs = true
			} else if !stops {
				stop, stops = a, true
			}
		}
		return stop, stops, runs
	}

	nr, _ := host.Nr("execve")
	as, err := actions(nr)
	switch {
	case errors.Is(err, errCompilerBug):
		return err
	case err != nil:
		return nil // the kernel will refuse the program
	}
	switch stop, stops, runs := judge(as); {
	case stops && !runs:
		return fmt.Errorf("the filter gives execve %s, so CMD could not start: add `allow execve` to the policy", stop)
	case stops:
		fmt.Fprintf(stderr, "scc run: warning: the filter gives execve %s for some arguments (execve's pointers, which scc cannot know beforehand); if the helper's execve gets it, CMD does not start: allow execve without a condition\n", stop)
	}
	for _, name := range checkedCalls(usesNotify)[1:] {
		nr, ok := host.Nr(name)
		if !ok {
			continue
		}
		as, err := actions(nr)
		if errors.Is(err, errCompilerBug) {
			return err // as for execve: the program is not what the policy says
		}
		if err != nil {
			continue
		}
		stop, stops, runs := judge(as)
		if !stops {
			continue
		}
		some := ""
		if runs {
			some = " for some arguments"
		}
		fmt.Fprintf(stderr, "scc run: warning: the filter gives %s %s%s; scc's helper may call it between installing the filter and exec, so CMD may fail to start now and then: allow %s\n", name, stop, some, name)
	}
	return nil
}

// notifyAnswer is how --notify answers: allow (let the call run) or deny
// with an errno.
type notifyAnswer struct {
	allow bool
	errno uint16
}

func (n notifyAnswer) String() string {
	if n.allow {
		return "allowed"
	}
	name, _ := syscalls.ErrnoName(n.errno)
	return "denied with " + name
}

// parseNotify reads --notify: "", allow, deny, deny:ENOENT or deny:2.
func parseNotify(s string) (*notifyAnswer, error) {
	switch {
	case s == "":
		return nil, nil
	case s == "allow":
		return &notifyAnswer{allow: true}, nil
	case s == "deny":
		return &notifyAnswer{errno: uint16(unix.EPERM)}, nil
	}
	name, ok := strings.CutPrefix(s, "deny:")
	if !ok {
		return nil, fmt.Errorf("--notify=%s: want allow, deny or deny:ERRNO", s)
	}
	if e, ok := syscalls.Errno(name); ok {
		return &notifyAnswer{errno: e}, nil
	}
	if v, err := strconv.ParseUint(name, 10, 16); err == nil && v >= 1 && v <= policy.MaxErrno {
		return &notifyAnswer{errno: uint16(v)}, nil
	}
	return nil, fmt.Errorf("--notify=%s: %q is not an errno name (ENOENT, EPERM, ...) or a number from 1 to %d", s, name, policy.MaxErrno)
}

// notifyLogger answers every notification the same way and logs it as
//
//	scc run: notify: pid 1234: mkdir("/tmp/x", 0755): allowed
//
// The strings are read from the caller's memory after the kernel stopped it;
// they are what the call was given when scc looked, which another thread of
// the caller may change before the call runs (see docs/run.md).
func notifyLogger(host *syscalls.Arch, answer notifyAnswer, w io.Writer) func(sandbox.Notification) sandbox.Response {
	return func(n sandbox.Notification) sandbox.Response {
		call := formatCall(host, n, true)
		if !n.Valid() {
			// The caller died while its memory was read: the strings may
			// be another process's that took its pid.
			call = formatCall(host, n, false) + " (the caller is gone)"
		}
		fmt.Fprintf(w, "scc run: notify: pid %d: %s: %s\n", n.Pid, call, answer)
		if answer.allow {
			return sandbox.Response{Continue: true}
		}
		return sandbox.Response{Errno: int32(answer.errno)}
	}
}

// formatCall spells a notified call as C would: the name, then each known
// parameter, strings quoted (read from the caller's memory when readMem),
// modes in octal, other numbers as the kernel reads them.
func formatCall(host *syscalls.Arch, n sandbox.Notification, readMem bool) string {
	a := archOf(n.Arch, uint32(n.Nr))
	if a == nil {
		return fmt.Sprintf("syscall %d of arch %#x(%s)", n.Nr, n.Arch, hexArgs(n.Args[:]))
	}
	name, ok := a.SyscallName(uint32(n.Nr))
	if !ok {
		return fmt.Sprintf("%s syscall %d(%s)", a.Name, n.Nr, hexArgs(n.Args[:]))
	}
	params, ok := a.Params(name)
	if !ok {
		return fmt.Sprintf("%s(%s)", name, hexArgs(n.Args[:]))
	}
	pid := n.Pid
	if !readMem {
		pid = 0 // formatArg follows no pointer
	}
	parts := make([]string, len(params))
	for i, p := range params {
		parts[i] = formatArg(p, n.Args[i], pid)
	}
	return name + "(" + strings.Join(parts, ", ") + ")"
}

func hexArgs(args []uint64) string {
	parts := make([]string, len(args))
	for i, v := range args {
		parts[i] = fmt.Sprintf("%#x", v)
	}
	return strings.Join(parts, ", ")
}

// formatArg formats one argument; pid 0: pointers are not followed.
func formatArg(p syscalls.Param, v uint64, pid uint32) string {
	if p.Pointer {
		switch {
		case v == 0, pid == 0:
		case p.Type == "const char *":
			if s, ok := readString(pid, v); ok {
				return strconv.Quote(s)
			}
		case p.Type == "const char *const *": // execve's argv and envp
			if list, ok := readStringList(pid, v, p.Bits/8, p.Name == "envp"); ok {
				return list
			}
		}
		return fmt.Sprintf("%#x", v)
	}
	if p.Bits > 0 && p.Bits < 64 {
		v &= 1<<p.Bits - 1
	}
	switch {
	case strings.Contains(p.Type, "mode_t"):
		return fmt.Sprintf("%#o", v)
	case p.Bits == 32 && !strings.Contains(p.Type, "unsigned") && (p.Type == "int" || p.Type == "pid_t"):
		return strconv.Itoa(int(int32(v))) // AT_FDCWD is -100, not 4294967196
	case v < 1<<16:
		return strconv.FormatUint(v, 10)
	}
	return fmt.Sprintf("%#x", v)
}

// readString reads a NUL-terminated string of at most 256 bytes from the
// memory of thread pid.
func readString(pid uint32, addr uint64) (string, bool) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		return "", false
	}
	defer f.Close()
	return readStringAt(f, addr)
}

// readStringAt is readString from an open /proc/PID/mem.
func readStringAt(mem io.ReaderAt, addr uint64) (string, bool) {
	buf := make([]byte, 256)
	n, _ := mem.ReadAt(buf, int64(addr)) // a short read at the end of a mapping is fine
	if i := strings.IndexByte(string(buf[:n]), 0); i >= 0 {
		return string(buf[:i]), true
	}
	if n == 0 {
		return "", false
	}
	return string(buf[:n]) + "...", true
}

// maxListed is how many strings of an argv are shown.
const maxListed = 16

// readStringList reads a NULL-terminated array of string pointers (each
// ptrSize bytes, little-endian) as ["a", "b", ...]; an environment is only
// counted, as strace does: it is long and may hold secrets.
func readStringList(pid uint32, addr uint64, ptrSize int, countOnly bool) (string, bool) {
	if ptrSize != 4 && ptrSize != 8 {
		return "", false
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		return "", false
	}
	defer f.Close()
	limit := maxListed
	if countOnly {
		limit = 4096
	}
	buf := make([]byte, ptrSize*(limit+1))
	n, _ := f.ReadAt(buf, int64(addr))
	var items []string
	for i := 0; i+ptrSize <= n; i += ptrSize {
		var ptr uint64
		if ptrSize == 8 {
			ptr = binary.LittleEndian.Uint64(buf[i:])
		} else {
			ptr = uint64(binary.LittleEndian.Uint32(buf[i:]))
		}
		if ptr == 0 {
			if countOnly {
				return fmt.Sprintf("[%d vars]", len(items)), true
			}
			return "[" + strings.Join(items, ", ") + "]", true
		}
		if len(items) == limit {
			break
		}
		if countOnly {
			items = append(items, "")
			continue
		}
		s, ok := readStringAt(f, ptr) // the same file: one open per list
		if !ok {
			return "", false
		}
		items = append(items, strconv.Quote(s))
	}
	if countOnly || len(items) == 0 {
		return "", false
	}
	return "[" + strings.Join(items, ", ") + ", ...]", true
}

// archOf finds the ABI of a call: x86_64 and x32 share an audit arch and
// differ by the x32 bit of the number.
func archOf(auditArch, nr uint32) *syscalls.Arch {
	for _, a := range syscalls.ByAuditArch(auditArch) {
		if a.AuditArch != syscalls.AuditArchX86_64 || a.X32 == (nr >= syscalls.X32Bit) {
			return a
		}
	}
	return nil
}

// explainSigsys is the line printed when the command died of SIGSYS.
func explainSigsys(info *sandbox.SigsysInfo) string {
	if info == nil {
		why := "run as root to have it named"
		if os.Geteuid() == 0 {
			why = "the kernel logs traps only with --log, and drops records beyond about 10 in 5 s"
		}
		return "killed by SIGSYS (a seccomp kill or trap); the kernel's record of the call was not found: " + why
	}
	call := fmt.Sprintf("syscall %d", info.Nr)
	archName := fmt.Sprintf("arch %#x", info.Arch)
	if a := archOf(info.Arch, uint32(info.Nr)); a != nil {
		archName = a.Name
		if name, ok := a.SyscallName(uint32(info.Nr)); ok {
			call = name
		}
	}
	return fmt.Sprintf("killed by seccomp: %s (%s syscall %d, action %s)", call, archName, info.Nr, policy.Action(info.Action))
}

// lockedWriter serialises writes: the command's stderr and the notification
// log share it, from different goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
