package explore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/explore"
)

func diffLines(t *testing.T, a, b string) []string {
	t.Helper()
	ds, err := explore.Diff(compileSource(t, a), compileSource(t, b))
	require.NoError(t, err)
	var out []string
	for _, d := range ds {
		out = append(out, d.String())
	}
	return out
}

func TestDiffEquivalentPoliciesWrittenDifferently(t *testing.T) {
	a := "arch x86_64\ndefault errno(EPERM)\nallow read, write\nallow openat if flags & O_ACCMODE == O_RDONLY\n"
	b := "arch x86_64\ndefault errno(EPERM)\nset @io = write, read\nallow @io\nerrno(EPERM) openat if flags & O_ACCMODE != O_RDONLY\nallow openat\n"
	require.Empty(t, diffLines(t, a, b))
}

func TestDiffEachKindOfChange(t *testing.T) {
	base := "arch x86_64\ndefault errno(EPERM)\nallow read\nallow write if fd == 1\n"
	for _, tc := range []struct {
		name, b string
		want    []string
	}{
		{"condition added", "arch x86_64\ndefault errno(EPERM)\nallow read if arg0 <= 2\nallow write if fd == 1\n",
			[]string{"x86_64 read: allow → errno(EPERM) when arg0 > 2"}},
		{"syscall removed", "arch x86_64\ndefault errno(EPERM)\nallow write if fd == 1\n",
			[]string{"x86_64 read: allow → errno(EPERM)"}},
		{"action changed", "arch x86_64\ndefault errno(EPERM)\nerrno(EACCES) read\nallow write if fd == 1\n",
			[]string{"x86_64 read: allow → errno(EACCES)"}},
		{"condition changed", "arch x86_64\ndefault errno(EPERM)\nallow read\nallow write if fd <= 2\n",
			[]string{"x86_64 write: errno(EPERM) → allow when fd == 0 || fd == 2"}},
		{"default changed", "arch x86_64\ndefault kill\nallow read\nallow write if fd == 1\n",
			[]string{"x86_64 write: errno(EPERM) → kill when fd != 1", "x86_64 every syscall except read, write: errno(EPERM) → kill"}},
		{"badarch changed", "arch x86_64\ndefault errno(EPERM)\nbadarch errno(ENOSYS)\nallow read\nallow write if fd == 1\n",
			[]string{"i386 every syscall: kill → errno(ENOSYS)", "other-arch any syscall: kill → errno(ENOSYS)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := diffLines(t, base, tc.b)
			for _, w := range tc.want {
				require.Contains(t, got, w)
			}
			if tc.name == "default changed" {
				require.Contains(t, got, "x86_64 nr 0x151-0x1a7,0x1d8-0x3fffffff: errno(EPERM) → kill")
				require.Len(t, got, 3, "every other syscall shares one line")
			}
		})
	}
}

// A policy and its own compiled filter are the same program; a policy and
// its decompiled-then-compiled filter must be equivalent too.
func TestDiffPolicyAgainstDecompiled(t *testing.T) {
	for _, path := range policyFiles(t) {
		prog := compileFile(t, path)
		res, err := explore.Decompile(prog)
		require.NoError(t, err)
		ds, err := explore.Diff(prog, recompile(t, res.File))
		require.NoError(t, err)
		require.Empty(t, ds, path)
	}
}
