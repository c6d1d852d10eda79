package compiler_test

import (
	"fmt"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/syscalls"
)

// The library in four steps: parse, resolve (check), compile, encode.
func Example() {
	src := []byte(`
arch x86_64
default errno(EPERM)
allow read, exit_group
allow write if fd == 1 && count <= 4096
`)
	file, err := lang.Parse("app.pol", src)
	if err != nil {
		panic(err)
	}
	pol, diags := resolve.Resolve(file, resolve.Options{})
	if err := diags.Err(); err != nil {
		panic(err)
	}
	prog, err := compiler.Compile(pol, compiler.Options{})
	if err != nil {
		panic(err)
	}
	raw := bpfasm.Encode(prog) // what the kernel, bwrap --seccomp or scc run load
	fmt.Println(len(raw) == 8*len(prog))

	// Run a call through the filter in the emulator.
	x86 := syscalls.Host()
	if x86.Name != "x86_64" {
		x86, _ = syscalls.ArchByName("x86_64")
	}
	write, _ := x86.Nr("write")
	// fd is an int: the kernel reads its low 32 bits, and so does the filter,
	// so 0x100000001 is fd 1 for both.
	for _, args := range [][6]uint64{{1, 0, 100}, {2, 0, 100}, {1, 0, 5000}, {1 | 1<<32, 0, 100}} {
		d := bpfasm.Data{Arch: x86.AuditArch, Nr: int32(write), Args: args}
		ret, _, _ := bpfasm.Run(prog, &d)
		fmt.Printf("write(%#x, _, %d): %s\n", args[0], args[2], policy.Action(ret))
	}
	// Output:
	// true
	// write(0x1, _, 100): allow
	// write(0x2, _, 100): errno(EPERM)
	// write(0x1, _, 5000): errno(EPERM)
	// write(0x100000001, _, 100): allow
}
