package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

type constKind int

const (
	kindInt    constKind = iota
	kindErrno            // syscall.Errno(n)
	kindSignal           // syscall.Signal(n)
)

type goConst struct {
	name string
	kind constKind
	val  constant.Value // an integer
}

// parseConstFile evaluates the integer constants of a Go file. Constants
// that are not integers (strings, floats) or that use something other than
// literals, operators, other constants of the file and
// syscall.Errno/syscall.Signal conversions are skipped.
func parseConstFile(path string) ([]goConst, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %v", path, err)
	}
	exprs := map[string]ast.Expr{}
	var order []string
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			if len(vs.Values) != len(vs.Names) {
				continue // implicit repetition (iota): not used by x/sys here
			}
			for i, n := range vs.Names {
				exprs[n.Name] = vs.Values[i]
				order = append(order, n.Name)
			}
		}
	}
	ev := evaluator{exprs: exprs, done: map[string]*goConst{}, busy: map[string]bool{}}
	var out []goConst
	for _, name := range order {
		if c := ev.eval(name); c != nil {
			out = append(out, *c)
		}
	}
	return out, nil
}

type evaluator struct {
	exprs map[string]ast.Expr
	done  map[string]*goConst // nil value: not an integer constant
	busy  map[string]bool     // cycle guard
}

func (ev *evaluator) eval(name string) *goConst {
	if c, ok := ev.done[name]; ok {
		return c
	}
	e, ok := ev.exprs[name]
	if !ok || ev.busy[name] {
		return nil
	}
	ev.busy[name] = true
	kind, v := ev.expr(e)
	delete(ev.busy, name)
	var c *goConst
	if v != nil && v.Kind() == constant.Int {
		c = &goConst{name: name, kind: kind, val: v}
	}
	ev.done[name] = c
	return c
}

func (ev *evaluator) expr(e ast.Expr) (constKind, constant.Value) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.INT {
			return kindInt, nil
		}
		return kindInt, constant.MakeFromLiteral(e.Value, e.Kind, 0)
	case *ast.Ident:
		if c := ev.eval(e.Name); c != nil {
			return c.kind, c.val
		}
	case *ast.ParenExpr:
		return ev.expr(e.X)
	case *ast.UnaryExpr:
		k, v := ev.expr(e.X)
		if v == nil {
			return k, nil
		}
		switch e.Op {
		case token.SUB, token.ADD, token.XOR:
			return k, constant.UnaryOp(e.Op, v, 0)
		}
	case *ast.BinaryExpr:
		_, x := ev.expr(e.X)
		_, y := ev.expr(e.Y)
		if x == nil || y == nil {
			return kindInt, nil
		}
		switch e.Op {
		case token.SHL, token.SHR:
			s, ok := constant.Uint64Val(y)
			if !ok || s > 64 {
				return kindInt, nil
			}
			return kindInt, constant.Shift(x, e.Op, uint(s))
		case token.ADD, token.SUB, token.MUL, token.OR, token.AND, token.XOR, token.AND_NOT:
			return kindInt, constant.BinaryOp(x, e.Op, y)
		case token.QUO:
			if constant.Sign(y) == 0 {
				return kindInt, nil
			}
			return kindInt, constant.BinaryOp(x, token.QUO_ASSIGN, y) // integer division
		}
	case *ast.CallExpr:
		sel, ok := e.Fun.(*ast.SelectorExpr)
		if !ok || len(e.Args) != 1 {
			return kindInt, nil
		}
		if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "syscall" {
			return kindInt, nil
		}
		_, v := ev.expr(e.Args[0])
		switch sel.Sel.Name {
		case "Errno":
			return kindErrno, v
		case "Signal":
			return kindSignal, v
		}
	}
	return kindInt, nil
}

// asUint64 stores a constant as the kernel's 64-bit view of it: negative
// values (AT_FDCWD = -0x64) are sign-extended.
func asUint64(v constant.Value) (uint64, bool) {
	if i, ok := constant.Int64Val(v); ok {
		return uint64(i), true
	}
	return constant.Uint64Val(v)
}

// constPrefixes selects the constants a policy may plausibly compare an
// argument with: flags, commands, address families, ioctl requests.
var constPrefixes = []string{
	"O_", "AF_", "PF_", "SOCK_", "PROT_", "MAP_", "MREMAP_", "MADV_", "CLONE_", "AT_", "F_", "FD_", "PR_",
	"IPPROTO_", "SOL_", "SO_", "MSG_", "MS_", "MNT_", "S_I", "SEEK_", "GRND_", "EFD_", "EPOLL", "IN_", "TFD_",
	"RLIMIT_", "SCHED_", "FUTEX_", "ARCH_", "KEYCTL_", "P_", "TIOC", "FIO", "SIOC", "NETLINK_", "ETH_P_",
	"CAP_", "SECCOMP_", "MFD_", "RENAME_", "STATX_", "TCSETS", "TCGETS",
	// Also commonly filtered: IPC commands, signal-mask operations, mlock
	// and reboot flags, socket options, *at and mount-API flags.
	"IPC_", "SHM_", "SIG_", "SA_", "SS_", "MCL_", "MLOCK_", "POLL", "TCP_", "IP_", "IPV6_", "UMOUNT_", "CLOCK_",
	"TIMER_", "PTRACE_", "RWF_", "SPLICE_F_", "SYNC_FILE_RANGE_", "XATTR_", "LINUX_REBOOT_", "FAN_", "PIDFD_",
	"CLOSE_RANGE_", "MEMBARRIER_", "OPEN_TREE_", "MOVE_MOUNT_", "FSOPEN_", "FSMOUNT_", "FSPICK_", "MOUNT_ATTR_",
	"LANDLOCK_", "IOPRIO_",
}

// constNames are kept by exact name: access(2) modes and the wait(2) flags,
// whose one-letter prefix would otherwise drag in unrelated W* constants.
var constNames = map[string]bool{
	"R_OK": true, "W_OK": true, "X_OK": true, "F_OK": true,
	"WNOHANG": true, "WUNTRACED": true, "WSTOPPED": true, "WEXITED": true, "WCONTINUED": true,
	"WNOWAIT": true, "WNOTHREAD": true, "WALL": true, "WCLONE": true,
}

func keepConst(c goConst) bool {
	if c.kind != kindInt {
		return true // errno and signal names
	}
	if constNames[c.name] {
		return true
	}
	for _, p := range constPrefixes {
		if strings.HasPrefix(c.name, p) {
			return true
		}
	}
	return false
}

// constSet is name -> value.
type constSet map[string]uint64

type constTablesT struct {
	common constSet            // the same on every ABI
	arch   map[string]constSet // keyed by goarch
}

// commonConstFiles and archConstFiles are the x/sys/unix files constants are
// read from; "%s" is the goarch.
var (
	commonConstFiles = []string{"zerrors_linux.go", "ztypes_linux.go", "constants.go"}
	archConstFiles   = []string{"zerrors_linux_%s.go", "ztypes_linux_%s.go"}
)

func constTables(unixDir string) (constTablesT, error) {
	t := constTablesT{arch: map[string]constSet{}}
	var err error
	if t.common, err = readConsts(unixDir, commonConstFiles); err != nil {
		return t, err
	}
	for _, a := range abis {
		if _, ok := t.arch[a.goarch]; ok {
			continue // x32 shares amd64's constants
		}
		s, err := readConsts(unixDir, archFiles(a.goarch))
		if err != nil {
			return t, err
		}
		for n := range s {
			if _, dup := t.common[n]; dup {
				return t, fmt.Errorf("%s is defined both in the common files and for %s", n, a.goarch)
			}
		}
		t.arch[a.goarch] = s
	}
	return t, nil
}

func archFiles(goarch string) []string {
	var out []string
	for _, f := range archConstFiles {
		out = append(out, fmt.Sprintf(f, goarch))
	}
	return out
}

// readConsts reads the kept constants of several files of one package; Go
// itself guarantees that a name is defined only once among them.
func readConsts(unixDir string, files []string) (constSet, error) {
	out := constSet{}
	for _, name := range files {
		cs, err := parseConstFile(filepath.Join(unixDir, name))
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if !keepConst(c) {
				continue
			}
			if v, ok := asUint64(c.val); ok {
				out[c.name] = v
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%v: no constants kept", files)
	}
	return out, nil
}

func emitConsts(t constTablesT, xsysVersion string) []byte {
	var b bytes.Buffer
	header(&b,
		"Constants. Source: golang.org/x/sys "+xsysVersion+" unix/{zerrors_linux,ztypes_linux,constants}.go",
		"(commonConsts) and unix/{zerrors,ztypes}_linux_<goarch>.go (archConsts).",
		"Negative values are sign-extended to 64 bits.",
	)
	// Sorted slices rather than maps: a slice of constants is laid out by
	// the linker, while a map literal is built by code at every start-up.
	b.WriteString("// commonConsts is sorted by name.\nvar commonConsts = []constEntry{\n")
	writeConstSet(&b, t.common)
	b.WriteString("}\n")
	var goarches []string
	for g := range t.arch {
		goarches = append(goarches, g)
	}
	sort.Strings(goarches)
	// A switch over variables rather than a map of slices, for the reason
	// given in emitSysnum.
	b.WriteString("\n// archConsts returns a GOARCH's own constants (x32 uses amd64), sorted by name.\n")
	b.WriteString("func archConsts(goarch string) []constEntry {\nswitch goarch {\n")
	for _, g := range goarches {
		fmt.Fprintf(&b, "case %q:\nreturn %s\n", g, constsVar(g))
	}
	b.WriteString("}\nreturn nil\n}\n")
	for _, g := range goarches {
		fmt.Fprintf(&b, "\nvar %s = []constEntry{\n", constsVar(g))
		writeConstSet(&b, t.arch[g])
		b.WriteString("}\n")
	}
	return b.Bytes()
}

// constsVar names the variable of a GOARCH's constants: amd64 -> constsAmd64.
func constsVar(goarch string) string {
	return "consts" + strings.ToUpper(goarch[:1]) + goarch[1:]
}

func writeConstSet(b *bytes.Buffer, s constSet) {
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(b, "{%q, %#x},\n", n, s[n])
	}
}

// errnoTable returns value -> names for syscall.Errno constants, checked to
// be the same on every ABI, with the aliases of asm-generic/errno.h added.
type errnoTableT struct {
	byName    map[string]uint64
	preferred map[uint64]string
}

var errnoDefine = regexp.MustCompile(`^#define\s+(E[A-Z0-9]+)\s+(\w+)`)

func errnoTable(unixDir string) (errnoTableT, error) {
	t := errnoTableT{byName: map[string]uint64{}, preferred: map[uint64]string{}}
	for i, a := range abis {
		var cs []goConst
		for _, name := range []string{"zerrors_linux.go", "zerrors_linux_" + a.goarch + ".go"} {
			more, err := parseConstFile(filepath.Join(unixDir, name))
			if err != nil {
				return t, err
			}
			cs = append(cs, more...)
		}
		these := map[string]uint64{}
		for _, c := range cs {
			if c.kind == kindErrno {
				v, ok := constant.Uint64Val(c.val)
				if !ok || v == 0 || v > 4095 {
					return t, fmt.Errorf("%s: errno %s = %v is out of range", a.goarch, c.name, c.val)
				}
				these[c.name] = v
			}
		}
		if i == 0 {
			t.byName = these
			continue
		}
		if len(these) != len(t.byName) {
			return t, fmt.Errorf("errno names differ between %s and %s", abis[0].goarch, a.goarch)
		}
		for n, v := range these {
			if w, ok := t.byName[n]; !ok || w != v {
				return t, fmt.Errorf("errno %s differs between %s and %s", n, abis[0].goarch, a.goarch)
			}
		}
	}

	// The kernel headers define each number once under its common name and
	// add aliases (EWOULDBLOCK for EAGAIN) that x/sys partly omits.
	canonical := map[string]bool{}
	for _, path := range []string{errnoBase, errnoHeader} {
		b, err := os.ReadFile(path)
		if err != nil {
			return t, fmt.Errorf("errno names: %v (install linux-libc-dev)", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			m := errnoDefine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			if target, ok := t.byName[m[2]]; ok {
				if _, known := t.byName[m[1]]; !known {
					t.byName[m[1]] = target
				}
			} else {
				canonical[m[1]] = true
			}
		}
	}

	byValue := map[uint64][]string{}
	for n, v := range t.byName {
		byValue[v] = append(byValue[v], n)
	}
	for v, names := range byValue {
		if len(names) == 1 {
			t.preferred[v] = names[0]
			continue
		}
		// EAGAIN over EWOULDBLOCK, EOPNOTSUPP over ENOTSUP: the one the
		// kernel headers define with a number.
		var pick []string
		for _, n := range names {
			if canonical[n] {
				pick = append(pick, n)
			}
		}
		if len(pick) != 1 {
			sort.Strings(names)
			return t, fmt.Errorf("errno %d has names %v and no single one defined numerically in the kernel headers", v, names)
		}
		t.preferred[v] = pick[0]
	}
	return t, nil
}

func emitErrno(t errnoTableT, xsysVersion string) []byte {
	var b bytes.Buffer
	header(&b,
		"Errno names. Source: golang.org/x/sys "+xsysVersion+" unix/zerrors_linux_*.go (identical on",
		"every supported ABI) and the aliases of "+errnoHeader+".",
		"errnoNames holds the kernel's own name for each value (EAGAIN, not EWOULDBLOCK).",
	)
	// An array and a sorted slice rather than maps, for the reason given in
	// emitSysnum.
	b.WriteString("var errnoNames = [...]string{\n")
	var values []uint64
	for v := range t.preferred {
		values = append(values, v)
	}
	sort.Slice(values, func(i, j int) bool { return values[i] < values[j] })
	for _, v := range values {
		fmt.Fprintf(&b, "%d: %q,\n", v, t.preferred[v])
	}
	b.WriteString("}\n\n// errnoByName is sorted by name.\nvar errnoByName = []constEntry{\n")
	names := make([]string, 0, len(t.byName))
	for n := range t.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "{%q, %d},\n", n, t.byName[n])
	}
	b.WriteString("}\n")
	return b.Bytes()
}
