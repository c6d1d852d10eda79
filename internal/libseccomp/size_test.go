package libseccomp

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dockerseccomp "github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/backend/oci"
	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/resolve"
)

// oci.LibseccompMinInsns must never exceed what libseccomp really builds:
// scc compile warns on it, and a bound that overshoots would warn about
// profiles that load.
func TestLibseccompMinInsnsIsALowerBound(t *testing.T) {
	check := func(t *testing.T, name string, s *specs.LinuxSeccomp) (bound, real int) {
		t.Helper()
		prog, err := CompileWithin(s, 5*time.Second)
		real = len(prog)
		var tooLong *TooLongError
		switch {
		case errors.Is(err, ErrTimeout):
			// Callers only compile profiles scc does not warn about.
			t.Errorf("%s: libseccomp did not finish in 5 s, and scc did not warn", name)
			return 0, 0
		case errors.As(err, &tooLong):
			real = tooLong.Insns
		default:
			require.NoError(t, err, name)
		}
		bound = oci.LibseccompMinInsns(s)
		assert.LessOrEqual(t, bound, real, "%s: bound %d, libseccomp %d", name, bound, real)
		return bound, real
	}

	t.Run("policies", func(t *testing.T) {
		files, err := filepath.Glob("../../testdata/policies/*.pol")
		require.NoError(t, err)
		examples, err := filepath.Glob("../../examples/*.pol")
		require.NoError(t, err)
		for _, f := range append(files, examples...) {
			if filepath.Base(f) == "big.pol" {
				continue // libseccomp 2.5.4 takes minutes on it (22,607 instructions)
			}
			p, diags := resolve.LoadFile(f, resolve.Options{})
			require.NoError(t, diags.Err())
			s, err := oci.Export(p, oci.Options{ListenerPath: "/run/agent.sock"})
			if err != nil {
				continue // not exportable (per-ABI rules, badarch errno): nothing to bound
			}
			bound, real := check(t, f, s)
			t.Logf("%s: bound %d, libseccomp %d", filepath.Base(f), bound, real)
		}
	})

	t.Run("docker default", func(t *testing.T) {
		raw, err := json.Marshal(dockerseccomp.DefaultProfile())
		require.NoError(t, err)
		s, err := FromDocker(raw)
		require.NoError(t, err)
		bound, real := check(t, "Docker's default", s)
		t.Logf("Docker's default: bound %d, libseccomp %d", bound, real)
	})

	// Generated profiles: many argument rules per syscall, shared and
	// repeated comparisons, every operator, one to three ABIs.
	t.Run("generated", func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 9))
		names := []string{"read", "write", "openat", "close", "mmap", "ioctl", "socket", "kill", "fcntl", "prctl"}
		// Ordering operators are left out: libseccomp 2.5.4 takes minutes,
		// or forever, on some profiles that share them.
		ops := []string{"==", "!=", "==", "!="}
		arches := []string{"x86_64", "x86_64, i386", "x86_64, i386, x32", "aarch64, arm", "aarch64"}
		values := []string{"0", "1", "7", "0x8000", "0xffffffff"}
		checked, warned := 0, 0
		for i := range 80 {
			var src strings.Builder
			arch := arches[r.IntN(len(arches))]
			fmt.Fprintf(&src, "arch %s\ndefault errno(EPERM)\n", arch)
			vals := values
			if !strings.Contains(arch, "i386") && !strings.Contains(arch, "arm") {
				vals = append(vals, "0x100000000")
			}
			for range 1 + r.IntN(8) {
				var conds []string
				for range 1 + r.IntN(3) {
					arg := fmt.Sprintf("arg%d", r.IntN(3))
					if r.IntN(4) == 0 {
						arg += " & 0xff"
					}
					conds = append(conds, fmt.Sprintf("%s %s %s", arg, ops[r.IntN(len(ops))], vals[r.IntN(len(vals))]))
				}
				action := []string{"allow", "errno(EACCES)", "log", "trap"}[r.IntN(4)]
				fmt.Fprintf(&src, "%s %s if %s\n", action, names[r.IntN(len(names))], strings.Join(conds, " && "))
			}
			name := fmt.Sprintf("generated-%d", i)
			p, diags := resolve.Load(name, []byte(src.String()), resolve.Options{})
			if diags.Err() != nil {
				continue // e.g. a 64-bit constant on a 32-bit ABI
			}
			s, err := oci.Export(p, oci.Options{})
			if err != nil {
				continue
			}
			if oci.LibseccompSizeWarning(s) != "" {
				// libseccomp may never return, and a goroutine stuck in C
				// spins until the test binary exits: only the bound is
				// checked here, with nothing to compare it to.
				warned++
				continue
			}
			bound, real := check(t, name+"\n"+src.String(), s)
			if bound > 0 {
				checked++
			}
			assert.LessOrEqual(t, real, bpfasm.MaxInsns, "libseccomp made a program the kernel refuses, and scc did not warn:\n%s", src.String())
		}
		t.Logf("%d generated profiles compiled by libseccomp without a warning, %d warned about", checked, warned)
		assert.Greater(t, checked, 30)
	})
}
