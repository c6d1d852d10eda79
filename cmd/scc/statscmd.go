package main

import (
	"github.com/spf13/cobra"

	"github.com/scc-dev/scc/stats"
	"github.com/scc-dev/scc/syscalls"
)

func init() { register(statsCmd) }

func statsCmd() *cobra.Command {
	var arch string
	cmd := &cobra.Command{
		Use:   "stats POLICY|FILTER.bpf",
		Short: "program length, instructions executed per syscall, and kernel action cache eligibility",
		Long: `Measure a filter: its length, and, for every syscall in each ABI's table called
with zero arguments, the instructions executed (mean and max), the actions
returned, and which allowed syscalls the kernel's action cache decides
without running the filter.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			arches, err := parseArches(arch)
			if err != nil {
				return err
			}
			in, err := loadInput(args[0], nil, cmd.InOrStdin(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if arches == nil {
				if in.policy != nil {
					for _, f := range in.policy.Filters {
						arches = append(arches, f.Arch)
					}
				} else {
					arches = []*syscalls.Arch{syscalls.Host()}
				}
			}
			r, err := stats.Measure(in.prog, arches)
			if err != nil {
				return err
			}
			r.Write(cmd.OutOrStdout())
			return nil
		},
	}
	cmd.Flags().StringVar(&arch, "arch", "", "ABIs to measure (default: the policy's targets, or the host)")
	return cmd
}
