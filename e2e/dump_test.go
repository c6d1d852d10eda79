package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The demonstration, with the binary a user runs: `scc run`
// confines a sleep; `scc dump PID` reads back exactly the filter `scc
// compile` writes for the policy; `scc dump --decompile` gives a policy
// that `scc diff` finds equivalent to the one the process was started
// with; and the process runs on afterwards.
func TestDumpProcessConfinedByScc(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("scc dump needs root (CAP_SYS_ADMIN for PTRACE_SECCOMP_GET_FILTER)")
	}
	need(t, "sleep")
	pol := example("readonly.pol")
	code, want, errOut := scc(t, "compile", pol, "-f", "disasm", "-o", "-")
	require.Equal(t, 0, code, errOut)

	pid, runErr := startSleep(t, "run", pol, "--")

	code, out, errOut := scc(t, "dump", fmt.Sprint(pid))
	require.Equal(t, 0, code, errOut)
	first, ok := strings.CutPrefix(out, "# filter 0 of ")
	require.True(t, ok, out)
	first = first[strings.IndexByte(first, '\n')+1:]
	if i := strings.Index(first, "# filter 1 of"); i >= 0 {
		first = first[:i]
	}
	require.Equal(t, want, first, "the newest filter is the one scc run installed")

	code, out, errOut = scc(t, "dump", "--decompile", fmt.Sprint(pid))
	require.Equal(t, 0, code, errOut)
	if i := strings.Index(out, "# filter 1 of"); i >= 0 {
		out = out[:i]
	}
	dumped := writeFile(t, t.TempDir(), "dumped.pol", out)
	code, out, errOut = scc(t, "diff", dumped, pol)
	require.Equal(t, 0, code, "the dumped filter means the policy:\n%s%s", out, errOut)

	// Sleeping again, not stopped (t, T); right after the detach it may
	// still be on its way back into nanosleep (R) on a busy machine.
	require.Eventually(t, func() bool { return procState(pid) == "S" }, 5*time.Second, 10*time.Millisecond,
		"dump left the process running (sleeping), not stopped: state %q", procState(pid))
	require.NoError(t, syscall.Kill(pid, 0))
	require.Empty(t, runErr.String())
}

// startSleep starts `scc ARGS... sleep N` and returns the pid of the sleep,
// told from any other on the machine by its unique argument, and what scc
// writes on stderr. The sleep and scc are killed when the test ends.
func startSleep(t *testing.T, args ...string) (int, *bytes.Buffer) {
	t.Helper()
	argv := []string{"sleep", fmt.Sprintf("60.%d%d", os.Getpid(), time.Now().UnixNano()%1000)}
	cmd := exec.Command(sccBin, append(args, argv...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	pid := waitForArgv(t, argv)
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	return pid, &stderr
}

// waitForArgv returns the pid of the process whose argv is exactly argv.
func waitForArgv(t *testing.T, argv []string) int {
	t.Helper()
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

// Stacked filters come newest first, the order the kernel runs them: an
// scc run inside an scc run adds nofork.pol's filter on top of
// readonly.pol's.
func TestDumpStackedFiltersNewestFirst(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("scc dump needs root (CAP_SYS_ADMIN for PTRACE_SECCOMP_GET_FILTER)")
	}
	need(t, "sleep")
	outer, inner := example("readonly.pol"), example("nofork.pol")
	var want []string
	for _, pol := range []string{inner, outer} {
		code, out, errOut := scc(t, "compile", pol, "-f", "disasm", "-o", "-")
		require.Equal(t, 0, code, errOut)
		want = append(want, out)
	}

	pid, _ := startSleep(t, "run", outer, "--", sccBin, "run", inner, "--")

	code, out, errOut := scc(t, "dump", fmt.Sprint(pid))
	require.Equal(t, 0, code, errOut)
	parts := strings.Split(out, "# filter ")
	require.GreaterOrEqual(t, len(parts), 3, out)
	for i, w := range want {
		head, body, _ := strings.Cut(parts[i+1], "\n")
		require.True(t, strings.HasPrefix(head, fmt.Sprintf("%d of ", i)), head)
		require.Equal(t, w, body, "filter %d", i)
	}
}
