package sandbox_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/scc-dev/scc/sandbox"
)

// A program that calls sandbox.Init first thing in main can run commands
// under a filter. This one makes mkdir fail with EPERM on x86_64. (Not run
// as a test: it needs root; TestNotify and friends run the same thing.)
func ExampleRun() {
	raw, err := bpf.Assemble([]bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4}, // arch
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0xc000003e, SkipTrue: 1},
		bpf.RetConstant{Val: unix.SECCOMP_RET_KILL_PROCESS},
		bpf.LoadAbsolute{Off: 0, Size: 4}, // syscall number
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.SYS_MKDIR, SkipFalse: 1},
		bpf.RetConstant{Val: unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)},
		bpf.RetConstant{Val: unix.SECCOMP_RET_ALLOW},
	})
	if err != nil {
		log.Fatal(err)
	}
	res, err := sandbox.Run(context.Background(), sandbox.Options{
		Filter: rawBytes(raw),
		Path:   "mkdir",
		Args:   []string{"mkdir", os.TempDir() + "/not-created"},
	})
	if err != nil {
		log.Fatal(err) // the command did not start
	}
	fmt.Println("exit status", res.Status)
	if res.SIGSYS != nil {
		fmt.Printf("killed by seccomp at syscall %d\n", res.SIGSYS.Nr)
	}
}
