package compiler_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/syscalls"
)

// benchPolicy is an allowlist of n x86_64 syscalls, with a few argument
// rules, for the ABIs given. Every fifth syscall is left out, so that the
// allowed numbers do not merge into one range and the dispatch tree has
// about 2n/5 spans to search, as in a real allowlist.
func benchPolicy(b *testing.B, n int, arches string) *policy.Policy {
	x86, _ := syscalls.ArchByName("x86_64")
	var names []string
	for i, s := range x86.Syscalls() {
		if len(names) == n {
			break
		}
		if i%5 == 4 || s.Name == "socket" || s.Name == "kill" {
			continue
		}
		names = append(names, s.Name)
	}
	if len(names) != n {
		b.Fatalf("only %d syscalls for a %d-syscall policy", len(names), n)
	}
	src := fmt.Sprintf("arch %s\ndefault errno(EPERM)\nallow %s\nallow socket if domain == AF_INET || domain == AF_UNIX\nallow kill if sig == SIGTERM\n",
		arches, strings.Join(names, ", "))
	p, diags := resolve.Load("bench.pol", []byte(src), resolve.Options{})
	if err := diags.Err(); err != nil {
		b.Fatal(err)
	}
	return p
}

func benchCompile(b *testing.B, p *policy.Policy) {
	b.ReportAllocs()
	var n int
	for b.Loop() {
		prog, err := compiler.Compile(p, compiler.Options{})
		if err != nil {
			b.Fatal(err)
		}
		n = len(prog)
	}
	b.ReportMetric(float64(n), "insns")
}

// BenchmarkCompile300 compiles a 300-syscall allowlist for x86_64.
func BenchmarkCompile300(b *testing.B) { benchCompile(b, benchPolicy(b, 300, "x86_64")) }

// BenchmarkCompile3Arch compiles the same allowlist for x86_64, i386 and x32.
func BenchmarkCompile3Arch(b *testing.B) { benchCompile(b, benchPolicy(b, 300, "x86_64, i386, x32")) }

// BenchmarkCompileDocker compiles Docker's default profile for x86_64, i386
// and x32 (resolve/testdata/docker3.pol), issue 5's benchmark input.
func BenchmarkCompileDocker(b *testing.B) {
	p, diags := resolve.LoadFile("../resolve/testdata/docker3.pol", resolve.Options{})
	if err := diags.Err(); err != nil {
		b.Fatal(err)
	}
	benchCompile(b, p)
}
