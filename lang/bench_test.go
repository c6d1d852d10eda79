package lang

import (
	"strings"
	"testing"
)

// BenchmarkParse parses a policy of 1000 conditional rules.
func BenchmarkParse(b *testing.B) {
	src := []byte(strings.Repeat("allow read if fd == 1 && count <= 4096  # comment\n", 1000))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Parse("bench.pol", src); err != nil {
			b.Fatal(err)
		}
	}
}
