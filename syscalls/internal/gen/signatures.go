package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// param is one syscall parameter as the running (64-bit) kernel declares it.
type param struct {
	name, typ string
	bits      int  // width the kernel uses: 16, 32 or 64
	pointer   bool // a user-space address
	wide      bool // 64 bits on every ABI (loff_t, u64): split over two registers on 32-bit ABIs
}

// scalarBits gives the width of each scalar type that appears in a syscall
// signature. An unknown type must stop the generator: guessing a width would
// silently let a policy compare the wrong bits.
var scalarBits = map[string]int{
	"int": 32, "unsigned int": 32, "unsigned": 32, "pid_t": 32, "uid_t": 32, "gid_t": 32,
	"key_serial_t": 32, "key_t": 32, "clockid_t": 32, "timer_t": 32, "mqd_t": 32, "qid_t": 32, "rwf_t": 32,
	"u32": 32, "__u32": 32, "s32": 32, "__s32": 32,
	// The legacy 16-bit uid calls (setuid16 ...) of x86 and arm use these.
	"umode_t": 16, "unsigned short": 16, "old_uid_t": 16, "old_gid_t": 16,
	// Word-sized: 64 bits here, 32 on a 32-bit ABI.
	"long": 64, "unsigned long": 64, "size_t": 64, "ssize_t": 64, "off_t": 64, "aio_context_t": 64,
	"__kernel_old_time_t": 64, "time_t": 64,
}

// wideTypes are 64 bits wide on every ABI.
var wideTypes = map[string]bool{
	"loff_t": true, "u64": true, "__u64": true, "s64": true, "__s64": true,
}

// pointerTypedefs are pointer types whose spelling has no '*'.
var pointerTypedefs = map[string]bool{
	"cap_user_header_t": true, "cap_user_data_t": true, "caddr_t": true,
}

func classify(typ string) (bits int, pointer, wide bool, err error) {
	if strings.Contains(typ, "*") {
		return 64, true, false, nil
	}
	t := strings.TrimSpace(typ)
	for _, q := range []string{"const ", "volatile "} {
		t = strings.TrimPrefix(t, q)
	}
	switch {
	case pointerTypedefs[t]:
		return 64, true, false, nil
	case wideTypes[t]:
		return 64, false, true, nil
	case strings.HasPrefix(t, "enum "):
		return 32, false, false, nil // C enums are int-sized
	}
	if b, ok := scalarBits[t]; ok {
		return b, false, false, nil
	}
	return 0, false, false, fmt.Errorf("unknown parameter type %q: add its width to scalarBits in internal/gen/signatures.go", typ)
}

var fieldDecl = regexp.MustCompile(`^(.*?)\s*\b([A-Za-z_][A-Za-z0-9_]*)$`)

// parseFormat reads the parameters of one sys_enter_* format file: the fields
// that follow __syscall_nr.
func parseFormat(text string) ([]param, error) {
	var params []param
	seenNr := false
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "field:") {
			continue
		}
		decl, _, _ := strings.Cut(strings.TrimPrefix(line, "field:"), ";")
		if !seenNr {
			seenNr = strings.HasSuffix(decl, " __syscall_nr")
			continue
		}
		m := fieldDecl.FindStringSubmatch(strings.TrimSpace(decl))
		if m == nil || m[1] == "" {
			return nil, fmt.Errorf("cannot split %q into type and name", decl)
		}
		bits, ptr, wide, err := classify(m[1])
		if err != nil {
			return nil, err
		}
		params = append(params, param{name: m[2], typ: m[1], bits: bits, pointer: ptr, wide: wide})
	}
	if !seenNr {
		return nil, errors.New("no __syscall_nr field")
	}
	if len(params) > 6 {
		return nil, fmt.Errorf("%d parameters; syscalls have at most 6", len(params))
	}
	return params, nil
}

// signatures reads every sys_enter_* event of the running kernel.
func signatures() (map[string][]param, string, error) {
	events := filepath.Join(tracefsDir, "events", "syscalls")
	if _, err := os.Stat(events); err != nil {
		if err := unix.Mount("nodev", tracefsDir, "tracefs", 0, ""); err != nil {
			return nil, "", fmt.Errorf("syscall signatures need tracefs: %s is missing and mounting it failed: %v (run as root, kernel with CONFIG_FTRACE_SYSCALLS)", events, err)
		}
		if _, err := os.Stat(events); err != nil {
			return nil, "", fmt.Errorf("tracefs mounted at %s but it has no syscall events: %v (kernel needs CONFIG_FTRACE_SYSCALLS)", tracefsDir, err)
		}
	}
	dirs, err := filepath.Glob(filepath.Join(events, "sys_enter_*"))
	if err != nil {
		return nil, "", err
	}
	if len(dirs) == 0 {
		return nil, "", fmt.Errorf("%s: no sys_enter_* events", events)
	}
	sigs := map[string][]param{}
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "format"))
		if err != nil {
			return nil, "", err
		}
		name := strings.TrimPrefix(filepath.Base(d), "sys_enter_")
		ps, err := parseFormat(string(b))
		if err != nil {
			return nil, "", fmt.Errorf("%s: %v", d, err)
		}
		sigs[name] = ps
	}
	release, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return nil, "", err
	}
	return sigs, strings.TrimSpace(string(release)), nil
}

func emitSignatures(sigs map[string][]param, release string) []byte {
	var b bytes.Buffer
	header(&b,
		"Syscall signatures. Source: tracefs events/syscalls/sys_enter_*/format of Linux "+release+".",
		"Keys are the kernel's own names (SYSCALL_DEFINE), as the running 64-bit kernel has them.",
		"Syscalls without a trace event (arch-specific or compat-only ones) have no entry.",
	)
	fmt.Fprintf(&b, "const signatureKernel = %q\n\n", release)
	// A function, not a map variable: a map literal is built at program
	// start, and most scc runs never look at a signature.
	b.WriteString("func kernelSignatureTable() map[string][]kparam {\nreturn map[string][]kparam{\n")
	names := make([]string, 0, len(sigs))
	for n := range sigs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "%q: {", n)
		for i, p := range sigs[n] {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "{%q, %q, %d, %t, %t}", p.name, p.typ, p.bits, p.pointer, p.wide)
		}
		b.WriteString("},\n")
	}
	b.WriteString("}\n}\n")
	return b.Bytes()
}
