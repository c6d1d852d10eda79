package compiler_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/syscalls"
)

// policyFiles are every policy the differential tests run on.
func policyFiles(t testing.TB) []string {
	var files []string
	for _, pat := range []string{"../examples/*.pol", "../testdata/policies/*.pol"} {
		m, err := filepath.Glob(pat)
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.NotEmpty(t, files)
	return files
}

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
			g := newInputs(p, rand.New(rand.NewPCG(1, uint64(len(path)))))
			for _, a := range syscalls.Arches() {
				for _, s := range a.Syscalls() {
					for _, args := range g.argSets(4) {
						c.check(bpfasm.Data{Arch: a.AuditArch, Nr: int32(s.Nr), Args: args})
					}
				}
			}
			for i := 0; i < 100_000; i++ {
				c.check(g.data())
			}
			t.Logf("%d inputs, %d instructions", c.n, len(prog))
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

// inputs generates seccomp_data biased to where filters go wrong.
type inputs struct {
	r      *rand.Rand
	arches []uint32
	nrs    []uint32
	words  []uint32 // interesting 32-bit halves
	values []uint64 // interesting whole values
}

func newInputs(p *policy.Policy, r *rand.Rand) *inputs {
	g := &inputs{r: r}
	seenArch := map[uint32]bool{}
	for _, a := range syscalls.Arches() {
		if !seenArch[a.AuditArch] {
			seenArch[a.AuditArch] = true
			g.arches = append(g.arches, a.AuditArch)
		}
	}
	g.arches = append(g.arches, 0, 0xffffffff, syscalls.AuditArchX86_64^1)
	nrSet := map[uint32]bool{0: true, 1: true, 0xffffffff: true, syscalls.X32Bit - 1: true, syscalls.X32Bit: true, 0x7fffffff: true, 0x80000000: true}
	vals := map[uint64]bool{0: true, 1: true, ^uint64(0): true, 0xffffffff: true, 1 << 32: true, 0xffffffff00000000: true, 0x7fffffff: true, 0x80000000: true}
	for _, f := range p.Filters {
		for _, s := range f.Syscalls {
			for _, d := range []uint32{s.Nr - 1, s.Nr, s.Nr + 1, s.Nr ^ syscalls.X32Bit} {
				nrSet[d] = true
			}
			for _, r := range s.Rules {
				walk(r.Cond, func(c *policy.Cmp) {
					for _, v := range []uint64{c.Value, c.Value - 1, c.Value + 1, c.Mask, ^c.Mask, c.Value | ^c.Mask, c.Value &^ 1} {
						vals[v] = true
					}
				})
			}
		}
		if f.Arch.X32 || f.Arch.AuditArch == syscalls.AuditArchX86_64 {
			for _, a := range syscalls.Arches() {
				if a.X32 {
					for _, s := range a.Syscalls() {
						nrSet[s.Nr] = true
						nrSet[s.Nr&^syscalls.X32Bit] = true
					}
				}
			}
		}
	}
	g.nrs = sortedKeys(nrSet)
	g.values = sortedKeys(vals)
	words := map[uint32]bool{}
	for _, v := range g.values {
		words[uint32(v)] = true
		words[uint32(v>>32)] = true
	}
	g.words = sortedKeys(words)
	return g
}

func sortedKeys[K uint32 | uint64](m map[K]bool) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func walk(e policy.Expr, f func(*policy.Cmp)) {
	switch e := e.(type) {
	case *policy.Cmp:
		f(e)
	case *policy.And:
		walk(e.X, f)
		walk(e.Y, f)
	case *policy.Or:
		walk(e.X, f)
		walk(e.Y, f)
	case *policy.Not:
		walk(e.X, f)
	}
}

func (g *inputs) value() uint64 {
	switch g.r.IntN(4) {
	case 0:
		return g.values[g.r.IntN(len(g.values))]
	case 1: // mix halves: a matching low word under a hostile high word
		return uint64(g.words[g.r.IntN(len(g.words))])<<32 | uint64(g.words[g.r.IntN(len(g.words))])
	case 2:
		hi := []uint32{0, 1, 0xffffffff}[g.r.IntN(3)]
		return uint64(hi)<<32 | uint64(g.words[g.r.IntN(len(g.words))])
	}
	return g.r.Uint64()
}

func (g *inputs) argSets(n int) [][6]uint64 {
	out := [][6]uint64{{}}
	for i := 1; i < n; i++ {
		var a [6]uint64
		for j := range a {
			a[j] = g.value()
		}
		out = append(out, a)
	}
	return out
}

func (g *inputs) data() bpfasm.Data {
	d := bpfasm.Data{IP: g.r.Uint64()}
	if g.r.IntN(8) == 0 {
		d.Arch = g.r.Uint32()
	} else {
		d.Arch = g.arches[g.r.IntN(len(g.arches))]
	}
	if g.r.IntN(10) == 0 {
		d.Nr = int32(g.r.Uint32())
	} else {
		d.Nr = int32(g.nrs[g.r.IntN(len(g.nrs))])
	}
	for j := range d.Args {
		d.Args[j] = g.value()
	}
	return d
}

var _ = fmt.Sprint
