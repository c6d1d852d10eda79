package docker_test

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/backend/docker"
	"github.com/scc-dev/scc/backend/oci"
	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/internal/difftest"
	"github.com/scc-dev/scc/internal/libseccomp"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/syscalls"
)

// exportable are the example and test policies that must export; the others
// must fail, with the messages in TestExportErrors.
var exportable = map[string]bool{
	"readonly.pol": true, "nofork.pol": true, "nginx.pol": true,
	"compare64.pol": true, "firstmatch.pol": true,
	// big.pol is checked in TestEquivalenceBig, a few syscalls at a time.
}

// TestExportErrors: the policies that cannot be exported say why, at the rule.
func TestExportErrors(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"../../testdata/policies/x32only.pol", "badarch errno(ENOSYS): a container profile cannot set the bad-arch action"},
		{"../../testdata/policies/multiarch.pol", "multiarch.pol:12:1: openat means different things on"},
		{"../../testdata/policies/multiarch.pol", "the policy uses notify: a runtime needs a listener path"},
	} {
		_, err := oci.Export(load(t, tc.file), oci.Options{})
		require.ErrorContains(t, err, tc.want, tc.file)
	}
}

// compileDeadline bounds one libseccomp compilation: a profile shape that
// makes libseccomp loop must fail the test, not hang the suite.
const compileDeadline = 20 * time.Second

func policyFiles(t testing.TB) []string {
	var files []string
	for _, pat := range []string{"../../examples/*.pol", "../../testdata/policies/*.pol"} {
		m, err := filepath.Glob(pat)
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.NotEmpty(t, files)
	return files
}

func load(t testing.TB, path string) *policy.Policy {
	p, diags := resolve.LoadFile(path, resolve.Options{})
	require.NoError(t, diags.Err(), "resolve %s", path)
	return p
}

// TestEquivalence is the export's proof. Each exportable policy is written
// as a Docker profile, loaded by moby's own loader, compiled by libseccomp
// the way runc drives it, and the resulting BPF is emulated on every
// syscall number of the targets and on generated inputs biased to the
// policy's constants; it must return what policy.Decide says.
//
// Two documented differences are allowed: a call from an ABI the policy
// does not target gets libseccomp's SCMP_ACT_KILL (kill_thread) where the
// policy says kill; and calls the runtime cannot see as the policy does
// (the host's native ABI when the policy does not target it, names this
// libseccomp does not know) are counted and skipped.
func TestEquivalence(t *testing.T) {
	native, err := libseccomp.Native()
	require.NoError(t, err)
	for _, path := range policyFiles(t) {
		name := filepath.Base(path)
		if !exportable[name] {
			continue
		}
		t.Run(name, func(t *testing.T) {
			p := load(t, path)
			js, err := docker.JSON(p, oci.Options{ListenerPath: "/run/scc.sock"})
			require.NoError(t, err)
			spec, err := libseccomp.FromDocker(js)
			require.NoError(t, err)
			prog, err := libseccomp.CompileWithin(spec, compileDeadline)
			require.NoError(t, err)

			c := &checker{t: t, p: p, prog: prog, skipNr: map[uint32]map[uint32]bool{}}
			for _, f := range p.Filters {
				if oci.ArchName(f.Arch) == native {
					c.nativeTarget = true
				}
				skip := map[uint32]bool{}
				for _, s := range f.Syscalls {
					if !libseccomp.Known(s.Name, oci.ArchName(f.Arch)) {
						skip[s.Nr] = true
					}
				}
				c.skipNr[f.Arch.AuditArch] = skip
				if len(skip) > 0 {
					t.Logf("%s: %d syscalls unknown to this libseccomp, skipped", f.Arch.Name, len(skip))
				}
			}
			g := difftest.New(7+uint64(len(path)), difftest.FromPolicy(p))
			for _, f := range p.Filters {
				for _, s := range f.Arch.Syscalls() {
					for _, args := range g.ArgSets(4) {
						c.check(bpfasm.Data{Arch: f.Arch.AuditArch, Nr: int32(s.Nr), Args: args})
					}
				}
			}
			for i := 0; i < 20_000; i++ {
				c.check(g.Data())
			}
			t.Logf("%d inputs compared, %d skipped, %d instructions from libseccomp, profile %d bytes", c.n, c.skipped, len(prog), len(js))
			require.Zero(t, c.fails, "%d of %d inputs disagree", c.fails, c.n)
			require.Greater(t, c.n, 20_000)
		})
	}
}

// TestEquivalenceBig is TestEquivalence for testdata/policies/big.pol, whose
// lowering used to make Debian's libseccomp 2.5.4 loop forever (two rules
// sharing an ordering comparison; see oci's respell). As one profile it
// needs far more than the kernel's 4096 instructions under libseccomp, and
// libseccomp takes minutes to generate it, so the profile is compiled in
// slices of a few syscall names, each checked on its own syscalls, on every
// ABI, against the policy cut down to the same names.
func TestEquivalenceBig(t *testing.T) {
	p := load(t, "../../testdata/policies/big.pol")
	spec, err := oci.Export(p, oci.Options{})
	require.NoError(t, err)
	// Slices of at most maxEntries profile entries, whole names at a time.
	const maxEntries = 100
	entries := map[string]int{}
	var names []string
	for _, c := range spec.Syscalls {
		for _, n := range c.Names {
			if entries[n] == 0 {
				names = append(names, n)
			}
			entries[n]++
		}
	}
	var slices [][]string
	for i, n := 0, 0; i < len(names); i++ {
		if len(slices) == 0 || n+entries[names[i]] > maxEntries {
			slices = append(slices, nil)
			n = 0
		}
		slices[len(slices)-1] = append(slices[len(slices)-1], names[i])
		n += entries[names[i]]
	}
	total := 0
	for si, slice := range slices {
		part := map[string]bool{}
		for _, n := range slice {
			part[n] = true
		}
		sub := *spec
		sub.Syscalls = nil
		for _, c := range spec.Syscalls {
			var keep []string
			for _, n := range c.Names {
				if part[n] {
					keep = append(keep, n)
				}
			}
			if len(keep) > 0 {
				c.Names = keep
				sub.Syscalls = append(sub.Syscalls, c)
			}
		}
		prog, err := libseccomp.CompileWithin(&sub, compileDeadline)
		require.NoError(t, err, "names %v", slice)

		cut := &policy.Policy{Default: p.Default, BadArch: p.BadArch}
		for _, f := range p.Filters {
			nf := &policy.Filter{Arch: f.Arch}
			for _, s := range f.Syscalls {
				if part[s.Name] {
					nf.Syscalls = append(nf.Syscalls, s)
				}
			}
			cut.Filters = append(cut.Filters, nf)
		}
		c := &checker{t: t, p: cut, prog: prog, nativeTarget: true, skipNr: map[uint32]map[uint32]bool{}}
		g := difftest.New(11+uint64(si), difftest.FromPolicy(cut))
		for _, f := range cut.Filters {
			skip := map[uint32]bool{}
			for _, s := range f.Syscalls {
				if !libseccomp.Known(s.Name, oci.ArchName(f.Arch)) {
					skip[s.Nr] = true
				}
			}
			c.skipNr[f.Arch.AuditArch] = skip
			for _, s := range f.Syscalls {
				for _, args := range g.ArgSets(200) {
					c.check(bpfasm.Data{Arch: f.Arch.AuditArch, Nr: int32(s.Nr), Args: args})
				}
			}
		}
		require.Zero(t, c.fails, "%d of %d inputs disagree", c.fails, c.n)
		total += c.n
	}
	t.Logf("%d syscall names in %d slices, %d inputs compared", len(names), len(slices), total)
	require.Greater(t, total, 100_000)
}

type checker struct {
	t                 *testing.T
	p                 *policy.Policy
	prog              []bpfasm.Insn
	nativeTarget      bool
	skipNr            map[uint32]map[uint32]bool
	n, fails, skipped int
}

func (c *checker) check(d bpfasm.Data) {
	nr := uint32(d.Nr)
	f := c.p.Lookup(d.Arch, nr)
	if f == nil && !c.nativeTarget && d.Arch == syscalls.Host().AuditArch {
		c.skipped++ // libseccomp always adds the native ABI
		return
	}
	if f != nil && c.skipNr[f.Arch.AuditArch][nr] {
		c.skipped++
		return
	}
	if f == nil && d.Arch == syscalls.AuditArchX86_64 && nr == 0xffffffff {
		// libseccomp lets nr -1 (a tracer skipping the call) through to the
		// rules on x86_64 rather than treat it as x32's.
		c.skipped++
		return
	}
	c.n++
	got, _, err := bpfasm.Run(c.prog, &d)
	require.NoError(c.t, err)
	want := c.p.Decide(d.Arch, nr, &d.Args)
	if f == nil && want == policy.KillProcess && policy.Action(got) == policy.KillThread {
		return // documented: libseccomp's bad-arch action kills the thread
	}
	if policy.Action(got) != want {
		c.fails++
		if c.fails <= 10 {
			c.t.Errorf("arch %#x nr %#x args %#x: libseccomp's filter says %s, policy says %s", d.Arch, nr, d.Args, policy.Action(got), want)
		}
	}
}

// TestPolicyTests runs the policies' own test statements on libseccomp's
// compilation of the export.
func TestPolicyTests(t *testing.T) {
	for _, path := range policyFiles(t) {
		if !exportable[filepath.Base(path)] {
			continue
		}
		p := load(t, path)
		spec, err := oci.Export(p, oci.Options{})
		require.NoError(t, err)
		prog, err := libseccomp.CompileWithin(spec, compileDeadline)
		require.NoError(t, err, path)
		for _, tc := range p.Tests {
			d := bpfasm.Data{Arch: tc.Arch.AuditArch, Nr: int32(tc.Nr), Args: tc.Args}
			got, _, err := bpfasm.Run(prog, &d)
			require.NoError(t, err)
			require.Equal(t, tc.Want.String(), policy.Action(got).String(), "%s: %s on %s", tc.Pos, tc.Text, tc.Arch.Name)
		}
	}
}

// TestStrictJSON checks that the profile decodes into moby's type with no
// unknown fields, and that what it encodes is what the OCI export says.
func TestStrictJSON(t *testing.T) {
	for _, path := range policyFiles(t) {
		if !exportable[filepath.Base(path)] {
			continue
		}
		p := load(t, path)
		js, err := docker.JSON(p, oci.Options{})
		require.NoError(t, err)
		spec, err := oci.Export(p, oci.Options{})
		require.NoError(t, err)
		loaded, err := libseccomp.FromDocker(js)
		require.NoError(t, err)
		a, _ := json.Marshal(spec)
		b, _ := json.Marshal(loaded)
		require.JSONEq(t, string(a), string(b), path)
	}
}
