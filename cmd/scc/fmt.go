package main

import (
	"bytes"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/scc-dev/scc/internal/atomicfile"
	"github.com/scc-dev/scc/lang"
)

func init() { register(fmtCmd) }

func fmtCmd() *cobra.Command {
	var write, list bool
	cmd := &cobra.Command{
		Use:   "fmt [-w] [-l] POLICY...",
		Short: "print policies in canonical form (-w rewrites the files)",
		Long: `Print each policy in canonical form: one statement per line, long lists
wrapped, comments kept. -w rewrites files that change (atomically); -l lists
them. A policy that does not parse is left alone and reported.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			failed := false
			for _, path := range args {
				src, err := readSource(path, cmd.InOrStdin())
				if err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), err)
					failed = true
					continue
				}
				f, err := lang.Parse(path, src)
				if err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), err)
					failed = true
					continue
				}
				out := lang.Format(f)
				changed := !bytes.Equal(out, src)
				switch {
				case list:
					if changed {
						fmt.Fprintln(cmd.OutOrStdout(), path)
					}
				case write && path != "-":
					if changed {
						if err := atomicfile.Write(path, out, 0o644); err != nil {
							return err
						}
					}
				default:
					cmd.OutOrStdout().Write(out)
				}
			}
			if failed {
				return exitError{1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&write, "write", "w", false, "rewrite the files in place")
	cmd.Flags().BoolVarP(&list, "list", "l", false, "list the files whose formatting differs")
	return cmd
}
