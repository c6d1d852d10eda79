package stats_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/stats"
	"github.com/scc-dev/scc/syscalls"
)

// Syscalls allowed whatever their arguments are cache-eligible; those with
// argument rules, or not allowed, are not.
func TestCacheAllows(t *testing.T) {
	p, diags := resolve.Load("t.pol", []byte(`arch x86_64, i386
default errno(EPERM)
allow read, close
allow write if fd == 1
errno(EACCES) openat
`), resolve.Options{})
	require.NoError(t, diags.Err())
	prog, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err)
	for _, tc := range []struct {
		arch, name string
		want       bool
	}{
		{"x86_64", "read", true},
		{"x86_64", "close", true},
		{"i386", "read", true},
		{"x86_64", "write", false},
		{"x86_64", "openat", false},
		{"x86_64", "mkdir", false},
	} {
		a, _ := syscalls.ArchByName(tc.arch)
		nr, ok := a.Nr(tc.name)
		require.True(t, ok)
		assert.Equal(t, tc.want, stats.CacheAllows(prog, a.AuditArch, nr), "%s %s", tc.arch, tc.name)
	}

	x86, _ := syscalls.ArchByName("x86_64")
	r, err := stats.Measure(prog, []*syscalls.Arch{x86})
	require.NoError(t, err)
	ar := r.Arches[0]
	assert.Equal(t, len(x86.Syscalls()), ar.Syscalls)
	assert.Equal(t, 2, ar.Allowed, "read and close; write(0, …) is denied")
	assert.Equal(t, []string{"read", "close"}, ar.Cached)
	assert.LessOrEqual(t, ar.AllowMax, ar.Max)
}
