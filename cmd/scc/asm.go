package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/internal/atomicfile"
	"github.com/scc-dev/scc/lang"
)

func init() { register(asmCmd) }

// asmCmd is disasm's inverse: a filter written or edited by hand (in the
// text syntax disasm prints) becomes a raw program that sim, stats, diff,
// decompile and run -f take like any other.
func asmCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "asm FILE.s|- -o OUT.bpf",
		Short: "assemble a filter written as text (the syntax disasm prints) into raw seccomp BPF",
		Long: `Read a filter in scc's assembly syntax (labels, symbolic arches, syscall names
and actions, as described in docs/inspect.md; the output of scc disasm is
accepted as is), resolve its labels (adding ja trampolines for jumps beyond
255 instructions), check it as the kernel will, and write the raw program.
Nothing is written when the text does not assemble or the kernel would
refuse the program.`,
		Example: `  scc disasm app.bpf > app.s    # edit app.s, then
  scc asm app.s -o app.bpf
  scc asm chromium.s -o - | scc sim - 'openat(AT_FDCWD, 0, 0)'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("say where the program goes: -o OUT.bpf (- for stdout)")
			}
			src, err := readSource(args[0], cmd.InOrStdin())
			if err != nil {
				return err
			}
			name := displayName(args[0])
			p, err := bpfasm.ParseAsm(name, src)
			var diags lang.ErrorList
			if errors.As(err, &diags) {
				printDiags(cmd.ErrOrStderr(), diags)
				return exitError{1}
			}
			if err != nil {
				return err
			}
			prog, err := p.Assemble()
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if err := bpfasm.Verify(prog); err != nil {
				return fmt.Errorf("%s: the kernel would refuse this program: %w", name, err)
			}
			return atomicfile.WriteOut(out, bpfasm.Encode(prog), cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "output file, or - for stdout")
	return cmd
}
