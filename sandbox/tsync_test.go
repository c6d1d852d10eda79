package sandbox_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/scc-dev/scc/sandbox"
)

// helperModeEnv makes the re-executed test binary run one runHelperMode
// mode instead of the tests.
const helperModeEnv = "SCC_SANDBOX_TEST_MODE"

// runHelperMode runs in a child test binary, never in the test process:
// the filters it installs cannot be removed.
func runHelperMode(mode string) {
	dir := os.Args[len(os.Args)-1]
	switch mode {
	case "tsync":
		tsyncChild(dir, func(filter []byte) error {
			_, err := sandbox.Install(filter, 0)
			return err
		})
	case "no-tsync":
		// The same install without TSYNC, by hand: shows what TSYNC is for.
		tsyncChild(dir, installThisThreadOnly)
	default:
		fmt.Fprintf(os.Stderr, "unknown helper mode %q\n", mode)
		os.Exit(2)
	}
	os.Exit(0)
}

// tsyncChild starts threads first, installs a filter failing mkdir with
// EPERM from the main thread, then calls mkdir from one of the older threads
// and prints the outcome and each thread's seccomp mode.
func tsyncChild(dir string, install func([]byte) error) {
	const threads = 4
	type job struct{ reply chan error }
	jobs := make(chan job)
	ready := make(chan struct{})
	for i := 0; i < threads; i++ {
		go func() {
			runtime.LockOSThread() // pins this goroutine to its own, older thread
			ready <- struct{}{}
			for j := range jobs {
				j.reply <- os.Mkdir(filepath.Join(dir, "x"), 0o755)
			}
		}()
	}
	for i := 0; i < threads; i++ {
		<-ready
	}
	runtime.LockOSThread()
	if err := install(onMkdir(stderrTB{}, errnoRet(unix.EPERM))); err != nil {
		fmt.Println("install:", err)
		os.Exit(1)
	}
	j := job{reply: make(chan error)}
	jobs <- j
	fmt.Printf("mkdir from another thread: %v\n", <-j.reply)
	fmt.Printf("thread seccomp modes: %s\n", threadModes())
}

// threadModes lists the Seccomp field of every thread of this process: 0
// none, 2 filter.
func threadModes() string {
	tasks, _ := os.ReadDir("/proc/self/task")
	var modes []string
	for _, task := range tasks {
		status, err := os.ReadFile(filepath.Join("/proc/self/task", task.Name(), "status"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "Seccomp:\t"); ok {
				modes = append(modes, v)
			}
		}
	}
	return strings.Join(modes, " ")
}

func installThisThreadOnly(filter []byte) error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return err
	}
	prog := make([]unix.SockFilter, len(filter)/8)
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&prog[0])), len(filter)), filter)
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&fprog)))
	if errno != 0 {
		return errno
	}
	return nil
}

func TestInstallTSYNC(t *testing.T) {
	needRoot(t)
	tests := []struct {
		mode, wantMkdir string
		allFiltered     bool
	}{
		{"tsync", "mkdir from another thread: mkdir " + "DIR/x: operation not permitted", true},
		// Proves the test can fail: without TSYNC the older thread escapes.
		{"no-tsync", "mkdir from another thread: <nil>", false},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out, err := helperCmd(t, tt.mode, dir).CombinedOutput()
			require.NoError(t, err, string(out))
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			require.Len(t, lines, 2, string(out))
			assert.Equal(t, strings.ReplaceAll(tt.wantMkdir, "DIR", dir), lines[0])
			modes := strings.Fields(strings.TrimPrefix(lines[1], "thread seccomp modes: "))
			require.GreaterOrEqual(t, len(modes), 5, "the helper should have at least 5 threads")
			if tt.allFiltered {
				for _, m := range modes {
					assert.Equal(t, "2", m, "a thread without the filter: %s", lines[1])
				}
			} else {
				assert.Contains(t, modes, "0")
			}
		})
	}
}

func TestInstallErrors(t *testing.T) {
	// These are refused before any system call, so they are safe to try in
	// the test process itself.
	tests := []struct {
		name   string
		filter []byte
		want   string
	}{
		{"empty", nil, "installing the seccomp filter: the program is empty"},
		{"odd length", make([]byte, 12), "installing the seccomp filter: the program is 12 bytes, not a whole number of 8-byte instructions"},
		{"too long", make([]byte, 8*5000), "installing the seccomp filter: the program has 5000 instructions, the kernel accepts at most 4096"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fd, err := sandbox.Install(tt.filter, 0)
			assert.EqualError(t, err, tt.want)
			assert.Equal(t, -1, fd)
		})
	}
}

// stderrTB lets the filter builders run outside a test, in a helper child.
type stderrTB struct{ testing.TB }

func (stderrTB) Helper() {}
func (stderrTB) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
func (stderrTB) FailNow() { os.Exit(1) }
