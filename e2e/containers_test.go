package e2e

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dockerseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The container tests hand scc's output to the real consumers: podman
// (Docker JSON profile), runc and crun (the OCI config's linux.seccomp) and
// bubblewrap (raw BPF), each running busybox in a fresh root filesystem.
// The flags come from shared notes on these machines: root without
// CAP_SYS_RESOURCE (hence the ulimits), hybrid cgroups (hence crun's
// unshare), no network (hence --network none).

// containerPolicy denies with errnos no real failure gives here, so that
// seeing them proves the filter answered: mkdir always, chmod only when it
// would make a file world-writable (an argument rule, so the runtime's
// libseccomp must get the mask and value right).
const containerPolicy = `arch x86_64
default allow
errno(ENOTBLK) mkdir, mkdirat
errno(ETXTBSY) chmod, fchmodat, fchmodat2 if mode & 0o002 != 0
`

// containerScript exercises containerPolicy: stdout must be
// containerWant, and stderr must carry the errnos' messages.
const containerScript = `mkdir /made; echo mkdir=$?; touch /f; chmod 644 /f; echo chmod644=$?; ` +
	`chmod o+w /f; echo chmod_ow=$?; echo hello`

const containerWant = "mkdir=1\nchmod644=0\nchmod_ow=1\nhello\n"

func checkContainerRun(t *testing.T, stdout, stderr string) {
	t.Helper()
	assert.Equal(t, containerWant, stdout, "stderr: %s", stderr)
	assert.Contains(t, stderr, "Block device required", "mkdir gets the policy's ENOTBLK")
	assert.Contains(t, stderr, "Text file busy", "chmod o+w gets the policy's ETXTBSY")
}

// dockerDefaultScript runs under Docker's default profile, imported into
// an scc policy and adjusted: mkdir denied with ENOTBLK on top of Docker's
// rules, unshare denied by Docker's own rule (EPERM without CAP_SYS_ADMIN).
const dockerDefaultScript = `mkdir /made; echo mkdir=$?; unshare -U true; echo unshare=$?; echo hello`

func checkDockerDefaultRun(t *testing.T, stdout, stderr string) {
	t.Helper()
	assert.Equal(t, "mkdir=1\nunshare=1\nhello\n", stdout, "stderr: %s", stderr)
	assert.Contains(t, stderr, "Block device required", "mkdir gets the added rule's ENOTBLK")
	assert.Contains(t, stderr, "Operation not permitted", "unshare gets Docker's EPERM")
}

// dockerDefaultPolicy is what the talk advises: start from Docker's
// default (scc import of moby's own profile) and adjust it.
func dockerDefaultPolicy(t *testing.T, dir string) string {
	t.Helper()
	raw, err := json.Marshal(dockerseccomp.DefaultProfile())
	require.NoError(t, err)
	profile := writeFile(t, dir, "docker-default.json", string(raw))
	imported := filepath.Join(dir, "docker-default.pol")
	code, _, errOut := scc(t, "import", profile, "-o", imported)
	require.Equal(t, 0, code, errOut)
	src, err := os.ReadFile(imported)
	require.NoError(t, err)
	// First match wins: the new rule goes before Docker's allow list.
	at := bytes.Index(src, []byte("\nallow "))
	require.Positive(t, at, "an allow list in:\n%s", src)
	adjusted := string(src[:at+1]) + "errno(ENOTBLK) mkdir, mkdirat\n" + string(src[at+1:])
	return writeFile(t, dir, "adjusted.pol", adjusted)
}

// compileTo runs scc compile and returns the output's path.
func compileTo(t *testing.T, pol, format, out string) string {
	t.Helper()
	code, _, errOut := scc(t, "compile", pol, "-f", format, "-o", out)
	require.Equal(t, 0, code, errOut)
	return out
}

// busyboxRoot makes a root filesystem: static busybox with relative applet
// links (absolute ones would point outside the container), and the empty
// folders the runtimes mount over.
func busyboxRoot(t *testing.T) string {
	t.Helper()
	bb, err := exec.LookPath("busybox")
	require.NoError(t, err)
	root := filepath.Join(t.TempDir(), "rootfs")
	for _, d := range []string{"bin", "etc", "tmp", "proc", "dev", "sys"} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, d), 0o755))
	}
	data, err := os.ReadFile(bb)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(root, "bin", "busybox"), data, 0o755))
	for _, applet := range []string{"sh", "mkdir", "touch", "chmod", "echo", "unshare", "true"} {
		require.NoError(t, os.Symlink("busybox", filepath.Join(root, "bin", applet)))
	}
	return root
}

func needContainers(t *testing.T, tools ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("container runtimes here need root")
	}
	need(t, append([]string{"busybox"}, tools...)...)
	if !isStatic(t, "busybox") {
		t.Skip("needs a static busybox for the container's root (apt-get install -y busybox-static)")
	}
}

func isStatic(t *testing.T, tool string) bool {
	path, err := exec.LookPath(tool)
	require.NoError(t, err)
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}

// runTool runs a runtime; the callers judge its output, where a failure
// to start shows as missing lines.
func runTool(t *testing.T, name string, args ...string) (string, string) {
	t.Helper()
	_, stdout, stderr := execute(t, 90*time.Second, nil, name, args...)
	return stdout, stderr
}

// podmanRun runs script in a fresh busybox root under a seccomp profile,
// with podman's state in temporary folders so that the host's is untouched.
func podmanRun(t *testing.T, profile, script string) (string, string) {
	t.Helper()
	// podman refuses a runroot longer than 50 characters: t.TempDir's
	// names, made of the test's, can be.
	state, err := os.MkdirTemp("", "scc-podman")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(state) })
	args := []string{
		"--root", filepath.Join(state, "root"), "--runroot", filepath.Join(state, "run"),
		"--tmpdir", filepath.Join(state, "tmp"), "--storage-driver", "vfs", "--events-backend", "none",
		"--runtime", "runc", "--cgroup-manager", "cgroupfs",
		"run", "--rm", "--network", "none",
		"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
		"--security-opt", "seccomp=" + profile,
		"--rootfs", busyboxRoot(t), "/bin/sh", "-c", script,
	}
	return runTool(t, "podman", args...)
}

func TestPodmanDockerProfile(t *testing.T) {
	needContainers(t, "podman", "runc")
	dir := t.TempDir()
	pol := writeFile(t, dir, "p.pol", containerPolicy)
	profile := compileTo(t, pol, "docker", filepath.Join(dir, "p.json"))
	stdout, stderr := podmanRun(t, profile, containerScript)
	checkContainerRun(t, stdout, stderr)

	// Without scc's profile the same script succeeds throughout: the
	// failures above are the filter's.
	stdout, stderr = podmanRun(t, "unconfined", containerScript)
	assert.Equal(t, "mkdir=0\nchmod644=0\nchmod_ow=0\nhello\n", stdout, stderr)
}

func TestPodmanDockerDefaultAdjusted(t *testing.T) {
	needContainers(t, "podman", "runc")
	dir := t.TempDir()
	profile := compileTo(t, dockerDefaultPolicy(t, dir), "docker", filepath.Join(dir, "p.json"))
	stdout, stderr := podmanRun(t, profile, dockerDefaultScript)
	checkDockerDefaultRun(t, stdout, stderr)
}

// ociBundle writes a bundle whose config.json is the runtime's own
// `spec` template with scc's linux.seccomp, decoded and encoded with the
// runtime-spec types.
func ociBundle(t *testing.T, specTool, seccompFile, script string) string {
	t.Helper()
	bundle := t.TempDir()
	cmd := exec.Command(specTool, "spec")
	cmd.Dir = bundle
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s spec: %s", specTool, out)
	var spec specs.Spec
	raw, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &spec))

	var sc specs.LinuxSeccomp
	raw, err = os.ReadFile(seccompFile)
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&sc), "scc's -f oci output is a linux.seccomp object")

	spec.Process.Terminal = false
	spec.Process.Args = []string{"/bin/sh", "-c", script}
	spec.Root = &specs.Root{Path: busyboxRoot(t), Readonly: false}
	spec.Linux.Seccomp = &sc
	raw, err = json.MarshalIndent(&spec, "", "\t")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(bundle, "config.json"), raw, 0o644))
	return bundle
}

func runcRun(t *testing.T, bundle string) (string, string) {
	t.Helper()
	id := containerID(t)
	return runTool(t, "runc", "--root", t.TempDir(), "run", "--bundle", bundle, id)
}

// crunRun runs crun without cgroups. On a hybrid v1+v2 hierarchy crun
// refuses to start; in a private mount namespace without the v2 mount it
// sees plain v1 and, told not to manage cgroups, runs.
func crunRun(t *testing.T, bundle string) (string, string) {
	t.Helper()
	id := containerID(t)
	crun := []string{"crun", "--cgroup-manager", "disabled", "--root", t.TempDir(), "run", "--bundle", bundle, id}
	if !isMountPoint("/sys/fs/cgroup/unified") {
		return runTool(t, crun[0], crun[1:]...)
	}
	need(t, "unshare")
	return runTool(t, "unshare", append([]string{"-m", "--propagation", "private",
		"sh", "-c", `umount /sys/fs/cgroup/unified && exec "$@"`, "sh"}, crun...)...)
}

// containerID names a container after its test.
func containerID(t *testing.T) string {
	return "scc-e2e-" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "-")
}

func isMountPoint(path string) bool {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == path {
			return true
		}
	}
	return false
}

// ociRuntimes are the OCI runtimes the tests run bundles in.
var ociRuntimes = []struct {
	name string
	run  func(t *testing.T, bundle string) (stdout, stderr string)
}{{"runc", runcRun}, {"crun", crunRun}}

func TestOCIRuntimes(t *testing.T) {
	for _, rt := range ociRuntimes {
		t.Run(rt.name, func(t *testing.T) {
			needContainers(t, rt.name)
			dir := t.TempDir()
			pol := writeFile(t, dir, "p.pol", containerPolicy)
			sc := compileTo(t, pol, "oci", filepath.Join(dir, "seccomp.json"))
			stdout, stderr := rt.run(t, ociBundle(t, rt.name, sc, containerScript))
			checkContainerRun(t, stdout, stderr)

			sc = compileTo(t, dockerDefaultPolicy(t, dir), "oci", filepath.Join(dir, "default.json"))
			stdout, stderr = rt.run(t, ociBundle(t, rt.name, sc, dockerDefaultScript))
			checkDockerDefaultRun(t, stdout, stderr)

			// Filter flags: crun loads with them; runc 1.1.5 refuses any
			// (newer runc accepts these two).
			code, _, errOut := scc(t, "compile", pol, "-f", "oci", "--filter-flags", "log,spec_allow", "-o", filepath.Join(dir, "flags.json"))
			require.Equal(t, 0, code, errOut)
			stdout, stderr = rt.run(t, ociBundle(t, rt.name, filepath.Join(dir, "flags.json"), containerScript))
			if rt.name == "runc" && strings.Contains(stderr, "flag") && stdout == "" {
				t.Logf("runc refuses filter flags, as documented: %s", strings.TrimSpace(stderr))
				return
			}
			checkContainerRun(t, stdout, stderr)
		})
	}
}

// bubblewrap takes the raw program on a descriptor: `--seccomp 3 3<f.bpf`.
func TestBubblewrapRawBPF(t *testing.T) {
	needContainers(t, "bwrap")
	dir := t.TempDir()
	pol := writeFile(t, dir, "p.pol", containerPolicy)
	bpf := compileTo(t, pol, "bpf", filepath.Join(dir, "p.bpf"))

	run := func(t *testing.T, withFilter bool) (string, string) {
		args := []string{"--bind", busyboxRoot(t), "/", "--dev", "/dev", "--proc", "/proc"}
		var extra []*os.File
		if withFilter {
			f, err := os.Open(bpf)
			require.NoError(t, err)
			defer f.Close()
			extra = append(extra, f)
			args = append(args, "--seccomp", "3")
		}
		args = append(args, "/bin/sh", "-c", containerScript)
		_, stdout, stderr := execute(t, 60*time.Second, extra, "bwrap", args...)
		return stdout, stderr
	}
	stdout, stderr := run(t, true)
	checkContainerRun(t, stdout, stderr)
	stdout, stderr = run(t, false)
	assert.Equal(t, "mkdir=0\nchmod644=0\nchmod_ow=0\nhello\n", stdout, stderr)
}
