package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The container tests of scc record: a program recorded on the host with
// --for docker runs in runc, crun and podman under the recorded profile.
// The default is kill, so a single call the runtime makes under the filter
// that the profile lacks stops the container, instead of failing in a way
// the runtime may ignore.

// recordedScript is what the container runs, recorded on the host with the
// same static busybox that the container's root holds.
const recordedScript = "echo recorded"

// recordInContainer records busybox running recordedScript with scc record
// -q --default kill and the given --for, as uid (0: scc's own), and returns
// the profile compiled to format.
func recordInContainer(t *testing.T, forRuntime string, uid int, format string) string {
	t.Helper()
	// The same binary busyboxRoot copies into the container.
	bb, err := exec.LookPath("busybox")
	require.NoError(t, err)
	dir := t.TempDir()
	args := []string{"record", "-q", "--default", "kill", "--for", forRuntime, "--", bb, "sh", "-c", recordedScript}
	var code int
	var out, errOut string
	if uid == 0 {
		code, out, errOut = scc(t, args...)
	} else {
		// Record as the container's user: a program can take other paths
		// when it is not root (busybox then calls getgid, setgid and
		// setuid). The policy goes to stdout, which that user can write.
		need(t, "setpriv")
		id := fmt.Sprint(uid)
		code, out, errOut = execute(t, 20*time.Second, nil, "setpriv", append([]string{"--reuid", id, "--regid", id, "--clear-groups",
			publicSCC(t)}, args...)...)
	}
	require.Equal(t, 0, code, "scc record: %s", errOut)
	require.Contains(t, errOut, "recorded", "the program's output goes to stderr when the policy is stdout")
	pol := writeFile(t, dir, "recorded.pol", out)
	ext := map[string]string{"oci": ".json", "docker": ".json"}[format]
	return compileTo(t, pol, format, filepath.Join(dir, "recorded"+ext))
}

// publicSCC is a copy of the scc binary that every user may run (TestMain's
// folder is private to root).
func publicSCC(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "scc-e2e-public")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	data, err := os.ReadFile(sccBin)
	require.NoError(t, err)
	bin := filepath.Join(dir, "scc")
	require.NoError(t, os.WriteFile(bin, data, 0o755))
	return bin
}

// withProcess edits a bundle's config.json: noNewPrivileges and the user
// the container's process runs as.
func withProcess(t *testing.T, bundle string, noNewPrivs bool, uid int) string {
	t.Helper()
	path := filepath.Join(bundle, "config.json")
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var spec specs.Spec
	require.NoError(t, json.Unmarshal(raw, &spec))
	spec.Process.NoNewPrivileges = noNewPrivs
	spec.Process.User = specs.User{UID: uint32(uid), GID: uint32(uid)}
	raw, err = json.MarshalIndent(&spec, "", "\t")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, raw, 0o644))
	return bundle
}

// TestRecordForContainerRuntimes: a policy recorded with --for docker
// starts in runc and crun, with noNewPrivileges false (Docker's, Podman's
// and Kubernetes' default: the runtime makes more calls under the filter)
// and true, as root and as a non-root user. Recorded with --for none, the
// same program does not start where the runtime calls anything under the
// filter: the list is what makes the difference.
func TestRecordForContainerRuntimes(t *testing.T) {
	for _, rt := range ociRuntimes {
		t.Run(rt.name, func(t *testing.T) {
			needContainers(t, rt.name)
			for _, uid := range []int{0, 1000} {
				profile := recordInContainer(t, "docker", uid, "oci")
				for _, nnp := range []bool{false, true} {
					bundle := withProcess(t, ociBundle(t, rt.name, profile, recordedScript), nnp, uid)
					stdout, stderr := rt.run(t, bundle)
					assert.Equal(t, "recorded\n", stdout, "%s, uid %d, noNewPrivileges %v: %s", rt.name, uid, nnp, stderr)
				}
			}

			bare := recordInContainer(t, "none", 0, "oci")
			stdout, stderr := rt.run(t, withProcess(t, ociBundle(t, rt.name, bare, recordedScript), false, 0))
			assert.Empty(t, stdout, "without the runtime's calls the container must not start; stderr: %s", stderr)
		})
	}
}

// TestRecordForPodman: the same recording with --for podman, as a
// Docker-format profile, in podman.
func TestRecordForPodman(t *testing.T) {
	needContainers(t, "podman", "runc")
	profile := recordInContainer(t, "podman", 0, "docker")
	src, err := os.ReadFile(profile)
	require.NoError(t, err)
	require.True(t, strings.Contains(string(src), `"SCMP_ACT_KILL`), "a deny-by-default profile:\n%s", src)
	stdout, stderr := podmanRun(t, profile, recordedScript)
	assert.Equal(t, "recorded\n", stdout, stderr)
}
