package syscalls

import (
	"sort"
	"sync"
)

// Param is one syscall parameter.
type Param struct {
	Name string // as the kernel names it: dfd, filename, flags ...
	Type string // C type as the kernel declares it: "const char *", "umode_t"
	// Bits is the width the kernel actually uses: higher bits of the
	// argument register are ignored by the syscall (an int is 32 bits even
	// though seccomp sees a 64-bit register).
	Bits    int
	Pointer bool // a user-space address (seccomp cannot look behind it)
	// Aliases are the other names policies may use: the man page's name
	// where it differs from the kernel's (socket's "domain" for "family",
	// openat's "dirfd" for "dfd"). Sorted; never another parameter's name.
	Aliases []string
}

// Params returns the parameters of a syscall as they are positioned on this
// ABI, or false when they are not known exactly.
//
// The signatures come from the tracefs events of the 64-bit kernel that ran
// go generate (see SignatureKernel), and are mapped to each ABI:
//
//   - a table name is first translated to the kernel function that serves it
//     on this ABI (i386 "stat" is sys_newstat, i386 "select" is
//     sys_old_select); a function without a trace event has no signature,
//     so arch-specific and compat-only syscalls report false;
//   - on the 64-bit ABIs (x86_64, x32, aarch64, riscv64) the signature is
//     returned as read;
//   - on the 32-bit ABIs (i386, arm) every Bits is at most 32, and a 64-bit
//     scalar (loff_t, u64) is passed in two registers whose placement varies
//     (arm aligns pairs to even registers), so only the parameters before the
//     first such one are returned: pread64 on i386 is (fd, buf, count);
//   - clone and a few legacy calls whose argument order or layout differs
//     by ABI use the overrides below.
//
// Aliases come from the section-2 man pages (see ManPagesRelease) and follow
// their kernel parameter wherever an ABI places it.
func (a *Arch) Params(syscall string) ([]Param, bool) {
	if _, ok := a.Nr(syscall); !ok {
		return nil, false
	}
	kps, aliases, ok := a.kernelParams(syscall)
	if !ok {
		return nil, false
	}
	out := make([]Param, 0, len(kps))
	for _, p := range kps {
		bits := p.bits
		if a.WordBits == 32 {
			if p.wide && !p.pointer {
				break
			}
			bits = min(bits, 32)
		}
		out = append(out, Param{Name: p.name, Type: p.typ, Bits: bits, Pointer: p.pointer,
			Aliases: append([]string(nil), aliasesOf(aliases, p.name)...)})
	}
	return out, true
}

// Param finds a parameter of a syscall on this ABI by its kernel name or one
// of its aliases, and returns its position (the seccomp argument index). It
// is false when the signature is not known (see Params) or no parameter has
// that name.
func (a *Arch) Param(syscall, name string) (index int, p Param, ok bool) {
	params, ok := a.Params(syscall)
	if !ok {
		return 0, Param{}, false
	}
	for i, p := range params {
		if p.Name == name {
			return i, p, true
		}
	}
	// The generator keeps aliases from clashing with kernel names and with
	// each other, so the first match is the only one.
	for i, p := range params {
		for _, alias := range p.Aliases {
			if alias == name {
				return i, p, true
			}
		}
	}
	return 0, Param{}, false
}

// SignatureKernel is the release of the kernel whose signatures Params uses.
func SignatureKernel() string { return signatureKernel }

// ManPagesRelease is the man-pages release the parameter aliases come from.
func ManPagesRelease() string { return manPagesRelease }

// kernelParams returns the kernel parameters serving a table name on this
// ABI, and their aliases.
func (a *Arch) kernelParams(name string) ([]kparam, []paramAlias, bool) {
	if ov, ok := signatureOverrides[a.Name][name]; ok {
		kps, ok := ov.apply()
		if ov.params != nil {
			return kps, ov.aliases, ok
		}
		return kps, eventAliasesOf(ov.event), ok
	}
	entry := name
	if e, ok := entryPoints[a.Name][name]; ok {
		entry = e
	}
	kps, ok := kernelSignatures()[entry]
	return kps, eventAliasesOf(entry), ok
}

// eventAliases are the man-page names of a kernel function's parameters
// (generated, sorted by event).
type eventAliases struct {
	event  string
	params []paramAlias
}

// paramAlias is the man-page names of one kernel parameter.
type paramAlias struct {
	param   string
	aliases []string
}

func eventAliasesOf(event string) []paramAlias {
	i := sort.Search(len(paramAliases), func(i int) bool { return paramAliases[i].event >= event })
	if i < len(paramAliases) && paramAliases[i].event == event {
		return paramAliases[i].params
	}
	return nil
}

func aliasesOf(params []paramAlias, name string) []string {
	for _, p := range params {
		if p.param == name {
			return p.aliases
		}
	}
	return nil
}

// override replaces a kernel signature: either the kernel's parameters in
// another order (by name), or an explicit list for entry points that have no
// trace event on the generating kernel.
type override struct {
	event   string       // kernel signature to reorder
	order   []string     // its parameter names, in this ABI's order
	params  []kparam     // or: the parameters themselves,
	aliases []paramAlias // with their man-page names (the generator never sees them)
}

func (o override) apply() ([]kparam, bool) {
	if o.params != nil {
		return o.params, true
	}
	kps, ok := kernelSignatures()[o.event]
	if !ok || len(kps) != len(o.order) {
		return nil, false
	}
	out := make([]kparam, 0, len(o.order))
	for _, n := range o.order {
		found := false
		for _, p := range kps {
			if p.name == n {
				out = append(out, p)
				found = true
				break
			}
		}
		if !found {
			return nil, false // the kernel renamed a parameter: refuse rather than guess
		}
	}
	return out, true
}

// clone's argument order is chosen by Kconfig (kernel/fork.c): x86_64 and
// x32 use the default (..., child_tidptr, tls); CONFIG_CLONE_BACKWARDS,
// selected by x86 32-bit, arm, arm64 and riscv, swaps the last two.
var (
	cloneDefault   = override{event: "clone", order: []string{"clone_flags", "newsp", "parent_tidptr", "child_tidptr", "tls"}}
	cloneBackwards = override{event: "clone", order: []string{"clone_flags", "newsp", "parent_tidptr", "tls", "child_tidptr"}}
)

// mmap2 (i386 sys_mmap_pgoff, arm sys_mmap2) and the old single-argument
// mmap (sys_old_mmap) are not native to a 64-bit kernel, so they have no
// trace event; their prototypes (mm/mmap.c, mm/util.c) are short and stable,
// and mmap2(2) names the parameters as mmap(2) does, but for pgoffset.
var (
	mmap2 = override{params: []kparam{
		{"addr", "unsigned long", 64, false, false},
		{"len", "unsigned long", 64, false, false},
		{"prot", "unsigned long", 64, false, false},
		{"flags", "unsigned long", 64, false, false},
		{"fd", "unsigned long", 64, false, false},
		{"pgoff", "unsigned long", 64, false, false},
	}, aliases: []paramAlias{{"len", []string{"length"}}, {"pgoff", []string{"pgoffset"}}}}
	oldMmap = override{params: []kparam{{"arg", "struct mmap_arg_struct *", 64, true, false}}}
)

var signatureOverrides = map[string]map[string]override{
	"x86_64":  {"clone": cloneDefault},
	"x32":     {"clone": cloneDefault},
	"i386":    {"clone": cloneBackwards, "mmap2": mmap2, "mmap": oldMmap},
	"arm":     {"clone": cloneBackwards, "mmap2": mmap2, "mmap": oldMmap},
	"aarch64": {"clone": cloneBackwards},
	"riscv64": {"clone": cloneBackwards},
}

// entryPoints maps a syscall-table name to the kernel function that serves
// it (its SYSCALL_DEFINE name) where the two differ, per ABI. From the
// kernel's syscall tables: arch/x86/entry/syscalls/syscall_{64,32}.tbl,
// arch/arm/tools/syscall.tbl and scripts/syscall.tbl (aarch64, riscv64).
// Functions without a trace event here (the *16 uid calls, *_time32) make
// Params refuse, which is the point: the same table name served by another
// function must not borrow the x86_64 signature.
var entryPoints = map[string]map[string]string{
	"x86_64": x86_64Entries,
	"x32": merge(x86_64Entries, map[string]string{
		// compat_sys_preadv64 & co take the offset in one register, unlike
		// the native (pos_l, pos_h) pair.
		"preadv": "preadv64", "pwritev": "pwritev64", "preadv2": "preadv64v2", "pwritev2": "pwritev64v2",
	}),
	"aarch64": generic64Entries,
	"riscv64": generic64Entries,
	"i386": merge(legacy32Entries, map[string]string{
		"time": "time32", "stime": "stime32", "utime": "utime32", "utimes": "utimes_time32",
		"futimesat": "futimesat_time32", "oldstat": "stat", "oldfstat": "fstat", "oldlstat": "lstat",
		"oldolduname": "olduname", "olduname": "uname",
	}),
	"arm": merge(legacy32Entries, map[string]string{
		"semctl": "old_semctl", "msgctl": "old_msgctl", "shmctl": "old_shmctl",
		"semtimedop": "semtimedop_time32", "sigreturn": "sigreturn_wrapper",
		"rt_sigreturn": "rt_sigreturn_wrapper", "statfs64": "statfs64_wrapper",
		"fstatfs64": "fstatfs64_wrapper", "arm_sync_file_range": "sync_file_range2",
	}),
}

var x86_64Entries = map[string]string{
	"stat": "newstat", "fstat": "newfstat", "lstat": "newlstat", "uname": "newuname",
	"sendfile": "sendfile64", "umount2": "umount",
}

var generic64Entries = map[string]string{
	"fstat": "newfstat", "uname": "newuname", "sendfile": "sendfile64", "umount2": "umount",
	"fadvise64": "fadvise64_64",
}

// legacy32Entries is what i386 and arm share: 16-bit uid calls under the
// plain names and 32-bit ones under *32, 32-bit time calls under the plain
// names and 64-bit ones under *_time64, and the old struct-argument calls.
var legacy32Entries = map[string]string{
	"lchown": "lchown16", "chown": "chown16", "fchown": "fchown16",
	"setuid": "setuid16", "getuid": "getuid16", "setgid": "setgid16", "getgid": "getgid16",
	"geteuid": "geteuid16", "getegid": "getegid16", "setreuid": "setreuid16", "setregid": "setregid16",
	"getgroups": "getgroups16", "setgroups": "setgroups16", "setfsuid": "setfsuid16", "setfsgid": "setfsgid16",
	"setresuid": "setresuid16", "getresuid": "getresuid16", "setresgid": "setresgid16", "getresgid": "getresgid16",
	"lchown32": "lchown", "chown32": "chown", "fchown32": "fchown",
	"setuid32": "setuid", "getuid32": "getuid", "setgid32": "setgid", "getgid32": "getgid",
	"geteuid32": "geteuid", "getegid32": "getegid", "setreuid32": "setreuid", "setregid32": "setregid",
	"getgroups32": "getgroups", "setgroups32": "setgroups", "setfsuid32": "setfsuid", "setfsgid32": "setfsgid",
	"setresuid32": "setresuid", "getresuid32": "getresuid", "setresgid32": "setresgid", "getresgid32": "getresgid",

	"umount": "oldumount", "umount2": "umount", "select": "old_select", "_newselect": "select",
	"readdir": "old_readdir", "getrlimit": "old_getrlimit", "ugetrlimit": "getrlimit",
	"stat": "newstat", "lstat": "newlstat", "fstat": "newfstat", "uname": "newuname",
	"_llseek": "llseek", "_sysctl": "sysctl",

	"adjtimex": "adjtimex_time32", "nanosleep": "nanosleep_time32", "futex": "futex_time32",
	"sched_rr_get_interval": "sched_rr_get_interval_time32", "rt_sigtimedwait": "rt_sigtimedwait_time32",
	"io_getevents": "io_getevents_time32", "io_pgetevents": "io_pgetevents_time32",
	"timer_settime": "timer_settime32", "timer_gettime": "timer_gettime32",
	"timerfd_settime": "timerfd_settime32", "timerfd_gettime": "timerfd_gettime32",
	"clock_settime": "clock_settime32", "clock_gettime": "clock_gettime32", "clock_adjtime": "clock_adjtime32",
	"clock_getres": "clock_getres_time32", "clock_nanosleep": "clock_nanosleep_time32",
	"mq_timedsend": "mq_timedsend_time32", "mq_timedreceive": "mq_timedreceive_time32",
	"pselect6": "pselect6_time32", "ppoll": "ppoll_time32", "utimensat": "utimensat_time32",
	"recvmmsg": "recvmmsg_time32",

	"clock_gettime64": "clock_gettime", "clock_settime64": "clock_settime", "clock_adjtime64": "clock_adjtime",
	"clock_getres_time64": "clock_getres", "clock_nanosleep_time64": "clock_nanosleep",
	"timer_gettime64": "timer_gettime", "timer_settime64": "timer_settime",
	"timerfd_gettime64": "timerfd_gettime", "timerfd_settime64": "timerfd_settime",
	"utimensat_time64": "utimensat", "pselect6_time64": "pselect6", "ppoll_time64": "ppoll",
	"io_pgetevents_time64": "io_pgetevents", "recvmmsg_time64": "recvmmsg",
	"mq_timedsend_time64": "mq_timedsend", "mq_timedreceive_time64": "mq_timedreceive",
	"semtimedop_time64": "semtimedop", "rt_sigtimedwait_time64": "rt_sigtimedwait",
	"futex_time64": "futex", "sched_rr_get_interval_time64": "sched_rr_get_interval",
}

func merge(base, more map[string]string) map[string]string {
	out := make(map[string]string, len(base)+len(more))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// kernelSignatures is built on first use (see kernelSignatureTable).
var kernelSignatures = sync.OnceValue(kernelSignatureTable)
