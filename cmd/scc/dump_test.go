package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/sandbox"
)

// findProcess waits for a process whose argv is exactly argv.
func findProcess(t *testing.T, argv []string) int {
	want := []byte(strings.Join(argv, "\x00") + "\x00")
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
		for _, d := range dirs {
			if b, err := os.ReadFile(d); err == nil && bytes.Equal(b, want) {
				var pid int
				fmt.Sscanf(d, "/proc/%d/cmdline", &pid)
				return pid
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no process with argv %q", argv)
	return 0
}

// TestDumpConfinedProcess: scc confines `sleep` with a known filter, and
// dump reads back exactly that filter from the running process.
func TestDumpConfinedProcess(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("scc dump needs root (CAP_SYS_ADMIN for PTRACE_SECCOMP_GET_FILTER)")
	}
	code, bpf, errOut := scc(t, "", "compile", "../../examples/readonly.pol", "-o", "-", "-f", "bpf")
	require.Equal(t, 0, code, errOut)
	prog, err := bpfasm.Decode([]byte(bpf))
	require.NoError(t, err)

	// A unique argv tells our sleep from any other. It runs under a shell
	// so that its parent is not this process: ptrace reports the stops of a
	// tracee to the tracer's waits, and here the tracer (dump, in-process)
	// would also be the parent whose wait sandbox.Run is blocked in.
	argv := []string{"sleep", fmt.Sprintf("30.%d", os.Getpid())}
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	defer devnull.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := sandbox.Run(ctx, sandbox.Options{Filter: []byte(bpf), Path: "sh",
			Args: []string{"sh", "-c", strings.Join(argv, " ") + "; exit 0"}, Stdout: devnull, Stderr: devnull})
		done <- err
	}()
	pid := findProcess(t, argv)
	defer func() {
		syscall.Kill(pid, syscall.SIGKILL) // the sleep this test started
		cancel()
		<-done
	}()

	code, out, errOut := scc(t, "", "dump", fmt.Sprint(pid))
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "# filter 0 of ")
	first := strings.SplitN(out, "\n", 2)[1]
	if i := strings.Index(first, "# filter 1 of"); i >= 0 {
		first = first[:i]
	}
	require.Equal(t, bpfasm.Disassemble(prog), first, "the newest filter is the one scc installed")

	code, out, errOut = scc(t, "", "dump", "--decompile", fmt.Sprint(pid))
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "errno(EACCES) creat")
	require.Contains(t, out, "errno(ENOSYS) openat2")

	// The process runs on after the dump.
	_, err = os.Stat(fmt.Sprintf("/proc/%d", pid))
	require.NoError(t, err)
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	require.NotContains(t, string(b), "State:\tt", "dump left the process stopped")
}

func TestDumpErrors(t *testing.T) {
	code, _, errOut := scc(t, "", "dump", "notapid")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `"notapid" is not a process id`)
}
