package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The linter's no-fallback warning describes real failures: glibc uses
// clone (faccessat) only when clone3 (faccessat2) fails with ENOSYS. Under
// `errno(EPERM) NEWER` scc check warns and the program fails; under
// `errno(ENOSYS) NEWER` it is silent and the program works.
func TestNoFallbackIsReal(t *testing.T) {
	for _, tc := range []struct {
		newer   string
		argv    []string
		ok, bad string // the program's output with and without the fallback
	}{
		// Python's threading starts a thread with pthread_create.
		{"clone3", []string{"python3", "-c", `import threading
t = threading.Thread(target=print, args=("thread ran",))
try:
    t.start(); t.join()
except RuntimeError as e:
    print(e)`}, "thread ran\n", "can't start new thread\n"},
		// bash's test -x calls eaccess(); access() alone would not tell.
		{"faccessat2", []string{"bash", "-c", `test -x /bin/sh && echo test-x ok || echo test-x fails`},
			"test-x ok\n", "test-x fails\n"},
	} {
		t.Run(tc.newer, func(t *testing.T) {
			need(t, tc.argv[0])
			dir := t.TempDir()
			for _, c := range []struct {
				errno, want string
				warns       bool
			}{{"EPERM", tc.bad, true}, {"ENOSYS", tc.ok, false}} {
				pol := writeFile(t, dir, c.errno+".pol", "default allow\nerrno("+c.errno+") "+tc.newer+"\n")
				code, _, errOut := scc(t, "check", pol)
				require.Equal(t, 0, code, errOut)
				assert.Equal(t, c.warns, strings.Contains(errOut, "[no-fallback]"), "%s: %s", c.errno, errOut)

				code, out, errOut := scc(t, append([]string{"run", pol, "--"}, tc.argv...)...)
				require.Equal(t, 0, code, errOut)
				assert.Equal(t, c.want, out, "under errno(%s) %s", c.errno, tc.newer)
			}
		})
	}
}
