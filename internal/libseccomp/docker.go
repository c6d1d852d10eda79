package libseccomp

import (
	"github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"
)

// DockerDefaultCaps is the bounding set Docker gives a container by default
// (moby's oci/caps.DefaultCapabilities): the caps a profile's
// includes/excludes are resolved against by FromDocker.
var DockerDefaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// FromDocker resolves a Docker/Podman profile (archMap, includes/excludes
// on caps, arches and minKernel) with moby's own loader, for a container
// with Docker's default capabilities on this machine's arch and kernel.
func FromDocker(profileJSON []byte) (*specs.LinuxSeccomp, error) {
	return FromDockerCaps(profileJSON, DockerDefaultCaps)
}

// FromDockerCaps is FromDocker for a container whose bounding set is caps.
func FromDockerCaps(profileJSON []byte, caps []string) (*specs.LinuxSeccomp, error) {
	rs := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: caps}}}
	return seccomp.LoadProfile(string(profileJSON), rs)
}
