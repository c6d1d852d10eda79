package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/explore"
	"github.com/scc-dev/scc/importer"
	"github.com/scc-dev/scc/resolve"
)

func init() { register(diffCmd) }

func diffCmd() *cobra.Command {
	// Status 1 means "they differ" to CI, so a mistaken command line must
	// not exit with it.
	usage := func(cmd *cobra.Command, err error) error {
		fmt.Fprintln(cmd.ErrOrStderr(), "scc:", err)
		return exitError{2}
	}
	cmd := &cobra.Command{
		Use:   "diff A B",
		Short: "the semantic difference between two filters (policy, Docker/OCI JSON or .bpf); exit 1 when they differ",
		Long: `Diff compares what two filters do, not how they are written: it explores
both programs and lists, per ABI and syscall, the calls they decide
differently:

  x86_64 read: allow → errno(EPERM) when arg0 > 2

Each of A and B is a policy, a raw filter (.bpf), or a Docker/Podman profile
or OCI config.json (.json), read as Docker and runc read it (see scc import). Exit status: 0 when equivalent, 1 when they differ, 2 on
error.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := cobra.ExactArgs(2)(cmd, args); err != nil {
				return usage(cmd, err)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var progs [2][]bpfasm.Insn
			for i, path := range args {
				p, err := loadAny(path, cmd.InOrStdin(), cmd.ErrOrStderr())
				if err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), "scc:", err)
					return exitError{2}
				}
				progs[i] = p
			}
			ds, err := explore.Diff(progs[0], progs[1])
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "scc:", err)
				return exitError{2}
			}
			for _, d := range ds {
				fmt.Fprintln(cmd.OutOrStdout(), d)
			}
			if len(ds) > 0 {
				return exitError{1}
			}
			return nil
		},
	}
	cmd.SetFlagErrorFunc(usage)
	return cmd
}

// loadAny reads a policy, a raw filter or a container profile as a program.
func loadAny(path string, stdin io.Reader, stderr io.Writer) ([]bpfasm.Insn, error) {
	data, err := readSource(path, stdin)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(filepath.Ext(path), ".json") && !bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		in, err := parseInput(path, data, nil, stderr)
		if err != nil {
			return nil, err
		}
		return in.prog, nil
	}
	// The importer reproduces libseccomp's meaning of the profile (proven
	// by its round-trip tests against libseccomp), so no cgo is needed here.
	f, err := importer.Import(data, importer.Options{Name: path, Warn: func(msg string) { fmt.Fprintln(stderr, msg) }})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p, diags := resolve.Resolve(f, resolve.Options{})
	if err := diags.Err(); err != nil {
		return nil, fmt.Errorf("%s (imported): %w", path, err)
	}
	prog, err := compiler.Compile(p, compiler.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return prog, nil
}
