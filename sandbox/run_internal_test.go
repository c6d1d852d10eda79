package sandbox

import (
	"context"
	"golang.org/x/sys/unix"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A program that forgets to call Init would run as itself instead of as a
// helper; Run must notice that its parameters were never read instead of
// reporting the program's own exit as the command's.
func TestHelperWithoutInit(t *testing.T) {
	for _, p := range []string{"/bin/true", "/bin/sh"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("needs %s: %v", p, err)
		}
	}
	saved := helperPath
	helperPath = "/bin/true"
	t.Cleanup(func() { helperPath = saved })

	marker := filepath.Join(t.TempDir(), "MARKER")
	res, err := Run(context.Background(), Options{
		Filter: make([]byte, 8), Path: "/bin/sh", Args: []string{"sh", "-c", "touch " + marker},
	})
	require.EqualError(t, err, "sandbox: the helper did not run (sandbox.Init must be the first call in main)")
	assert.Zero(t, res)
	assert.NoFileExists(t, marker)
}

// What the helper does between installing the filter and execve must not
// allocate: a growing heap calls mmap, which the policy may deny (CI once
// crashed the helper that way under a recorded policy without mmap).
func TestNoAllocationAfterInstall(t *testing.T) {
	ex, err := prepareExec("/nonexistent/scc-test", []string{"x", "y"}, []string{"A=1"})
	require.NoError(t, err)
	var errno unix.Errno
	allocs := testing.AllocsPerRun(100, func() { errno = ex.exec() })
	require.Equal(t, unix.ENOENT, errno)
	assert.Zero(t, allocs, "execve")

	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	defer unix.Close(pair[0])
	defer unix.Close(pair[1])
	var sendErr error
	allocs = testing.AllocsPerRun(10, func() { sendErr = sendFd(pair[0], pair[0]) })
	require.NoError(t, sendErr)
	assert.Zero(t, allocs, "sendFd")
	// The descriptor arrives intact.
	buf, oob := make([]byte, 1), make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(pair[1], buf, oob, 0)
	require.NoError(t, err)
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	require.NoError(t, err)
	fds, err := unix.ParseUnixRights(&msgs[0])
	require.NoError(t, err)
	require.Len(t, fds, 1)
	var a, b unix.Stat_t
	require.NoError(t, unix.Fstat(fds[0], &a))
	require.NoError(t, unix.Fstat(pair[0], &b))
	assert.Equal(t, b.Ino, a.Ino)
	unix.Close(fds[0])
}
