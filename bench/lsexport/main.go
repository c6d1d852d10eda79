//go:build libseccomp

// Command lsexport is the libseccomp side of the whole-process comparison:
// what a runtime does to turn Docker's default profile into a filter
// (moby's profile, libseccomp-golang, binary tree, export), written to the
// file named by its argument. scc's side is `scc compile docker.pol -o
// docker.bpf`.
package main

import (
	"fmt"
	"os"

	mobyseccomp "github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"
	seccomp "github.com/seccomp/libseccomp-golang"

	"github.com/scc-dev/scc/bench"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: lsexport OUT.bpf")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "lsexport:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	prof, err := mobyseccomp.GetDefaultProfile(&specs.Spec{Process: &specs.Process{
		Capabilities: &specs.LinuxCapabilities{Bounding: bench.DockerCaps},
	}})
	if err != nil {
		return err
	}
	f, err := seccomp.NewFilter(seccomp.ActErrno.SetReturnCode(int16(*prof.DefaultErrnoRet)))
	if err != nil {
		return err
	}
	defer f.Release()
	for _, a := range []string{"x86", "x32"} {
		arch, _ := seccomp.GetArchFromString(a)
		if err := f.AddArch(arch); err != nil {
			return err
		}
	}
	if err := f.SetOptimize(2); err != nil {
		return err
	}
	ops := map[specs.LinuxSeccompOperator]seccomp.ScmpCompareOp{
		specs.OpEqualTo: seccomp.CompareEqual, specs.OpNotEqual: seccomp.CompareNotEqual,
		specs.OpLessThan: seccomp.CompareLess, specs.OpLessEqual: seccomp.CompareLessOrEqual,
		specs.OpGreaterThan: seccomp.CompareGreater, specs.OpGreaterEqual: seccomp.CompareGreaterEqual,
		specs.OpMaskedEqual: seccomp.CompareMaskedEqual,
	}
	for _, sc := range prof.Syscalls {
		act := seccomp.ActAllow
		if sc.Action == specs.ActErrno {
			act = seccomp.ActErrno.SetReturnCode(int16(*sc.ErrnoRet))
		}
		var conds []seccomp.ScmpCondition
		for _, a := range sc.Args {
			c, err := seccomp.MakeCondition(a.Index, ops[a.Op], a.Value, a.ValueTwo)
			if err != nil {
				return err
			}
			conds = append(conds, c)
		}
		for _, name := range sc.Names {
			nr, err := seccomp.GetSyscallFromName(name)
			if err != nil {
				continue // as runc: unknown to this libseccomp
			}
			if err := f.AddRuleConditional(nr, act, conds); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	file, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := f.ExportBPF(file); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}
