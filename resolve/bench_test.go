package resolve

import (
	"os"
	"testing"

	"github.com/scc-dev/scc/lang"
)

// BenchmarkResolveDocker resolves Docker's default profile for x86_64, i386
// and x32 (testdata/docker3.pol, written by bench.DockerDefault with
// arguments), parsed once: the input of issue 5's whole-process timing.
func BenchmarkResolveDocker(b *testing.B) {
	src, err := os.ReadFile("testdata/docker3.pol")
	if err != nil {
		b.Fatal(err)
	}
	f, err := lang.Parse("docker3.pol", src)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := Resolve(f, Options{}); diags.Err() != nil {
			b.Fatal(diags.Err())
		}
	}
}
