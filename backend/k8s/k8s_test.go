package k8s_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/scc-dev/scc/backend/k8s"
	"github.com/scc-dev/scc/backend/oci"
	"github.com/scc-dev/scc/internal/libseccomp"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/resolve"
)

func load(t *testing.T, path string) *policy.Policy {
	p, diags := resolve.LoadFile(path, resolve.Options{})
	require.NoError(t, diags.Err(), path)
	return p
}

// split cuts a multi-document YAML file into its documents.
func split(t *testing.T, b []byte) []string {
	// The first chunk is the header comment followed by "---".
	head, rest, ok := strings.Cut(string(b), "---\n")
	require.True(t, ok)
	require.True(t, strings.HasPrefix(head, "#"))
	return strings.Split(rest, "\n---\n")
}

// TestManifestsDecodeStrictly: every document decodes into the upstream
// type with no unknown or misspelt field, and means what the export says,
// for every exportable example.
func TestManifestsDecodeStrictly(t *testing.T) {
	for _, path := range []string{
		"../../examples/readonly.pol", "../../examples/nofork.pol", "../../examples/nginx.pol",
		"../../testdata/policies/compare64.pol", "../../testdata/policies/firstmatch.pol",
	} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			p := load(t, path)
			out, err := k8s.Manifests(p, k8s.Options{Name: "app", Namespace: "web"})
			require.NoError(t, err)
			docs := split(t, out)
			_, spoErr := k8s.OperatorProfile(p, k8s.Options{Name: "app"})
			if spoErr != nil {
				// compare64.pol compares with values above 2^63-1.
				require.Len(t, docs, 3)
				require.Contains(t, string(out), "# No SeccompProfile resource: ")
				return
			}
			require.Len(t, docs, 4)

			var cm corev1.ConfigMap
			require.NoError(t, yaml.UnmarshalStrict([]byte(docs[0]), &cm))
			require.Equal(t, "ConfigMap", cm.Kind)
			require.Equal(t, "web", cm.Namespace)
			spec, err := libseccomp.FromDocker([]byte(cm.Data["app.json"]))
			require.NoError(t, err)
			want, err := oci.Export(p, oci.Options{})
			require.NoError(t, err)
			a, _ := json.Marshal(want)
			b, _ := json.Marshal(spec)
			require.JSONEq(t, string(a), string(b))

			var ds appsv1.DaemonSet
			require.NoError(t, yaml.UnmarshalStrict([]byte(docs[1]), &ds))
			require.Equal(t, "DaemonSet", ds.Kind)
			require.Equal(t, ds.Spec.Selector.MatchLabels, ds.Spec.Template.Labels)
			require.Equal(t, cm.Name, ds.Spec.Template.Spec.Volumes[0].ConfigMap.Name)
			require.Equal(t, "/var/lib/kubelet/seccomp/scc", ds.Spec.Template.Spec.Volumes[1].HostPath.Path)
			require.Contains(t, ds.Spec.Template.Spec.InitContainers[0].Command[2], "/host/app.json")

			var pod corev1.Pod
			require.NoError(t, yaml.UnmarshalStrict([]byte(docs[2]), &pod))
			sp := pod.Spec.SecurityContext.SeccompProfile
			require.Equal(t, corev1.SeccompProfileTypeLocalhost, sp.Type)
			require.Equal(t, "scc/app.json", *sp.LocalhostProfile)

			var spo k8s.SeccompProfile
			require.NoError(t, yaml.UnmarshalStrict([]byte(docs[3]), &spo))
			require.Equal(t, "security-profiles-operator.x-k8s.io/v1beta1", spo.APIVersion)
			require.Equal(t, "SeccompProfile", spo.Kind)
			require.Equal(t, string(want.DefaultAction), spo.Spec.DefaultAction)
			require.Len(t, spo.Spec.Syscalls, len(want.Syscalls))
			for i, c := range want.Syscalls {
				got := spo.Spec.Syscalls[i]
				require.Equal(t, c.Names, got.Names)
				require.Equal(t, string(c.Action), got.Action)
				require.Len(t, got.Args, len(c.Args))
				for j, a := range c.Args {
					require.Equal(t, int64(a.Value), got.Args[j].Value)
					require.Equal(t, int64(a.ValueTwo), got.Args[j].ValueTwo)
					require.GreaterOrEqual(t, got.Args[j].Value, int64(0))
				}
			}
		})
	}
}

func TestManifestsErrors(t *testing.T) {
	for _, tc := range []struct {
		src, want string
		spoOnly   bool // Manifests still writes the other documents
	}{
		// A default errno other than EPERM: the operator has no defaultErrnoRet.
		{"default errno(EACCES)\nallow read\n", "no defaultErrnoRet", true},
		// A full 64-bit value with the top bit set.
		{"default allow\nerrno(EPERM) read if count == 0xffffffffffffff00\n", "does not fit the SeccompProfile schema", true},
		// What oci.Export refuses, k8s refuses too.
		{"default allow\nbadarch errno(EPERM)\nallow read\n", "cannot set the bad-arch action", false},
	} {
		p, diags := resolve.Load("t.pol", []byte("arch x86_64\n"+tc.src), resolve.Options{})
		require.NoError(t, diags.Err(), tc.src)
		_, err := k8s.OperatorProfile(p, k8s.Options{Name: "t"})
		require.ErrorContains(t, err, tc.want, tc.src)
		out, err := k8s.Manifests(p, k8s.Options{Name: "t"})
		if tc.spoOnly {
			require.NoError(t, err)
			require.Contains(t, string(out), "# No SeccompProfile resource: "+tc.want[:0])
			require.NotContains(t, string(out), "kind: SeccompProfile")
		} else {
			require.ErrorContains(t, err, tc.want, tc.src)
		}
	}
	_, err := k8s.Manifests(load(t, "../../examples/readonly.pol"), k8s.Options{})
	require.ErrorContains(t, err, "needs a name")
}
