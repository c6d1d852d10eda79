package syscalls

import "sort"

// kparam is a generated signature entry; see Param.
type kparam struct {
	name, typ string
	bits      int
	pointer   bool
	wide      bool // 64 bits on every ABI (loff_t, u64)
}

var (
	allSyscallNames []string
	allConstNames   []string
)

// init wires the generated tables into the hand-written ABI list.
func init() {
	syscallSet := map[string]bool{}
	constSet := map[string]bool{}
	for _, a := range arches {
		entries, ok := generatedTables[a.Name]
		if !ok {
			panic("syscalls: no generated table for " + a.Name) // go generate is out of date
		}
		a.table = newTable(entries)
		for _, s := range entries {
			syscallSet[s.Name] = true
		}
		a.consts = make(map[string]uint64, len(commonConsts)+len(archConsts[a.GoArch]))
		for n, v := range commonConsts {
			a.consts[n] = v
		}
		for n, v := range archConsts[a.GoArch] {
			a.consts[n] = v
		}
		for n := range a.consts {
			constSet[n] = true
		}
	}
	allSyscallNames = sortedKeys(syscallSet)
	allConstNames = sortedKeys(constSet)
}

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
	nr, ok := a.table.byName[name]
	return nr, ok
}

// SyscallName names a syscall number of this ABI.
func (a *Arch) SyscallName(nr uint32) (string, bool) {
	s := a.table.byNr
	i := sort.Search(len(s), func(i int) bool { return s[i].Nr >= nr })
	if i < len(s) && s[i].Nr == nr {
		return s[i].Name, true
	}
	return "", false
}

// Syscalls returns this ABI's table sorted by number. The slice is a copy.
func (a *Arch) Syscalls() []Syscall {
	return append([]Syscall(nil), a.table.byNr...)
}

// MaxNr is the largest syscall number of this ABI.
func (a *Arch) MaxNr() uint32 {
	return a.table.byNr[len(a.table.byNr)-1].Nr
}

// AllSyscallNames is the sorted union of every ABI's syscall names, for
// "did you mean" hints. Callers must not modify it.
func AllSyscallNames() []string { return allSyscallNames }

// ConstNames is the sorted union of every ABI's constant names (errno and
// signal names included). Callers must not modify it.
func ConstNames() []string { return allConstNames }
