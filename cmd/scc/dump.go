package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"time"
	"unsafe"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/explore"
	"github.com/scc-dev/scc/lang"
)

func init() { register(dumpCmd) }

func dumpCmd() *cobra.Command {
	var decompile bool
	cmd := &cobra.Command{
		Use:   "dump PID",
		Short: "print the seccomp filters attached to a running process (root)",
		Long: `Dump reads the filters attached to a process with
ptrace(PTRACE_SECCOMP_GET_FILTER), which needs CAP_SYS_ADMIN, and prints each,
newest first (the order the kernel runs them), disassembled or, with
--decompile, as a policy. The process is stopped only while the filters are
read.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pid, err := strconv.Atoi(args[0])
			if err != nil || pid <= 0 {
				return fmt.Errorf("%q is not a process id", args[0])
			}
			filters, err := readFilters(pid)
			if err != nil {
				return err
			}
			if len(filters) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "# process %d has no seccomp filter\n", pid)
				return nil
			}
			w := cmd.OutOrStdout()
			for i, f := range filters {
				fmt.Fprintf(w, "# filter %d of %d (%d instructions)\n", i, len(filters), len(f))
				if !decompile {
					fmt.Fprint(w, bpfasm.Disassemble(f))
					continue
				}
				res, err := explore.Decompile(f)
				if err != nil {
					return fmt.Errorf("filter %d: %w", i, err)
				}
				for _, l := range res.Lossy {
					res.File.Trailing = append(res.File.Trailing, "Not exact: "+l)
				}
				w.Write(lang.Format(res.File))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&decompile, "decompile", false, "print each filter as a policy")
	return cmd
}

// readFilters returns the filters attached to pid, newest first. It seizes
// the process, stops it, reads the filters and detaches; every ptrace
// request must come from the thread that seized it. PTRACE_SECCOMP_GET_FILTER
// counts from the oldest filter (index 0; kernel/seccomp.c, get_nth_filter),
// so the list is reversed.
func readFilters(pid int) (_ [][]bpfasm.Insn, err error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := unix.PtraceSeize(pid); err != nil {
		return nil, fmt.Errorf("ptrace seize %d: %w (dump needs root, and a process not traced already)", pid, err)
	}
	defer func() {
		if derr := unix.PtraceDetach(pid); derr != nil && err == nil {
			err = fmt.Errorf("ptrace detach %d: %w", pid, derr)
		}
	}()
	if err := unix.PtraceInterrupt(pid); err != nil {
		return nil, fmt.Errorf("ptrace interrupt %d: %w", pid, err)
	}
	if err := waitTraceStop(pid); err != nil {
		return nil, err
	}
	var out [][]bpfasm.Insn
	for i := 0; ; i++ {
		n, err := getFilter(pid, i, nil)
		if errors.Is(err, unix.ENOENT) {
			slices.Reverse(out)
			return out, nil
		}
		if errors.Is(err, unix.EINVAL) && i == 0 {
			return nil, nil // no filter at all
		}
		if err != nil {
			return nil, fmt.Errorf("PTRACE_SECCOMP_GET_FILTER %d on %d: %w", i, pid, err)
		}
		buf := make([]bpfasm.Insn, n)
		if _, err := getFilter(pid, i, buf); err != nil {
			return nil, fmt.Errorf("PTRACE_SECCOMP_GET_FILTER %d on %d: %w", i, pid, err)
		}
		out = append(out, buf)
	}
}

// waitTraceStop waits until the seized process shows the ptrace stop.
// It watches /proc rather than calling waitpid: when the process is our
// own child (scc run, or a test), another goroutine's wait may take the
// stop notification first, and a waitpid here would block for ever.
func waitTraceStop(pid int) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return fmt.Errorf("process %d: %w", pid, err)
		}
		// The state follows the parenthesised command name.
		if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) {
			switch b[i+2] {
			case 't':
				return nil
			case 'Z', 'X':
				return fmt.Errorf("process %d ended", pid)
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("process %d did not stop for ptrace within 5s", pid)
		}
		time.Sleep(time.Millisecond)
	}
}

// getFilter is PTRACE_SECCOMP_GET_FILTER: with no buffer it returns the
// filter's length. bpfasm.Insn has struct sock_filter's layout.
func getFilter(pid, index int, buf []bpfasm.Insn) (int, error) {
	var p uintptr
	if len(buf) > 0 {
		p = uintptr(unsafe.Pointer(&buf[0]))
	}
	n, _, errno := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SECCOMP_GET_FILTER, uintptr(pid), uintptr(index), p, 0, 0)
	runtime.KeepAlive(buf)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
