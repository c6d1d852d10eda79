package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/resolve"
)

func init() { register(testCmd) }

func testCmd() *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "test POLICY...",
		Short: "run the policies' test statements through the compiled filters",
		Long: `Compile each policy and run each of its test statements,

  test openat(AT_FDCWD, 0, O_RDONLY) => allow
  test i386: mkdir(0, 0) => errno(EPERM)

through the compiled filter in the emulator, on every target ABI the test
applies to. Each failing expectation is printed as

  file:line:col: test CALL on ARCH: got ACTION, want ACTION

then a summary, "N passed, M failed"; the exit status is 1 if any failed.
Each result is also checked against the policy's own meaning: a compiled
filter that disagrees with it is a bug in scc and is reported as such.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			var passed, failed int
			for _, path := range args {
				p, data, prog, err := compilePolicy(path, cmd.InOrStdin(), cmd.ErrOrStderr())
				if err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), err)
					failed++
					continue
				}
				if len(p.Tests) == 0 {
					fmt.Fprintf(out, "%s: no test statements\n", displayName(path))
				}
				texts := callTexts(displayName(path), data, p)
				for _, t := range p.Tests {
					call := t.Text
					if call == "" {
						call = texts[t.Pos]
					}
					label := fmt.Sprintf("%s: test %s on %s", t.Pos, call, t.Arch.Name)
					d := bpfasm.Data{Arch: t.Arch.AuditArch, Nr: int32(t.Nr), Args: t.Args}
					ret, _, err := bpfasm.Run(prog, &d)
					got := policy.Action(ret)
					switch meant := p.Decide(d.Arch, t.Nr, &d.Args); {
					case err != nil:
						fmt.Fprintf(out, "%s: the filter failed to run: %v\n", label, err)
					case got != meant:
						fmt.Fprintf(out, "%s: BUG: the compiled filter returns %s but the policy means %s; please report this\n", label, got, meant)
					case got != t.Want:
						fmt.Fprintf(out, "%s: got %s, want %s\n", label, got, t.Want)
					default:
						passed++
						if verbose {
							fmt.Fprintf(out, "%s: ok, %s\n", label, got)
						}
						continue
					}
					failed++
				}
			}
			fmt.Fprintf(out, "%d passed, %d failed\n", passed, failed)
			if failed > 0 {
				return exitError{1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "print passing expectations too")
	return cmd
}

// compilePolicy loads and compiles one policy, printing its warnings. It
// returns the source too: the IR keeps test calls only as numbers.
func compilePolicy(path string, stdin io.Reader, stderr io.Writer) (*policy.Policy, []byte, []bpfasm.Insn, error) {
	data, err := readSource(path, stdin)
	if err != nil {
		return nil, nil, nil, err
	}
	p, err := loadPolicy(path, data, nil, stderr)
	if err != nil {
		return nil, nil, nil, err
	}
	prog, err := compiler.Compile(p, compiler.Options{})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", displayName(path), err)
	}
	return p, data, prog, nil
}

// callTexts maps each test statement's position to its call as written:
// from the policy's source, and from the files it includes, read again. A
// call that cannot be found that way is shown resolved, in hex.
func callTexts(name string, data []byte, p *policy.Policy) map[lang.Pos]string {
	texts := map[lang.Pos]string{}
	parsed := map[string]bool{}
	for _, t := range p.Tests {
		file := t.Pos.File
		if parsed[file] {
			continue
		}
		parsed[file] = true
		src := data
		if file != name {
			var err error
			if src, err = resolve.ReadFile(file); err != nil { // as resolve read it
				continue
			}
		}
		f, err := lang.Parse(file, src)
		if err != nil {
			continue
		}
		for _, s := range f.Stmts {
			if ts, ok := s.(*lang.TestStmt); ok {
				texts[ts.Pos] = ts.Call.String()
			}
		}
	}
	for _, t := range p.Tests {
		if _, ok := texts[t.Pos]; !ok {
			texts[t.Pos] = resolvedCall(t)
		}
	}
	return texts
}

func resolvedCall(t *policy.Test) string {
	s := t.Name + "("
	for i, a := range t.Args {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%#x", a)
	}
	return s + ")"
}
