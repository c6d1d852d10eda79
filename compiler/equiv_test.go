package compiler_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/internal/difftest"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/syscalls"
)

// policyFiles are every policy the differential tests run on.
func policyFiles(t testing.TB) []string { return difftest.PolicyFiles(t, "..") }

func load(t testing.TB, path string) (*policy.Policy, []bpfasm.Insn) {
	p, diags := resolve.LoadFile(path, resolve.Options{})
	require.NoError(t, diags.Err(), "resolve %s", path)
	prog, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err, "compile %s", path)
	return p, prog
}

// checker compares the emulated program with the policy's own meaning.
type checker struct {
	t        *testing.T
	p        *policy.Policy
	prog     []bpfasm.Insn
	n, fails int
}

func (c *checker) check(d bpfasm.Data) {
	c.n++
	got, _, err := bpfasm.Run(c.prog, &d)
	require.NoError(c.t, err)
	want := c.p.Decide(d.Arch, uint32(d.Nr), &d.Args)
	if policy.Action(got) != want {
		c.fails++
		if c.fails <= 10 {
			c.t.Errorf("arch %#x nr %#x args %#x: filter says %s, policy says %s", d.Arch, uint32(d.Nr), d.Args, policy.Action(got), want)
		}
	}
}

// TestEquivalence is the compiler's proof: on every syscall number of every
// ABI and on generated inputs biased to the policy's own constants and to
// boundaries (high words 0, 1, 0xffffffff; foreign arches; x32 numbers), the
// emulated BPF returns exactly what the policy means.
func TestEquivalence(t *testing.T) {
	for _, path := range policyFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			p, prog := load(t, path)
			c := &checker{t: t, p: p, prog: prog}
			g := difftest.New(uint64(len(path)), difftest.FromPolicy(p))
			g.Each(100_000, 4, c.check)
			// Each covers every syscall in the tables; the gaps between them
			// and the first numbers past the end are numbers a caller can
			// pass too, and the compiler merges them into spans.
			gaps := 0
			for _, a := range syscalls.Arches() {
				lo := uint32(0)
				if a.X32 {
					lo = syscalls.X32Bit
				}
				for nr := lo; nr <= a.MaxNr()+2; nr++ {
					if _, ok := a.SyscallName(nr); ok {
						continue
					}
					gaps++
					for _, args := range g.ArgSets(2) {
						c.check(bpfasm.Data{Arch: a.AuditArch, Nr: int32(nr), Args: args})
					}
				}
			}
			require.Positive(t, gaps)
			t.Logf("%d inputs (%d numbers in or just past the tables' gaps), %d instructions", c.n, gaps, len(prog))
			require.Zero(t, c.fails, "%d of %d inputs disagree", c.fails, c.n)
		})
	}
}

// TestPolicyTests runs the policies' own test statements through the
// emulator.
func TestPolicyTests(t *testing.T) {
	for _, path := range policyFiles(t) {
		p, prog := load(t, path)
		for _, tc := range p.Tests {
			d := bpfasm.Data{Arch: tc.Arch.AuditArch, Nr: int32(tc.Nr), Args: tc.Args}
			got, _, err := bpfasm.Run(prog, &d)
			require.NoError(t, err)
			require.Equal(t, tc.Want.String(), policy.Action(got).String(), "%s: %s on %s", tc.Pos, tc.Text, tc.Arch.Name)
		}
	}
}

// TestEquivalenceEnosysNewer is TestEquivalence with Options.NewerAction,
// against DecideNewer, plus each ABI's boundary numbers explicitly.
func TestEquivalenceEnosysNewer(t *testing.T) {
	enosys := policy.Errno(38)
	for _, path := range policyFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			p, diags := resolve.LoadFile(path, resolve.Options{})
			require.NoError(t, diags.Err())
			prog, err := compiler.Compile(p, compiler.Options{NewerAction: &enosys})
			require.NoError(t, err)
			n, fails := 0, 0
			check := func(d bpfasm.Data) {
				n++
				got, _, err := bpfasm.Run(prog, &d)
				require.NoError(t, err)
				want := compiler.DecideNewer(p, &enosys, d.Arch, uint32(d.Nr), &d.Args)
				if policy.Action(got) != want {
					fails++
					if fails <= 10 {
						t.Errorf("arch %#x nr %#x: filter says %s, policy says %s", d.Arch, uint32(d.Nr), policy.Action(got), want)
					}
				}
			}
			newer := 0
			for _, f := range p.Filters {
				top := f.Arch.MaxNr()
				for _, nr := range []uint32{top - 1, top, top + 1, top + 2, top + 1000} {
					d := bpfasm.Data{Arch: f.Arch.AuditArch, Nr: int32(nr)}
					check(d)
					if compiler.DecideNewer(p, &enosys, d.Arch, nr, &d.Args) == enosys && p.Default != enosys {
						newer++
					}
				}
			}
			g := difftest.New(uint64(len(path))+1, difftest.FromPolicy(p))
			g.Each(20_000, 2, check)
			require.Zero(t, fails, "%d of %d inputs disagree", fails, n)
			if p.Default != enosys && len(p.Filters) > 0 {
				require.Positive(t, newer, "numbers above the table must get ENOSYS")
			}
		})
	}
}
