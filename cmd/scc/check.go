package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/lint"
	"github.com/scc-dev/scc/resolve"
)

func init() { register(checkCmd) }

func checkCmd() *cobra.Command {
	var arch, format string
	var strict bool
	var kinds strings.Builder
	for _, k := range lint.Kinds {
		fmt.Fprintf(&kinds, "  %-20s %s\n", k.Kind, k.Doc)
	}
	cmd := &cobra.Command{
		Use:   "check POLICY...",
		Short: "parse, resolve and lint policies: errors and warnings as file:line:col: message",
		Long: `Parse and resolve each policy, then look for what is legal but likely unsafe or
wrong. Each finding is printed as

  file:line:col: warning: message (how to fix it) [kind]

Errors make the exit status 1; warnings do too with --strict (for CI).
--format json prints one JSON array of {file, line, col, severity, kind,
message, hint} on stdout instead. The kinds (docs/lint.md has examples):

` + kinds.String() + `  resolve              a warning from resolving the policy (a syscall missing on a target ...)
  compile              (an error) the policy compiles to more than the kernel's 4096 instructions`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			arches, err := parseArches(arch)
			if err != nil {
				return err
			}
			if format != "text" && format != "json" {
				return fmt.Errorf("--format %q: want text or json", format)
			}
			var all []diagnostic
			for _, path := range args {
				all = append(all, checkPolicy(path, cmd.InOrStdin(), resolve.Options{Arches: arches})...)
			}
			if format == "json" {
				if all == nil {
					all = []diagnostic{} // [] rather than null: tools iterate over it
				}
				out, err := json.MarshalIndent(all, "", "  ")
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s\n", out)
			} else {
				for _, d := range all {
					fmt.Fprintln(cmd.ErrOrStderr(), d.text)
				}
			}
			for _, d := range all {
				if d.Severity == "error" || strict {
					return exitError{1}
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&arch, "arch", "", "check for these ABIs instead of the policy's (comma-separated)")
	cmd.Flags().BoolVar(&strict, "strict", false, "exit with status 1 when there are warnings, not only errors")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text (on stderr) or json (on stdout)")
	return cmd
}

// diagnostic is one line of scc check's output; the JSON form is for tools.
type diagnostic struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Severity string `json:"severity"` // error or warning
	Kind     string `json:"kind"`     // a lint.Kind, or syntax, resolve, compile, read
	Message  string `json:"message"`
	Hint     string `json:"hint"`

	text string // as printed in text form
}

// checkPolicy parses, resolves and lints one policy. The linter runs only on
// a policy that resolves: its questions are about what the policy means.
func checkPolicy(path string, stdin io.Reader, opts resolve.Options) []diagnostic {
	name := displayName(path)
	data, err := readSource(path, stdin)
	if err != nil {
		return []diagnostic{{File: name, Severity: "error", Kind: "read", Message: err.Error(), text: err.Error()}}
	}
	f, err := lang.Parse(name, data)
	if err != nil {
		return fromErrors(asErrorList(err, name), "syntax")
	}
	p, diags := resolve.Resolve(f, opts)
	out := fromErrors(diags, "resolve")
	if p == nil {
		return out
	}
	for _, w := range lint.Check(p, lint.Options{File: f, ReadFile: opts.ReadFile}) {
		out = append(out, diagnostic{File: w.Pos.File, Line: w.Pos.Line, Col: w.Pos.Col, Severity: "warning",
			Kind: string(w.Kind), Message: w.Msg, Hint: w.Hint, text: w.String()})
	}
	// A policy that resolves can still be too big for the kernel; check
	// says so rather than pass a policy that scc compile refuses.
	if _, err := compiler.Compile(p, compiler.Options{}); err != nil {
		out = append(out, diagnostic{File: name, Severity: "error", Kind: "compile", Message: err.Error(),
			text: fmt.Sprintf("%s: %v", name, err)})
	}
	sortDiagnostics(out)
	return out
}

func asErrorList(err error, name string) lang.ErrorList {
	switch e := err.(type) {
	case lang.ErrorList:
		return e
	case *lang.Error:
		return lang.ErrorList{e}
	}
	return lang.ErrorList{{Pos: lang.Pos{File: name}, Msg: err.Error()}}
}

func fromErrors(l lang.ErrorList, kind string) []diagnostic {
	var out []diagnostic
	for _, e := range l {
		d := diagnostic{File: e.Pos.File, Line: e.Pos.Line, Col: e.Pos.Col, Severity: e.Severity.String(),
			Kind: kind, Message: e.Msg, Hint: e.Hint, text: e.Error()}
		if e.Severity == lang.SeverityWarning {
			d.text += " [" + kind + "]"
		}
		out = append(out, d)
	}
	return out
}

// sortDiagnostics orders by position, keeping the order of equal ones.
func sortDiagnostics(ds []diagnostic) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}
