package record

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/syscalls"
)

// compiled resolves a generated policy with the real resolver: what the
// conditions mean is what policy.Decide says about them.
func compiled(t *testing.T, f *lang.File) *policy.Policy {
	t.Helper()
	src := lang.Format(f)
	p, diags := resolve.Load("gen.pol", src, resolve.Options{})
	require.NoError(t, diags.Err(), "%s", src)
	return p
}

func constValue(t *testing.T, a *syscalls.Arch, c lang.Const) uint64 {
	var v uint64
	for _, term := range c.Terms {
		if term.Name == "" {
			v |= term.Num
			continue
		}
		n, ok := a.Const(term.Name)
		require.True(t, ok, "constant %s on %s", term.Name, a.Name)
		v |= n
	}
	return v
}

// TestConditionsCoverRecording proves the written conditions are never
// narrower than the recording: every recorded value of every argument
// satisfies its rule.
func TestConditionsCoverRecording(t *testing.T) {
	rec := synthetic(t)
	f, err := Policy(rec, WriteOptions{Args: true})
	require.NoError(t, err)
	p := compiled(t, f)
	checked := 0
	for k, st := range rec.Calls {
		a := archOf(k)
		name, ok := a.SyscallName(k.Nr)
		if !ok {
			continue
		}
		// Each argument is recorded on its own, so try each value with the
		// other arguments at a value that was also seen.
		var base [6]uint64
		for i, vals := range st.Values {
			for v := range vals {
				base[i] = v
				break
			}
		}
		for i, vals := range st.Values {
			for v := range vals {
				args := base
				args[i] = v
				assert.Equal(t, policy.Allow, p.Decide(k.AuditArch, k.Nr, &args), "%s arg%d=%#x rejected", name, i, v)
				checked++
			}
		}
	}
	assert.Greater(t, checked, 10)
}

// TestConditionsAreTight checks values that were not seen are refused.
func TestConditionsAreTight(t *testing.T) {
	rec := synthetic(t)
	// Without the i386 calls mmap keeps its condition (on i386 its
	// arguments are in a struct).
	for k := range rec.Calls {
		if k.AuditArch != syscalls.AuditArchX86_64 {
			delete(rec.Calls, k)
		}
	}
	f, err := Policy(rec, WriteOptions{Args: true})
	require.NoError(t, err)
	p := compiled(t, f)
	tests := []struct {
		syscall string
		args    [6]uint64
	}{
		{"openat", [6]uint64{2: cnst(t, "x86_64", "O_RDWR")}},
		{"openat", [6]uint64{2: cnst(t, "x86_64", "O_WRONLY", "O_APPEND")}},
		{"socket", [6]uint64{0: cnst(t, "x86_64", "AF_INET6"), 1: cnst(t, "x86_64", "SOCK_DGRAM")}},
		{"socket", [6]uint64{0: cnst(t, "x86_64", "AF_INET"), 1: cnst(t, "x86_64", "SOCK_RAW")}},
		{"socket", [6]uint64{0: cnst(t, "x86_64", "AF_INET"), 1: cnst(t, "x86_64", "SOCK_DGRAM", "SOCK_NONBLOCK")}},
		{"mmap", [6]uint64{2: cnst(t, "x86_64", "PROT_EXEC")}},
		{"kill", [6]uint64{1: cnst(t, "x86_64", "SIGKILL")}},
		{"clone", [6]uint64{0: cnst(t, "x86_64", "CLONE_NEWUSER")}},
	}
	for _, tt := range tests {
		k := key(t, "x86_64", tt.syscall)
		assert.Equal(t, policy.Errno(1), p.Decide(k.AuditArch, k.Nr, &tt.args), "%s %#x", tt.syscall, tt.args)
	}
}

func TestSpell(t *testing.T) {
	x86, _ := syscalls.ArchByName("x86_64")
	arches := []*syscalls.Arch{x86}
	open := argSpecs["openat"][0]
	tests := []struct {
		v    uint64
		spec argSpec
		want string
	}{
		{0, open, "O_RDONLY"},
		{cnst(t, "x86_64", "O_WRONLY", "O_CREAT", "O_TRUNC"), open, "O_WRONLY|O_CREAT|O_TRUNC"},
		{cnst(t, "x86_64", "O_RDWR", "O_SYNC"), open, "O_RDWR|O_SYNC"},
		{cnst(t, "x86_64", "O_RDONLY") | 1<<30, open, "O_RDONLY|0x40000000"},
		{cnst(t, "x86_64", "SOCK_STREAM", "SOCK_NONBLOCK"), argSpecs["socket"][1], "SOCK_STREAM|SOCK_NONBLOCK"},
		{cnst(t, "x86_64", "AF_UNIX"), argSpecs["socket"][0], "AF_UNIX"},
		{0x7777, argSpecs["socket"][0], "0x7777"},
	}
	for _, tt := range tests {
		got := spell(tt.v, tt.spec, arches, ^uint64(0))
		assert.Equal(t, tt.want, joinConsts([]lang.Const{got}, 1), "%#x", tt.v)
		assert.Equal(t, tt.v, constValue(t, x86, got), "spelling of %#x must mean %#x", tt.v, tt.v)
	}
}

func TestDefaultArgSyscalls(t *testing.T) {
	m := DefaultArgSyscalls()
	assert.Equal(t, []int{0, 1}, m["socket"])
	assert.Equal(t, []int{2}, m["openat"])
}

// TestEveryArgKind: for each argument the issue lists, a recording of a
// few values gives a rule with a condition that admits every value seen
// and refuses a value that was not, spelled with the constants' names.
func TestEveryArgKind(t *testing.T) {
	c := func(names ...string) uint64 { return cnst(t, "x86_64", names...) }
	tests := []struct {
		syscall string
		arg     int
		seen    []uint64
		unseen  []uint64
		rule    string // the rule as written, without its comment
	}{
		{"socket", 0, []uint64{c("AF_UNIX"), c("AF_INET")}, []uint64{c("AF_INET6"), c("AF_NETLINK"), c("AF_PACKET")},
			"allow socket if family == AF_UNIX || family == AF_INET"},
		{"socket", 1, []uint64{c("SOCK_STREAM", "SOCK_CLOEXEC")}, []uint64{c("SOCK_STREAM"), c("SOCK_RAW", "SOCK_CLOEXEC")},
			"allow socket if type == SOCK_STREAM|SOCK_CLOEXEC"},
		{"socketpair", 0, []uint64{c("AF_UNIX")}, []uint64{c("AF_INET")},
			"allow socketpair if family == AF_UNIX"},
		{"open", 1, []uint64{c("O_RDONLY"), c("O_RDONLY", "O_CLOEXEC")}, []uint64{c("O_WRONLY"), c("O_RDWR"), c("O_RDONLY", "O_CREAT")},
			"allow open if flags & 0xfff7ffff == 0"},
		{"openat", 2, []uint64{c("O_WRONLY", "O_CREAT", "O_TRUNC")}, []uint64{c("O_RDWR"), c("O_WRONLY", "O_APPEND")},
			"allow openat if flags & 0xfffffdbe == 0"},
		{"mmap", 2, []uint64{c("PROT_READ"), c("PROT_READ", "PROT_WRITE")}, []uint64{c("PROT_EXEC"), c("PROT_READ", "PROT_EXEC")},
			"allow mmap if prot & 0xfffffffffffffffc == 0"},
		{"mprotect", 2, []uint64{c("PROT_READ")}, []uint64{c("PROT_READ", "PROT_WRITE"), c("PROT_READ", "PROT_EXEC")},
			"allow mprotect if prot & 0xfffffffffffffffe == 0"},
		{"clone", 0, []uint64{c("CLONE_VM", "CLONE_FS", "CLONE_FILES", "CLONE_SIGHAND", "CLONE_THREAD", "CLONE_SYSVSEM")},
			[]uint64{c("CLONE_NEWUSER"), c("CLONE_VM", "CLONE_NEWNET"), c("SIGCHLD")},
			"allow clone if clone_flags & 0xfffffffffffaf0ff == 0"},
		{"kill", 1, []uint64{0, c("SIGTERM")}, []uint64{c("SIGKILL"), c("SIGSTOP")},
			"allow kill if sig == 0 || sig == SIGTERM"},
		{"tkill", 1, []uint64{c("SIGURG")}, []uint64{c("SIGKILL")},
			"allow tkill if sig == SIGURG"},
		{"tgkill", 2, []uint64{c("SIGABRT")}, []uint64{c("SIGKILL")},
			"allow tgkill if sig == SIGABRT"},
		{"ioctl", 1, []uint64{c("TCGETS"), c("TIOCGWINSZ")}, []uint64{c("TIOCSTI"), c("TCSETS")},
			"allow ioctl if cmd == TCGETS || cmd == TIOCGWINSZ"},
		{"prctl", 0, []uint64{c("PR_SET_NAME"), c("PR_SET_NO_NEW_PRIVS")}, []uint64{c("PR_SET_DUMPABLE"), c("PR_SET_SECCOMP")},
			"allow prctl if option == PR_SET_NAME || option == PR_SET_NO_NEW_PRIVS"},
		{"fcntl", 1, []uint64{c("F_GETFL"), c("F_SETFL")}, []uint64{c("F_SETOWN"), c("F_SETLK")},
			"allow fcntl if cmd == F_GETFL || cmd == F_SETFL"},
		{"setsockopt", 1, []uint64{c("SOL_SOCKET")}, []uint64{c("SOL_IP")},
			"allow setsockopt if level == SOL_SOCKET"},
		{"personality", 0, []uint64{0xffffffff}, []uint64{0x0040000},
			"allow personality if personality == 0xffffffff"},
	}
	x86, _ := syscalls.ArchByName("x86_64")
	for _, tt := range tests {
		t.Run(tt.syscall, func(t *testing.T) {
			k := key(t, "x86_64", tt.syscall)
			st := &Stat{Count: uint64(len(tt.seen))}
			st.Values[tt.arg] = map[uint64]uint64{}
			for _, v := range tt.seen {
				st.Values[tt.arg][v]++
			}
			rec := &Recording{Calls: map[Key]*Stat{k: st}}
			f, err := Policy(rec, WriteOptions{Args: true})
			require.NoError(t, err)
			src := string(lang.Format(f))
			assert.Contains(t, src, "\n"+tt.rule+"  # ")
			p := compiled(t, f)
			for _, v := range tt.seen {
				var args [6]uint64
				args[tt.arg] = v
				assert.Equal(t, policy.Allow, p.Decide(x86.AuditArch, k.Nr, &args), "seen %#x", v)
			}
			for _, v := range tt.unseen {
				var args [6]uint64
				args[tt.arg] = v
				assert.Equal(t, policy.Errno(1), p.Decide(x86.AuditArch, k.Nr, &args), "unseen %#x", v)
			}
		})
	}
}
