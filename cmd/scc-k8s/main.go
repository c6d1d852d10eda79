// Command scc-k8s wraps a seccomp profile in the Kubernetes manifests that
// deploy it (package backend/k8s): a ConfigMap and a DaemonSet installing
// the profile on every node, an example Pod, and a security-profiles-operator
// SeccompProfile.
//
//	scc compile app.pol -f oci -o - | scc-k8s --name app > app.yaml
//	scc compile app.pol -o app.yaml      # the same: scc runs scc-k8s
//
// It reads the linux.seccomp object of an OCI config.json (what `scc
// compile -f oci` writes) from a file or stdin and writes YAML to stdout.
//
// It is a command of its own so that scc does not link the Kubernetes types
// (k8s.io/api, apimachinery and the JSON, YAML, CBOR and HTTP libraries they
// bring): Go initialises every linked package when a program starts, and
// they cost every scc process, `scc run` on a container's start path
// included, 6-7 ms and half of its 16 MB (docs/performance.md).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/scc-dev/scc/backend/k8s"
	"github.com/scc-dev/scc/resolve"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: tests call it directly. The status is
// 0, 1 for a bad profile and 2 for a bad command line.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("scc-k8s", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: scc-k8s --name NAME [--namespace NS] [PROFILE.oci.json | -]")
		fs.PrintDefaults()
	}
	// An empty --name is the backend's error, which scc compile passes on.
	name := fs.String("name", "", "the profile's name: NAME.json on the nodes, and the objects' names (required)")
	ns := fs.String("namespace", "", `namespace of the ConfigMap, DaemonSet, Pod and SeccompProfile (default "default")`)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0 // -h asked for the usage, which Parse printed
		}
		return 2
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return 2
	}
	path := "-"
	if fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	out, err := manifests(path, stdin, k8s.Options{Name: *name, Namespace: *ns})
	if err != nil {
		fmt.Fprintln(stderr, "scc-k8s:", err)
		return 1
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintln(stderr, "scc-k8s:", err)
		return 1
	}
	return 0
}

func manifests(path string, stdin io.Reader, opts k8s.Options) ([]byte, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = resolve.ReadLimited(stdin)
	} else {
		data, err = resolve.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if path == "-" {
		path = "<stdin>"
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var spec specs.LinuxSeccomp
	if err := dec.Decode(&spec); err != nil {
		return nil, fmt.Errorf("%s: not an OCI linux.seccomp object: %v", path, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: more than one JSON value", path)
	}
	if spec.DefaultAction == "" {
		return nil, errors.New(path + ": no defaultAction: not an OCI linux.seccomp object")
	}
	return k8s.ManifestsFor(&spec, opts)
}
