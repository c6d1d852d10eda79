package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/backend/k8s"
	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/syscalls"
)

func strictJSON(t *testing.T, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(v), string(data))
}

func TestCompileContainerFormats(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args  []string
		out   string
		check func(t *testing.T, data []byte)
	}{
		{nil, "app.json", func(t *testing.T, data []byte) {
			var p seccomp.Seccomp
			strictJSON(t, data, &p)
			require.Equal(t, specs.ActAllow, p.DefaultAction)
			require.NotEmpty(t, p.Syscalls)
		}},
		{[]string{"-f", "docker"}, "profile.txt", func(t *testing.T, data []byte) {
			var p seccomp.Seccomp
			strictJSON(t, data, &p)
		}},
		{nil, "app.oci.json", func(t *testing.T, data []byte) {
			var s specs.LinuxSeccomp
			strictJSON(t, data, &s)
			require.Equal(t, []specs.Arch{specs.ArchX86_64}, s.Architectures)
		}},
		{nil, "app.yaml", func(t *testing.T, data []byte) {
			for _, kind := range []string{"ConfigMap", "DaemonSet", "Pod", "SeccompProfile"} {
				require.Contains(t, string(data), "kind: "+kind+"\n")
			}
			require.Contains(t, string(data), "localhostProfile: scc/nofork.json")
		}},
		{[]string{"--name", "web"}, "k.yml", func(t *testing.T, data []byte) {
			require.Contains(t, string(data), "localhostProfile: scc/web.json")
		}},
		{[]string{"--filter-flags", "log,SECCOMP_FILTER_FLAG_SPEC_ALLOW,log"}, "flags.json", func(t *testing.T, data []byte) {
			var p seccomp.Seccomp
			strictJSON(t, data, &p)
			require.Equal(t, []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow}, p.Flags)
		}},
		{[]string{"--filter-flags", "spec_allow"}, "flags.oci.json", func(t *testing.T, data []byte) {
			var s specs.LinuxSeccomp
			strictJSON(t, data, &s)
			require.Equal(t, []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagSpecAllow}, s.Flags)
		}},
		{[]string{"--filter-flags", "log"}, "flags.yaml", func(t *testing.T, data []byte) {
			// Once in the ConfigMap's profile, once in the operator's resource.
			require.Equal(t, 1, strings.Count(string(data), `"SECCOMP_FILTER_FLAG_LOG"`), string(data))
			require.Contains(t, string(data), "  flags:\n  - SECCOMP_FILTER_FLAG_LOG\n")
		}},
	} {
		t.Run(tc.out, func(t *testing.T) {
			out := filepath.Join(dir, tc.out)
			args := append([]string{"compile", "../../examples/nofork.pol", "-o", out}, tc.args...)
			code, _, errOut := scc(t, "", args...)
			require.Equal(t, 0, code, errOut)
			data, err := os.ReadFile(out)
			require.NoError(t, err)
			tc.check(t, data)
		})
	}
}

func TestCompileListenerPath(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "n.pol")
	require.NoError(t, os.WriteFile(src, []byte("arch x86_64\ndefault allow\nnotify mkdir\n"), 0o644))
	out := filepath.Join(dir, "n.json")
	code, _, errOut := scc(t, "", "compile", src, "-o", out)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "n.pol: the policy uses notify: a runtime needs a listener path")
	require.NoFileExists(t, out)

	code, _, errOut = scc(t, "", "compile", src, "-o", out, "--listener-path", "/run/agent.sock")
	require.Equal(t, 0, code, errOut)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	var p seccomp.Seccomp
	strictJSON(t, data, &p)
	require.Equal(t, "/run/agent.sock", p.ListenerPath)
	require.Equal(t, specs.ActNotify, p.Syscalls[0].Action)
}

// TestCompileExportErrors: what a profile cannot say fails at the rule,
// and the output is left as it was.
func TestCompileExportErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "app.json")
	require.NoError(t, os.WriteFile(out, []byte("old"), 0o644))
	for _, tc := range []struct{ file, want string }{
		{"../../testdata/policies/multiarch.pol", "multiarch.pol:12:1: openat means different things on x86_64 and aarch64"},
		{"../../testdata/policies/x32only.pol", "x32only.pol: badarch errno(ENOSYS): a container profile cannot set the bad-arch action"},
	} {
		for _, f := range []string{"docker", "oci", "k8s"} {
			code, _, errOut := scc(t, "", "compile", tc.file, "-o", out, "-f", f)
			require.Equal(t, 1, code, f)
			require.Contains(t, errOut, tc.want, f)
			data, err := os.ReadFile(out)
			require.NoError(t, err)
			require.Equal(t, "old", string(data))
		}
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file may be left behind")
}

func TestCompileEnosysNewer(t *testing.T) {
	host := syscalls.Host()
	if host == nil || host.Name != "x86_64" {
		t.Skip("the policy targets x86_64")
	}
	run := func(args ...string) []bpfasm.Insn {
		code, out, errOut := scc(t, "", append([]string{"compile", "../../examples/readonly.pol", "-o", "-", "-f", "bpf"}, args...)...)
		require.Equal(t, 0, code, errOut)
		prog, err := bpfasm.Decode([]byte(out))
		require.NoError(t, err)
		return prog
	}
	decide := func(prog []bpfasm.Insn, nr uint32) policy.Action {
		d := bpfasm.Data{Arch: host.AuditArch, Nr: int32(nr)}
		ret, _, err := bpfasm.Run(prog, &d)
		require.NoError(t, err)
		return policy.Action(ret)
	}
	plain, newer := run(), run("--enosys-newer")
	top := host.MaxNr()
	enosys := policy.Errno(38)
	require.NotEqual(t, enosys, decide(plain, top+1), "readonly.pol's default is not ENOSYS")
	require.Equal(t, enosys, decide(newer, top+1))
	require.Equal(t, enosys, decide(newer, top+500))
	require.Equal(t, decide(plain, top), decide(newer, top), "the table's own numbers keep their action")

	code, _, errOut := scc(t, "", "compile", "../../examples/readonly.pol", "-o", "-", "-f", "docker", "--enosys-newer")
	require.Equal(t, 1, code)
	require.True(t, strings.Contains(errOut, "--enosys-newer applies to BPF outputs"), errOut)
}

// A profile that a runtime's libseccomp cannot turn into a loadable
// program is still written (it means what the policy says), with a
// warning; one that fits gets none.
func TestCompileWarnsAboutLibseccompSize(t *testing.T) {
	dir := t.TempDir()
	fanout := filepath.Join(dir, "fanout.pol")
	require.NoError(t, os.WriteFile(fanout, []byte(`arch x86_64, i386, x32
default errno(EPERM)
errno(EACCES) ioctl if arg1 != 0xffffffff && arg0 != 0 && arg1 != 0
allow write
`), 0o644))
	for _, tc := range []struct {
		policy, format, warning string
	}{
		{"../../testdata/policies/big.pol", "docker", "libseccomp will compile this profile to at least 4612 instructions"},
		{"../../testdata/policies/big.pol", "oci", "libseccomp will compile this profile to at least 4612 instructions"},
		{"../../testdata/policies/big.pol", "k8s", "libseccomp will compile this profile to at least 4612 instructions"},
		{fanout, "docker", "the profile needs 1024 rules for ioctl"},
		{"../../examples/nginx.pol", "docker", ""},
		{"../../examples/readonly.pol", "oci", ""},
	} {
		t.Run(filepath.Base(tc.policy)+"/"+tc.format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			code, _, errOut := scc(t, "", "compile", tc.policy, "-f", tc.format, "-o", out)
			require.Equal(t, 0, code, errOut)
			require.FileExists(t, out)
			if tc.warning == "" {
				assert.NotContains(t, errOut, "libseccomp")
				return
			}
			assert.Contains(t, errOut, tc.policy+": warning: "+tc.warning)
		})
	}
}

func TestCompileFilterFlagErrors(t *testing.T) {
	dir := t.TempDir()
	notify := filepath.Join(dir, "notify.pol")
	require.NoError(t, os.WriteFile(notify, []byte("arch x86_64\ndefault allow\nnotify mkdir\n"), 0o644))
	for _, tc := range []struct {
		policy string
		args   []string
		want   string
	}{
		{"../../examples/nofork.pol", []string{"-f", "bpf", "--filter-flags", "log"}, "a raw program's flags are chosen when it is loaded"},
		{"../../examples/nofork.pol", []string{"-f", "docker", "--filter-flags", "tsync"}, `unknown flag "tsync" (known: log, spec_allow, wait_killable_recv)`},
		{"../../examples/nofork.pol", []string{"-f", "oci", "--filter-flags", "wait_killable_recv"}, "only changes how notify waits, and the policy has no notify"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			code, _, errOut := scc(t, "", append([]string{"compile", tc.policy, "-o", out}, tc.args...)...)
			assert.NotEqual(t, 0, code)
			assert.Contains(t, errOut, tc.want)
			assert.NoFileExists(t, out)
		})
	}
	// With notify, wait_killable_recv is what the flag is for.
	out := filepath.Join(dir, "n.json")
	code, _, errOut := scc(t, "", "compile", notify, "-o", out, "--listener-path", "/run/a.sock", "--filter-flags", "wait_killable_recv")
	require.Equal(t, 0, code, errOut)
	var p seccomp.Seccomp
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	strictJSON(t, data, &p)
	assert.Equal(t, []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagWaitKillableRecv}, p.Flags)

	// The operator's resource cannot carry it: the manifests leave the
	// resource out and say why; the ConfigMap's profile keeps the flag.
	out = filepath.Join(dir, "n.yaml")
	code, _, errOut = scc(t, "", "compile", notify, "-o", out, "--listener-path", "/run/a.sock", "--filter-flags", "wait_killable_recv")
	require.Equal(t, 0, code, errOut)
	data, err = os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(data), "# No SeccompProfile resource: the SeccompProfile resource cannot carry the flag SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")
	assert.NotContains(t, string(data), "kind: SeccompProfile")
	assert.Contains(t, string(data), `"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"`)
}

// The k8s format goes through scc-k8s: what scc writes is what the
// backend writes for the same policy in-process, for every example.
func TestCompileK8sIsTheBackends(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.pol")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			code, out, errOut := scc(t, "", "compile", f, "-f", "k8s", "-o", "-", "--name", "app")
			require.Equal(t, 0, code, errOut)
			p, diags := resolve.LoadFile(f, resolve.Options{})
			require.NoError(t, diags.Err())
			want, err := k8s.Manifests(p, k8s.Options{Name: "app"})
			require.NoError(t, err)
			require.Equal(t, string(want), out)
		})
	}
}

// When scc-k8s cannot write the manifests, scc compile -f k8s fails with a
// message that says why and leaves the output as it was.
func TestCompileK8sFailures(t *testing.T) {
	src, err := os.ReadFile("../../examples/nginx.pol")
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		policy  string // file name of a copy of nginx.pol
		path    func(t *testing.T) string
		want    string
		notWant string
	}{
		{
			// Neither next to the test binary nor on PATH.
			name:   "missing",
			policy: "nginx.pol",
			path:   func(t *testing.T) string { return t.TempDir() },
			want:   "the k8s format is written by scc-k8s, which is neither next to scc nor on PATH",
		},
		{
			// A file name that leaves no profile name gets the backend's
			// message, not scc-k8s's usage.
			name:    "no name",
			policy:  ".pol",
			path:    func(t *testing.T) string { return os.Getenv("PATH") },
			want:    "k8s: the profile needs a name",
			notWant: "usage: scc-k8s",
		},
		{
			// A companion that succeeds without writing anything.
			name:   "empty output",
			policy: "nginx.pol",
			path: func(t *testing.T) string {
				bin := t.TempDir()
				require.NoError(t, os.WriteFile(filepath.Join(bin, "scc-k8s"), []byte("#!/bin/sh\nexit 0\n"), 0o755))
				return bin
			},
			want: "wrote nothing",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PATH", tc.path(t))
			dir := t.TempDir()
			pol, out := filepath.Join(dir, tc.policy), filepath.Join(dir, "app.yaml")
			require.NoError(t, os.WriteFile(pol, src, 0o644))
			require.NoError(t, os.WriteFile(out, []byte("old"), 0o644))
			code, _, errOut := scc(t, "", "compile", pol, "-o", out)
			require.Equal(t, 1, code)
			require.Contains(t, errOut, tc.want)
			if tc.notWant != "" {
				require.NotContains(t, errOut, tc.notWant)
			}
			data, err := os.ReadFile(out)
			require.NoError(t, err)
			require.Equal(t, "old", string(data))
		})
	}
}
