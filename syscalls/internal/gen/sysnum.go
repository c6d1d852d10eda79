package main

import (
	"bufio"
	"bytes"
	"fmt"
	"go/constant"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// x32Bit is __X32_SYSCALL_BIT; seccomp_data.nr carries it for x32 calls.
const x32Bit = 0x40000000

type syscallEntry struct {
	name string
	nr   uint64
}

// notSyscalls are SYS_ constants of x/sys that name no syscall.
var notSyscalls = map[string]bool{
	// arm: mksysnum picks up the mask that separates the OABI number from
	// the SWI immediate; it is 0 and would shadow restart_syscall.
	"syscall_mask": true,
}

// syscallTables returns every ABI's table, sorted by number.
func syscallTables(unixDir string) (map[string][]syscallEntry, error) {
	out := map[string][]syscallEntry{}
	for _, a := range abis {
		var (
			entries []syscallEntry
			err     error
		)
		if a.name == "x32" {
			entries, err = x32Table(x32Header)
		} else {
			entries, err = xsysTable(filepath.Join(unixDir, "zsysnum_linux_"+a.goarch+".go"))
		}
		if err != nil {
			return nil, err
		}
		if err := checkTable(a.name, entries); err != nil {
			return nil, err
		}
		out[a.name] = entries
	}
	return out, nil
}

// xsysTable reads SYS_FOO = N constants: SYS__LLSEEK becomes _llseek, as the
// kernel spells it.
func xsysTable(path string) ([]syscallEntry, error) {
	consts, err := parseConstFile(path)
	if err != nil {
		return nil, err
	}
	var entries []syscallEntry
	for _, c := range consts {
		if !strings.HasPrefix(c.name, "SYS_") || c.kind != kindInt {
			continue
		}
		name := strings.ToLower(strings.TrimPrefix(c.name, "SYS_"))
		if notSyscalls[name] {
			continue
		}
		nr, ok := constant.Uint64Val(c.val)
		if !ok {
			return nil, fmt.Errorf("%s: %s = %v is not a syscall number", path, c.name, c.val)
		}
		entries = append(entries, syscallEntry{name, nr})
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("%s: no SYS_ constants", path)
	}
	return entries, nil
}

var x32Define = regexp.MustCompile(`^#define\s+__NR_(\w+)\s+\(__X32_SYSCALL_BIT\s*\+\s*(\d+)\)\s*$`)

// x32Table reads Debian's asm/unistd_x32.h. The numbers include the x32 bit,
// because that is what seccomp sees.
func x32Table(path string) ([]syscallEntry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("x32 syscall numbers: %v (install Debian's linux-libc-dev)", err)
	}
	var entries []syscallEntry
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		m := x32Define.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n, err := strconv.ParseUint(m[2], 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %v", path, sc.Text(), err)
		}
		entries = append(entries, syscallEntry{m[1], n | x32Bit})
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("%s: no __NR_ definitions of the form (__X32_SYSCALL_BIT + n)", path)
	}
	return entries, nil
}

// checkTable sorts a table and rejects duplicate names or numbers: either
// would make Nr or SyscallName ambiguous.
func checkTable(abi string, entries []syscallEntry) error {
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].nr != entries[j].nr {
			return entries[i].nr < entries[j].nr
		}
		return entries[i].name < entries[j].name
	})
	names := map[string]bool{}
	for i, e := range entries {
		if e.nr > 0xffffffff {
			return fmt.Errorf("%s: %s = %#x does not fit seccomp_data.nr", abi, e.name, e.nr)
		}
		if names[e.name] {
			return fmt.Errorf("%s: syscall %s listed twice", abi, e.name)
		}
		names[e.name] = true
		if i > 0 && entries[i-1].nr == e.nr {
			return fmt.Errorf("%s: %s and %s share number %d", abi, entries[i-1].name, e.name, e.nr)
		}
	}
	return nil
}

func emitSysnum(tables map[string][]syscallEntry, xsysVersion, headers string) []byte {
	var b bytes.Buffer
	header(&b,
		"Syscall numbers. Sources:",
		"  x86_64, i386, aarch64, arm, riscv64: golang.org/x/sys "+xsysVersion+" unix/zsysnum_linux_*.go",
		"  x32: "+x32Header+" (linux-libc-dev, Linux "+headers+").",
		"  The x32 header is older than x/sys, so x32 may lack the newest syscalls.",
		"  x32 numbers include X32Bit, as seccomp_data.nr carries them.",
	)
	// One variable per table and a switch, not a map of slices: the linker
	// lays out a struct of constant slices, while the values of a map
	// literal are allocated and copied by code at every start-up of every
	// scc process. The number list and the by-name index are generated too,
	// so that using a table builds nothing.
	b.WriteString("// generatedTable returns Arch.Name's syscall table.\n")
	b.WriteString("func generatedTable(name string) (*table, bool) {\nswitch name {\n")
	for _, a := range abis {
		fmt.Fprintf(&b, "case %q:\nreturn &%s, true\n", a.name, sysnumVar(a.name))
	}
	b.WriteString("}\nreturn nil, false\n}\n")
	for _, a := range abis {
		entries := tables[a.name]
		number := func(nr uint64) string {
			if nr&x32Bit != 0 {
				return fmt.Sprintf("%#x", nr)
			}
			return fmt.Sprint(nr)
		}
		fmt.Fprintf(&b, "\nvar %s = table{\nbyNr: []Syscall{\n", sysnumVar(a.name))
		for _, e := range entries {
			fmt.Fprintf(&b, "{%q, %s},\n", e.name, number(e.nr))
		}
		b.WriteString("},\nnrs: []uint32{")
		for i, e := range entries {
			if i%8 == 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "%s, ", number(e.nr))
		}
		b.WriteString("\n},\nbyName: []uint16{")
		byName := make([]int, len(entries))
		for i := range byName {
			byName[i] = i
		}
		sort.Slice(byName, func(i, j int) bool { return entries[byName[i]].name < entries[byName[j]].name })
		for i, k := range byName {
			if i%16 == 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "%d, ", k)
		}
		b.WriteString("\n},\n}\n")
	}
	return b.Bytes()
}

// sysnumVar names the variable of an ABI's table: x86_64 -> sysnumX86_64.
func sysnumVar(abi string) string {
	return "sysnum" + strings.ToUpper(abi[:1]) + abi[1:]
}
