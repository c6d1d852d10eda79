package compiler_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/policy"
)

// Compiles share pooled buffers: compiling every test policy from several
// goroutines at once, over and over, must give each the bytes a lone
// compile gives, and a program already returned must not change when the
// next compile reuses the buffers.
func TestConcurrentCompiles(t *testing.T) {
	var pols []*policy.Policy
	var want [][]byte
	paths := policyFiles(t)
	for _, path := range paths {
		p, prog := load(t, path)
		pols = append(pols, p)
		want = append(want, bpfasm.Encode(prog))
	}
	first, err := compiler.Compile(pols[0], compiler.Options{})
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 5; round++ {
				for k := range pols {
					k := (k + g) % len(pols) // each goroutine in its own order
					prog, err := compiler.Compile(pols[k], compiler.Options{})
					if err == nil && string(bpfasm.Encode(prog)) != string(want[k]) {
						err = fmt.Errorf("%s compiled differently under concurrent compiles", paths[k])
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, want[0], bpfasm.Encode(first), "a returned program changed")
}
