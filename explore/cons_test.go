package explore_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/explore"
	"github.com/scc-dev/scc/policy"
)

func TestWordExact(t *testing.T) {
	for _, tc := range []struct {
		name string
		w    explore.Word
		want explore.Set
		ok   bool
	}{
		{"no atoms", explore.Word{Set: explore.Range(3, 9)}, explore.Range(3, 9), true},
		// Chromium's x32 test, jset 0x40000000 false, on x32's numbers.
		{"bit clear", explore.Word{Set: explore.Range(0x40000000, 0xffffffff), Atoms: []explore.Atom{{Mask: 0x40000000, Op: policy.EQ, K: 0}}},
			explore.Range(0x80000000, 0xbfffffff), true},
		{"masked range", explore.Word{Set: explore.Range(0, 0xffff), Atoms: []explore.Atom{{Mask: 0xff00, Op: policy.GE, K: 0xfe00}}},
			explore.Range(0xfe00, 0xffff), true},
		{"none", explore.Word{Set: explore.Range(0, 0xff), Atoms: []explore.Atom{{Mask: 0x100, Op: policy.NE, K: 0}}}, nil, true},
		// Every odd number: far more than 64 intervals.
		{"too scattered", explore.Word{Set: explore.Full, Atoms: []explore.Atom{{Mask: 1, Op: policy.EQ, K: 1}}}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.w.Exact(64)
			require.Equal(t, tc.ok, ok)
			if ok {
				assert.Equal(t, tc.want, got)
			}
		})
	}
}

// Exact agrees with Holds on random words, at every interval's edges and
// on random values.
func TestWordExactAgainstHolds(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ops := []policy.Op{policy.EQ, policy.NE, policy.LT, policy.LE, policy.GT, policy.GE}
	masks := []uint32{0x40000000, 0xc0000000, 0xff00, 0xf0f0, 0x80000001, 0x7fffffff}
	checked := 0
	for i := 0; i < 500; i++ {
		lo := r.Uint32()
		hi := lo + r.Uint32N(1<<uint(r.IntN(32)))
		if hi < lo {
			hi = ^uint32(0)
		}
		w := explore.Word{Set: explore.Range(lo, hi)}
		for j := r.IntN(3); j >= 0; j-- {
			m := masks[r.IntN(len(masks))]
			w = w.And(m, ops[r.IntN(len(ops))], r.Uint32()&m)
		}
		s, ok := w.Exact(64)
		if !ok {
			continue
		}
		checked++
		var probes []uint32
		for _, iv := range s {
			probes = append(probes, iv.Lo, iv.Hi, iv.Lo-1, iv.Hi+1)
		}
		for k := 0; k < 200; k++ {
			probes = append(probes, lo+r.Uint32N(hi-lo+1))
		}
		for _, v := range probes {
			require.Equal(t, w.Holds(v), s.Contains(v), "value %#x of %+v: %v", v, w, s)
		}
	}
	require.Greater(t, checked, 300)
}
