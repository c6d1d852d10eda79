package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/scc-dev/scc/internal/atomicfile"
	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/record"
	"github.com/scc-dev/scc/resolve"
)

func init() { register(recordCmd) }

// recordFlags are scc record's options.
type recordFlags struct {
	out, def, merge, forRuntime, profile string
	args, quiet                          bool
}

func recordCmd() *cobra.Command {
	var f recordFlags
	cmd := &cobra.Command{
		Use:   "record [-o app.pol] [flags] -- CMD [ARGS...]",
		Short: "run a program and write the policy it needs",
		Long: `Run CMD under ptrace, following every thread, fork and exec, and write a
policy that allows exactly the system calls it made, grouped and commented
with their counts. Review it: a recording covers only the paths this run took.

The policy goes to -o (written atomically) or to stdout; in the latter case the
program's own stdout is sent to stderr so the policy stays clean. A live
progress line goes to stderr unless -q. Ctrl-C stops the program and still
writes what was seen; so does a program that fails or is killed, with a
warning. The exit status is the program's (130 when interrupted), after the
policy is written.

--args also records the arguments where a condition is meaningful (socket
family and type, open flags, mmap/mprotect prot, clone flags, signals,
ioctl/prctl/fcntl commands) and writes the tightest readable condition.
--merge FILE adds what this run needs to an existing policy, keeping its
rules and comments, and writes it back to FILE (or to -o).
--for names what will launch the program under the filter: scc (scc run,
the default), docker, podman or kubernetes, whose own calls after loading
the filter are added; none adds nothing.
--profile FILE writes the call frequencies for the compiler.

See docs/record.md.`,
		Example: `  scc record -o ls.pol -- ls /
  scc record --args --for docker -o app.pol -- ./app --serve
  scc record --merge app.pol -- ./app --other-mode`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRecord(cmd, f, args)
		},
	}
	// Everything after CMD belongs to CMD, even without "--".
	cmd.Flags().SetInterspersed(false)
	fl := cmd.Flags()
	fl.StringVarP(&f.out, "output", "o", "", `policy file to write ("-" or none: stdout; with --merge: the merged file)`)
	fl.StringVar(&f.def, "default", "errno(EPERM)", "action for every call not recorded: errno(E), kill, kill_thread, trap, log, ...")
	fl.BoolVar(&f.args, "args", false, "record argument values and write conditions on them")
	fl.StringVar(&f.merge, "merge", "", "existing policy to add this run's calls to")
	fl.StringVar(&f.forRuntime, "for", "scc", "launcher whose calls to add: scc, docker, podman, kubernetes or none")
	fl.StringVar(&f.profile, "profile", "", "also write the call frequencies to this file")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress line")
	return cmd
}

func runRecord(cmd *cobra.Command, f recordFlags, argv []string) error {
	stdin, stdout, stderr := cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
	if _, ok := stderr.(*os.File); !ok {
		// The program's output (copied by goroutines of package record)
		// and the progress line share it.
		stderr = &syncWriter{w: stderr}
	}
	wo := record.WriteOptions{Args: f.args, For: f.forRuntime, Command: argv}
	if wo.For == "none" {
		wo.For = ""
	}

	// Check everything that can be wrong before running the program, so
	// that a long recording is never lost to a typo.
	def, err := parseDefault(f.def)
	if err != nil {
		return err
	}
	wo.Default = def
	if _, err := record.Policy(&record.Recording{}, wo); err != nil {
		return fmt.Errorf("--for %q: want scc, docker, podman, kubernetes or none", f.forRuntime)
	}
	var existing *lang.File
	out := f.out
	if f.merge != "" {
		if existing, err = loadMergeBase(f.merge, stderr); err != nil {
			return err
		}
		if out == "" {
			out = f.merge
		}
	}
	if out == "" {
		out = "-"
	}
	if out == "-" && f.profile == "-" {
		return errors.New("--profile -: the policy already goes to stdout; give one of them a file")
	}
	for _, o := range []struct{ flag, path string }{{"-o", out}, {"--profile", f.profile}} {
		if err := checkWritable(o.flag, o.path); err != nil {
			return err
		}
	}

	o := record.Options{Path: argv[0], Args: argv, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	if out == "-" {
		o.Stdout = stderr
	}
	if f.args {
		o.ArgSyscalls = record.DefaultArgSyscalls()
	}
	var prog *progressLine
	if !f.quiet {
		prog = newProgressLine(stderr)
		o.Progress = prog.update
	}

	// Ctrl-C (and a polite kill) ends the recording, not scc: the program
	// is stopped and what was seen is still written.
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	rec, err := record.Trace(ctx, o)
	stop()
	if prog != nil {
		prog.finish()
	}
	if err != nil {
		return err
	}
	for _, w := range rec.Warnings {
		fmt.Fprintln(stderr, "scc record: warning:", w)
	}

	var file *lang.File
	if existing != nil {
		file, err = record.Merge(existing, rec, wo)
	} else {
		file, err = record.Policy(rec, wo)
	}
	if err != nil {
		return err
	}
	src := lang.Format(file)
	// A written policy must be one scc accepts; anything else is a bug in
	// the writer, and the old file (for --merge) stays as it was.
	name := out
	if out == "-" {
		name = "<recorded>"
	}
	if _, diags := resolve.Load(name, src, resolve.Options{}); diags.Err() != nil {
		printDiags(stderr, diags.Errors())
		return fmt.Errorf("the recorded policy does not resolve (a bug in scc record); nothing written")
	}
	// The policy first: a profile that cannot be written must not cost
	// the recording's policy.
	if err := atomicfile.WriteOut(out, src, stdout); err != nil {
		return err
	}
	if f.profile != "" {
		var b bytes.Buffer
		if err := record.WriteProfile(&b, rec); err != nil {
			return err
		}
		if err := atomicfile.WriteOut(f.profile, b.Bytes(), stdout); err != nil {
			return err
		}
	}
	if out != "-" && !f.quiet {
		fmt.Fprintf(stderr, "scc record: wrote %s (%d syscalls allowed)\n", out, countRules(file))
	}
	switch {
	case rec.Interrupted:
		return exitError{130}
	case rec.Signaled:
		return exitError{128 + int(rec.Signal)}
	case rec.ExitCode != 0:
		return exitError{rec.ExitCode}
	}
	return nil
}

// parseDefault reads a --default value as the action of a default
// statement, and checks that it resolves.
func parseDefault(s string) (lang.Action, error) {
	src := []byte("default " + s + "\n")
	f, err := lang.Parse("--default", src)
	if err != nil || len(f.Stmts) != 1 {
		return lang.Action{}, fmt.Errorf("--default %q: want an action such as errno(EPERM), kill or log", s)
	}
	d, ok := f.Stmts[0].(*lang.DefaultStmt)
	if !ok {
		return lang.Action{}, fmt.Errorf("--default %q: want an action such as errno(EPERM), kill or log", s)
	}
	if _, diags := resolve.Load("--default", src, resolve.Options{}); diags.Err() != nil {
		return lang.Action{}, fmt.Errorf("--default %q: %v", s, diags.Err())
	}
	if d.Action.Kind == lang.ActAllow {
		return lang.Action{}, errors.New("--default allow would allow everything the recording did not see")
	}
	return d.Action, nil
}

// loadMergeBase reads the policy to merge into; it must already be valid,
// so that its errors show before the program runs, not after.
func loadMergeBase(path string, stderr io.Writer) (*lang.File, error) {
	data, err := readSource(path, nil)
	if err != nil {
		return nil, fmt.Errorf("--merge: %w", err)
	}
	if _, err := loadPolicy(path, data, nil, stderr); err != nil {
		return nil, err
	}
	return lang.Parse(path, data)
}

// checkWritable tells before the recording whether an output file can be
// written: its folder must exist and be writable (atomicfile writes a
// temporary file there and renames it), and it must not be a folder.
func checkWritable(flag, path string) error {
	if path == "" || path == "-" {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s %s: is a directory", flag, path)
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("%s %s: %w", flag, path, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s %s: %s is not a directory", flag, path, dir)
	}
	if err := unix.Access(dir, unix.W_OK); err != nil {
		return fmt.Errorf("%s %s: cannot write in %s: %w", flag, path, dir, err)
	}
	return nil
}

func countRules(f *lang.File) int {
	n := 0
	for _, s := range f.Stmts {
		if r, ok := s.(*lang.RuleStmt); ok {
			n += len(r.Syscalls)
		}
	}
	return n
}

// progressLine shows a recording's progress on stderr: rewritten in place
// on a terminal, else a line now and then, so that a log stays short.
type progressLine struct {
	w        io.Writer
	terminal bool
	last     time.Time
	shown    bool // a terminal line is open
	latest   record.Progress
	logged   uint64 // Syscalls of the last line written to a log
}

// logEvery is how often a progress line is written when stderr is not a
// terminal.
const logEvery = 5 * time.Second

func newProgressLine(w io.Writer) *progressLine {
	p := &progressLine{w: w}
	if f, ok := w.(*os.File); ok {
		_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
		p.terminal = err == nil
	}
	return p
}

func (p *progressLine) text(pr record.Progress) string {
	calls := "syscalls"
	if pr.Syscalls == 1 {
		calls = "syscall"
	}
	s := fmt.Sprintf("scc record: %d %s, %d distinct", pr.Syscalls, calls, pr.Distinct)
	if len(pr.Newest) > 0 {
		s += "; new: " + strings.Join(pr.Newest, ", ")
	}
	return s
}

// update is record.Options.Progress; Trace calls it from one goroutine.
func (p *progressLine) update(pr record.Progress) {
	p.latest = pr
	if p.terminal {
		// \x1b[K clears what a longer previous line left behind.
		fmt.Fprint(p.w, "\r"+p.text(pr)+"\x1b[K")
		p.shown = true
		return
	}
	if now := time.Now(); p.last.IsZero() || now.Sub(p.last) >= logEvery {
		p.last = now
		p.logged = pr.Syscalls
		fmt.Fprintln(p.w, p.text(pr))
	}
}

// finish ends the terminal line, or logs the final count if the last
// line logged is out of date. Trace sends a last update before returning.
func (p *progressLine) finish() {
	switch {
	case p.terminal && p.shown:
		fmt.Fprintln(p.w)
	case !p.terminal && p.latest.Syscalls != p.logged:
		fmt.Fprintln(p.w, p.text(p.latest))
	}
}

// syncWriter serialises writes to a writer that is not a file, such as a
// test's buffer. Files are passed to the program as they are.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *syncWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
