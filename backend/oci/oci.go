// Package oci exports a policy as the linux.seccomp object of an OCI
// runtime config (runc, crun, and through them Docker, Podman, containerd
// and Kubernetes), preserving its meaning exactly or failing.
//
// A runtime hands the profile to libseccomp, whose semantics differ from
// scc's first-match rules (see lower.go for how they are bridged). What a
// profile cannot say at all makes Export fail with the rule's position:
//
//   - a badarch action other than kill or kill_thread: the runtime's
//     libseccomp kills the thread on a foreign ABI (SCMP_ACT_KILL), and adds
//     the host's native ABI to the filter whatever the profile lists;
//   - a rule that differs between target ABIs (the profile has one list of
//     syscall names for all of them; constants such as O_DIRECTORY differ
//     between ABIs) or a syscall with rules on one ABI and none on another
//     that has it;
//   - notify without a listener path; notify as the default action;
//   - action data that JSON cannot carry (kill(3), trap(1)).
package oci

import (
	"fmt"
	"sort"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/syscalls"
)

// Options tune the export.
type Options struct {
	// ListenerPath is the Unix socket a runtime sends the notification fd
	// to (listenerPath); required when the policy uses notify.
	ListenerPath string
	// Flags are handed to seccomp(2) by the runtime (crun does; runc 1.1.5,
	// the version tested here, refuses any). They are the loader's business,
	// not the policy's: scc run takes the same as --log and --spec-allow.
	Flags []specs.LinuxSeccompFlag
}

// Flags are the filter flags a profile may carry, by scc's short names.
var Flags = map[string]specs.LinuxSeccompFlag{
	"log":                specs.LinuxSeccompFlagLog,
	"spec_allow":         specs.LinuxSeccompFlagSpecAllow,
	"wait_killable_recv": specs.LinuxSeccompFlagWaitKillableRecv,
}

// ArchName is the profile's name for an ABI.
func ArchName(a *syscalls.Arch) specs.Arch {
	switch a.Name {
	case "x86_64":
		return specs.ArchX86_64
	case "i386":
		return specs.ArchX86
	case "x32":
		return specs.ArchX32
	case "aarch64":
		return specs.ArchAARCH64
	case "arm":
		return specs.ArchARM
	case "riscv64":
		return specs.ArchRISCV64
	}
	return specs.Arch("SCMP_ARCH_" + strings.ToUpper(a.Name))
}

// Action is a policy action as a profile spells it: the action and its
// errnoRet (nil when the action carries none).
func Action(a policy.Action) (specs.LinuxSeccompAction, *uint, error) {
	data := uint(a.Data())
	noData := func(s specs.LinuxSeccompAction) (specs.LinuxSeccompAction, *uint, error) {
		if data != 0 {
			return "", nil, fmt.Errorf("%s: a profile cannot carry data on %s", a, s)
		}
		return s, nil, nil
	}
	switch a.Base() {
	case policy.Allow:
		return noData(specs.ActAllow)
	case policy.KillProcess:
		return noData(specs.ActKillProcess)
	case policy.KillThread:
		return noData(specs.ActKillThread)
	case policy.Trap:
		return noData(specs.ActTrap)
	case policy.Log:
		return noData(specs.ActLog)
	case policy.Notify:
		return noData(specs.ActNotify)
	case policy.ErrnoBase:
		if data > policy.MaxErrno {
			return "", nil, fmt.Errorf("%s: errno above %d", a, policy.MaxErrno)
		}
		return specs.ActErrno, &data, nil
	case policy.TraceBase:
		// libseccomp's SetReturnCode takes an int16.
		if data > 0x7fff {
			return "", nil, fmt.Errorf("%s: trace message above 32767", a)
		}
		return specs.ActTrace, &data, nil
	}
	return "", nil, fmt.Errorf("%s: no profile action", a)
}

// Export lowers p into an OCI seccomp object with the same meaning on each
// of p's target ABIs. Errors are a lang.ErrorList naming the rules.
func Export(p *policy.Policy, opts Options) (*specs.LinuxSeccomp, error) {
	var errs lang.ErrorList
	// Errors about the whole policy name its file.
	file := policyFile(p)
	fail := func(pos lang.Pos, format string, args ...any) {
		if !pos.IsValid() {
			pos = lang.Pos{File: file}
		}
		errs.Add(pos, lang.SeverityError, "", format, args...)
	}
	out := &specs.LinuxSeccomp{}
	var err error
	if out.DefaultAction, out.DefaultErrnoRet, err = Action(p.Default); err != nil {
		fail(lang.Pos{}, "default: %v", err)
	}
	if p.Default.Base() == policy.Notify {
		fail(lang.Pos{}, "default notify: runtimes refuse SCMP_ACT_NOTIFY as the default action")
	}
	if p.BadArch != policy.KillProcess && p.BadArch != policy.KillThread {
		fail(lang.Pos{}, "badarch %s: a container profile cannot set the bad-arch action (the runtime's libseccomp kills the thread); use badarch kill or kill_thread", p.BadArch)
	}
	if len(p.Filters) == 0 {
		fail(lang.Pos{}, "the policy has no target ABI")
	}

	// The profile has one list of names for every ABI: lower each name's
	// rules once, from its first 64-bit ABI (32-bit ABIs see whole-argument
	// comparisons on their low word), and check that every other ABI that
	// has the syscall says the same.
	type named struct {
		sys   *policy.Syscall
		arch  *syscalls.Arch
		rules []lrule
	}
	filters := append([]*policy.Filter(nil), p.Filters...)
	sort.SliceStable(filters, func(i, j int) bool { return filters[i].Arch.WordBits > filters[j].Arch.WordBits })
	byName := map[string]*named{}
	var order []string
	for _, f := range p.Filters {
		out.Architectures = append(out.Architectures, ArchName(f.Arch))
	}
	for _, f := range filters {
		for _, s := range f.Syscalls {
			if _, ok := byName[s.Name]; ok {
				continue
			}
			rules, lerr := lowerSyscall(s, p.Default)
			if lerr != nil {
				fail(lerr.rule.Pos, "%s on %s: cannot export %s %s: %s", s.Name, f.Arch.Name, lerr.rule.Action, condString(lerr.rule.Cond), lerr.msg)
			}
			byName[s.Name] = &named{sys: s, arch: f.Arch, rules: rules}
			order = append(order, s.Name)
		}
	}
	sort.Strings(order)
	for _, name := range order {
		n := byName[name]
		for _, f := range filters {
			if _, has := f.Arch.Nr(name); !has || f.Arch == n.arch {
				continue
			}
			s := f.Syscall(mustNr(f.Arch, name))
			switch {
			case s == nil && len(n.rules) > 0:
				fail(n.sys.Rules[0].Pos, "%s has rules on %s but none on %s; a profile's rules apply to every ABI that has the syscall", name, n.arch.Name, f.Arch.Name)
			case s != nil && !sameRules(n.sys.Rules, n.arch.WordBits, s.Rules, f.Arch.WordBits):
				fail(s.Rules[0].Pos, "%s means different things on %s and %s; a profile has one rule list per name for every ABI: export the ABIs' policies separately", name, n.arch.Name, f.Arch.Name)
			}
		}
	}

	// One entry per (action, conditions), names in policy order.
	groups := map[string]*specs.LinuxSyscall{}
	var keys []string
	usesNotify := false
	for _, name := range order {
		for _, r := range byName[name].rules {
			act, errno, err := Action(r.action)
			if err != nil {
				fail(byName[name].sys.Rules[0].Pos, "%s: %v", name, err)
				continue
			}
			usesNotify = usesNotify || act == specs.ActNotify
			args := r.specArgs()
			k := fmt.Sprint(r.action, args)
			if g, ok := groups[k]; ok {
				if !contains(g.Names, name) {
					g.Names = append(g.Names, name)
				}
				continue
			}
			groups[k] = &specs.LinuxSyscall{Names: []string{name}, Action: act, ErrnoRet: errno, Args: args}
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		out.Syscalls = append(out.Syscalls, *groups[k])
	}
	for _, f := range opts.Flags {
		known := false
		for _, k := range Flags {
			known = known || f == k
		}
		if !known {
			fail(lang.Pos{}, "unknown filter flag %q", f)
		}
		if f == specs.LinuxSeccompFlagWaitKillableRecv && !usesNotify {
			fail(lang.Pos{}, "%s only changes how notify waits, and the policy has no notify", f)
		}
	}
	out.Flags = append(out.Flags, opts.Flags...)
	if usesNotify {
		if opts.ListenerPath == "" {
			fail(lang.Pos{}, "the policy uses notify: a runtime needs a listener path to hand the notification fd to (--listener-path)")
		}
		out.ListenerPath = opts.ListenerPath
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	return out, nil
}

// policyFile is the source file of p's rules, "" if it has none.
func policyFile(p *policy.Policy) string {
	for _, f := range p.Filters {
		for _, s := range f.Syscalls {
			for _, r := range s.Rules {
				if r.Pos.File != "" {
					return r.Pos.File
				}
			}
		}
	}
	for _, t := range p.Tests {
		if t.Pos.File != "" {
			return t.Pos.File
		}
	}
	return ""
}

func hasSyscall(f *policy.Filter, name string) bool {
	for _, s := range f.Syscalls {
		if s.Name == name {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func condString(e policy.Expr) string {
	if e == nil {
		return "(always)"
	}
	return "if " + e.String()
}

func (r lrule) specArgs() []specs.LinuxSeccompArg {
	var out []specs.LinuxSeccompArg
	for i, a := range r.args {
		if a != nil {
			out = append(out, specs.LinuxSeccompArg{Index: uint(i), Value: a.value, ValueTwo: a.two, Op: a.op})
		}
	}
	return out
}

// key is a canonical form of lowered rules, to compare ABIs.
func key(rules []lrule) string {
	parts := make([]string, len(rules))
	for i, r := range rules {
		parts[i] = fmt.Sprint(r.action, r.specArgs())
	}
	sort.Strings(parts)
	return strings.Join(parts, ";")
}

func mustNr(a *syscalls.Arch, name string) uint32 {
	nr, _ := a.Nr(name)
	return nr
}
