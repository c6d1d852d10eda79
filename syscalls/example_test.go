package syscalls_test

import (
	"fmt"

	"github.com/scc-dev/scc/syscalls"
)

func ExampleArch_Params() {
	i386, _ := syscalls.ArchByName("i386")
	nr, _ := i386.Nr("pread64")
	params, _ := i386.Params("pread64")
	fmt.Println(nr)
	for _, p := range params {
		fmt.Printf("%s %s (%d bits)\n", p.Type, p.Name, p.Bits)
	}
	// Output:
	// 180
	// unsigned int fd (32 bits)
	// char * buf (32 bits)
	// size_t count (32 bits)
}

func ExampleErrnoName() {
	v, _ := syscalls.Errno("EWOULDBLOCK")
	name, _ := syscalls.ErrnoName(v)
	fmt.Println(v, name)
	// Output: 11 EAGAIN
}

func ExampleArch_Param() {
	aarch64, _ := syscalls.ArchByName("aarch64")
	// clone(2)'s names; the kernel calls them clone_flags and child_tidptr,
	// and aarch64 passes child_tidptr last.
	for _, name := range []string{"flags", "child_tid"} {
		i, p, _ := aarch64.Param("clone", name)
		fmt.Printf("%s: arg%d (%s, aliases %v)\n", name, i, p.Name, p.Aliases)
	}
	// Output:
	// flags: arg0 (clone_flags, aliases [flags])
	// child_tid: arg4 (child_tidptr, aliases [child_tid])
}
