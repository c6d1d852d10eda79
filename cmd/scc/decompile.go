package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scc-dev/scc/explore"
	"github.com/scc-dev/scc/internal/atomicfile"
	"github.com/scc-dev/scc/lang"
)

func init() { register(decompileCmd) }

func decompileCmd() *cobra.Command {
	var out string
	var approx bool
	cmd := &cobra.Command{
		Use:   "decompile FILTER.bpf|- [-o OUT.pol]",
		Short: "turn any seccomp filter (scc's, libseccomp's, hand-written) back into a policy",
		Long: `Decompile explores every path through a filter and writes an equivalent
policy: the arch checks give the targets, the most common outcome the default,
unknown arches the badarch action, and each syscall's paths its rules.

Some filters say things the language cannot (a syscall allowed on x86_64 but
not on i386, a missing x32 check, a test of the instruction pointer). Then
decompile lists them and fails, unless --approximate: the policy is then
written with the differences as comments.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := loadInput(args[0], nil, cmd.InOrStdin(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			res, err := explore.Decompile(in.prog)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if len(res.Lossy) > 0 {
				for _, l := range res.Lossy {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s: not exact: %s\n", args[0], l)
				}
				if !approx {
					return fmt.Errorf("%s: the policy language cannot say %d thing(s) this filter does; --approximate writes the nearest policy", args[0], len(res.Lossy))
				}
				res.File.Trailing = append(res.File.Trailing, "Not exact: the filter differs from this policy where:")
				for _, l := range res.Lossy {
					res.File.Trailing = append(res.File.Trailing, "  "+strings.ReplaceAll(l, "\n", " "))
				}
			}
			return atomicfile.WriteOut(out, lang.Format(res.File), cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "-", "output file, or - for stdout")
	cmd.Flags().BoolVar(&approx, "approximate", false, "write the nearest policy when no policy is exact")
	return cmd
}
