package bpfasm

import "github.com/scc-dev/scc/syscalls"

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
