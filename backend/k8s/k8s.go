// Package k8s exports a policy as what a Kubernetes user deploys, in one
// multi-document YAML file:
//
//  1. a ConfigMap holding the Docker-format profile (package docker), and a
//     DaemonSet that copies it to /var/lib/kubelet/seccomp/scc/NAME.json on
//     every node, for clusters without the security-profiles-operator;
//  2. an example Pod whose securityContext.seccompProfile is
//     {type: Localhost, localhostProfile: scc/NAME.json};
//  3. a security-profiles-operator SeccompProfile resource, for clusters
//     with the operator (which then places the file itself, under
//     operator/NAMESPACE/NAME.json).
//
// The operator's Go module is not available to this build, so its resource
// is written from the CRD schema of security-profiles-operator.x-k8s.io/v1beta1
// (see SeccompProfile). Two things the Docker profile can say, it cannot:
// a default errno other than EPERM (it has no defaultErrnoRet) and argument
// values above 2^63-1 (its schema's integers are int64 ≥ 0). Either leaves
// the resource out, with the reason in the file's header comment, rather
// than write a weaker profile; OperatorProfile returns the error itself.
package k8s

import (
	"bytes"
	"fmt"
	"math"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/scc-dev/scc/backend/docker"
	"github.com/scc-dev/scc/backend/oci"
	"github.com/scc-dev/scc/policy"
)

// Options tune the export.
type Options struct {
	Name         string // the profile's name: NAME.json, object names; required
	Namespace    string // namespace of the namespaced objects; "" is "default"
	ListenerPath string // see oci.Options
	Flags        []specs.LinuxSeccompFlag
}

func (o Options) oci() oci.Options {
	return oci.Options{ListenerPath: o.ListenerPath, Flags: o.Flags}
}

// ProfileDir is where the DaemonSet installs profiles, relative to the
// kubelet's seccomp root (/var/lib/kubelet/seccomp): a Pod names its
// profile as scc/NAME.json.
const ProfileDir = "scc"

// SeccompProfile is the security-profiles-operator resource
// (security-profiles-operator.x-k8s.io/v1beta1, kind SeccompProfile), with
// the fields scc writes, as its CRD schema spells them.
type SeccompProfile struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              SeccompProfileSpec `json:"spec"`
}

// SeccompProfileSpec is the operator's spec.
type SeccompProfileSpec struct {
	DefaultAction string       `json:"defaultAction"`
	Architectures []string     `json:"architectures,omitempty"`
	ListenerPath  string       `json:"listenerPath,omitempty"`
	Flags         []string     `json:"flags,omitempty"`
	Syscalls      []SPOSyscall `json:"syscalls,omitempty"`
}

// SPOSyscall is one entry of spec.syscalls.
type SPOSyscall struct {
	Names    []string `json:"names"`
	Action   string   `json:"action"`
	ErrnoRet *int64   `json:"errnoRet,omitempty"`
	Args     []SPOArg `json:"args,omitempty"`
}

// SPOArg is one argument comparison; the schema's integers are int64 ≥ 0.
type SPOArg struct {
	Index    int64  `json:"index"`
	Value    int64  `json:"value,omitempty"`
	ValueTwo int64  `json:"valueTwo,omitempty"`
	Op       string `json:"op"`
}

// Manifests lowers p and writes the YAML documents described in the
// package comment. Errors are oci.Export's (a lang.ErrorList naming the
// rules) or say what the operator's resource cannot hold.
func Manifests(p *policy.Policy, opts Options) ([]byte, error) {
	if opts.Name == "" {
		return nil, fmt.Errorf("k8s: the profile needs a name")
	}
	spec, err := oci.Export(p, opts.oci())
	if err != nil {
		return nil, err
	}
	return ManifestsFor(spec, opts)
}

// ManifestsFor is Manifests for a policy already exported (oci.Export
// with opts' listener path and flags).
func ManifestsFor(spec *specs.LinuxSeccomp, opts Options) ([]byte, error) {
	if opts.Name == "" {
		return nil, fmt.Errorf("k8s: the profile needs a name")
	}
	ns := opts.Namespace
	if ns == "" {
		ns = "default"
	}
	profile, err := docker.EncodeOCI(spec)
	if err != nil {
		return nil, err
	}
	file := opts.Name + ".json"
	labels := map[string]string{"app.kubernetes.io/name": "scc-seccomp-" + opts.Name, "app.kubernetes.io/managed-by": "scc"}
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels}
	}

	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta("scc-seccomp-" + opts.Name),
		Data:       map[string]string{file: string(profile)},
	}
	hostDir := corev1.HostPathDirectoryOrCreate
	root := int64(0)
	ds := &appsv1.DaemonSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
		ObjectMeta: meta("scc-seccomp-" + opts.Name),
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
					InitContainers: []corev1.Container{{
						Name:            "install",
						Image:           "busybox:1.36",
						Command:         []string{"sh", "-c", "cp /profile/" + file + " /host/" + file + ".tmp && mv /host/" + file + ".tmp /host/" + file},
						SecurityContext: &corev1.SecurityContext{RunAsUser: &root},
						VolumeMounts: []corev1.VolumeMount{
							{Name: "profile", MountPath: "/profile", ReadOnly: true},
							{Name: "seccomp", MountPath: "/host"},
						},
					}},
					Containers: []corev1.Container{{Name: "pause", Image: "registry.k8s.io/pause:3.10"}},
					Volumes: []corev1.Volume{
						{Name: "profile", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: cm.Name}}}},
						{Name: "seccomp", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{
							Path: "/var/lib/kubelet/seccomp/" + ProfileDir, Type: &hostDir}}},
					},
				},
			},
		},
	}
	localhost := ProfileDir + "/" + file
	pod := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: meta(opts.Name + "-example"),
		Spec: corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{
				Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: &localhost}},
			Containers: []corev1.Container{{Name: "app", Image: "busybox:1.36", Command: []string{"sleep", "3600"}}},
		},
	}
	// What the operator's resource cannot hold leaves it out, said in
	// the file: the other documents still carry the exact profile.
	var spoNote string
	spo, err := operatorProfile(spec, opts.Name, ns)
	if err != nil {
		spoNote = "# No SeccompProfile resource: " + err.Error() + ".\n"
	}

	var out bytes.Buffer
	out.WriteString("# scc seccomp profile " + opts.Name + ".\n" +
		"# Without the security-profiles-operator: apply the ConfigMap and DaemonSet, which\n" +
		"# install " + file + " under /var/lib/kubelet/seccomp/" + ProfileDir + "/ on every node, then\n" +
		"# use it as the example Pod does (localhostProfile: " + localhost + ").\n" +
		"# With the operator, apply only the SeccompProfile at the end; Pods then use\n" +
		"# localhostProfile: operator/" + ns + "/" + file + ".\n" + spoNote)
	objs := []any{cm, ds, pod}
	if spo != nil {
		objs = append(objs, spo)
	}
	for _, obj := range objs {
		b, err := yaml.Marshal(obj)
		if err != nil {
			return nil, fmt.Errorf("k8s: %w", err)
		}
		out.WriteString("---\n")
		out.Write(b)
	}
	return out.Bytes(), nil
}

// OperatorProfile is p as the operator's resource alone, or the reason it
// cannot be one.
func OperatorProfile(p *policy.Policy, opts Options) (*SeccompProfile, error) {
	spec, err := oci.Export(p, opts.oci())
	if err != nil {
		return nil, err
	}
	ns := opts.Namespace
	if ns == "" {
		ns = "default"
	}
	return operatorProfile(spec, opts.Name, ns)
}

// operatorProfile is spec as the operator's resource.
func operatorProfile(s *specs.LinuxSeccomp, name, ns string) (*SeccompProfile, error) {
	if s.DefaultErrnoRet != nil && *s.DefaultErrnoRet != uint(unix.EPERM) {
		return nil, fmt.Errorf("the SeccompProfile resource has no defaultErrnoRet, so a default of errno(%d) would become EPERM; default to errno(EPERM) or use the Docker profile", *s.DefaultErrnoRet)
	}
	out := &SeccompProfile{
		TypeMeta:   metav1.TypeMeta{APIVersion: "security-profiles-operator.x-k8s.io/v1beta1", Kind: "SeccompProfile"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       SeccompProfileSpec{DefaultAction: string(s.DefaultAction), ListenerPath: s.ListenerPath},
	}
	for _, a := range s.Architectures {
		out.Spec.Architectures = append(out.Spec.Architectures, string(a))
	}
	for _, f := range s.Flags {
		// The operator's CRD enumerates TSYNC, LOG and SPEC_ALLOW only.
		if f != specs.LinuxSeccompFlagLog && f != specs.LinuxSeccompFlagSpecAllow {
			return nil, fmt.Errorf("the SeccompProfile resource cannot carry the flag %s (its schema allows SECCOMP_FILTER_FLAG_LOG and SECCOMP_FILTER_FLAG_SPEC_ALLOW); use the ConfigMap and DaemonSet instead", f)
		}
		out.Spec.Flags = append(out.Spec.Flags, string(f))
	}
	for _, c := range s.Syscalls {
		sc := SPOSyscall{Names: c.Names, Action: string(c.Action)}
		if c.ErrnoRet != nil {
			e := int64(*c.ErrnoRet)
			sc.ErrnoRet = &e
		}
		for _, a := range c.Args {
			v, err := nonNegative(a.Value, fmt.Sprintf("%s argument %d value", c.Names[0], a.Index))
			if err != nil {
				return nil, err
			}
			two, err := nonNegative(a.ValueTwo, fmt.Sprintf("%s argument %d valueTwo", c.Names[0], a.Index))
			if err != nil {
				return nil, err
			}
			sc.Args = append(sc.Args, SPOArg{Index: int64(a.Index), Value: v, ValueTwo: two, Op: string(a.Op)})
		}
		out.Spec.Syscalls = append(out.Spec.Syscalls, sc)
	}
	return out, nil
}

func nonNegative(v uint64, what string) (int64, error) {
	if v > math.MaxInt64 {
		return 0, fmt.Errorf("%s %#x does not fit the SeccompProfile schema (int64 ≥ 0); use the ConfigMap and DaemonSet instead", what, v)
	}
	return int64(v), nil
}
