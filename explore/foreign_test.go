package explore_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/explore"
	"github.com/scc-dev/scc/internal/difftest"
	"github.com/scc-dev/scc/internal/libseccomp"
	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/syscalls"
)

func errnoRet(n uint) *uint { return &n }

// libseccompFilter compiles an OCI profile with libseccomp, skipping when
// this machine cannot (no cgo or library).
func libseccompFilter(t *testing.T, s *specs.LinuxSeccomp) []bpfasm.Insn {
	t.Helper()
	prog, err := libseccomp.Compile(s)
	if err != nil && strings.Contains(err.Error(), "not supported") {
		t.Skipf("libseccomp unavailable: %v", err)
	}
	require.NoError(t, err)
	return prog
}

func TestRoundTripLibseccomp(t *testing.T) {
	if native, err := libseccomp.Native(); err != nil || native != specs.ArchX86_64 {
		t.Skip("the profiles below name x86_64 syscalls")
	}
	for _, tc := range []struct {
		name string
		prof specs.LinuxSeccomp
	}{
		{"allow list", specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read", "write", "close", "exit_group"}, Action: specs.ActAllow},
		}}},
		{"arguments", specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: errnoRet(38), Syscalls: []specs.LinuxSyscall{
			{Names: []string{"write"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 1, Op: specs.OpEqualTo}}},
			{Names: []string{"write"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 2, Op: specs.OpEqualTo}}},
			{Names: []string{"mmap"}, Action: specs.ActErrno, ErrnoRet: errnoRet(13), Args: []specs.LinuxSeccompArg{{Index: 2, Value: 4, ValueTwo: 4, Op: specs.OpMaskedEqual}}},
			{Names: []string{"read"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 2, Value: 4096, Op: specs.OpLessEqual}}},
			{Names: []string{"kill"}, Action: specs.ActTrap, Args: []specs.LinuxSeccompArg{{Index: 1, Value: 9, Op: specs.OpNotEqual}, {Index: 0, Value: 100, Op: specs.OpGreaterThan}}},
		}}},
		{"x86_64 and i386", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{specs.ArchX86},
			Syscalls: []specs.LinuxSyscall{
				{Names: []string{"ptrace", "reboot"}, Action: specs.ActErrno},
				{Names: []string{"personality"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 8, Op: specs.OpNotEqual}}},
			}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := roundTripExcept(t, libseccompFilter(t, &tc.prof), 20_000, true)
			t.Logf("\n%s", lang.Format(res.File))
		})
	}
}

// Docker's default profile through libseccomp, as Docker installs it on an
// x86_64 host: x86_64, i386 and x32. The language writes a syscall's rules
// once for every arch, so the few that Docker allows on some arches only
// cannot be said exactly; Lossy must name every one of them, and the
// recompiled filter must differ from Docker's nowhere else.
func TestDecompileDockerDefault(t *testing.T) {
	if native, err := libseccomp.Native(); err != nil || native != specs.ArchX86_64 {
		t.Skip("Docker's profile resolves per host arch; this test expects x86_64")
	}
	data, err := json.Marshal(seccomp.DefaultProfile())
	require.NoError(t, err)
	spec, err := libseccomp.FromDocker(data)
	require.NoError(t, err)
	prog := libseccompFilter(t, spec)
	res, err := explore.Decompile(prog)
	require.NoError(t, err)
	t.Logf("%d instructions; lossy: %q", len(prog), res.Lossy)
	again := recompile(t, res.File)
	diffs, err := explore.Diff(prog, again)
	require.NoError(t, err)
	for _, d := range diffs {
		found := false
		for _, l := range res.Lossy {
			names := strings.Split(d.Syscall, ", ")
			if strings.HasPrefix(l, d.Arch+" "+names[0]+":") || strings.HasPrefix(l, d.Arch+":") {
				found = true
			}
		}
		require.True(t, found, "difference not announced as lossy: %s", d)
	}

	// x86_64 alone is exact.
	spec.Architectures = nil
	roundTripExcept(t, libseccompFilter(t, spec), 20_000, true)
}

// Hand-written filters: the shapes compilers do not emit.
func TestRoundTripHandWritten(t *testing.T) {
	for _, tc := range []struct{ name, asm string }{
		{"linear allow list", `
			ld arch
			jeq AUDIT_ARCH_X86_64, native, kill
	native:	ld nr
			jge #0x40000000, kill
			jeq #0, allow
			jeq #1, allow
			jeq #60, allow
			ret errno(1)
	allow:	ret allow
	kill:	ret kill
		`},
		{"masked and X compares via memory", `
			ld arch
			jeq AUDIT_ARCH_X86_64, native, kill
	native:	ld nr
			jge #0x40000000, kill
			st M[0]
			ldx #1
			jeq x, write, other
	other:	ret allow
	write:	ld arg0.lo
			and #0xff
			jset #0x80, deny
			ld M[0]
			tax
			ld arg1.lo
			jgt x, deny, ok
	ok:		ret allow
	deny:	ret errno(13)
	kill:	ret kill_thread
		`},
		{"arithmetic on a small range", `
			ld arch
			jeq AUDIT_ARCH_X86_64, native, kill
	native:	ld nr
			jge #0x40000000, kill
			jgt #3, other
			add #0x50000
			ret a
	other:	ret allow
	kill:	ret kill
		`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := bpfasm.ParseAsm("hand.s", []byte(tc.asm))
			require.NoError(t, err)
			prog, err := p.Assemble()
			require.NoError(t, err)
			require.NoError(t, bpfasm.Verify(prog))
			res := roundTrip(t, prog, 20_000)
			t.Logf("\n%s", lang.Format(res.File))
		})
	}
}

// A filter that forgets to reject x32 numbers lets x32 calls reach its
// default: the decompiler says so, since no policy can write that.
func TestDecompileRevealsX32Gap(t *testing.T) {
	p, err := bpfasm.ParseAsm("hand.s", []byte("ld arch\njeq AUDIT_ARCH_X86_64, ok, kill\nok: ld nr\njeq #59, deny\nret allow\ndeny: ret errno(1)\nkill: ret kill\n"))
	require.NoError(t, err)
	prog, err := p.Assemble()
	require.NoError(t, err)
	res, err := explore.Decompile(prog)
	require.NoError(t, err)
	require.Contains(t, res.Lossy, `x32 execve: the filter does nothing but the default, allow, but the policy's rules for execve (written once for every arch) say "errno(EPERM)"`)
}

// Arithmetic the explorer cannot follow is refused, not guessed.
func TestUnsupported(t *testing.T) {
	p, err := bpfasm.ParseAsm("hand.s", []byte("ld arg0.lo\nadd #3\njeq #7, yes\nret kill\nyes: ret allow\n"))
	require.NoError(t, err)
	prog, err := p.Assemble()
	require.NoError(t, err)
	_, err = explore.Decompile(prog)
	var ue *explore.UnsupportedError
	require.ErrorAs(t, err, &ue)
	require.Equal(t, 1, ue.Index)
}

// chromiumStyle assembles testdata/chromium.s, a hand-written filter in the
// shape Chromium's seccomp-bpf compiler emits.
func chromiumStyle(t *testing.T) []bpfasm.Insn {
	t.Helper()
	src, err := os.ReadFile("testdata/chromium.s")
	require.NoError(t, err)
	p, err := bpfasm.ParseAsm("chromium.s", src)
	require.NoError(t, err)
	prog, err := p.Assemble()
	require.NoError(t, err)
	require.NoError(t, bpfasm.Verify(prog))
	return prog
}

// A Chromium-style filter decompiles to a policy whose compiled filter
// returns what the original returns on every input but one set: Chromium
// tests the x32 bit with jset, so numbers with bit 31 set and bit 30 clear
// reach its syscall dispatch (and fail with EPERM), where a policy gives
// every number from 0x40000000 up the badarch action. Decompile must say
// exactly that, and diff must name exactly those numbers.
func TestDecompileChromiumStyle(t *testing.T) {
	prog := chromiumStyle(t)
	res, err := explore.Decompile(prog)
	require.NoError(t, err)
	t.Logf("\n%s", lang.Format(res.File))
	require.Equal(t, []string{"x32: numbers 0x80000000-0xbfffffff get another action than badarch trap, though no syscall of x32 does"}, res.Lossy)
	again := recompile(t, res.File)

	ds, err := explore.Diff(prog, again)
	require.NoError(t, err)
	var lines []string
	for _, d := range ds {
		lines = append(lines, d.String())
	}
	require.Equal(t, []string{"x32 nr 0x80000000-0xbfffffff: errno(EPERM) → trap"}, lines)

	eperm, _ := syscalls.Errno("EPERM")
	g := difftest.New(7, difftest.FromPrograms(prog, again))
	tried, skipped := 0, 0
	g.Each(20_000, 3, func(d bpfasm.Data) {
		ra, _, err := bpfasm.Run(prog, &d)
		require.NoError(t, err)
		rb, _, err := bpfasm.Run(again, &d)
		require.NoError(t, err)
		if d.Arch == syscalls.AuditArchX86_64 && uint32(d.Nr)>>30 == 2 {
			skipped++
			require.Equal(t, uint32(policy.Errno(eperm)), ra, "%+v", d)
			require.Equal(t, uint32(policy.Trap), rb, "%+v", d)
			return
		}
		tried++
		require.Equal(t, ra, rb, "%+v", d)
	})
	t.Logf("%d inputs agree; %d in the announced range differ as announced", tried, skipped)
	require.Greater(t, tried, 20_000)
}

// Chromium kills calls from a foreign arch but traps x32 calls. No policy
// says that (x32 is either a target, with rules, or gets badarch); the note
// is one line for the ABI, not one per x32 syscall, and the policy is exact
// everywhere else.
func TestDecompileUniformABIIsOneNote(t *testing.T) {
	src, err := os.ReadFile("testdata/chromium.s")
	require.NoError(t, err)
	killForeign := strings.Replace(string(src), "jeq AUDIT_ARCH_X86_64, abi, crash", "jeq AUDIT_ARCH_X86_64, abi, foreign\nforeign: ret kill_thread", 1)
	require.NotEqual(t, string(src), killForeign)
	p, err := bpfasm.ParseAsm("chromium-kill.s", []byte(killForeign))
	require.NoError(t, err)
	prog, err := p.Assemble()
	require.NoError(t, err)
	res, err := explore.Decompile(prog)
	require.NoError(t, err)
	require.Equal(t, []string{"x32: every syscall gets trap (numbers that name none: trap, errno(EPERM)); a policy gives calls from the ABIs it does not target its badarch action, kill_thread"}, res.Lossy)
	again := recompile(t, res.File)
	ds, err := explore.Diff(prog, again)
	require.NoError(t, err)
	require.NotEmpty(t, ds)
	for _, d := range ds {
		require.Equal(t, "x32", d.Arch, "%s", d)
		require.Equal(t, policy.KillThread, d.B, "%s", d)
	}
	tried, diffs := difftest.ComparePrograms(t, prog, again, 20_000, func(d bpfasm.Data) bool {
		return d.Arch == syscalls.AuditArchX86_64 && uint32(d.Nr) >= syscalls.X32Bit
	})
	require.Empty(t, diffs)
	t.Logf("%d inputs off x32 agree", tried)
}
