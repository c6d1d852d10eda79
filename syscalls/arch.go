// Package syscalls holds what scc knows about each target ABI: its audit
// arch value, its syscall table, its constants (O_*, AF_*, errno names ...)
// and the kernel's syscall signatures. The tables are generated (go generate)
// from machine-readable sources and committed; see internal/gen for where each
// comes from.
package syscalls

import (
	"runtime"
	"sort"
)

// Audit arch values (linux/audit.h): EM_* machine | __AUDIT_ARCH_64BIT |
// __AUDIT_ARCH_LE.
const (
	AuditArchX86_64  uint32 = 0xc000003e
	AuditArchI386    uint32 = 0x40000003
	AuditArchAarch64 uint32 = 0xc00000b7
	AuditArchArm     uint32 = 0x40000028
	AuditArchRiscv64 uint32 = 0xc00000f3
)

// X32Bit is __X32_SYSCALL_BIT: x32 syscall numbers carry it, and seccomp sees
// them with AuditArchX86_64.
const X32Bit uint32 = 0x40000000

// Arch is one target ABI.
type Arch struct {
	Name      string // canonical name, as written in policies
	AuditArch uint32
	X32       bool // numbers carry X32Bit; shares AuditArch with x86_64
	WordBits  int  // 64, or 32 where every argument is 32 bits wide
	GoArch    string
}

var arches = []*Arch{
	{Name: "x86_64", AuditArch: AuditArchX86_64, WordBits: 64, GoArch: "amd64"},
	{Name: "i386", AuditArch: AuditArchI386, WordBits: 32, GoArch: "386"},
	{Name: "x32", AuditArch: AuditArchX86_64, X32: true, WordBits: 64, GoArch: "amd64"},
	{Name: "aarch64", AuditArch: AuditArchAarch64, WordBits: 64, GoArch: "arm64"},
	{Name: "arm", AuditArch: AuditArchArm, WordBits: 32, GoArch: "arm"},
	{Name: "riscv64", AuditArch: AuditArchRiscv64, WordBits: 64, GoArch: "riscv64"},
}

var aliases = map[string]string{
	"amd64": "x86_64", "x86-64": "x86_64", "x64": "x86_64",
	"x86": "i386", "386": "i386", "i686": "i386", "ia32": "i386",
	"arm64": "aarch64",
	"armhf": "arm", "armel": "arm", "arm32": "arm",
}

// Arches returns every supported ABI in canonical order.
func Arches() []*Arch { return arches }

// ArchByName finds an ABI by its canonical name or a common alias (amd64,
// arm64, x86 ...).
func ArchByName(name string) (*Arch, bool) {
	if c, ok := aliases[name]; ok {
		name = c
	}
	for _, a := range arches {
		if a.Name == name {
			return a, true
		}
	}
	return nil, false
}

// ArchNames lists the canonical names, for messages.
func ArchNames() []string {
	names := make([]string, len(arches))
	for i, a := range arches {
		names[i] = a.Name
	}
	return names
}

// Host is the ABI of the machine scc runs on (its native one; x32 is never
// a host ABI for a Go binary).
func Host() *Arch {
	for _, a := range arches {
		if a.GoArch == runtime.GOARCH && !a.X32 {
			return a
		}
	}
	return nil
}

// ByAuditArch returns the ABIs that share an audit arch value (x86_64 and x32
// share one).
func ByAuditArch(v uint32) []*Arch {
	var out []*Arch
	for _, a := range arches {
		if a.AuditArch == v {
			out = append(out, a)
		}
	}
	return out
}

// AuditArchName names an audit arch value: AUDIT_ARCH_X86_64 ...
func AuditArchName(v uint32) (string, bool) {
	switch v {
	case AuditArchX86_64:
		return "AUDIT_ARCH_X86_64", true
	case AuditArchI386:
		return "AUDIT_ARCH_I386", true
	case AuditArchAarch64:
		return "AUDIT_ARCH_AARCH64", true
	case AuditArchArm:
		return "AUDIT_ARCH_ARM", true
	case AuditArchRiscv64:
		return "AUDIT_ARCH_RISCV64", true
	}
	return "", false
}

func (a *Arch) String() string { return a.Name }

// Syscall is one entry of a syscall table.
type Syscall struct {
	Name string
	Nr   uint32 // as seccomp_data.nr carries it (x32 numbers include X32Bit)
}

// table is a generated syscall table.
type table struct {
	byNr   []Syscall // sorted by number
	nrs    []uint32  // byNr's numbers, for Nrs
	byName []uint16  // indexes of byNr, sorted by name
}

// nr looks a name up in the by-name index.
func (t *table) nr(name string) (uint32, bool) {
	i := sort.Search(len(t.byName), func(i int) bool { return t.byNr[t.byName[i]].Name >= name })
	if i < len(t.byName) && t.byNr[t.byName[i]].Name == name {
		return t.byNr[t.byName[i]].Nr, true
	}
	return 0, false
}
