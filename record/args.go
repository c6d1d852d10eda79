package record

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"

	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/syscalls"
)

// argKind says how the values of an argument become a condition.
type argKind int

const (
	// argEnum: one of a few values; `x == A || x == B`.
	argEnum argKind = iota
	// argFlags: a bit set; `x & MASK == 0`, MASK being every bit never seen.
	argFlags
	// argExact: a value that mixes an enum and flags (socket's type) and
	// reads best spelled out: `type == SOCK_STREAM|SOCK_CLOEXEC`.
	argExact
)

// argSpec describes one argument worth a condition.
type argSpec struct {
	Index int
	Kind  argKind
	// EnumMask selects the bits holding an enumerated part (the access
	// mode of open's flags, the base type of socket's type, clone's exit
	// signal); for argEnum it is all bits. EnumNames name its values.
	EnumMask  uint64
	EnumNames names
	// FlagNames name the single-purpose bits of the rest.
	FlagNames names
}

// names are candidate symbolic constants: listed ones, plus every constant
// package syscalls knows with one of the prefixes, minus the excluded
// prefixes (aliases and constants of other argument kinds that share the
// prefix and would make a value ambiguous).
type names struct {
	List     []string
	Prefixes []string
	Exclude  []string
}

func (n names) candidates() []string {
	out := append([]string(nil), n.List...)
	if len(n.Prefixes) == 0 {
		return out
	}
	for _, c := range syscalls.ConstNames() {
		if hasAnyPrefix(c, n.Prefixes) && !hasAnyPrefix(c, n.Exclude) {
			out = append(out, c)
		}
	}
	return out
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

var (
	signalNames = names{Prefixes: []string{"SIG"}, Exclude: []string{"SIGIOT", "SIGPOLL", "SIGCLD", "SIGUNUSED", "SIGSTKSZ", "SIG_"}}
	openFlags   = names{List: []string{"O_CREAT", "O_EXCL", "O_NOCTTY", "O_TRUNC", "O_APPEND", "O_NONBLOCK", "O_DSYNC",
		"O_SYNC", "O_ASYNC", "O_DIRECT", "O_LARGEFILE", "O_DIRECTORY", "O_NOFOLLOW", "O_NOATIME", "O_CLOEXEC", "O_PATH", "O_TMPFILE"}}
	openAccess = names{List: []string{"O_RDONLY", "O_WRONLY", "O_RDWR"}}
	protFlags  = names{List: []string{"PROT_READ", "PROT_WRITE", "PROT_EXEC", "PROT_GROWSDOWN", "PROT_GROWSUP"}}
	cloneFlags = names{Prefixes: []string{"CLONE_"}, Exclude: []string{"CLONE_NEWCGROUP_", "CLONE_ARGS_", "CLONE_LEGACY_FLAGS"}}
)

// argSpecs lists the arguments `scc record --args` records and turns into
// conditions. Indexes are the x86_64/i386 positions (clone's flags come
// first on both).
var argSpecs = map[string][]argSpec{
	"socket": {
		{Index: 0, Kind: argEnum, EnumMask: ^uint64(0), EnumNames: names{Prefixes: []string{"AF_"}, Exclude: []string{"AF_LOCAL", "AF_FILE", "AF_ROUTE", "AF_MAX"}}},
		{Index: 1, Kind: argExact, EnumMask: 0xf, // SOCK_TYPE_MASK
			EnumNames: names{List: []string{"SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET", "SOCK_DCCP", "SOCK_PACKET"}},
			FlagNames: names{List: []string{"SOCK_NONBLOCK", "SOCK_CLOEXEC"}}},
	},
	"socketpair": {{Index: 0, Kind: argEnum, EnumMask: ^uint64(0), EnumNames: names{List: []string{"AF_UNIX"}}}},
	"open":       {{Index: 1, Kind: argFlags, EnumMask: 3, EnumNames: openAccess, FlagNames: openFlags}},
	"openat":     {{Index: 2, Kind: argFlags, EnumMask: 3, EnumNames: openAccess, FlagNames: openFlags}},
	"mmap":       {{Index: 2, Kind: argFlags, FlagNames: protFlags}},
	"mmap2":      {{Index: 2, Kind: argFlags, FlagNames: protFlags}},
	"mprotect":   {{Index: 2, Kind: argFlags, FlagNames: protFlags}},
	"clone":      {{Index: 0, Kind: argFlags, EnumMask: 0xff /* CSIGNAL */, EnumNames: signalNames, FlagNames: cloneFlags}},
	"kill":       {{Index: 1, Kind: argEnum, EnumMask: ^uint64(0), EnumNames: signalNames}},
	"tkill":      {{Index: 1, Kind: argEnum, EnumMask: ^uint64(0), EnumNames: signalNames}},
	"tgkill":     {{Index: 2, Kind: argEnum, EnumMask: ^uint64(0), EnumNames: signalNames}},
	"ioctl":      {{Index: 1, Kind: argEnum, EnumMask: ^uint64(0), EnumNames: names{Prefixes: []string{"TC", "TIOC", "FIO", "SIOC"}}}},
	"prctl": {{Index: 0, Kind: argEnum, EnumMask: ^uint64(0), EnumNames: names{
		List:     []string{"PR_CAP_AMBIENT", "PR_MCE_KILL", "PR_SCHED_CORE", "PR_TASK_PERF_EVENTS_DISABLE", "PR_TASK_PERF_EVENTS_ENABLE"},
		Prefixes: []string{"PR_SET_", "PR_GET_", "PR_CAPBSET_"}, Exclude: []string{"PR_SET_MM_", "PR_SET_PTRACER_ANY"}}}},
	"fcntl":       {{Index: 1, Kind: argEnum, EnumMask: ^uint64(0), EnumNames: fcntlCmds}},
	"fcntl64":     {{Index: 1, Kind: argEnum, EnumMask: ^uint64(0), EnumNames: fcntlCmds}},
	"personality": {{Index: 0, Kind: argEnum, EnumMask: ^uint64(0)}},
	"setsockopt": {
		{Index: 1, Kind: argEnum, EnumMask: ^uint64(0), EnumNames: names{Prefixes: []string{"SOL_"}}},
		// Option numbers depend on the level, and the recording does not
		// pair them, so they stay numbers.
		{Index: 2, Kind: argEnum, EnumMask: ^uint64(0)},
	},
}

var fcntlCmds = names{List: []string{"F_DUPFD", "F_GETFD", "F_SETFD", "F_GETFL", "F_SETFL", "F_GETLK", "F_SETLK", "F_SETLKW",
	"F_SETOWN", "F_GETOWN", "F_SETSIG", "F_GETSIG", "F_SETOWN_EX", "F_GETOWN_EX", "F_OFD_GETLK", "F_OFD_SETLK", "F_OFD_SETLKW",
	"F_SETLEASE", "F_GETLEASE", "F_NOTIFY", "F_DUPFD_CLOEXEC", "F_SETPIPE_SZ", "F_GETPIPE_SZ", "F_ADD_SEALS", "F_GET_SEALS"}}

// DefaultArgSyscalls is the Options.ArgSyscalls that `scc record --args`
// uses: every argument Policy can turn into a condition.
func DefaultArgSyscalls() map[string][]int {
	m := map[string][]int{}
	for name, specs := range argSpecs {
		for _, s := range specs {
			m[name] = append(m[name], s.Index)
		}
	}
	return m
}

// argRef is how a condition names an argument, and the widest width the
// comparison will use on the target ABIs (resolve compares a named
// argument on each ABI's own width: 32 bits for an unsigned long on i386).
type argRef struct {
	Name string
	Bits int
	// Narrow is the narrowest of those widths.
	Narrow int
}

// argRefFor names argument idx of a syscall by the kernel's parameter name,
// which must be the same on every target ABI (kernel names always resolve;
// man-page aliases may not). ok is false, with the reason, when the targets
// disagree on what the argument is: i386's mmap takes one pointer to a
// struct, so a condition on x86_64's prot would test garbage there.
func argRefFor(syscall string, idx int, arches []*syscalls.Arch) (ref argRef, why string, ok bool) {
	for _, a := range arches {
		params, known := a.Params(syscall)
		if !known || idx >= len(params) {
			return argRef{}, fmt.Sprintf("%s has no argument %d on %s", syscall, idx, a.Name), false
		}
		p := params[idx]
		if ref.Name != "" && ref.Name != p.Name {
			return argRef{}, fmt.Sprintf("argument %d of %s is %s on one ABI and %s on %s", idx, syscall, ref.Name, p.Name, a.Name), false
		}
		bits := min(p.Bits, a.WordBits)
		if ref.Name == "" {
			ref = argRef{Name: p.Name, Bits: bits, Narrow: bits}
		}
		ref.Bits = max(ref.Bits, bits)
		ref.Narrow = min(ref.Narrow, bits)
	}
	if ref.Name == "" {
		return argRef{}, "no target ABI has " + syscall, false
	}
	return ref, "", true
}

func widthMask(bits int) uint64 {
	if bits >= 64 || bits <= 0 {
		return ^uint64(0)
	}
	return 1<<uint(bits) - 1
}

// symbol names v with a candidate constant that has this value on every
// ABI and is the only candidate that does; ok is false otherwise.
func symbol(v uint64, cands []string, arches []*syscalls.Arch, width uint64) (string, bool) {
	found := ""
	for _, c := range cands {
		match := true
		for _, a := range arches {
			cv, ok := a.Const(c)
			if !ok || cv&width != v {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		if found != "" && found != c {
			return "", false
		}
		found = c
	}
	return found, found != ""
}

// spell writes v as symbolic terms OR-ed together: the enumerated part,
// then known flags (wider ones first, so O_SYNC wins over its O_DSYNC bit),
// then whatever is left as a hex number. Its terms always OR to v.
func spell(v uint64, s argSpec, arches []*syscalls.Arch, width uint64) lang.Const {
	var terms []lang.Term
	rest := v
	if s.EnumMask != 0 {
		part := v & s.EnumMask
		if name, ok := symbol(part, s.EnumNames.candidates(), arches, width); ok {
			terms = append(terms, lang.Term{Name: name})
			rest &^= part
		}
	}
	type flag struct {
		name string
		v    uint64
	}
	var flags []flag
	for _, c := range s.FlagNames.candidates() {
		fv, ok := commonValue(c, arches)
		if ok && fv != 0 && fv&s.EnumMask == 0 {
			flags = append(flags, flag{c, fv & width})
		}
	}
	sort.SliceStable(flags, func(i, j int) bool {
		pi, pj := bits.OnesCount64(flags[i].v), bits.OnesCount64(flags[j].v)
		if pi != pj {
			return pi > pj
		}
		return flags[i].v < flags[j].v
	})
	for _, f := range flags {
		if f.v != 0 && rest&f.v == f.v {
			terms = append(terms, lang.Term{Name: f.name})
			rest &^= f.v
		}
	}
	if rest != 0 || len(terms) == 0 {
		terms = append(terms, numTerm(rest))
	}
	return lang.Const{Terms: terms}
}

// commonValue is a constant's value if it is the same on every ABI.
func commonValue(name string, arches []*syscalls.Arch) (uint64, bool) {
	var v uint64
	for i, a := range arches {
		cv, ok := a.Const(name)
		if !ok || (i > 0 && cv != v) {
			return 0, false
		}
		v = cv
	}
	return v, len(arches) > 0
}

func numTerm(v uint64) lang.Term {
	text := fmt.Sprintf("%#x", v)
	if v < 10 {
		text = fmt.Sprint(v)
	}
	return lang.Term{Num: v, Text: text}
}

// condition builds the tightest readable condition that every seen value
// satisfies, and a note listing the values for the rule's comment. A nil
// condition means the values span the whole argument.
func condition(syscall string, s argSpec, seen map[uint64]uint64, arches []*syscalls.Arch) (lang.Expr, string) {
	if len(seen) == 0 {
		return nil, ""
	}
	ref, why, ok := argRefFor(syscall, s.Index, arches)
	if !ok {
		return nil, "no condition: " + why
	}
	width := widthMask(ref.Bits)
	var values []uint64
	have := map[uint64]bool{}
	for v := range seen {
		v &= width
		if !have[v] {
			have[v] = true
			values = append(values, v)
		}
	}
	sort.Slice(values, func(i, j int) bool { return values[i] < values[j] })

	spelled := make([]lang.Const, len(values))
	for i, v := range values {
		spelled[i] = spell(v, s, arches, width)
	}
	note := ref.Name + " seen: " + joinConsts(spelled, 6)

	if s.Kind == argFlags {
		var union uint64
		for _, v := range values {
			union |= v
		}
		mask := width &^ union
		if mask == 0 {
			return nil, note
		}
		// On a narrower ABI resolve keeps a wide mask only when its high
		// bits are a sign extension (all ones above the narrow width).
		if narrow := widthMask(ref.Narrow); mask&^narrow != 0 && mask&^(narrow>>1) != ^(narrow>>1) {
			return nil, note + "; no condition: the bits seen differ between 32- and 64-bit ABIs"
		}
		return &lang.CompareExpr{
			Arg:   lang.Ident{Name: ref.Name},
			Mask:  &lang.Const{Terms: []lang.Term{numTerm(mask)}},
			Op:    "==",
			Value: lang.Const{Terms: []lang.Term{numTerm(0)}},
		}, note
	}
	var e lang.Expr
	for _, c := range spelled {
		cmp := &lang.CompareExpr{Arg: lang.Ident{Name: ref.Name}, Op: "==", Value: c}
		if e == nil {
			e = cmp
		} else {
			e = &lang.BinaryExpr{Op: "||", X: e, Y: cmp}
		}
	}
	return e, ""
}

func joinConsts(cs []lang.Const, max int) string {
	var parts []string
	for i, c := range cs {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(cs)-max))
			break
		}
		var ts []string
		for _, t := range c.Terms {
			if t.Name != "" {
				ts = append(ts, t.Name)
			} else {
				ts = append(ts, t.Text)
			}
		}
		parts = append(parts, strings.Join(ts, "|"))
	}
	return strings.Join(parts, ", ")
}

func and(x, y lang.Expr) lang.Expr {
	if x == nil {
		return y
	}
	if y == nil {
		return x
	}
	return &lang.BinaryExpr{Op: "&&", X: x, Y: y}
}
