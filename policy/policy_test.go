package policy

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/scc-dev/scc/syscalls"
)

func TestActionStrings(t *testing.T) {
	for _, tc := range []struct {
		a    Action
		want string
	}{
		{Allow, "allow"}, {KillProcess, "kill"}, {KillThread, "kill_thread"}, {Trap, "trap"},
		{Log, "log"}, {Notify, "notify"}, {Errno(1), "errno(EPERM)"}, {Errno(4095), "errno(4095)"},
		{Trace(7), "trace(7)"}, {Action(0x12345678), "action(0x12345678)"},
	} {
		assert.Equal(t, tc.want, tc.a.String())
	}
	assert.Less(t, KillProcess.Precedence(), Errno(1).Precedence())
	assert.Less(t, Errno(1).Precedence(), Allow.Precedence())
}

func TestDecide(t *testing.T) {
	x86, _ := syscalls.ArchByName("x86_64")
	x32, _ := syscalls.ArchByName("x32")
	p := &Policy{
		Default: Errno(1),
		BadArch: KillProcess,
		Filters: []*Filter{{Arch: x86, Syscalls: []*Syscall{
			{Nr: 0, Name: "read", Rules: []Rule{
				{Cond: &Cmp{Arg: 0, Mask: 0xffffffff, Op: EQ, Value: 0}, Action: Allow},
				{Cond: &Not{X: &Cmp{Arg: 2, Mask: ^uint64(0), Op: LE, Value: 10}}, Action: Errno(7)},
				{Action: Log},
			}},
		}}},
	}
	read := func(args ...uint64) Action {
		var a [6]uint64
		copy(a[:], args)
		return p.Decide(syscalls.AuditArchX86_64, 0, &a)
	}
	assert.Equal(t, Allow, read(0))
	assert.Equal(t, Allow, read(1<<32), "the mask drops the high word")
	assert.Equal(t, Errno(7), read(1, 0, 11))
	assert.Equal(t, Log, read(1, 0, 10))
	assert.Equal(t, Errno(1), p.Decide(syscalls.AuditArchX86_64, 1, &[6]uint64{}), "no rule: default")
	assert.Equal(t, KillProcess, p.Decide(syscalls.AuditArchI386, 0, &[6]uint64{}), "foreign ABI")
	assert.Equal(t, KillProcess, p.Decide(syscalls.AuditArchX86_64, syscalls.X32Bit, &[6]uint64{}), "x32 is not a target")
	assert.Equal(t, KillProcess, p.Decide(syscalls.AuditArchX86_64, 0xffffffff, &[6]uint64{}), "numbers above 0x40000000 are x32's")

	p.Filters = append(p.Filters, &Filter{Arch: x32})
	assert.Equal(t, Errno(1), p.Decide(syscalls.AuditArchX86_64, syscalls.X32Bit, &[6]uint64{}), "x32 is a target now")
}
