// Command scc compiles seccomp policies and inspects seccomp filters.
//
//	scc compile nginx.pol -o nginx.bpf
//	scc disasm nginx.bpf
//	scc sim nginx.pol 'openat(AT_FDCWD, 0, O_RDONLY)'
//	scc check nginx.pol
//	scc stats nginx.pol
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/scc-dev/scc/sandbox"
)

// exitError carries an exit status without printing anything more: the
// command has already said what went wrong.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	// scc run re-executes scc to install the filter before exec: in that
	// helper process Init does its work and never returns.
	sandbox.Init()
	// A run of scc is short: collecting less often (unless the user chose
	// GOGC) spares its larger jobs their collections. At GOGC=100 the
	// decompile and the diff of Docker's profile collect twice and once,
	// the compile of testdata/policies/big.pol four times; at 400, none
	// do (GODEBUG=gctrace=1). A compile of Docker's profile no longer
	// collects at either.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(400)
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: tests call it directly.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintln(stderr, "scc:", err)
	return 1
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "scc",
		Short: "scc compiles seccomp policies to BPF filters and inspects filters",
		Long: `scc compiles a small policy language to seccomp BPF filters, and reads,
simulates and measures filters.

  scc compile app.pol -o app.bpf      compile (format from the extension, or -f)
  scc disasm app.bpf                  one line per instruction, with symbols
  scc sim app.pol 'write(1, 0, 10)'   the action a call gets
  scc check app.pol                   errors and warnings, file:line:col
  scc stats app.pol                   program length and instructions per call

The language is described in docs/language.md.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	for _, c := range commands {
		root.AddCommand(c())
	}
	return root
}

// commands are the subcommands. Each lives in its own file and registers
// itself here from an init function, so that adding one touches one file.
var commands []func() *cobra.Command

func register(c ...func() *cobra.Command) { commands = append(commands, c...) }

func init() { register(compileCmd, disasmCmd, simCmd) }
