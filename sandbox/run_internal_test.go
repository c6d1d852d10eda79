package sandbox

import (
	"context"
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
