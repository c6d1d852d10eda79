package main

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// zeros is an endless input, like /dev/zero on stdin.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// An endless or huge input is refused after 16 MiB instead of being read
// until memory runs out; every command that reads a policy, profile or
// filter goes through readSource.
func TestHugeInputIsRefused(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.bpf")
	for _, args := range [][]string{
		{"check", "/dev/zero"},
		{"compile", "/dev/zero", "-o", out},
		{"disasm", "/dev/zero"},
		{"stats", "/dev/zero"},
		{"fmt", "/dev/zero"},
		{"import", "/dev/zero", "-o", out},
		{"test", "/dev/zero"},
		{"sim", "/dev/zero", "--nr", "0"},
	} {
		done := make(chan struct{})
		var code int
		var errOut bytes.Buffer
		go func() {
			code = run(args, nil, io.Discard, &errOut)
			close(done)
		}()
		select {
		case <-done:
			assert.NotEqual(t, 0, code, "%v", args)
			assert.Contains(t, errOut.String(), "/dev/zero: more than 16 MiB", "%v", args)
			assert.NoFileExists(t, out)
		case <-time.After(20 * time.Second):
			t.Fatalf("%v: still reading after 20 s", args)
		}
	}

	var errOut bytes.Buffer
	code := run([]string{"check", "-"}, zeros{}, io.Discard, &errOut)
	require.NotEqual(t, 0, code)
	assert.Contains(t, errOut.String(), "-: more than 16 MiB")
}

// Where stdin is not scc's to read (record's --merge: stdin is the
// program's), "-" is refused with a message, not a nil-reader panic.
func TestDashWithoutStdin(t *testing.T) {
	var errOut bytes.Buffer
	out := filepath.Join(t.TempDir(), "out.pol")
	code := run([]string{"record", "--merge", "-", "-o", out, "--", "/bin/true"},
		strings.NewReader("default errno(EPERM)\n"), io.Discard, &errOut)
	assert.NotEqual(t, 0, code)
	assert.Contains(t, errOut.String(), "--merge: -: stdin is not read here")
	assert.NoFileExists(t, out)
}
