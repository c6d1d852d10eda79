package sandbox_test

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// x86_64 syscall numbers used by the tests.
const (
	nrOpen     = 2
	nrExecve   = 59
	nrExecveat = 322
	nrClone    = 56
	nrFork     = 57
	nrVfork    = 58
	nrMkdir    = 83
	nrOpenat   = 257
	nrMkdirat  = 258
	nrClone3   = 435

	auditArchX86_64 = 0xc000003e
)

// seccomp_data offsets.
const (
	offNr   = 0
	offArch = 4
)

func offArgLow(i int) uint32 { return 16 + 8*uint32(i) }

func errnoRet(e unix.Errno) uint32 { return unix.SECCOMP_RET_ERRNO | uint32(e) }

// rule is one "syscall nr → action" line of a test filter.
type rule struct {
	nr     uint32
	action uint32
}

// assemble turns a program into the raw form Options.Filter takes.
func assemble(t testing.TB, prog []bpf.Instruction) []byte {
	t.Helper()
	raw, err := bpf.Assemble(prog)
	require.NoError(t, err)
	return rawBytes(raw)
}

func rawBytes(raw []bpf.RawInstruction) []byte {
	out := make([]byte, 0, 8*len(raw))
	for _, ins := range raw {
		out = binary.LittleEndian.AppendUint16(out, ins.Op)
		out = append(out, ins.Jt, ins.Jf)
		out = binary.LittleEndian.AppendUint32(out, ins.K)
	}
	return out
}

// archCheck kills any call that is not x86_64, so that syscall numbers below
// mean what they say, then loads the number.
func archCheck() []bpf.Instruction {
	return []bpf.Instruction{
		bpf.LoadAbsolute{Off: offArch, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: auditArchX86_64, SkipTrue: 1},
		bpf.RetConstant{Val: unix.SECCOMP_RET_KILL_PROCESS},
		bpf.LoadAbsolute{Off: offNr, Size: 4},
	}
}

// table builds: arch check; each rule's nr → its action; otherwise allow.
func table(t testing.TB, rules ...rule) []byte {
	prog := archCheck()
	for _, r := range rules {
		prog = append(prog,
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: r.nr, SkipFalse: 1},
			bpf.RetConstant{Val: r.action})
	}
	prog = append(prog, bpf.RetConstant{Val: unix.SECCOMP_RET_ALLOW})
	return assemble(t, prog)
}

func allowAll(t testing.TB) []byte { return table(t) }

// readOnlyOpens is the talk's example: open and openat fail with EACCES when
// the flags ask for writing or creating; everything else is allowed.
func readOnlyOpens(t testing.TB) []byte {
	const writeFlags = unix.O_WRONLY | unix.O_RDWR | unix.O_CREAT
	prog := archCheck()
	prog = append(prog,
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: nrOpenat, SkipTrue: 2},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: nrOpen, SkipTrue: 3},
		bpf.RetConstant{Val: unix.SECCOMP_RET_ALLOW},
		// openat(dirfd, path, flags): flags are argument 2
		bpf.LoadAbsolute{Off: offArgLow(2), Size: 4},
		bpf.Jump{Skip: 1},
		// open(path, flags): argument 1
		bpf.LoadAbsolute{Off: offArgLow(1), Size: 4},
		bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: writeFlags, SkipFalse: 1},
		bpf.RetConstant{Val: errnoRet(unix.EACCES)},
		bpf.RetConstant{Val: unix.SECCOMP_RET_ALLOW},
	)
	return assemble(t, prog)
}

// noFork fails every way of making a process with EPERM.
func noFork(t testing.TB) []byte {
	eperm := errnoRet(unix.EPERM)
	return table(t, rule{nrClone, eperm}, rule{nrClone3, eperm}, rule{nrFork, eperm}, rule{nrVfork, eperm})
}

func onMkdir(t testing.TB, action uint32) []byte {
	return table(t, rule{nrMkdir, action}, rule{nrMkdirat, action})
}
