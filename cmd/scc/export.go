package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/scc-dev/scc/backend/docker"
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
		doc:  "Kubernetes: ConfigMap + DaemonSet installing the profile on nodes, an example Pod, a security-profiles-operator SeccompProfile (written by scc-k8s)",
		encode: func(p *policy.Policy, _ []bpfasm.Insn, o encodeOptions) ([]byte, error) {
			if err := noEnosys(o); err != nil {
				return nil, err
			}
			s, err := export(p, o)
			if err != nil {
				return nil, err
			}
			return k8sManifests(s, o.Name)
		},
	}
}

// k8sManifests has scc-k8s write the Kubernetes manifests of s. scc-k8s
// holds the Kubernetes types so that scc does not start them up in every
// process (see cmd/scc-k8s). It is looked for next to scc, then on PATH.
func k8sManifests(s *specs.LinuxSeccomp, name string) ([]byte, error) {
	bin, err := findCompanion("scc-k8s")
	if err != nil {
		return nil, errors.New("the k8s format is written by scc-k8s, which is neither next to scc nor on PATH: build both with CGO_ENABLED=0 go build -o . ./cmd/... (or go install github.com/scc-dev/scc/cmd/scc-k8s)")
	}
	profile, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	var out, stderr bytes.Buffer
	cmd := exec.Command(bin, "--name", name, "-")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(profile), &out, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, errors.New(msg) // scc-k8s names itself
		}
		return nil, fmt.Errorf("%s: %v", bin, err)
	}
	if out.Len() == 0 {
		// Not scc-k8s, or a broken one: an empty file would replace OUT.
		return nil, fmt.Errorf("%s exited successfully but wrote nothing", bin)
	}
	return out.Bytes(), nil
}

// findCompanion finds a companion command of scc: in scc's own directory
// first, so that a build of both works without installing them, then on
// PATH.
func findCompanion(name string) (string, error) {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return exec.LookPath(name)
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
