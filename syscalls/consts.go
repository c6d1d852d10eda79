package syscalls

// Const looks up a symbolic constant (O_RDONLY, AF_INET, EPERM, AT_FDCWD ...)
// as it is defined on this ABI. Values that are negative in C (AT_FDCWD) are
// returned sign-extended to 64 bits.
func (a *Arch) Const(name string) (uint64, bool) {
	if v, ok := archConsts[a.GoArch][name]; ok {
		return v, true // the ABI's own value wins over the shared one
	}
	v, ok := commonConsts[name]
	return v, ok
}

// Errno looks up an errno name (EPERM); the values are the same on every
// supported ABI.
func Errno(name string) (uint16, bool) {
	v, ok := errnoByName[name]
	return v, ok
}

// ErrnoName names an errno value: 1 -> EPERM.
func ErrnoName(v uint16) (string, bool) {
	n, ok := errnoNames[v]
	return n, ok
}
