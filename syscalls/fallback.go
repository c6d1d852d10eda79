package syscalls

// Fallback is a syscall that libc tries first and replaces with an older
// one only when it fails with ENOSYS. A policy that allows the older one
// but refuses the newer one any other way (EPERM, kill) breaks what libc
// uses it for, where ENOSYS would have sent libc to the older one.
type Fallback struct {
	Newer, Older string
	Breaks       string // what fails, for messages
}

// Fallbacks: glibc 2.34 and musl start threads and posix_spawn children
// with clone3; glibc 2.33's faccessat() and eaccess() (bash's test -x) try
// faccessat2 first (the "Operation not permitted" of glibc 2.33 programs
// under container profiles that did not know faccessat2). access() is not
// one of them: it calls access, or faccessat where there is no access.
var Fallbacks = []Fallback{
	{Newer: "clone3", Older: "clone", Breaks: "starting a thread or a child (pthread_create, posix_spawn)"},
	{Newer: "faccessat2", Older: "faccessat", Breaks: "every faccessat() and eaccess() call (bash's test -x)"},
}
