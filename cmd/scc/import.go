package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/scc-dev/scc/importer"
	"github.com/scc-dev/scc/internal/atomicfile"
	"github.com/scc-dev/scc/lang"
)

func init() { register(importCmd) }

func importCmd() *cobra.Command {
	var out, caps, kernel, arch string
	cmd := &cobra.Command{
		Use:   "import PROFILE.json [-o APP.pol]",
		Short: "turn a Docker/Podman/OCI seccomp profile into a policy",
		Long: `Import a Docker or Podman seccomp profile, or an OCI config.json (its
linux.seccomp), as a readable policy that means what a runtime using
libseccomp installs for it. Includes/excludes resolve as Docker resolves them
for a container with Docker's default capabilities on the running kernel,
unless --caps or --kernel say otherwise. Start from Docker's default profile,
import it, adjust the policy, compile it (docs/import.md).

PROFILE "-" reads stdin; without -o (or with -o -) the policy goes to stdout.
The output is written atomically.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := readSource(args[0], cmd.InOrStdin())
			if err != nil {
				return err
			}
			capSet, err := importer.ParseCaps(caps)
			if err != nil {
				return fmt.Errorf("--caps: %w", err)
			}
			arches, err := parseArches(arch)
			if err != nil {
				return fmt.Errorf("--arch: %w", err)
			}
			name := displayName(args[0])
			f, err := importer.Import(data, importer.Options{
				Caps: capSet, Kernel: kernel, Arches: arches, Name: name,
				Warn: func(msg string) { fmt.Fprintf(cmd.ErrOrStderr(), "%s: warning: %s\n", name, msg) },
			})
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			return atomicfile.WriteOut(out, lang.Format(f), cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "-", "the policy file (- for stdout)")
	cmd.Flags().StringVar(&caps, "caps", "default", "the container's capabilities: default (Docker's), all, none, or a list (CAP_SYS_ADMIN,NET_ADMIN)")
	cmd.Flags().StringVar(&kernel, "kernel", "", "the kernel version X.Y minKernel is checked against (default: the running kernel's)")
	cmd.Flags().StringVar(&arch, "arch", "", "target ABIs instead of the host's plus the profile's (comma-separated; the first is the host's)")
	return cmd
}
