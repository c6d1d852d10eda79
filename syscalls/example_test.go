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
