package explore

import (
	"fmt"
	"sort"
	"strings"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/syscalls"
)

// Difference is a set of calls two filters decide differently.
type Difference struct {
	Arch    string // ABI name, or "other-arch" for audit arches scc does not know
	Syscall string // syscall names (comma-separated), or "nr RANGES" for numbers without one
	Nr      uint32 // the syscall's number (for ordering)
	A, B    policy.Action
	When    lang.Expr // nil: for every argument
}

func (d Difference) String() string {
	s := fmt.Sprintf("%s %s: %s → %s", d.Arch, d.Syscall, d.A, d.B)
	if d.When != nil {
		s += " when " + lang.FormatExpr(d.When)
	}
	return s
}

// Diff compares two programs by meaning: it explores both and intersects
// every pair of paths whose actions differ, so the result lists exactly the
// calls (per ABI, syscall and argument condition) on which they disagree.
// No differences means the programs are equivalent on every input, the
// instruction pointer aside when neither looks at it.
func Diff(a, b []bpfasm.Insn) ([]Difference, error) {
	pa, err := Explore(a)
	if err != nil {
		return nil, fmt.Errorf("first filter: %w", err)
	}
	pb, err := Explore(b)
	if err != nil {
		return nil, fmt.Errorf("second filter: %w", err)
	}
	return DiffPaths(pa, pb)
}

// MaxPairs bounds Diff's work: the number of path pairs it intersects.
const MaxPairs = 1 << 24

type diffKey struct {
	abi  int // index in syscalls.Arches(), or len for foreign arches
	nr   uint32
	name string
	a, b policy.Action
}

// DiffPaths is Diff on explored paths.
func DiffPaths(pa, pb []Path) ([]Difference, error) {
	if n := len(pa) * len(pb); n > MaxPairs {
		return nil, fmt.Errorf("explore: %d × %d paths is more than %d pairs to compare", len(pa), len(pb), MaxPairs)
	}
	var regions []Path // Action unused; actions kept alongside
	var acts [][2]policy.Action
	for i := range pa {
		for j := range pb {
			if pa[i].Action == pb[j].Action {
				continue
			}
			// Arch and number first: most pairs part there.
			if !pa[i].Cons[WordArch].Meet(pb[j].Cons[WordArch]).Feasible() || !pa[i].Cons[WordNr].Meet(pb[j].Cons[WordNr]).Feasible() {
				continue
			}
			c, ok := pa[i].Cons.Meet(&pb[j].Cons)
			if !ok {
				continue
			}
			regions = append(regions, Path{Cons: c})
			acts = append(acts, [2]policy.Action{pa[i].Action, pb[j].Action})
		}
	}
	found := map[diffKey][]alt{}
	var keys []diffKey
	add := func(k diffKey, as []alt) {
		if _, ok := found[k]; !ok {
			keys = append(keys, k)
		}
		found[k] = append(found[k], as...)
	}
	other := &syscalls.Arch{Name: "other-arch", WordBits: 64}
	arches := syscalls.Arches()
	for ri := range regions {
		r := &regions[ri]
		for ai, a := range arches {
			if !onABI(r, a) {
				continue
			}
			v := view{arch: a}
			for _, s := range a.Syscalls() {
				if as, _ := alts([]*Path{r}, view{arch: a, syscall: s.Name}, s.Nr); len(as) > 0 {
					add(diffKey{abi: ai, nr: s.Nr, name: s.Name, a: acts[ri][0], b: acts[ri][1]}, as)
				}
			}
			if unnamedOn(r, a) {
				nrs := Word{Set: r.Cons[WordNr].Set.Intersect(unnamedNrs()[a]), Atoms: r.Cons[WordNr].Atoms}
				add(diffKey{abi: ai, nr: nrs.Set[0].Lo, name: "nr " + nrs.describe("nr"), a: acts[ri][0], b: acts[ri][1]}, argAlts(r, v))
			}
		}
		if foreign(r) {
			name := "any syscall"
			if !r.Cons[WordNr].IsFree() {
				name = "nr " + r.Cons[WordNr].describe("nr")
			}
			add(diffKey{abi: len(arches), name: name, a: acts[ri][0], b: acts[ri][1]}, argAlts(r, view{arch: other}))
		}
	}
	sort.SliceStable(keys, func(i, j int) bool {
		if keys[i].abi != keys[j].abi {
			return keys[i].abi < keys[j].abi
		}
		return keys[i].nr < keys[j].nr
	})
	// Syscalls of one ABI that change the same way share a line.
	var out []Difference
	line := map[string]int{}
	for _, k := range keys {
		d := Difference{Syscall: k.name, Nr: k.nr, A: k.a, B: k.b, Arch: other.Name}
		if k.abi < len(arches) {
			d.Arch = arches[k.abi].Name
		}
		var cs []conj
		for _, a := range merge(found[k]) {
			cs = append(cs, a.when)
		}
		d.When = orExpr(cs)
		lk := fmt.Sprintf("%s|%s|%s|%v|%v", d.Arch, d.A, d.B, d.When != nil, strings.HasPrefix(k.name, "nr "))
		if d.When != nil {
			lk += lang.FormatExpr(d.When)
		}
		if i, ok := line[lk]; ok && !strings.HasPrefix(k.name, "nr ") {
			out[i].Syscall += ", " + d.Syscall
			continue
		}
		line[lk] = len(out)
		out = append(out, d)
	}
	return shorten(out), nil
}

// shorten writes a line that covers most of an ABI's syscalls as "every
// syscall except …", which is what a changed default looks like.
func shorten(ds []Difference) []Difference {
	for i, d := range ds {
		a, ok := syscalls.ArchByName(d.Arch)
		if !ok || strings.HasPrefix(d.Syscall, "nr ") {
			continue
		}
		names := strings.Split(d.Syscall, ", ")
		table := a.Syscalls()
		if len(names) <= len(table)/2 {
			continue
		}
		in := map[string]bool{}
		for _, n := range names {
			in[n] = true
		}
		var except []string
		for _, s := range table {
			if !in[s.Name] {
				except = append(except, s.Name)
			}
		}
		ds[i].Syscall = "every syscall"
		if len(except) > 0 {
			ds[i].Syscall += " except " + strings.Join(except, ", ")
		}
	}
	return ds
}

// argAlts is a region's argument condition as one alternative.
func argAlts(p *Path, v view) []alt {
	var ts []term
	for i := 0; i < 6; i++ {
		t, _ := v.argTerms(i, p.Cons[ArgWord(i, false)], p.Cons[ArgWord(i, true)])
		ts = append(ts, t...)
	}
	return []alt{{when: normalizeTerms(ts)}}
}
