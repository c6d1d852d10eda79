package bpfasm

import "github.com/scc-dev/scc/syscalls"

// The syscall tables are being generated in package syscalls; until
// (*Arch).Nr and (*Arch).SyscallName exist, a handful of x86_64 entries let
// the disassembler and assembler name the calls the tests use. The
// interface assertions pick the real tables up as soon as they compile.
type nrByName interface {
	Nr(name string) (uint32, bool)
}

type nameByNr interface {
	SyscallName(nr uint32) (string, bool)
}

var fallbackX86_64 = map[string]uint32{
	"read": 0, "write": 1, "open": 2, "close": 3, "mmap": 9, "getpid": 39,
	"exit": 60, "exit_group": 231, "openat": 257,
}

func syscallNr(a *syscalls.Arch, name string) (uint32, bool) {
	if t, ok := any(a).(nrByName); ok {
		return t.Nr(name)
	}
	if a.Name == "x86_64" {
		nr, ok := fallbackX86_64[name]
		return nr, ok
	}
	return 0, false
}

func syscallName(a *syscalls.Arch, nr uint32) (string, bool) {
	if t, ok := any(a).(nameByNr); ok {
		return t.SyscallName(nr)
	}
	if a.Name == "x86_64" {
		for name, n := range fallbackX86_64 {
			if n == nr {
				return name, true
			}
		}
	}
	return "", false
}

// abiFor picks the ABI whose table numbers a syscall compared against nr
// when the audit arch is known: x86_64 and x32 share one, and the x32 bit
// in the number tells them apart.
func abiFor(auditArch, nr uint32) *syscalls.Arch {
	abis := syscalls.ByAuditArch(auditArch)
	for _, a := range abis {
		if auditArch != syscalls.AuditArchX86_64 || a.X32 == (nr&syscalls.X32Bit != 0) {
			return a
		}
	}
	return nil
}

// auditArchByName is the inverse of syscalls.AuditArchName.
func auditArchByName(name string) (uint32, bool) {
	for _, v := range knownAuditArches() {
		if n, _ := syscalls.AuditArchName(v); n == name {
			return v, true
		}
	}
	return 0, false
}

// knownAuditArches lists the distinct audit arch values of the supported
// ABIs, in syscalls.Arches order.
func knownAuditArches() []uint32 {
	var out []uint32
	seen := map[uint32]bool{}
	for _, a := range syscalls.Arches() {
		if !seen[a.AuditArch] {
			seen[a.AuditArch] = true
			out = append(out, a.AuditArch)
		}
	}
	return out
}
