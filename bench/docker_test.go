package bench

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/syscalls"
)

// TestDockerDefault checks the conversion on calls whose fate in Docker's
// profile is known: plain allows, argument rules, the ENOSYS of clone3 and
// the default.
func TestDockerDefault(t *testing.T) {
	src, err := DockerDefault([]string{"x86_64"}, true)
	require.NoError(t, err)
	p, diags := resolve.Load("docker.pol", src, resolve.Options{})
	require.NoError(t, diags.Err(), "%s", src)
	x86, ok := syscalls.ArchByName("x86_64")
	require.True(t, ok)
	tests := []struct {
		name string
		args [6]uint64
		want policy.Action
	}{
		{"read", [6]uint64{}, policy.Allow},
		{"personality", [6]uint64{0xffffffff}, policy.Allow},
		{"personality", [6]uint64{1}, policy.Errno(1)},
		{"clone", [6]uint64{0x11}, policy.Allow},          // SIGCHLD, a fork
		{"clone", [6]uint64{0x10000000}, policy.Errno(1)}, // CLONE_NEWUSER
		{"socket", [6]uint64{2}, policy.Allow},            // AF_INET
		{"socket", [6]uint64{40}, policy.Errno(1)},        // AF_VSOCK
		{"clone3", [6]uint64{}, policy.Errno(38)},         // ENOSYS: glibc falls back to clone
		{"kexec_load", [6]uint64{}, policy.Errno(1)},
	}
	for _, tc := range tests {
		nr, ok := x86.Nr(tc.name)
		require.True(t, ok, tc.name)
		got := p.Decide(x86.AuditArch, nr, &tc.args)
		require.Equal(t, tc.want.String(), got.String(), "%s(%#x)", tc.name, tc.args[0])
	}

	names, err := DockerDefault([]string{"x86_64"}, false)
	require.NoError(t, err)
	p, diags = resolve.Load("docker-names.pol", names, resolve.Options{})
	require.NoError(t, diags.Err())
	nr, _ := x86.Nr("personality")
	require.Equal(t, policy.Allow, p.Decide(x86.AuditArch, nr, &[6]uint64{1}), "names only: no argument rules")
}
