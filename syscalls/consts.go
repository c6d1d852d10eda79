package syscalls

import "sort"

// Const looks up a symbolic constant (O_RDONLY, AF_INET, EPERM, AT_FDCWD ...)
// as it is defined on this ABI. Values that are negative in C (AT_FDCWD) are
// returned sign-extended to 64 bits.
func (a *Arch) Const(name string) (uint64, bool) {
	if v, ok := lookupConst(archConsts(a.GoArch), name); ok {
		return v, true // the ABI's own value wins over the shared one
	}
	return lookupConst(commonConsts, name)
}

// constEntry is a generated constant; the tables are sorted by name.
type constEntry struct {
	name  string
	value uint64
}

func lookupConst(tab []constEntry, name string) (uint64, bool) {
	i := sort.Search(len(tab), func(i int) bool { return tab[i].name >= name })
	if i < len(tab) && tab[i].name == name {
		return tab[i].value, true
	}
	return 0, false
}

// Errno looks up an errno name (EPERM); the values are the same on every
// supported ABI.
func Errno(name string) (uint16, bool) {
	v, ok := lookupConst(errnoByName, name)
	return uint16(v), ok
}

// ErrnoName names an errno value: 1 -> EPERM.
func ErrnoName(v uint16) (string, bool) {
	if int(v) >= len(errnoNames) || errnoNames[v] == "" {
		return "", false
	}
	return errnoNames[v], true
}
