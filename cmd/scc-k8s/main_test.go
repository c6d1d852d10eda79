package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/backend/k8s"
	"github.com/scc-dev/scc/backend/oci"
	"github.com/scc-dev/scc/resolve"
)

// profile is examples/nginx.pol as `scc compile -f oci` writes it.
func profile(t *testing.T) []byte {
	p, diags := resolve.LoadFile("../../examples/nginx.pol", resolve.Options{})
	require.NoError(t, diags.Err())
	s, err := oci.Export(p, oci.Options{})
	require.NoError(t, err)
	b, err := json.Marshal(s)
	require.NoError(t, err)
	return b
}

func sccK8s(stdin []byte, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, bytes.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// What scc-k8s writes is the backend's manifests, from stdin or a file.
func TestManifests(t *testing.T) {
	p, diags := resolve.LoadFile("../../examples/nginx.pol", resolve.Options{})
	require.NoError(t, diags.Err())
	want, err := k8s.Manifests(p, k8s.Options{Name: "web", Namespace: "prod"})
	require.NoError(t, err)

	code, out, errOut := sccK8s(profile(t), "--name", "web", "--namespace", "prod")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, string(want), out)

	file := filepath.Join(t.TempDir(), "web.oci.json")
	require.NoError(t, os.WriteFile(file, profile(t), 0o644))
	code, out, errOut = sccK8s(nil, "--name", "web", "--namespace", "prod", file)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, string(want), out)
}

func TestErrors(t *testing.T) {
	good := profile(t)
	for _, tc := range []struct {
		name  string
		stdin []byte
		args  []string
		code  int
		want  string
	}{
		{"no name", good, nil, 1, "scc-k8s: k8s: the profile needs a name"},
		{"help", good, []string{"-h"}, 0, "usage: scc-k8s --name NAME"},
		{"two files", good, []string{"--name", "a", "x", "y"}, 2, "usage: scc-k8s"},
		{"unknown flag", good, []string{"--nmae", "a"}, 2, "flag provided but not defined: -nmae"},
		{"not JSON", []byte("arch x86_64\n"), []string{"--name", "a"}, 1, "scc-k8s: <stdin>: not an OCI linux.seccomp object"},
		{"a Docker profile's field", []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "archMap": []}`), []string{"--name", "a"}, 1, `unknown field "archMap"`},
		{"no default action", []byte(`{}`), []string{"--name", "a"}, 1, "<stdin>: no defaultAction"},
		{"two values", append(append([]byte{}, good...), good...), []string{"--name", "a"}, 1, "<stdin>: more than one JSON value"},
		{"missing file", nil, []string{"--name", "a", "/nonexistent/p.json"}, 1, "no such file or directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := sccK8s(tc.stdin, tc.args...)
			require.Equal(t, tc.code, code, errOut)
			require.Empty(t, out)
			require.True(t, strings.Contains(errOut, tc.want), errOut)
		})
	}
}
