// Package difftest generates the inputs of scc's differential tests: the
// seccomp_data values on which two deciders (a compiled program and
// policy.Decide, or two programs) must agree. Inputs are biased to where
// filters go wrong: the constants the filters compare against and their
// neighbours, hostile high words under matching low words, foreign and
// random arch values, x32 numbers and the numbers around every syscall.
package difftest

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/syscalls"
)

// PolicyFiles lists every policy the differential tests run on: the
// examples and testdata/policies, relative to the repository root.
func PolicyFiles(t testing.TB, root string) []string {
	var files []string
	for _, pat := range []string{"examples/*.pol", "testdata/policies/*.pol"} {
		m, err := filepath.Glob(filepath.Join(root, pat))
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.NotEmpty(t, files)
	return files
}

// Inputs is a deterministic generator of seccomp_data.
type Inputs struct {
	r      *rand.Rand
	arches []uint32
	nrs    []uint32
	values []uint64
	words  []uint32
}

// Values are the interesting numbers for one generator.
type Values struct {
	Args []uint64 // argument values (whole 64-bit)
	Nrs  []uint32 // syscall numbers
}

// FromPolicy collects a policy's constants and masks (and their
// neighbours) and the numbers of its syscalls (and theirs, and their x32
// twins).
func FromPolicy(p *policy.Policy) Values {
	var v Values
	for _, f := range p.Filters {
		for _, s := range f.Syscalls {
			v.Nrs = append(v.Nrs, s.Nr-1, s.Nr, s.Nr+1, s.Nr^syscalls.X32Bit)
			for _, r := range s.Rules {
				policy.Walk(r.Cond, func(c *policy.Cmp) {
					v.Args = append(v.Args, c.Value, c.Value-1, c.Value+1, c.Mask, ^c.Mask, c.Value|^c.Mask, c.Value&^1)
				})
			}
		}
	}
	return v
}

// FromPrograms collects the constants of BPF programs and their neighbours,
// as argument words and as syscall numbers.
func FromPrograms(progs ...[]bpfasm.Insn) Values {
	var v Values
	for _, p := range progs {
		for _, in := range p {
			for _, k := range []uint32{in.K, in.K - 1, in.K + 1, ^in.K, in.K ^ syscalls.X32Bit} {
				v.Args = append(v.Args, uint64(k))
				v.Nrs = append(v.Nrs, k)
			}
		}
	}
	return v
}

// New returns a generator seeded with seed, biased to v and to the usual
// edges (0, 1, all ones, sign bits, the x32 boundary).
func New(seed uint64, v Values) *Inputs {
	g := &Inputs{r: rand.New(rand.NewPCG(seed, 0x5cc))}
	for _, a := range syscalls.Arches() {
		if !slices.Contains(g.arches, a.AuditArch) {
			g.arches = append(g.arches, a.AuditArch)
		}
	}
	g.arches = append(g.arches, 0, 0xffffffff, syscalls.AuditArchX86_64^1)

	nrs := append([]uint32{0, 1, 0xffffffff, syscalls.X32Bit - 1, syscalls.X32Bit, 0x7fffffff, 0x80000000}, v.Nrs...)
	for _, a := range syscalls.Arches() {
		if a.X32 {
			for _, s := range a.Syscalls() {
				nrs = append(nrs, s.Nr, s.Nr&^syscalls.X32Bit)
			}
		}
	}
	g.nrs = sortedUnique(nrs)
	g.values = sortedUnique(append([]uint64{0, 1, ^uint64(0), 0xffffffff, 1 << 32, 0xffffffff00000000, 0x7fffffff, 0x80000000}, v.Args...))
	words := make([]uint32, 0, 2*len(g.values))
	for _, x := range g.values {
		words = append(words, uint32(x), uint32(x>>32))
	}
	g.words = sortedUnique(words)
	return g
}

func sortedUnique[T uint32 | uint64](xs []T) []T {
	slices.Sort(xs)
	return slices.Compact(xs)
}

// Value is one argument value.
func (g *Inputs) Value() uint64 {
	switch g.r.IntN(4) {
	case 0:
		return g.values[g.r.IntN(len(g.values))]
	case 1: // a matching low word under a hostile high word, and the reverse
		return uint64(g.words[g.r.IntN(len(g.words))])<<32 | uint64(g.words[g.r.IntN(len(g.words))])
	case 2:
		hi := []uint32{0, 1, 0xffffffff}[g.r.IntN(3)]
		return uint64(hi)<<32 | uint64(g.words[g.r.IntN(len(g.words))])
	}
	return g.r.Uint64()
}

// Args is one set of six argument values.
func (g *Inputs) Args() [6]uint64 {
	var a [6]uint64
	for i := range a {
		a[i] = g.Value()
	}
	return a
}

// ArgSets is n argument sets: all zero first, then generated ones.
func (g *Inputs) ArgSets(n int) [][6]uint64 {
	out := [][6]uint64{{}}
	for len(out) < n {
		out = append(out, g.Args())
	}
	return out
}

// Data is one generated input.
func (g *Inputs) Data() bpfasm.Data {
	d := bpfasm.Data{IP: g.r.Uint64(), Args: g.Args()}
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
	return d
}

// Each calls f on every syscall number of every ABI, with zero arguments
// and argSets-1 generated argument sets, then on n generated inputs.
func (g *Inputs) Each(n, argSets int, f func(bpfasm.Data)) {
	for _, a := range syscalls.Arches() {
		for _, s := range a.Syscalls() {
			for _, args := range g.ArgSets(argSets) {
				f(bpfasm.Data{Arch: a.AuditArch, Nr: int32(s.Nr), Args: args})
			}
		}
	}
	for i := 0; i < n; i++ {
		f(g.Data())
	}
}

// Disagreement is an input on which two programs return different actions.
type Disagreement struct {
	Data bpfasm.Data
	A, B uint32
}

func (d Disagreement) String() string {
	return fmt.Sprintf("arch %#x nr %#x args %#x: %#x vs %#x", d.Data.Arch, uint32(d.Data.Nr), d.Data.Args, d.A, d.B)
}

// ComparePrograms runs a and b on the inputs of Each (every syscall number
// with three argument sets, then n generated from both programs' constants),
// leaving out those skip reports (nil: none). It returns how many inputs
// ran and the first ten disagreements; an emulator error fails t.
func ComparePrograms(t testing.TB, a, b []bpfasm.Insn, n int, skip func(bpfasm.Data) bool) (tried int, diffs []Disagreement) {
	t.Helper()
	New(uint64(len(a)*31+len(b)), FromPrograms(a, b)).Each(n, 3, func(d bpfasm.Data) {
		if skip != nil && skip(d) {
			return
		}
		tried++
		ra, _, err := bpfasm.Run(a, &d)
		require.NoError(t, err)
		rb, _, err := bpfasm.Run(b, &d)
		require.NoError(t, err)
		if ra != rb && len(diffs) < 10 {
			diffs = append(diffs, Disagreement{d, ra, rb})
		}
	})
	return tried, diffs
}
