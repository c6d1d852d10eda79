package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/syscalls"
)

func simCmd() *cobra.Command {
	var arch, argList string
	var nr int64
	cmd := &cobra.Command{
		Use:   "sim POLICY|FILTER.bpf [CALL]",
		Short: "run one syscall through a filter: the action and the instructions executed",
		Long: `Run one syscall through the filter in the emulator and print the action it
returns and how many instructions it executed. The call is written as in a
policy's test statement, or given by number:

  scc sim app.pol 'openat(AT_FDCWD, 0, O_RDONLY)'
  scc sim app.bpf --arch i386 --nr 5 --args 0,0x241

For a policy the result is also checked against the policy's own meaning.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var a *syscalls.Arch
			if arch != "" {
				as, err := parseArches(arch)
				if err != nil {
					return err
				}
				a = as[0]
			}
			in, err := loadInput(args[0], nil, cmd.InOrStdin(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if a == nil {
				a = syscalls.Host()
				if in.policy != nil {
					a = in.policy.Filters[0].Arch
				}
			}
			d := bpfasm.Data{Arch: a.AuditArch}
			label := ""
			// A call and --nr/--args would each say what the arguments are;
			// silently preferring one would simulate a call the user did not
			// write.
			if len(args) == 2 && (cmd.Flags().Changed("nr") || cmd.Flags().Changed("args")) {
				return fmt.Errorf("give either a call or --nr (with --args), not both")
			}
			if !cmd.Flags().Changed("nr") && cmd.Flags().Changed("args") {
				return fmt.Errorf("--args needs --nr")
			}
			switch {
			case len(args) == 2:
				call, err := lang.ParseCall(args[1])
				if err != nil {
					return err
				}
				t, diags := resolve.ResolveCall(call, a)
				if err := diags.Err(); err != nil {
					return err
				}
				d.Nr, d.Args, label = int32(t.Nr), t.Args, args[1]
			case cmd.Flags().Changed("nr"):
				// seccomp_data.nr is 32 bits; -1 is accepted as 0xffffffff.
				if nr < math.MinInt32 || nr > math.MaxUint32 {
					return fmt.Errorf("--nr: %d does not fit in 32 bits", nr)
				}
				d.Nr = int32(nr)
				if a.X32 && uint32(nr)&syscalls.X32Bit == 0 {
					d.Nr |= int32(syscalls.X32Bit)
				}
				vals, err := parseArgs(argList)
				if err != nil {
					return err
				}
				d.Args = vals
				label = fmt.Sprintf("%s nr %d", a.Name, uint32(d.Nr))
				if uint32(d.Nr) >= 1<<16 {
					label = fmt.Sprintf("%s nr %#x", a.Name, uint32(d.Nr))
				}
				if name, ok := a.SyscallName(uint32(d.Nr)); ok {
					label += " (" + name + ")"
				}
			default:
				return fmt.Errorf("give a call, e.g. 'read(0, 0, 10)', or --nr")
			}
			ret, steps, err := bpfasm.Run(in.prog, &d)
			if err != nil {
				return err
			}
			act := policy.Action(ret)
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s (%d instructions)\n", label, act, steps)
			if in.policy != nil {
				if want := in.policy.Decide(d.Arch, uint32(d.Nr), &d.Args); want != act {
					return fmt.Errorf("BUG: the compiled filter returns %s but the policy means %s; please report this", act, want)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&arch, "arch", "", "ABI of the call (default: the policy's first target, or the host)")
	cmd.Flags().Int64Var(&nr, "nr", 0, "syscall number instead of a call")
	cmd.Flags().StringVar(&argList, "args", "", "comma-separated argument values for --nr (decimal, 0x hex, negative)")
	return cmd
}

func parseArgs(s string) ([6]uint64, error) {
	var out [6]uint64
	if s == "" {
		return out, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > 6 {
		return out, fmt.Errorf("--args: at most 6 values, got %d", len(parts))
	}
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if v, err := strconv.ParseUint(p, 0, 64); err == nil {
			out[i] = v
			continue
		}
		v, err := strconv.ParseInt(p, 0, 64)
		if err != nil {
			return out, fmt.Errorf("--args: %q is not a number", p)
		}
		out[i] = uint64(v)
	}
	return out, nil
}
