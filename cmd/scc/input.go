package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/syscalls"
)

// input is what inspection commands read: a policy, compiled, or a raw
// filter from some other tool.
type input struct {
	name   string
	policy *policy.Policy // nil for a raw filter
	prog   []bpfasm.Insn
}

// readSource reads a file, or stdin for "-", at most resolve.MaxFileSize
// bytes of either. With a nil stdin, "-" is an error.
func readSource(path string, stdin io.Reader) ([]byte, error) {
	var data []byte
	var err error
	switch {
	case path != "-":
		data, err = resolve.ReadFile(path)
	case stdin == nil:
		return nil, errors.New("-: stdin is not read here: give a file")
	default:
		data, err = resolve.ReadLimited(stdin)
	}
	if errors.Is(err, resolve.ErrTooLarge) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, err
}

// displayName is how messages name an input: "<stdin>" for "-".
func displayName(path string) string {
	if path == "-" {
		return "<stdin>"
	}
	return path
}

// isRawFilter tells a BPF program from a policy: by the .bpf extension, or
// by content, since policies are text and programs almost always hold NULs.
func isRawFilter(path string, data []byte) bool {
	return strings.EqualFold(filepath.Ext(path), ".bpf") || bytes.IndexByte(data, 0) >= 0
}

// loadPolicy parses and resolves a policy, printing warnings; errors come
// back as one error listing them all.
func loadPolicy(path string, data []byte, arches []*syscalls.Arch, stderr io.Writer) (*policy.Policy, error) {
	p, diags := resolve.Load(displayName(path), data, resolve.Options{Arches: arches})
	// One write for all warnings: a multi-ABI profile can have a hundred.
	var warnings strings.Builder
	for _, d := range diags.Warnings() {
		fmt.Fprintln(&warnings, d)
	}
	io.WriteString(stderr, warnings.String())
	if err := diags.Err(); err != nil {
		return nil, diags.Errors()
	}
	return p, nil
}

// loadInput reads a policy (and compiles it) or a raw filter.
func loadInput(path string, arches []*syscalls.Arch, stdin io.Reader, stderr io.Writer) (*input, error) {
	data, err := readSource(path, stdin)
	if err != nil {
		return nil, err
	}
	return parseInput(path, data, arches, stderr)
}

// parseInput is loadInput on data already read from path.
func parseInput(path string, data []byte, arches []*syscalls.Arch, stderr io.Writer) (*input, error) {
	in := &input{name: path}
	var err error
	if isRawFilter(path, data) {
		in.prog, err = bpfasm.Decode(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return in, nil
	}
	in.policy, err = loadPolicy(path, data, arches, stderr)
	if err != nil {
		return nil, err
	}
	in.prog, err = compiler.Compile(in.policy, compiler.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return in, nil
}

// parseArches turns a comma-separated --arch value into ABIs.
func parseArches(s string) ([]*syscalls.Arch, error) {
	if s == "" {
		return nil, nil
	}
	var out []*syscalls.Arch
	for _, n := range strings.Split(s, ",") {
		a, ok := syscalls.ArchByName(strings.TrimSpace(n))
		if !ok {
			return nil, fmt.Errorf("unknown architecture %q (known: %s)", n, strings.Join(syscalls.ArchNames(), ", "))
		}
		out = append(out, a)
	}
	return out, nil
}

// errorList prints diagnostics one per line and turns them into exit status 1.
func printDiags(w io.Writer, l lang.ErrorList) {
	for _, d := range l {
		fmt.Fprintln(w, d)
	}
}
