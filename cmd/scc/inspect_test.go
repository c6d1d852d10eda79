package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	mobyseccomp "github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/internal/difftest"
	"github.com/scc-dev/scc/internal/libseccomp"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/syscalls"
)

// libseccompBPF compiles an OCI seccomp object with libseccomp, as runc
// does, and writes the filter where scc can read it.
func libseccompBPF(t *testing.T, s *specs.LinuxSeccomp, path string) {
	t.Helper()
	if native, err := libseccomp.Native(); err != nil || native != specs.ArchX86_64 {
		t.Skip("the profiles here name x86_64 syscalls; this host is not x86_64 or has no libseccomp")
	}
	prog, err := libseccomp.Compile(s)
	if err != nil && strings.Contains(err.Error(), "not supported") {
		t.Skipf("libseccomp unavailable: %v", err)
	}
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, bpfasm.Encode(prog), 0o644))
}

// lines splits output into lines, dropping the last newline.
func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// scc diff reads a policy, a Docker profile, an OCI seccomp object, an OCI
// config.json and a raw filter; the same meaning in every form gives no
// difference, a changed rule one line naming it, whichever forms are
// compared. The Docker profile is also compiled by libseccomp itself: diff
// then shows the one call libseccomp decides in a way no policy can.
func TestDiffAcrossFormats(t *testing.T) {
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	const src = "arch x86_64\ndefault errno(EPERM)\nbadarch kill_thread\n" +
		"allow read, write, close, exit_group\nallow openat if flags & O_ACCMODE == O_RDONLY\nerrno(EACCES) openat\n"
	require.NoError(t, os.WriteFile(path("p.pol"), []byte(src), 0o644))
	require.NoError(t, os.WriteFile(path("changed.pol"), []byte(strings.Replace(src, "allow read, write", "allow read if fd <= 2\nallow write", 1)), 0o644))
	for _, out := range []string{"p.json", "p.oci.json", "p.bpf"} {
		code, _, errOut := scc(t, "", "compile", path("p.pol"), "-o", path(out))
		require.Equal(t, 0, code, errOut)
	}
	// A whole runtime config.json holding the same seccomp object.
	seccompJSON, err := os.ReadFile(path("p.oci.json"))
	require.NoError(t, err)
	config := `{"ociVersion": "1.0.2", "process": {"args": ["sh"], "cwd": "/"}, "root": {"path": "rootfs"}, "linux": {"seccomp": ` + string(seccompJSON) + `}}`
	require.NoError(t, os.WriteFile(path("config.json"), []byte(config), 0o644))

	forms := []string{"p.pol", "p.json", "p.oci.json", "config.json", "p.bpf"}
	for i, a := range forms {
		for _, b := range forms[i+1:] {
			code, out, errOut := scc(t, "", "diff", path(a), path(b))
			assert.Equal(t, 0, code, "%s vs %s: %s%s", a, b, out, errOut)
			assert.Empty(t, out, "%s vs %s", a, b)
		}
		code, out, errOut := scc(t, "", "diff", path(a), path("changed.pol"))
		assert.Equal(t, 1, code, "%s vs changed.pol: %s", a, errOut)
		assert.Equal(t, "x86_64 read: allow → errno(EPERM) when fd > 2\n", out, a)
		code, out, errOut = scc(t, "", "diff", path("changed.pol"), path(a))
		assert.Equal(t, 1, code, "changed.pol vs %s: %s", a, errOut)
		assert.Equal(t, "x86_64 read: errno(EPERM) → allow when fd > 2\n", out, a)
	}

	var s specs.LinuxSeccomp
	require.NoError(t, json.Unmarshal(seccompJSON, &s))
	libseccompBPF(t, &s, path("libseccomp.bpf"))
	code, out, errOut := scc(t, "", "diff", path("p.json"), path("libseccomp.bpf"))
	assert.Equal(t, 1, code, errOut)
	assert.Equal(t, "x32 nr 0xffffffff: kill_thread → errno(EPERM)\n", out,
		"libseccomp lets nr -1 through its x32 check to the default; nothing else differs")
}

// scc decompile on filters scc did not write: libseccomp's (an argument
// profile, Docker's default for x86_64 alone and for x86_64, i386 and x32)
// and a hand-written Chromium-style program. Each says what no policy can
// express and fails; --approximate writes the policy; scc diff of the
// filter and that policy shows exactly what was announced; and the policy,
// compiled, returns what the filter returns on every other emulated input.
func TestDecompileForeignFilters(t *testing.T) {
	docker, err := json.Marshal(mobyseccomp.DefaultProfile())
	require.NoError(t, err)
	dockerSpec := func(t *testing.T, x86_64Only bool) *specs.LinuxSeccomp {
		s, err := libseccomp.FromDocker(docker)
		require.NoError(t, err)
		if x86_64Only {
			s.Architectures = nil
		}
		return s
	}
	enosys := uint(38)
	nrMinus1 := func(d bpfasm.Data) bool { return d.Arch == syscalls.AuditArchX86_64 && d.Nr == -1 }
	for _, tc := range []struct {
		name  string
		write func(t *testing.T, path string)
		lossy []string // the "not exact" lines, after "FILE: not exact: "
		diff  []string // scc diff FILTER DECOMPILED.pol; nil: as many lines as lossy, all x32
		skip  func(bpfasm.Data) bool
	}{
		{"libseccomp arguments", func(t *testing.T, path string) {
			libseccompBPF(t, &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: &enosys, Syscalls: []specs.LinuxSyscall{
				{Names: []string{"read", "close", "exit_group"}, Action: specs.ActAllow},
				{Names: []string{"write"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 1, Op: specs.OpEqualTo}}},
				{Names: []string{"write"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 2, Op: specs.OpEqualTo}}},
				{Names: []string{"mmap"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 2, Value: 4, ValueTwo: 4, Op: specs.OpMaskedEqual}}},
				{Names: []string{"mmap"}, Action: specs.ActAllow},
			}}, path)
		}, []string{"x32: numbers 0xffffffff get another action than badarch kill_thread, though no syscall of x32 does"},
			[]string{"x32 nr 0xffffffff: errno(ENOSYS) → kill_thread"}, nrMinus1},
		{"Docker default, x86_64", func(t *testing.T, path string) { libseccompBPF(t, dockerSpec(t, true), path) },
			[]string{"x32: numbers 0xffffffff get another action than badarch kill_thread, though no syscall of x32 does"},
			[]string{"x32 nr 0xffffffff: errno(EPERM) → kill_thread"}, nrMinus1},
		// On three ABIs, libseccomp compares x32 arguments on 32 bits and
		// knows x32 syscalls scc's tables lack; every difference is on x32.
		{"Docker default, x86_64 i386 x32", func(t *testing.T, path string) { libseccompBPF(t, dockerSpec(t, false), path) },
			nil, nil, func(d bpfasm.Data) bool { return d.Arch == syscalls.AuditArchX86_64 && uint32(d.Nr) >= syscalls.X32Bit }},
		{"Chromium-style", func(t *testing.T, path string) {
			src, err := os.ReadFile("../../explore/testdata/chromium.s")
			require.NoError(t, err)
			p, err := bpfasm.ParseAsm("chromium.s", src)
			require.NoError(t, err)
			prog, err := p.Assemble()
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, bpfasm.Encode(prog), 0o644))
		}, []string{"x32: numbers 0x80000000-0xbfffffff get another action than badarch trap, though no syscall of x32 does"},
			[]string{"x32 nr 0x80000000-0xbfffffff: errno(EPERM) → trap"},
			func(d bpfasm.Data) bool { return d.Arch == syscalls.AuditArchX86_64 && uint32(d.Nr)>>30 == 2 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			bpf, pol := filepath.Join(dir, "f.bpf"), filepath.Join(dir, "f.pol")
			tc.write(t, bpf)

			code, out, errOut := scc(t, "", "decompile", bpf)
			require.Equal(t, 1, code, "no policy says this filter exactly")
			require.Empty(t, out)
			var lossy []string
			for _, l := range lines(errOut) {
				if rest, ok := strings.CutPrefix(l, bpf+": not exact: "); ok {
					lossy = append(lossy, rest)
				}
			}
			if tc.lossy != nil {
				require.Equal(t, tc.lossy, lossy)
			} else {
				require.NotEmpty(t, lossy)
				for _, l := range lossy {
					require.True(t, strings.HasPrefix(l, "x32"), l)
				}
			}

			code, _, errOut = scc(t, "", "decompile", "--approximate", bpf, "-o", pol)
			require.Equal(t, 0, code, errOut)
			text, err := os.ReadFile(pol)
			require.NoError(t, err)
			require.Contains(t, string(text), "# Not exact: the filter differs from this policy where:")

			code, out, errOut = scc(t, "", "diff", bpf, pol)
			require.Equal(t, 1, code, errOut)
			if tc.diff != nil {
				require.Equal(t, tc.diff, lines(out))
			} else {
				for _, l := range lines(out) {
					require.True(t, strings.HasPrefix(l, "x32 "), l)
				}
			}

			// The differential emulator, on the policy as written.
			data, err := os.ReadFile(bpf)
			require.NoError(t, err)
			orig, err := bpfasm.Decode(data)
			require.NoError(t, err)
			p, diags := resolve.LoadFile(pol, resolve.Options{})
			require.NoError(t, diags.Err())
			again, err := compiler.Compile(p, compiler.Options{})
			require.NoError(t, err)
			tried, diffs := difftest.ComparePrograms(t, orig, again, 5_000, tc.skip)
			require.Empty(t, diffs)
			t.Logf("%d instructions; %d emulated inputs agree", len(orig), tried)
		})
	}
}

// For CI, 1 means "the filters differ": a wrong command line is an error
// (2), like an unreadable file.
func TestDiffUsageErrorsExit2(t *testing.T) {
	pol := "../../examples/readonly.pol"
	for _, args := range [][]string{{"diff", pol}, {"diff", pol, pol, pol}, {"diff", "--bogus", pol, pol}, {"diff"}} {
		code, out, errOut := scc(t, "", args...)
		assert.Equal(t, 2, code, "%v: %s", args, errOut)
		assert.Empty(t, out)
		assert.Contains(t, errOut, "scc: ", "%v", args)
	}
	code, _, errOut := scc(t, "", "diff", pol, pol)
	assert.Equal(t, 0, code, errOut)
}
