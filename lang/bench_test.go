package lang

import (
	"os"
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

// BenchmarkParseSmall parses a typical hand-written policy.
func BenchmarkParseSmall(b *testing.B) {
	src := []byte(`arch x86_64
default errno(EPERM)
set @io = read, write, close
allow @io
allow write if fd == 1 && count <= 4096
errno(EACCES) openat if flags & O_ACCMODE != O_RDONLY
test openat(AT_FDCWD, 0, O_RDONLY) => allow
`)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Parse("bench.pol", src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseDocker parses Docker's default profile for three ABIs
// (resolve/testdata/docker3.pol): issue 5's whole-process input, where a
// rule names some 400 syscalls.
func BenchmarkParseDocker(b *testing.B) {
	src, err := os.ReadFile("../resolve/testdata/docker3.pol")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("docker3.pol", src); err != nil {
			b.Fatal(err)
		}
	}
}
