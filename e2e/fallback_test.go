package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The linter's no-fallback warning describes a real failure: glibc starts a
// thread with clone3 and uses clone only when clone3 fails with ENOSYS, so
// EPERM breaks pthread_create while ENOSYS does not. Python's threading is
// a glibc program that starts one.
func TestNoFallbackIsReal(t *testing.T) {
	need(t, "python3")
	dir := t.TempDir()
	const thread = `import threading; t = threading.Thread(target=print, args=("thread ran",)); t.start(); t.join()`

	eperm := writeFile(t, dir, "eperm.pol", "default allow\nerrno(EPERM) clone3\n")
	enosys := writeFile(t, dir, "enosys.pol", "default allow\nerrno(ENOSYS) clone3\n")

	code, _, errOut := scc(t, "check", eperm)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "[no-fallback]")
	code, _, errOut = scc(t, "check", enosys)
	require.Equal(t, 0, code, errOut)
	assert.NotContains(t, errOut, "[no-fallback]")

	code, out, errOut := scc(t, "run", eperm, "--", "python3", "-c", thread)
	assert.NotEqual(t, 0, code, out)
	assert.Contains(t, errOut, "can't start new thread")

	code, out, errOut = scc(t, "run", enosys, "--", "python3", "-c", thread)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "thread ran\n", out)
}

// faccessat2's fallback is real too, for what the warning names: glibc's
// eaccess() (bash's test -x) tries faccessat2 first, access() does not.
func TestNoFallbackFaccessat2(t *testing.T) {
	need(t, "bash")
	dir := t.TempDir()
	const script = `test -x /bin/sh && echo test-x ok || echo test-x fails`
	eperm := writeFile(t, dir, "eperm.pol", "default allow\nerrno(EPERM) faccessat2\n")
	enosys := writeFile(t, dir, "enosys.pol", "default allow\nerrno(ENOSYS) faccessat2\n")

	code, out, errOut := scc(t, "run", eperm, "--", "bash", "-c", script)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "test-x fails\n", out)
	code, out, errOut = scc(t, "run", enosys, "--", "bash", "-c", script)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "test-x ok\n", out)
}
