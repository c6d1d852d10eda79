package oci

import (
	"fmt"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/syscalls"
)

// LibseccompMinInsns is a lower bound on the length of the program that a
// runtime's libseccomp builds from s; when it exceeds bpfasm.MaxInsns the
// runtime cannot load the profile and the container does not start. scc's
// own BPF for the same policy is usually far shorter: libseccomp's layout
// repeats every rule's comparisons per ABI and per syscall. (big.pol in
// testdata: 2,300 instructions from scc, 22,607 from libseccomp 2.5.4.)
//
// The bound counts, for each ABI of the profile that has the syscall, one
// instruction per syscall (its dispatch test) and one jump per distinct
// argument comparison of that syscall, two on a 64-bit ABI, where
// libseccomp tests the high and low words separately. libseccomp shares
// nothing across syscalls or ABIs, and a comparison is never free, so the
// real program is at least this long (checked against libseccomp on the
// test policies, Docker's default and generated profiles). An exact figure
// would mean reimplementing libseccomp's tree building, which changes
// between its releases.
func LibseccompMinInsns(s *specs.LinuxSeccomp) int {
	n := 0
	for _, name := range s.Architectures {
		a := ArchFromName(name)
		if a == nil {
			continue
		}
		perCmp := 2
		if a.WordBits == 32 || a.Name == "x32" { // libseccomp's x32 is a 32-bit ABI
			perCmp = 1
		}
		cmps := map[string]map[specs.LinuxSeccompArg]bool{}
		for _, sc := range s.Syscalls {
			if sameAction(sc, s) {
				continue // libseccomp refuses these; runc skips them
			}
			for _, call := range sc.Names {
				if _, ok := a.Nr(call); !ok {
					continue
				}
				if cmps[call] == nil {
					cmps[call] = map[specs.LinuxSeccompArg]bool{}
					n++
				}
				for _, arg := range sc.Args {
					cmps[call][arg] = true
				}
			}
		}
		for _, c := range cmps {
			n += perCmp * len(c)
		}
	}
	return n
}

// ManyRules is the number of rules for one syscall above which libseccomp
// 2.5 becomes unpredictable. Of 120 generated x86_64 profiles, the 9 that
// libseccomp 2.5.4 failed on (2 over 4096 instructions, at 289 and 305
// rules; 7 not done in 2 s, all above 540 rules) all had more than 256
// rules for a syscall; 10 others above 256 loaded, and none of those
// below did not (TestLibseccompMinInsnsIsALowerBound checks the last part).
const ManyRules = 256

// LibseccompSizeWarning says why a runtime may fail on s, or is "": when
// LibseccompMinInsns exceeds the kernel's limit, or when one syscall has
// more than ManyRules rules. Exact first-match semantics can take many
// OR-ed rules: a != or a range on an int argument (compared on its low 32
// bits) becomes one masked rule per bit, and conditions on two arguments
// multiply.
func LibseccompSizeWarning(s *specs.LinuxSeccomp) string {
	if n := LibseccompMinInsns(s); n > bpfasm.MaxInsns {
		return fmt.Sprintf("libseccomp will compile this profile to at least %d instructions, more than the kernel's %d: "+
			"runtimes will fail to load it (split it by ABI, simplify argument rules, or load scc's own BPF, e.g. with bwrap --seccomp)",
			n, bpfasm.MaxInsns)
	}
	name, n := mostRules(s)
	if n > ManyRules {
		return fmt.Sprintf("the profile needs %d rules for %s to keep the policy's meaning under libseccomp's OR-ed rules; "+
			"libseccomp 2.5 may take minutes on it or make a program longer than the kernel's %d instructions: "+
			"try it in the runtime before deploying, or simplify the conditions on %s (!= and ranges on int arguments expand the most)",
			n, name, bpfasm.MaxInsns, name)
	}
	return ""
}

// mostRules is the syscall with the most rules in s, and their number.
func mostRules(s *specs.LinuxSeccomp) (string, int) {
	count := map[string]int{}
	best, most := "", 0
	for _, sc := range s.Syscalls {
		for _, name := range sc.Names {
			count[name]++
			if c := count[name]; c > most || c == most && name < best {
				best, most = name, c
			}
		}
	}
	return best, most
}

func sameAction(sc specs.LinuxSyscall, s *specs.LinuxSeccomp) bool {
	if sc.Action != s.DefaultAction {
		return false
	}
	if sc.ErrnoRet == nil || s.DefaultErrnoRet == nil {
		return sc.ErrnoRet == s.DefaultErrnoRet
	}
	return *sc.ErrnoRet == *s.DefaultErrnoRet
}

// ArchFromName is the ABI a profile's architecture name means, nil if scc
// has no tables for it: the inverse of ArchName.
func ArchFromName(name specs.Arch) *syscalls.Arch {
	for _, a := range syscalls.Arches() {
		if ArchName(a) == name {
			return a
		}
	}
	return nil
}
