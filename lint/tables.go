package lint

// dangerous are syscalls that a confined program should almost never be
// allowed to make, with the reason shown in the warning. The list follows
// what Docker's default profile refuses and the usual kernel-exploit
// primitives, most alarming first (the default-allow warning names the
// first few).
var dangerous = []struct{ name, why string }{
	{"ptrace", "it reads and writes the memory and registers of other processes"},
	{"mount", "it changes the filesystem tree the process sees (and others, outside a mount namespace)"},
	{"bpf", "it loads programs into the kernel, a frequent source of kernel exploits"},
	{"unshare", "it creates namespaces; a new user namespace gives the process root there and exposes much more of the kernel"},
	{"init_module", "it loads code into the kernel"},
	{"kexec_load", "it replaces the running kernel"},
	{"open_by_handle_at", "it opens files by handle, bypassing path lookup (the container escape known as \"shocker\")"},
	{"process_vm_writev", "it writes the memory of other processes"},
	{"userfaultfd", "it lets a process stall the kernel's accesses to its memory, a staple of kernel exploits"},
	{"io_uring_setup", "io_uring runs operations the seccomp filter never sees"},
	{"setns", "it enters other namespaces"},
	{"perf_event_open", "it exposes a large kernel surface and can observe other processes"},
	{"keyctl", "the kernel keyring is not namespaced and is a large attack surface"},
	{"reboot", "it reboots or halts the machine"},
	{"process_vm_readv", "it reads the memory of other processes"},
	{"umount", "it changes the filesystem tree, possibly uncovering what a mount hid"},
	{"umount2", "it changes the filesystem tree, possibly uncovering what a mount hid"},
	{"fsopen", "it is the new mount API: it mounts filesystems"},
	{"fsmount", "it is the new mount API: it mounts filesystems"},
	{"move_mount", "it is the new mount API: it moves mounts"},
	{"open_tree", "it is the new mount API: it clones mount trees"},
	{"pivot_root", "it changes the root filesystem"},
	{"chroot", "it changes the root directory, the classic way to trick setuid programs"},
	{"kexec_file_load", "it replaces the running kernel"},
	{"finit_module", "it loads code into the kernel"},
	{"delete_module", "it unloads kernel modules"},
	{"create_module", "it loads code into the kernel (old interface)"},
	{"add_key", "the kernel keyring is not namespaced and is a large attack surface"},
	{"request_key", "the kernel keyring is not namespaced and is a large attack surface"},
	{"swapon", "it changes the system's swap"},
	{"swapoff", "it changes the system's swap"},
	{"name_to_handle_at", "it is the first half of opening files by handle, bypassing path lookup"},
	{"iopl", "it gives direct access to I/O ports"},
	{"ioperm", "it gives direct access to I/O ports"},
	{"acct", "it switches process accounting for the whole system"},
	{"settimeofday", "it sets the system clock"},
	{"clock_settime", "it sets the system clock"},
	{"clock_adjtime", "it adjusts the system clock"},
	{"adjtimex", "it adjusts the system clock (or only reads it, which clock_gettime also does)"},
	{"stime", "it sets the system clock"},
	{"quotactl", "it manages disk quotas"},
	{"lookup_dcookie", "it returns kernel-internal paths"},
	{"syslog", "it reads the kernel log, which may hold kernel addresses"},
	{"kcmp", "it compares kernel objects of other processes, leaking kernel layout"},
	{"uselib", "it is an obsolete loader call with a history of exploits"},
	{"vm86", "it enters virtual 8086 mode, a large legacy surface"},
	{"vm86old", "it enters virtual 8086 mode, a large legacy surface"},
	{"_sysctl", "it changes kernel parameters (obsolete interface)"},
	{"nfsservctl", "it controls the kernel NFS server"},
	{"personality", "it can turn off address-space randomisation (ADDR_NO_RANDOMIZE)"},
}

// siblings are groups of syscalls that can do one another's work: a policy
// that restricts one member while allowing another for any arguments has
// left a way around its own rule. Names missing on an ABI are skipped there.
var siblings = [][]string{
	{"open", "openat", "openat2", "creat"},
	{"mkdir", "mkdirat"},
	{"mknod", "mknodat"},
	{"unlink", "unlinkat", "rmdir"},
	{"rename", "renameat", "renameat2"},
	{"link", "linkat"},
	{"symlink", "symlinkat"},
	{"chmod", "fchmod", "fchmodat", "fchmodat2"},
	{"chown", "fchown", "lchown", "fchownat", "chown32", "fchown32", "lchown32"},
	{"kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal"},
	{"clone", "clone3", "fork", "vfork"},
	{"execve", "execveat"},
	{"dup2", "dup3"},
	{"setuid", "setreuid", "setresuid", "setuid32", "setreuid32", "setresuid32"},
	{"setgid", "setregid", "setresgid", "setgid32", "setregid32", "setresgid32"},
	{"setgroups", "setgroups32"},
	{"mprotect", "pkey_mprotect"},
	{"mmap", "mmap2"},
	{"setrlimit", "prlimit64"},
	{"fcntl", "fcntl64"},
	// On i386 and arm, socketcall multiplexes socket, connect, bind ...
	{"socket", "socketcall"},
}

// structArg are syscalls that take their interesting arguments in a struct
// in memory, with what libc falls back to when they fail with ENOSYS.
var structArg = map[string]string{
	"clone3":  "clone",
	"openat2": "openat",
}
