package main

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/internal/atomicfile"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/stats"
	"github.com/scc-dev/scc/syscalls"
)

// format is an output format of scc compile.
type format struct {
	exts   []string // file extensions that select it
	doc    string
	encode func(p *policy.Policy, prog []bpfasm.Insn) ([]byte, error)
}

var formats = map[string]format{
	"bpf": {
		exts: []string{".bpf"},
		doc:  "raw seccomp BPF: struct sock_filter[], 8 bytes each, little-endian (bwrap --seccomp, prctl)",
		encode: func(_ *policy.Policy, prog []bpfasm.Insn) ([]byte, error) {
			return bpfasm.Encode(prog), nil
		},
	},
	"disasm": {
		exts: []string{".asm", ".s"},
		doc:  "the program as scc disasm prints it",
		encode: func(_ *policy.Policy, prog []bpfasm.Insn) ([]byte, error) {
			return []byte(bpfasm.Disassemble(prog)), nil
		},
	},
}

func formatNames() string {
	var names []string
	for n, f := range formats {
		names = append(names, fmt.Sprintf("%s (%s)", n, strings.Join(f.exts, ", ")))
	}
	sort.Strings(names)
	return strings.Join(names, "; ")
}

// pickFormat chooses the format: -f wins, else the output's extension.
func pickFormat(flag, out string) (string, error) {
	if flag != "" {
		if _, ok := formats[flag]; !ok {
			return "", fmt.Errorf("unknown format %q; known: %s", flag, formatNames())
		}
		return flag, nil
	}
	ext := strings.ToLower(filepath.Ext(out))
	for n, f := range formats {
		for _, e := range f.exts {
			if e == ext {
				return n, nil
			}
		}
	}
	if out == "-" {
		return "", fmt.Errorf("writing to stdout: say which format with -f; known: %s", formatNames())
	}
	return "", fmt.Errorf("cannot tell the format from %q: use -f; known: %s", out, formatNames())
}

func compileCmd() *cobra.Command {
	var out, fmtName, arch string
	cmd := &cobra.Command{
		Use:   "compile POLICY -o OUT",
		Short: "compile a policy to a filter (format from OUT's extension, or -f)",
		Long: `Compile a policy. The output format comes from OUT's extension or -f:
` + "  " + formatNames() + `
OUT "-" writes to stdout. The output is written atomically: on any error
nothing is written and an existing OUT is left as it was.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("say where to write with -o OUT (or -o - for stdout)")
			}
			name, err := pickFormat(fmtName, out)
			if err != nil {
				return err
			}
			arches, err := parseArches(arch)
			if err != nil {
				return err
			}
			data, err := readSource(args[0], cmd.InOrStdin())
			if err != nil {
				return err
			}
			p, err := loadPolicy(args[0], data, arches, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			prog, err := compiler.Compile(p, compiler.Options{})
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			enc, err := formats[name].encode(p, prog)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			return atomicfile.WriteOut(out, enc, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "output file, or - for stdout")
	cmd.Flags().StringVarP(&fmtName, "format", "f", "", "output format (default: from the extension)")
	cmd.Flags().StringVar(&arch, "arch", "", "compile for these ABIs instead of the policy's (comma-separated)")
	return cmd
}

func disasmCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "disasm FILTER.bpf|-",
		Short: "disassemble a raw seccomp filter, with symbolic arches, syscalls and actions",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := readSource(args[0], cmd.InOrStdin())
			if err != nil {
				return err
			}
			prog, err := bpfasm.Decode(data)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), bpfasm.Disassemble(prog))
			return err
		},
	}
}

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
