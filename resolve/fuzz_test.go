package resolve_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/internal/difftest"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/resolve"
)

// FuzzLoad runs any text through the whole pipeline a user's policy takes:
// parse, resolve, compile. Nothing may panic; every diagnostic names the
// file; a policy that resolves either compiles to a program the kernel's
// checks accept and that means what the policy means, or fails on the
// kernel's length limit.
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{"../examples/*.pol", "../testdata/policies/*.pol", "../lang/testdata/*.pol"} {
		files, _ := filepath.Glob(pattern)
		for _, path := range files {
			src, err := os.ReadFile(path)
			require.NoError(f, err)
			// Big seeds make each run and each minimisation slow; the
			// small ones hold every construct.
			if len(src) < 2048 {
				f.Add(string(src))
			}
		}
	}
	for _, s := range []string{
		"arch x86_64, arm\ndefault kill\nallow openat if flags & O_DIRECTORY != 0 && dirfd == AT_FDCWD\n",
		"arch i386, x32\ndefault errno(EPERM)\nallow clone if tls == 1\ntest x32:read() => allow\n",
		"default allow\ninclude \"base.pol\"\nset @a = read\nkill @a if !(fd < 3 || count > -1)\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		// Includes resolve to a fixed file, so that the fuzzer reads no disk.
		opts := resolve.Options{ReadFile: func(path string) ([]byte, error) {
			if strings.HasSuffix(path, "base.pol") {
				return []byte("set @io = read, write\nallow @io\n"), nil
			}
			return nil, errors.New("no such file")
		}}
		p, diags := resolve.Load("f.pol", []byte(src), opts)
		for _, d := range diags {
			require.NotEmpty(t, d.Pos.File, "diagnostic without a file: %v", d)
			require.NotEmpty(t, d.Msg)
		}
		if diags.Err() != nil {
			require.Nil(t, p)
			return
		}
		prog, err := compiler.Compile(p, compiler.Options{})
		if err != nil {
			require.Contains(t, err.Error(), "the kernel's limit is 4096")
			return
		}
		require.NoError(t, bpfasm.Verify(prog))
		g := difftest.New(uint64(len(src)), difftest.FromPolicy(p))
		for range 64 {
			d := g.Data()
			got, _, err := bpfasm.Run(prog, &d)
			require.NoError(t, err)
			require.Equal(t, p.Decide(d.Arch, uint32(d.Nr), &d.Args), policy.Action(got), "arch %#x nr %#x args %#x", d.Arch, uint32(d.Nr), d.Args)
		}
	})
}
