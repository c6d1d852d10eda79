package main

import (
	"encoding/json"
	"errors"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/scc-dev/scc/backend/docker"
	"github.com/scc-dev/scc/backend/k8s"
	"github.com/scc-dev/scc/backend/oci"
	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/policy"
)

// The container formats of scc compile. They are written from the policy,
// not from the BPF: a runtime compiles them again with its libseccomp.
func init() {
	formats["docker"] = format{
		exts: []string{".json"},
		doc:  "Docker/Podman seccomp profile (docker run --security-opt seccomp=FILE)",
		encode: func(p *policy.Policy, _ []bpfasm.Insn, o encodeOptions) ([]byte, error) {
			if err := noEnosys(o); err != nil {
				return nil, err
			}
			s, err := export(p, o)
			if err != nil {
				return nil, err
			}
			return docker.EncodeOCI(s)
		},
	}
	formats["oci"] = format{
		exts: []string{".oci.json", ".oci"},
		doc:  "the linux.seccomp object of an OCI config.json (runc, crun)",
		encode: func(p *policy.Policy, _ []bpfasm.Insn, o encodeOptions) ([]byte, error) {
			if err := noEnosys(o); err != nil {
				return nil, err
			}
			s, err := export(p, o)
			if err != nil {
				return nil, err
			}
			b, err := json.MarshalIndent(s, "", "  ")
			return append(b, '\n'), err
		},
	}
	formats["k8s"] = format{
		exts: []string{".yaml", ".yml"},
		doc:  "Kubernetes: ConfigMap + DaemonSet installing the profile on nodes, an example Pod, a security-profiles-operator SeccompProfile",
		encode: func(p *policy.Policy, _ []bpfasm.Insn, o encodeOptions) ([]byte, error) {
			if err := noEnosys(o); err != nil {
				return nil, err
			}
			s, err := export(p, o)
			if err != nil {
				return nil, err
			}
			return k8s.ManifestsFor(s, k8s.Options{Name: o.Name, ListenerPath: o.ListenerPath, Flags: o.Flags})
		},
	}
}

// noEnosys refuses --enosys-newer for profiles: the runtime, not scc,
// builds their BPF (runc adds its own ENOSYS stub; crun does not).
func noEnosys(o encodeOptions) error {
	if o.EnosysNewer {
		return errors.New("--enosys-newer applies to BPF outputs; a container profile is compiled by the runtime (runc adds its own ENOSYS stub for newer syscalls, crun does not)")
	}
	return nil
}

// export lowers p for the container formats, once, and warns when the
// runtime's libseccomp will make a program longer than the kernel loads.
func export(p *policy.Policy, o encodeOptions) (*specs.LinuxSeccomp, error) {
	s, err := oci.Export(p, oci.Options{ListenerPath: o.ListenerPath, Flags: o.Flags})
	if err != nil {
		return nil, err
	}
	if w := oci.LibseccompSizeWarning(s); w != "" {
		o.Warn(w)
	}
	return s, nil
}
