package lint

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/policy"
)

func cmp(arg int, mask uint64, op policy.Op, v uint64) *policy.Cmp {
	return &policy.Cmp{Arg: arg, Mask: mask, Op: op, Value: v}
}

func TestSatisfiableCases(t *testing.T) {
	all := ^uint64(0)
	for _, tc := range []struct {
		name string
		e    policy.Expr
		sat  bool
	}{
		{"nil is always", nil, true},
		{"true", policy.Bool(true), true},
		{"false", policy.Bool(false), false},
		{"empty range", &policy.And{X: cmp(0, all, policy.GT, 5), Y: cmp(0, all, policy.LT, 6)}, false},
		{"one-point range", &policy.And{X: cmp(0, all, policy.GE, 5), Y: cmp(0, all, policy.LE, 5)}, true},
		{"point excluded", &policy.And{X: &policy.And{X: cmp(0, all, policy.GE, 5), Y: cmp(0, all, policy.LE, 5)}, Y: cmp(0, all, policy.NE, 5)}, false},
		{"two values", &policy.And{X: cmp(1, 0xffffffff, policy.EQ, 1), Y: cmp(1, 0xffffffff, policy.EQ, 2)}, false},
		{"different args", &policy.And{X: cmp(1, all, policy.EQ, 1), Y: cmp(2, all, policy.EQ, 2)}, true},
		{"masks overlap", &policy.And{X: cmp(0, 3, policy.EQ, 1), Y: cmp(0, 1, policy.EQ, 0)}, false},
		{"masks disjoint", &policy.And{X: cmp(0, 3, policy.EQ, 1), Y: cmp(0, 4, policy.EQ, 4)}, true},
		// x & 0xf0 >= 0x10 needs a bit among 4..7, which x & 0xf0 == 0 forbids.
		{"mask and range", &policy.And{X: cmp(0, 0xf0, policy.GE, 0x10), Y: cmp(0, 0xff, policy.LT, 0x10)}, false},
		// O_ACCMODE == O_RDONLY && (flags & (O_WRONLY|O_RDWR)) != 0
		{"accmode", &policy.And{X: cmp(2, 3, policy.EQ, 0), Y: cmp(2, 3, policy.NE, 0)}, false},
		{"not of or", &policy.Not{X: &policy.Or{X: cmp(0, all, policy.LE, 10), Y: cmp(0, all, policy.GE, 5)}}, false},
		{"not of and", &policy.Not{X: &policy.And{X: cmp(0, all, policy.LE, 10), Y: cmp(0, all, policy.GE, 5)}}, true},
		{"high word", &policy.And{X: cmp(0, all, policy.GT, 0xffffffff), Y: cmp(0, 0xffffffff, policy.EQ, 0)}, true},
		{"masked value above mask", cmp(0, 0xf, policy.GE, 0x10), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, sat, known := Satisfiable(tc.e)
			require.True(t, known)
			require.Equal(t, tc.sat, sat)
			if sat && tc.e != nil {
				assert.True(t, tc.e.Eval(&w), "witness %#x", w)
			}
		})
	}
}

// bits are the only bit positions the generated conditions mention, so a
// condition's truth depends only on which of them are set in each argument:
// enumerating their 16 combinations per argument is an exhaustive search.
var bits = [4]uint{0, 1, 31, 63}

func spread(n uint64) uint64 { // the 4-bit number n placed on bits
	var x uint64
	for i, b := range bits {
		x |= (n >> i & 1) << b
	}
	return x
}

func randExpr(r *rand.Rand, depth int) policy.Expr {
	if depth == 0 || r.IntN(3) == 0 {
		if r.IntN(20) == 0 {
			return policy.Bool(r.IntN(2) == 0)
		}
		mask := spread(r.Uint64N(16))
		if r.IntN(3) == 0 {
			mask = spread(15) // every bit that matters: an unmasked comparison
		}
		return cmp(r.IntN(2), mask, policy.Op(r.IntN(6)), spread(r.Uint64N(16)))
	}
	switch r.IntN(3) {
	case 0:
		return &policy.And{X: randExpr(r, depth-1), Y: randExpr(r, depth-1)}
	case 1:
		return &policy.Or{X: randExpr(r, depth-1), Y: randExpr(r, depth-1)}
	}
	return &policy.Not{X: randExpr(r, depth-1)}
}

func bruteForce(e policy.Expr) bool {
	for a := range uint64(16) {
		for b := range uint64(16) {
			args := [6]uint64{spread(a), spread(b)}
			if e.Eval(&args) {
				return true
			}
		}
	}
	return false
}

// TestSatisfiableAgainstBruteForce cross-checks the decision procedure with
// exhaustive evaluation on generated conditions, including the shape the
// shadowing check asks about: cond_j && !cond_1 && ... && !cond_{j-1}.
func TestSatisfiableAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	counts := map[bool]int{}
	for i := range 20_000 {
		var e policy.Expr = randExpr(r, 4)
		if i%2 == 1 {
			for range 1 + r.IntN(4) {
				e = &policy.And{X: e, Y: &policy.Not{X: randExpr(r, 3)}}
			}
		}
		w, sat, known := Satisfiable(e)
		require.True(t, known, "%s", e)
		require.Equal(t, bruteForce(e), sat, "%s", e)
		if sat {
			require.True(t, e.Eval(&w), "%s: witness %#x", e, w)
		}
		counts[sat]++
	}
	// Both answers must be well represented, or the test proves little.
	assert.Greater(t, counts[true], 2000)
	assert.Greater(t, counts[false], 2000)
	t.Logf("satisfiable: %d, unsatisfiable: %d", counts[true], counts[false])
}

// TestSatisfiableManyComparisons is the shape a recorded policy produces:
// a long list of allowed values, negated by a later rule's reachability
// check. It must stay fast and exact.
func TestSatisfiableManyComparisons(t *testing.T) {
	var list policy.Expr = policy.Bool(false)
	for v := range uint64(300) {
		list = &policy.Or{X: list, Y: cmp(1, 0xffffffff, policy.EQ, v)}
	}
	below := cmp(1, 0xffffffff, policy.LT, 300)
	_, sat, known := Satisfiable(&policy.And{X: below, Y: &policy.Not{X: list}})
	require.True(t, known)
	require.False(t, sat, "every value below 300 is listed")

	w, sat, known := Satisfiable(&policy.And{X: cmp(1, 0xffffffff, policy.LE, 300), Y: &policy.Not{X: list}})
	require.True(t, known)
	require.True(t, sat)
	require.Equal(t, uint64(300), w[1]&0xffffffff)
}

func ExampleSatisfiable() {
	// flags & O_ACCMODE == O_RDONLY && flags & (O_WRONLY|O_RDWR) != 0
	e := &policy.And{
		X: &policy.Cmp{Arg: 2, Mask: 3, Op: policy.EQ, Value: 0},
		Y: &policy.Cmp{Arg: 2, Mask: 3, Op: policy.NE, Value: 0},
	}
	_, sat, _ := Satisfiable(e)
	fmt.Println(sat)
	w, sat, _ := Satisfiable(&policy.Cmp{Arg: 0, Mask: ^uint64(0), Op: policy.GT, Value: 41})
	fmt.Println(sat, w[0])
	// Output:
	// false
	// true 42
}

// TestShadowingAgainstBruteForce checks the question the linter asks of a
// syscall's rules, "does rule j decide some call?", against first-match
// evaluation of every input that matters.
func TestShadowingAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	var shadowed, reachable int
	for range 3000 {
		s := &policy.Syscall{Name: "read"}
		for range 1 + r.IntN(5) {
			var cond policy.Expr
			if r.IntN(8) != 0 {
				cond = randExpr(r, 3)
			}
			s.Rules = append(s.Rules, policy.Rule{Cond: cond})
		}
		decided := make([]bool, len(s.Rules)+1)
		for a := range uint64(16) {
			for b := range uint64(16) {
				args := [6]uint64{spread(a), spread(b)}
				j := 0
				for j < len(s.Rules) && s.Rules[j].Cond != nil && !s.Rules[j].Cond.Eval(&args) {
					j++
				}
				decided[j] = true
			}
		}
		for j := range decided {
			_, sat, known := Satisfiable(decides(s, j))
			require.True(t, known)
			require.Equal(t, decided[j], sat, "rule %d of %v", j, s.Rules)
			if sat {
				reachable++
			} else {
				shadowed++
			}
		}
	}
	assert.Greater(t, shadowed, 1000)
	assert.Greater(t, reachable, 1000)
}

// TestSatisfiableWitness64 runs on conditions over whole 64-bit values,
// where no exhaustive check is possible: every witness must satisfy its
// condition, and for an unsatisfiable one, inputs built from its constants
// (where a counterexample would most likely be) must not.
func TestSatisfiableWitness64(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	consts := []uint64{0, 1, 2, 0xff, 0x100, 0x7fffffff, 0x80000000, 0xffffffff, 1 << 32, 0xffffffff00000000, ^uint64(0), ^uint64(0) - 1}
	var gen func(depth int) policy.Expr
	gen = func(depth int) policy.Expr {
		if depth == 0 || r.IntN(3) == 0 {
			return cmp(r.IntN(2), consts[r.IntN(len(consts))], policy.Op(r.IntN(6)), consts[r.IntN(len(consts))])
		}
		switch r.IntN(3) {
		case 0:
			return &policy.And{X: gen(depth - 1), Y: gen(depth - 1)}
		case 1:
			return &policy.Or{X: gen(depth - 1), Y: gen(depth - 1)}
		}
		return &policy.Not{X: gen(depth - 1)}
	}
	var probes []uint64
	for _, c := range consts {
		probes = append(probes, c, c-1, c+1)
	}
	for range 5000 {
		e := gen(4)
		w, sat, known := Satisfiable(e)
		require.True(t, known)
		if sat {
			require.True(t, e.Eval(&w), "%s: witness %#x", e, w)
			continue
		}
		for _, a := range probes {
			for _, b := range probes {
				args := [6]uint64{a, b}
				require.False(t, e.Eval(&args), "%s is called unsatisfiable but holds for %#x", e, args)
			}
		}
	}
}

// FuzzSatisfiable builds conditions from the fuzzer's bytes over the bits
// that brute force covers exhaustively.
func FuzzSatisfiable(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7})
	f.Add([]byte{200, 13, 7, 99, 1, 0, 255, 42, 17, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64 {
			return
		}
		r := rand.New(rand.NewPCG(0, 0))
		pos := 0
		next := func(n int) int {
			if pos < len(data) {
				pos++
				return int(data[pos-1]) % n
			}
			return r.IntN(n)
		}
		var gen func(depth int) policy.Expr
		gen = func(depth int) policy.Expr {
			if depth == 0 || next(3) == 0 {
				return cmp(next(2), spread(uint64(next(16))), policy.Op(next(6)), spread(uint64(next(16))))
			}
			switch next(3) {
			case 0:
				return &policy.And{X: gen(depth - 1), Y: gen(depth - 1)}
			case 1:
				return &policy.Or{X: gen(depth - 1), Y: gen(depth - 1)}
			}
			return &policy.Not{X: gen(depth - 1)}
		}
		e := gen(5)
		w, sat, known := Satisfiable(e)
		if !known {
			t.Fatalf("%s: gave up", e)
		}
		if sat != bruteForce(e) {
			t.Fatalf("%s: Satisfiable says %v", e, sat)
		}
		if sat && !e.Eval(&w) {
			t.Fatalf("%s: witness %#x does not satisfy it", e, w)
		}
	})
}
