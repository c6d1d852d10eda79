package syscalls

import (
	"sort"
	"sync"
)

// kparam is a generated signature entry; see Param.
type kparam struct {
	name, typ string
	bits      int
	pointer   bool
	wide      bool // 64 bits on every ABI (loff_t, u64)
}

// The generated tables are laid out by the linker, lookups included
// (zsysnum.go), so using an ABI builds nothing: scc's start-up time is part
// of its compile time. Constants are not copied per ABI either: Const looks
// in the ABI's own constants, then in the shared ones.

// table returns the ABI's generated syscall table.
func (a *Arch) table() *table {
	t, ok := generatedTable(a.Name)
	if !ok {
		panic("syscalls: no generated table for " + a.Name) // go generate is out of date
	}
	return t
}

var allSyscallNames = sync.OnceValue(func() []string {
	set := map[string]bool{}
	for _, a := range arches {
		for _, s := range a.table().byNr {
			set[s.Name] = true
		}
	}
	return sortedKeys(set)
})

var allConstNames = sync.OnceValue(func() []string {
	set := make(map[string]bool, len(commonConsts))
	for _, c := range commonConsts {
		set[c.name] = true
	}
	for _, a := range arches {
		for _, c := range archConsts(a.GoArch) {
			set[c.name] = true
		}
	}
	return sortedKeys(set)
})

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Nr returns a syscall's number as seccomp_data.nr carries it on this ABI
// (x32 numbers include X32Bit).
func (a *Arch) Nr(name string) (uint32, bool) {
	return a.table().nr(name)
}

// SyscallName names a syscall number of this ABI.
func (a *Arch) SyscallName(nr uint32) (string, bool) {
	s := a.table().byNr
	i := sort.Search(len(s), func(i int) bool { return s[i].Nr >= nr })
	if i < len(s) && s[i].Nr == nr {
		return s[i].Name, true
	}
	return "", false
}

// Syscalls returns this ABI's table sorted by number. The slice is a copy.
func (a *Arch) Syscalls() []Syscall {
	return append([]Syscall(nil), a.table().byNr...)
}

// Nrs returns this ABI's syscall numbers in increasing order, without the
// copy Syscalls makes: callers must not modify it.
func (a *Arch) Nrs() []uint32 { return a.table().nrs }

// MaxNr is the largest syscall number of this ABI.
func (a *Arch) MaxNr() uint32 {
	byNr := a.table().byNr
	return byNr[len(byNr)-1].Nr
}

// Known reports whether name is a syscall on any ABI scc has a table for.
func Known(name string) bool {
	for _, a := range arches {
		if _, ok := a.Nr(name); ok {
			return true
		}
	}
	return false
}

// AllSyscallNames is the sorted union of every ABI's syscall names, for
// "did you mean" hints. Callers must not modify it.
func AllSyscallNames() []string { return allSyscallNames() }

// ConstNames is the sorted union of every ABI's constant names (errno and
// signal names included). Callers must not modify it.
func ConstNames() []string { return allConstNames() }
