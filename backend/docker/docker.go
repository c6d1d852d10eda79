// Package docker exports a policy as a Docker/Podman seccomp profile
// (docker run --security-opt seccomp=FILE), in moby's own profile type.
//
// The rules are those of package oci (the profile is the OCI object plus
// Docker's extensions); the profile lists the policy's target ABIs in
// `architectures` rather than an `archMap`, because an archMap entry adds
// all of an ABI's sub-ABIs (x86_64 brings i386 and x32), which would
// change what the policy says about them.
package docker

import (
	"encoding/json"

	"github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/scc-dev/scc/backend/oci"
	"github.com/scc-dev/scc/policy"
)

// Profile lowers p into a Docker profile; see oci.Export for what fails.
func Profile(p *policy.Policy, opts oci.Options) (*seccomp.Seccomp, error) {
	s, err := oci.Export(p, opts)
	if err != nil {
		return nil, err
	}
	return FromOCI(s), nil
}

// FromOCI is an exported OCI object as a Docker profile: the same rules,
// in moby's type.
func FromOCI(s *specs.LinuxSeccomp) *seccomp.Seccomp {
	out := &seccomp.Seccomp{Syscalls: []*seccomp.Syscall{}}
	out.DefaultAction = s.DefaultAction
	out.DefaultErrnoRet = s.DefaultErrnoRet
	out.Architectures = s.Architectures
	out.ListenerPath = s.ListenerPath
	out.Flags = s.Flags
	for _, c := range s.Syscalls {
		out.Syscalls = append(out.Syscalls, &seccomp.Syscall{LinuxSyscall: c})
	}
	return out
}

// JSON is Profile as the indented JSON file Docker and Podman read.
func JSON(p *policy.Policy, opts oci.Options) ([]byte, error) {
	s, err := oci.Export(p, opts)
	if err != nil {
		return nil, err
	}
	return EncodeOCI(s)
}

// EncodeOCI is FromOCI as the indented JSON file Docker and Podman read.
func EncodeOCI(s *specs.LinuxSeccomp) ([]byte, error) {
	b, err := json.MarshalIndent(FromOCI(s), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
