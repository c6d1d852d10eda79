package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/stats"
	"github.com/scc-dev/scc/syscalls"
)

func init() { register(statsCmd) }

func statsCmd() *cobra.Command {
	var arch, profile string
	cmd := &cobra.Command{
		Use:   "stats POLICY|FILTER.bpf",
		Short: "program length, instructions executed per syscall, and kernel action cache eligibility",
		Long: `Measure a filter: its length, and, for every syscall in each ABI's table called
with zero arguments, the instructions executed (mean and max), the actions
returned, and which allowed syscalls the kernel's action cache decides
without running the filter. With --profile (from scc record), a policy is
compiled with the profile, as scc compile --profile does, and the mean is
also given weighted by how often the profiled program made each call.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			arches, err := parseArches(arch)
			if err != nil {
				return err
			}
			prof, err := readProfile(profile)
			if err != nil {
				return err
			}
			in, err := loadInput(args[0], nil, cmd.InOrStdin(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if in.policy != nil && len(prof) > 0 {
				// Measure the filter scc compile --profile would write.
				if in.prog, err = compiler.Compile(in.policy, compiler.Options{Profile: prof}); err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
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
			r, err := stats.MeasureProfile(in.prog, arches, prof)
			if err != nil {
				return err
			}
			r.Write(cmd.OutOrStdout())
			return nil
		},
	}
	cmd.Flags().StringVar(&arch, "arch", "", "ABIs to measure (default: the policy's targets, or the host)")
	cmd.Flags().StringVar(&profile, "profile", "", "also report instructions per call weighted by this frequency profile, and compile a policy with it")
	return cmd
}
