package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/scc-dev/scc/backend/oci"
	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/internal/atomicfile"
	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/record"
)

// format is an output format of scc compile.
type format struct {
	exts   []string // file extensions that select it
	doc    string
	encode func(p *policy.Policy, prog []bpfasm.Insn, o encodeOptions) ([]byte, error)
}

// encodeOptions are the scc compile flags that some formats need.
type encodeOptions struct {
	ListenerPath string                   // --listener-path: where a runtime sends the notify fd
	Name         string                   // --name, else the policy file's base name: names exported objects
	EnosysNewer  bool                     // --enosys-newer: compiled into prog; formats without BPF must refuse it
	Flags        []specs.LinuxSeccompFlag // --filter-flags: container formats only
	Warn         func(msg string)
}

var formats = map[string]format{
	"bpf": {
		exts: []string{".bpf"},
		doc:  "raw seccomp BPF: struct sock_filter[], 8 bytes each, little-endian (bwrap --seccomp, prctl)",
		encode: func(_ *policy.Policy, prog []bpfasm.Insn, o encodeOptions) ([]byte, error) {
			if err := noFlags(o); err != nil {
				return nil, err
			}
			return bpfasm.Encode(prog), nil
		},
	},
	"disasm": {
		exts: []string{".asm", ".s"},
		doc:  "the program as scc disasm prints it",
		encode: func(_ *policy.Policy, prog []bpfasm.Insn, o encodeOptions) ([]byte, error) {
			if err := noFlags(o); err != nil {
				return nil, err
			}
			return []byte(bpfasm.Disassemble(prog)), nil
		},
	},
}

// noFlags refuses --filter-flags for raw programs: a .bpf file has nowhere
// to keep them; whoever loads it chooses.
func noFlags(o encodeOptions) error {
	if len(o.Flags) > 0 {
		return errors.New("--filter-flags applies to container profiles; a raw program's flags are chosen when it is loaded (scc run --log, --spec-allow)")
	}
	return nil
}

// parseFilterFlags reads --filter-flags: scc's short names (log,
// spec_allow, wait_killable_recv) or the kernel's SECCOMP_FILTER_FLAG_*.
func parseFilterFlags(list string) ([]specs.LinuxSeccompFlag, error) {
	var out []specs.LinuxSeccompFlag
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		short := strings.ToLower(strings.TrimPrefix(strings.ToUpper(name), "SECCOMP_FILTER_FLAG_"))
		f, ok := oci.Flags[short]
		if !ok {
			var known []string
			for k := range oci.Flags {
				known = append(known, k)
			}
			sort.Strings(known)
			return nil, fmt.Errorf("--filter-flags: unknown flag %q (known: %s)", name, strings.Join(known, ", "))
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, nil
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
	// The longest matching extension wins: app.oci.json is oci, app.json docker.
	lower, best, bestLen := strings.ToLower(out), "", 0
	for n, f := range formats {
		for _, e := range f.exts {
			if strings.HasSuffix(lower, e) && len(e) > bestLen {
				best, bestLen = n, len(e)
			}
		}
	}
	if best != "" {
		return best, nil
	}
	if out == "-" {
		return "", fmt.Errorf("writing to stdout: say which format with -f; known: %s", formatNames())
	}
	return "", fmt.Errorf("cannot tell the format from %q: use -f; known: %s", out, formatNames())
}

func compileCmd() *cobra.Command {
	var out, fmtName, arch, profile, filterFlags string
	var eo encodeOptions
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
			if eo.Flags, err = parseFilterFlags(filterFlags); err != nil {
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
			prof, err := readProfile(profile)
			if err != nil {
				return err
			}
			copts := compiler.Options{Profile: prof}
			if eo.EnosysNewer {
				enosys := policy.Errno(uint16(unix.ENOSYS))
				copts.NewerAction = &enosys
			}
			prog, err := compiler.Compile(p, copts)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if eo.Name == "" {
				eo.Name = defaultName(args[0])
			}
			eo.Warn = func(msg string) { fmt.Fprintf(cmd.ErrOrStderr(), "%s: warning: %s\n", args[0], msg) }
			enc, err := formats[name].encode(p, prog, eo)
			var diags lang.ErrorList
			if errors.As(err, &diags) {
				printDiags(cmd.ErrOrStderr(), diags)
				return exitError{1}
			}
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			return atomicfile.WriteOut(out, enc, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "output file, or - for stdout")
	cmd.Flags().StringVarP(&fmtName, "format", "f", "", "output format (default: from the extension)")
	cmd.Flags().StringVar(&arch, "arch", "", "compile for these ABIs instead of the policy's (comma-separated)")
	cmd.Flags().StringVar(&profile, "profile", "", "order the syscall dispatch by this frequency profile (scc record --profile)")
	cmd.Flags().StringVar(&eo.ListenerPath, "listener-path", "", "container formats: the Unix socket a runtime sends the notify fd to (needed when the policy uses notify)")
	cmd.Flags().StringVar(&eo.Name, "name", "", "k8s format: the profile's name (default: the policy file's base name)")
	cmd.Flags().StringVar(&filterFlags, "filter-flags", "", "container formats: seccomp(2) flags for the runtime to load with (log, spec_allow, wait_killable_recv)")
	cmd.Flags().BoolVar(&eo.EnosysNewer, "enosys-newer", false, "BPF formats: syscall numbers above each ABI's table fail with ENOSYS instead of the default, so that libc falls back from calls newer than the policy (clone3, faccessat2)")
	return cmd
}

// defaultName names exported objects after the policy file: app.pol is
// "app".
func defaultName(path string) string {
	if path == "-" {
		return "scc"
	}
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// readProfile reads a syscall frequency profile ("" = none) into the
// compiler's form.
func readProfile(path string) (compiler.Profile, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rec, err := record.ReadProfile(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	prof := compiler.Profile{}
	for k, st := range rec.Calls {
		prof[compiler.ProfileKey{AuditArch: k.AuditArch, Nr: k.Nr}] += st.Count
	}
	return prof, nil
}

func disasmCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "disasm FILTER.bpf|POLICY|-",
		Short: "disassemble a raw seccomp filter (or a policy, compiled first), with symbolic arches, syscalls and actions",
		Long: `Print one line per instruction: index, opcode, jt, jf, k, then the
instruction with arches, syscall names, argument words, actions and absolute
jump targets named. A policy is compiled first, as scc compile would.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := loadInput(args[0], nil, cmd.InOrStdin(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), bpfasm.Disassemble(in.prog))
			return err
		},
	}
}
