package oci_test

import (
	"encoding/json"
	"fmt"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/scc-dev/scc/backend/oci"
	"github.com/scc-dev/scc/resolve"
)

// Export writes the linux.seccomp object of an OCI config. kill's sig is an
// int, which the kernel reads as 32 bits: the profile compares it masked,
// so that a call with garbage in the register's high word cannot slip
// past the rule.
func ExampleExport() {
	p, diags := resolve.Load("app.pol", []byte(`arch x86_64
default allow
errno(EPERM) kill if sig == SIGKILL
errno(EACCES) mkdir
`), resolve.Options{})
	if err := diags.Err(); err != nil {
		panic(err)
	}
	s, err := oci.Export(p, oci.Options{Flags: []specs.LinuxSeccompFlag{oci.Flags["log"]}})
	if err != nil {
		panic(err)
	}
	for _, sc := range s.Syscalls {
		args, _ := json.Marshal(sc.Args)
		fmt.Println(sc.Names, sc.Action, *sc.ErrnoRet, string(args))
	}
	fmt.Println(s.Flags)
	fmt.Println("libseccomp needs at least", oci.LibseccompMinInsns(s), "instructions")
	// Output:
	// [kill] SCMP_ACT_ERRNO 1 [{"index":1,"value":4294967295,"valueTwo":9,"op":"SCMP_CMP_MASKED_EQ"}]
	// [mkdir] SCMP_ACT_ERRNO 13 null
	// [SECCOMP_FILTER_FLAG_LOG]
	// libseccomp needs at least 4 instructions
}
