package compiler

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// factArena: what alloc handed out stays as it was written while later
// allocs (of any size, a chunk's and more included) and trims go on, and
// after reset, pass after pass.
func TestFactArena(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var a factArena
	for pass := range 4 {
		a.reset()
		var got [][]known
		for i := range 400 {
			n := r.IntN(12)
			if i%97 == 0 {
				n = arenaChunk + r.IntN(40) // longer than a chunk
			}
			ws := a.alloc(n)
			require.Len(t, ws, n)
			keep := n
			if n > 0 && r.IntN(3) == 0 {
				keep = r.IntN(n)
				a.trim(ws, keep)
			}
			ws = ws[:keep:keep]
			for j := range ws {
				ws[j] = known{word{uint32(pass), uint32(i)}, interval{uint32(j), 0}}
			}
			got = append(got, ws)
		}
		for i, ws := range got {
			for j, k := range ws {
				require.Equal(t, known{word{uint32(pass), uint32(i)}, interval{uint32(j), 0}}, k, "pass %d, slice %d, fact %d", pass, i, j)
			}
		}
	}
}
