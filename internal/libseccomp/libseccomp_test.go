package libseccomp

import (
	"testing"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/syscalls"
)

func errno(n uint) *uint { return &n }

func run(t *testing.T, prog []bpfasm.Insn, arch uint32, name string, args ...uint64) uint32 {
	t.Helper()
	a := syscalls.Host()
	nr, ok := a.Nr(name)
	require.True(t, ok, name)
	d := bpfasm.Data{Arch: arch, Nr: int32(nr)}
	copy(d.Args[:], args)
	ret, _, err := bpfasm.Run(prog, &d)
	require.NoError(t, err)
	return ret
}

// TestRuncSemantics pins down the libseccomp/runc behaviours that scc's
// exporter has to work around, on the filter libseccomp really generates.
func TestRuncSemantics(t *testing.T) {
	if syscalls.Host() == nil || syscalls.Host().Name != "x86_64" {
		t.Skip("the expectations use x86_64 syscall numbers")
	}
	const (
		allow = 0x7fff0000
		eperm = 0x00050001
		eacc  = 0x0005000d
	)
	native := syscalls.Host().AuditArch
	prof := &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{
			// Two conditions on one index: runc OR-s them.
			{Names: []string{"read"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{
				{Index: 0, Op: specs.OpEqualTo, Value: 1}, {Index: 0, Op: specs.OpEqualTo, Value: 2}}},
			// Conditions on different indexes are AND-ed.
			{Names: []string{"write"}, Action: specs.ActErrno, ErrnoRet: errno(13), Args: []specs.LinuxSeccompArg{
				{Index: 0, Op: specs.OpEqualTo, Value: 1}, {Index: 2, Op: specs.OpGreaterThan, Value: 10}}},
			// MASKED_EQ: value is the mask, valueTwo the datum.
			{Names: []string{"openat"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{
				{Index: 2, Op: specs.OpMaskedEqual, Value: 3, ValueTwo: 1}}},
			// Same action as the default: skipped, not an error.
			{Names: []string{"close"}, Action: specs.ActAllow},
			// Unknown to libseccomp: skipped.
			{Names: []string{"no_such_syscall", "mkdir"}, Action: specs.ActErrno},
		},
	}
	prog, err := Compile(prof)
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		args []uint64
		want uint32
	}{
		{"read", []uint64{1}, eperm},
		{"read", []uint64{2}, eperm},
		{"read", []uint64{3}, allow},
		{"write", []uint64{1, 0, 11}, eacc},
		{"write", []uint64{1, 0, 10}, allow},
		{"write", []uint64{2, 0, 11}, allow},
		{"openat", []uint64{0, 0, 1}, eperm},
		{"openat", []uint64{0, 0, 5}, eperm},
		{"openat", []uint64{0, 0, 3}, allow},
		{"close", nil, allow},
		{"mkdir", nil, eperm},
	} {
		require.Equal(t, tc.want, run(t, prog, native, tc.name, tc.args...), "%s%v", tc.name, tc.args)
	}
	// A foreign ABI gets libseccomp's bad-arch action, SCMP_ACT_KILL (thread).
	require.Equal(t, uint32(0), run(t, prog, syscalls.AuditArchAarch64, "read"))
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		prof *specs.LinuxSeccomp
		want string
	}{
		{"nil", nil, "no profile"},
		{"action", &specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_NOPE"}, `default action: libseccomp: unknown action "SCMP_ACT_NOPE"`},
		{"notify default", &specs.LinuxSeccomp{DefaultAction: specs.ActNotify}, "cannot be the default"},
		{"arch", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{"SCMP_ARCH_PDP11"}}, "unknown architecture"},
		{"op", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_ALMOST"}}}}},
			`syscalls[0] read: unknown operator "SCMP_CMP_ALMOST"`},
		{"index", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 6, Op: specs.OpEqualTo}}}}},
			"argument index 6 out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(tc.prof)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestFromDocker(t *testing.T) {
	// includes on a cap Docker grants by default, and on one it does not.
	const profile = `{
	  "defaultAction": "SCMP_ACT_ERRNO",
	  "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
	              {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
	  "syscalls": [
	    {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
	    {"names": ["chown"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_CHOWN"]}},
	    {"names": ["reboot"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_BOOT"]}}
	  ]}`
	s, err := FromDocker([]byte(profile))
	require.NoError(t, err)
	var names []string
	for _, c := range s.Syscalls {
		names = append(names, c.Names...)
	}
	require.Equal(t, []string{"read", "chown"}, names)
	if native, err := Native(); err == nil && native == specs.ArchX86_64 {
		require.Equal(t, []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32}, s.Architectures)
	}
	s, err = FromDockerCaps([]byte(profile), []string{"CAP_SYS_BOOT"})
	require.NoError(t, err)
	require.Len(t, s.Syscalls, 2)

	_, err = FromDocker([]byte(`{"defaultAction": `))
	require.ErrorContains(t, err, "Decoding seccomp profile failed")
}

func TestKnown(t *testing.T) {
	require.True(t, Known("read", specs.ArchX86_64))
	require.False(t, Known("no_such_syscall", specs.ArchX86_64))
	require.False(t, Known("read", "SCMP_ARCH_PDP11"))
}

// TestCompileWithinStopsWaiting pins down the libseccomp 2.5.4 loop the
// exporter works around (backend/oci respell): two rules sharing an
// ordering comparison, then testing different arguments. If a newer
// libseccomp compiles it, the test says so rather than fail: the guard is
// then merely unused.
func TestCompileWithinStopsWaiting(t *testing.T) {
	prof := &specs.LinuxSeccomp{DefaultAction: specs.ActKillProcess, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"access"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{
			{Index: 0, Op: specs.OpNotEqual, Value: 21}, {Index: 1, Op: specs.OpLessEqual, Value: 21000}}},
		{Names: []string{"access"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{
			{Index: 0, Op: specs.OpNotEqual, Value: 21}, {Index: 2, Op: specs.OpEqualTo, Value: 5}}},
	}}
	_, err := CompileWithin(prof, 2*time.Second)
	if err == nil {
		t.Skip("this libseccomp compiles the shape 2.5.4 loops on")
	}
	require.ErrorIs(t, err, ErrTimeout)

	// The same rules with the comparison spelled two ways compile.
	prof.Syscalls[1].Args[0] = specs.LinuxSeccompArg{Index: 0, Op: specs.OpLessThan, Value: 21}
	prof.Syscalls = append(prof.Syscalls, specs.LinuxSyscall{Names: []string{"access"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{
		{Index: 0, Op: specs.OpGreaterThan, Value: 21}, {Index: 2, Op: specs.OpEqualTo, Value: 5}}})
	_, err = CompileWithin(prof, 10*time.Second)
	require.NoError(t, err)
}
