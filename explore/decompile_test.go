package explore_test

import (
	"path/filepath"
	"testing"

	"github.com/scc-dev/scc/lang"
)

// TestRoundTripPolicies: compile(decompile(f)) ≡ f for every filter
// compiled from examples/ and testdata/policies/.
func TestRoundTripPolicies(t *testing.T) {
	for _, path := range policyFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			res := roundTrip(t, compileFile(t, path), 20_000)
			t.Logf("\n%s", lang.Format(res.File))
		})
	}
}
