package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func init() { register(checkCmd) }

func checkCmd() *cobra.Command {
	var arch string
	cmd := &cobra.Command{
		Use:   "check POLICY...",
		Short: "parse and resolve policies; print errors and warnings as file:line:col: message",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			arches, err := parseArches(arch)
			if err != nil {
				return err
			}
			failed := false
			for _, path := range args {
				data, err := readSource(path, cmd.InOrStdin())
				if err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), err)
					failed = true
					continue
				}
				if _, err := loadPolicy(path, data, arches, cmd.ErrOrStderr()); err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), err)
					failed = true
				}
			}
			if failed {
				return exitError{1}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&arch, "arch", "", "check for these ABIs instead of the policy's (comma-separated)")
	return cmd
}
