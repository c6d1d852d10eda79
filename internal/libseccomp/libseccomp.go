// Package libseccomp compiles container seccomp profiles the way the
// runtimes do, so that tests can compare scc's exports (and imports) with
// what a container would really get.
//
// Compile follows runc's libcontainer: specconv.SetupSeccomp (one rule per
// name) and seccomp.InitSeccomp / matchCall (opencontainers/runc,
// libcontainer/seccomp/seccomp_linux.go). In particular:
//
//   - "SCMP_ACT_KILL" is SCMP_ACT_KILL_THREAD; SCMP_ACT_ERRNO and
//     SCMP_ACT_TRACE without errnoRet return EPERM;
//   - a rule whose action equals the default action is skipped silently;
//   - a name unknown to libseccomp on the host is skipped silently;
//   - when two conditions of one rule test the same argument index, each
//     condition becomes a rule of its own (so they are OR-ed, not AND-ed);
//   - more than 32 rules turn on libseccomp's binary-tree optimisation.
//
// What runc does after libseccomp is left out: its patchbpf step, which
// prepends an ENOSYS stub for syscall numbers above the largest one the
// profile names (when the default action is not allow and defaultErrnoRet
// is not already ENOSYS). Callers that compare with a runtime must keep that
// in mind for numbers newer than any in the profile.
//
// It needs cgo and libseccomp (Debian: libseccomp-dev, pkg-config).
package libseccomp

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/scc-dev/scc/bpfasm"
)

// archNames maps the profile's spelling to libseccomp's, as runc's
// seccomp.ConvertStringToArch does.
var archNames = map[specs.Arch]string{
	specs.ArchX86:         "x86",
	specs.ArchX86_64:      "amd64",
	specs.ArchX32:         "x32",
	specs.ArchARM:         "arm",
	specs.ArchAARCH64:     "arm64",
	specs.ArchMIPS:        "mips",
	specs.ArchMIPS64:      "mips64",
	specs.ArchMIPS64N32:   "mips64n32",
	specs.ArchMIPSEL:      "mipsel",
	specs.ArchMIPSEL64:    "mipsel64",
	specs.ArchMIPSEL64N32: "mipsel64n32",
	specs.ArchPPC:         "ppc",
	specs.ArchPPC64:       "ppc64",
	specs.ArchPPC64LE:     "ppc64le",
	specs.ArchS390:        "s390",
	specs.ArchS390X:       "s390x",
	specs.ArchRISCV64:     "riscv64",
	specs.ArchLOONGARCH64: "loong64",
}

// Arch returns libseccomp's value for a profile's architecture name.
func Arch(a specs.Arch) (seccomp.ScmpArch, error) {
	name, ok := archNames[a]
	if !ok {
		return seccomp.ArchInvalid, fmt.Errorf("libseccomp: unknown architecture %q", a)
	}
	return seccomp.GetArchFromString(name)
}

var ops = map[specs.LinuxSeccompOperator]seccomp.ScmpCompareOp{
	specs.OpNotEqual:     seccomp.CompareNotEqual,
	specs.OpLessThan:     seccomp.CompareLess,
	specs.OpLessEqual:    seccomp.CompareLessOrEqual,
	specs.OpEqualTo:      seccomp.CompareEqual,
	specs.OpGreaterEqual: seccomp.CompareGreaterEqual,
	specs.OpGreaterThan:  seccomp.CompareGreater,
	specs.OpMaskedEqual:  seccomp.CompareMaskedEqual,
}

// action converts a profile action as runc's getAction does.
func action(a specs.LinuxSeccompAction, errnoRet *uint) (seccomp.ScmpAction, error) {
	ret := int16(unix.EPERM)
	if errnoRet != nil {
		ret = int16(*errnoRet)
	}
	switch a {
	case specs.ActKill, specs.ActKillThread:
		return seccomp.ActKillThread, nil
	case specs.ActKillProcess:
		return seccomp.ActKillProcess, nil
	case specs.ActTrap:
		return seccomp.ActTrap, nil
	case specs.ActErrno:
		return seccomp.ActErrno.SetReturnCode(ret), nil
	case specs.ActTrace:
		return seccomp.ActTrace.SetReturnCode(ret), nil
	case specs.ActAllow:
		return seccomp.ActAllow, nil
	case specs.ActLog:
		return seccomp.ActLog, nil
	case specs.ActNotify:
		return seccomp.ActNotify, nil
	}
	return seccomp.ActInvalid, fmt.Errorf("libseccomp: unknown action %q", a)
}

// Compile builds the filter a runc-style runtime would install for s on
// this machine and returns its raw program. The host's native ABI is always
// part of the filter, as in the runtimes (libseccomp adds it).
func Compile(s *specs.LinuxSeccomp) ([]bpfasm.Insn, error) {
	if s == nil {
		return nil, errors.New("libseccomp: no profile")
	}
	def, err := action(s.DefaultAction, s.DefaultErrnoRet)
	if err != nil {
		return nil, fmt.Errorf("libseccomp: default action: %w", err)
	}
	if def == seccomp.ActNotify {
		return nil, errors.New("libseccomp: SCMP_ACT_NOTIFY cannot be the default action (runc refuses it)")
	}
	f, err := seccomp.NewFilter(def)
	if err != nil {
		return nil, fmt.Errorf("libseccomp: %w", err)
	}
	defer f.Release()
	for _, a := range s.Architectures {
		sa, err := Arch(a)
		if err != nil {
			return nil, err
		}
		if err := f.AddArch(sa); err != nil {
			return nil, fmt.Errorf("libseccomp: adding %s: %w", a, err)
		}
	}
	if len(s.Syscalls) > 32 {
		// runc ignores the error (old libseccomp); so do we.
		_ = f.SetOptimize(2)
	}
	if err := f.SetNoNewPrivsBit(false); err != nil {
		return nil, fmt.Errorf("libseccomp: %w", err)
	}
	for i, call := range s.Syscalls {
		act, err := action(call.Action, call.ErrnoRet)
		if err != nil {
			return nil, fmt.Errorf("libseccomp: syscalls[%d]: %w", i, err)
		}
		for _, name := range call.Names {
			if err := addRule(f, name, act, def, call.Args); err != nil {
				return nil, fmt.Errorf("libseccomp: syscalls[%d] %s: %w", i, name, err)
			}
		}
	}
	return export(f)
}

// addRule is runc's matchCall.
func addRule(f *seccomp.ScmpFilter, name string, act, def seccomp.ScmpAction, args []specs.LinuxSeccompArg) error {
	if name == "" {
		return errors.New("empty syscall name")
	}
	if act == def {
		return nil
	}
	nr, err := seccomp.GetSyscallFromName(name)
	if err != nil {
		return nil // runc: "unknown seccomp syscall ignored"
	}
	if len(args) == 0 {
		return f.AddRule(nr, act)
	}
	var conds []seccomp.ScmpCondition
	var perIndex [6]int
	repeated := false
	for _, a := range args {
		op, ok := ops[a.Op]
		if !ok {
			return fmt.Errorf("unknown operator %q", a.Op)
		}
		if a.Index >= 6 {
			return fmt.Errorf("argument index %d out of range", a.Index)
		}
		c, err := seccomp.MakeCondition(a.Index, op, a.Value, a.ValueTwo)
		if err != nil {
			return err
		}
		perIndex[a.Index]++
		repeated = repeated || perIndex[a.Index] > 1
		conds = append(conds, c)
	}
	if !repeated {
		return f.AddRuleConditional(nr, act, conds)
	}
	for _, c := range conds {
		if err := f.AddRuleConditional(nr, act, []seccomp.ScmpCondition{c}); err != nil {
			return err
		}
	}
	return nil
}

// export reads the generated program back through a memfd: libseccomp 2.5
// can only write it to a file descriptor.
func export(f *seccomp.ScmpFilter) ([]bpfasm.Insn, error) {
	fd, err := unix.MemfdCreate("scc-libseccomp", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("libseccomp: memfd: %w", err)
	}
	file := os.NewFile(uintptr(fd), "memfd")
	defer file.Close()
	if err := f.ExportBPF(file); err != nil {
		return nil, fmt.Errorf("libseccomp: export: %w", err)
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(file)
	if err != nil {
		return nil, err
	}
	if n := len(raw) / 8; n > bpfasm.MaxInsns {
		return nil, &TooLongError{Insns: n}
	}
	return bpfasm.Decode(raw)
}

// TooLongError is Compile's error for a program longer than the kernel
// loads: what a runtime would fail on.
type TooLongError struct{ Insns int }

func (e *TooLongError) Error() string {
	return fmt.Sprintf("libseccomp: the program has %d instructions; the kernel's limit is %d", e.Insns, bpfasm.MaxInsns)
}

// Known reports whether this machine's libseccomp knows a syscall name on an
// ABI. Runtimes skip unknown names, so a profile's rule for such a name has
// no effect there (libseccomp 2.5.4 stops at the syscalls of its release).
func Known(name string, a specs.Arch) bool {
	sa, err := Arch(a)
	if err != nil {
		return false
	}
	nr, err := seccomp.GetSyscallFromNameByArch(name, sa)
	return err == nil && nr >= 0
}

// Native is the profile name of the host's ABI, which libseccomp always
// includes in a filter.
func Native() (specs.Arch, error) {
	n, err := seccomp.GetNativeArch()
	if err != nil {
		return "", err
	}
	for a, s := range archNames {
		if sa, err := seccomp.GetArchFromString(s); err == nil && sa == n {
			return a, nil
		}
	}
	return "", fmt.Errorf("libseccomp: native arch %s has no profile name", n)
}

// ErrTimeout is CompileWithin's error for a profile libseccomp did not
// finish compiling in time.
var ErrTimeout = errors.New("libseccomp: compiling the profile did not finish in time (libseccomp 2.5.4 loops forever on some rule shapes)")

// CompileWithin is Compile with a deadline, for tests: libseccomp 2.5.4
// never returns from seccomp_rule_add on some profiles, and a test must fail
// rather than hang. A call that times out leaves its goroutine spinning in
// C until the process exits; there is no way to stop it.
func CompileWithin(s *specs.LinuxSeccomp, d time.Duration) ([]bpfasm.Insn, error) {
	type result struct {
		prog []bpfasm.Insn
		err  error
	}
	done := make(chan result, 1)
	go func() {
		prog, err := Compile(s)
		done <- result{prog, err}
	}()
	select {
	case r := <-done:
		return r.prog, r.err
	case <-time.After(d):
		return nil, ErrTimeout
	}
}
