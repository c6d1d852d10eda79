package explore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/explore"
	"github.com/scc-dev/scc/internal/difftest"
	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/resolve"
)

// policyFiles are the policies every round trip runs on.
func policyFiles(t testing.TB) []string { return difftest.PolicyFiles(t, "..") }

func compileFile(t testing.TB, path string) []bpfasm.Insn {
	p, diags := resolve.LoadFile(path, resolve.Options{})
	require.NoError(t, diags.Err(), "resolve %s", path)
	prog, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err, "compile %s", path)
	return prog
}

func compileSource(t testing.TB, src string) []bpfasm.Insn {
	p, diags := resolve.Load("test.pol", []byte(src), resolve.Options{})
	require.NoError(t, diags.Err(), "resolve:\n%s", src)
	prog, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err, "compile:\n%s", src)
	return prog
}

// recompile compiles a decompiled policy, through its text so that the
// printed form is what is tested.
func recompile(t testing.TB, f *lang.File) []bpfasm.Insn {
	src := lang.Format(f)
	p, diags := resolve.Load("decompiled.pol", src, resolve.Options{})
	require.NoError(t, diags.Err(), "resolve the decompiled policy:\n%s", src)
	prog, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err, "compile the decompiled policy:\n%s", src)
	return prog
}

// roundTrip decompiles prog, compiles the result and checks that the two
// programs agree on at least n generated inputs beyond every syscall number.
func roundTrip(t *testing.T, prog []bpfasm.Insn, n int) *explore.Result {
	return roundTripExcept(t, prog, n, false)
}

// libseccompNrMinus1 is the one input libseccomp's x86_64 filters decide in
// a way no policy can: nr -1 (0xffffffff, what a tracer sets to skip a call)
// passes the x32 check and gets the default action, where scc gives every
// number with the x32 bit the badarch action. roundTripExcept tolerates
// exactly that, and checks that Lossy says so.
const libseccompNrMinus1 = "numbers 0xffffffff get another action than badarch"

func roundTripExcept(t *testing.T, prog []bpfasm.Insn, n int, nrMinus1 bool) *explore.Result {
	t.Helper()
	res, err := explore.Decompile(prog)
	require.NoError(t, err)
	again := recompile(t, res.File)
	if nrMinus1 {
		require.Len(t, res.Lossy, 1, "decompiled:\n%s", lang.Format(res.File))
		require.Contains(t, res.Lossy[0], libseccompNrMinus1)
		ds, err := explore.Diff(prog, again)
		require.NoError(t, err)
		for _, d := range ds {
			require.Equal(t, "nr 0xffffffff", d.Syscall, "%s", d)
		}
	} else {
		require.Empty(t, res.Lossy, "decompiled:\n%s", lang.Format(res.File))
	}
	var skip func(bpfasm.Data) bool
	if nrMinus1 {
		skip = func(d bpfasm.Data) bool { return d.Nr == -1 }
	}
	tried, diffs := difftest.ComparePrograms(t, prog, again, n, skip)
	require.Empty(t, diffs, "decompiled:\n%s", lang.Format(res.File))
	t.Logf("%d inputs agree; %d instructions → %d", tried, len(prog), len(again))
	return res
}
