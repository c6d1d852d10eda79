package resolve

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/syscalls"
)

func mustLoad(t *testing.T, src string) *policy.Policy {
	t.Helper()
	p, diags := Load("t.pol", []byte(src), Options{})
	require.NoError(t, diags.Err())
	return p
}

func arch(t *testing.T, name string) *syscalls.Arch {
	a, ok := syscalls.ArchByName(name)
	require.True(t, ok)
	return a
}

// cond returns the resolved condition of the first rule for name on the
// first target.
func cond(t *testing.T, p *policy.Policy, name string) policy.Expr {
	t.Helper()
	f := p.Filters[0]
	nr, ok := f.Arch.Nr(name)
	require.True(t, ok)
	s := f.Syscall(nr)
	require.NotNil(t, s)
	return s.Rules[0].Cond
}

func TestArgumentWidths(t *testing.T) {
	for _, tc := range []struct {
		name, arch, rule, want string
	}{
		// int fd: low 32 bits only, as the kernel reads it.
		{"int named", "x86_64", "allow write if fd == 1", "arg0 & 0xffffffff == 0x1"},
		{"int -1 reduced", "x86_64", "allow close if fd == -1", "arg0 & 0xffffffff == 0xffffffff"},
		{"raw argN is 64-bit", "x86_64", "allow close if arg0 == -1", "arg0 == 0xffffffffffffffff"},
		{"size_t count is 64-bit", "x86_64", "allow write if count <= 4096", "arg2 <= 0x1000"},
		{"umode_t is 16 bits", "x86_64", "allow mkdir if mode == 0755", "arg1 & 0xffff == 0x1ed"},
		{"mask and width", "x86_64", "allow openat if flags & O_ACCMODE == O_RDONLY", "arg2 & 0x3 == 0x0"},
		{"AT_FDCWD on an int", "x86_64", "allow openat if dirfd == AT_FDCWD", "arg0 & 0xffffffff == 0xffffff9c"},
		{"32-bit ABI argN", "i386", "allow close if arg0 == -1", "arg0 & 0xffffffff == 0xffffffff"},
		{"man-page alias", "x86_64", "allow socket if domain == AF_UNIX", "arg0 & 0xffffffff == 0x1"},
		{"kernel name", "x86_64", "allow socket if family == AF_INET", "arg0 & 0xffffffff == 0x2"},
		{"per-ABI constant", "arm", "allow openat if flags & O_DIRECTORY != 0", "arg2 & 0x4000 != 0x0"},
		{"per-ABI constant x86", "x86_64", "allow openat if flags & O_DIRECTORY != 0", "arg2 & 0x10000 != 0x0"},
		// Every constant form the language has, resolved.
		{"| between constants", "x86_64", "allow openat if flags == O_WRONLY|O_CREAT|O_TRUNC", "arg2 & 0xffffffff == 0x241"},
		{"parenthesised |", "x86_64", "allow clone if flags & (CLONE_VM | CLONE_THREAD) == (CLONE_VM | CLONE_THREAD)", "arg0 & 0x10100 == 0x10100"},
		{"numbers and names mixed", "x86_64", "allow socket if type == SOCK_STREAM | 0x80000", "arg1 & 0xffffffff == 0x80001"},
		{"SOCK_", "x86_64", "allow socket if type & SOCK_CLOEXEC != 0", "arg1 & 0x80000 != 0x0"},
		{"AF_", "aarch64", "allow socket if domain == AF_INET6", "arg0 & 0xffffffff == 0xa"},
		{"PROT_ on an unsigned long", "x86_64", "allow mprotect if prot == PROT_READ | PROT_WRITE", "arg2 == 0x3"},
		{"MAP_", "x86_64", "allow mmap if flags & MAP_ANONYMOUS != 0", "arg3 & 0x20 != 0x0"},
		{"SIG", "x86_64", "allow kill if sig == SIGTERM", "arg1 & 0xffffffff == 0xf"},
		{"errno name as a constant", "x86_64", "allow close if fd == EBADF", "arg0 & 0xffffffff == 0x9"},
		{"octal 0o", "x86_64", "allow mkdir if mode == 0o750", "arg1 & 0xffff == 0x1e8"},
		{"octal 0", "x86_64", "allow mkdir if mode == 0750", "arg1 & 0xffff == 0x1e8"},
		{"binary", "x86_64", "allow close if fd == 0b101", "arg0 & 0xffffffff == 0x5"},
		{"hex with _", "x86_64", "allow close if arg0 == 0xffff_0000_0000_0001", "arg0 == 0xffff000000000001"},
		{"negative is two's complement", "x86_64", "allow close if arg0 == -2", "arg0 == 0xfffffffffffffffe"},
		{"per-ABI signal", "x86_64", "allow kill if sig == SIGUSR1", "arg1 & 0xffffffff == 0xa"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustLoad(t, "arch "+tc.arch+"\ndefault kill\n"+tc.rule+"\n")
			name := strings.Fields(tc.rule)[1]
			assert.Equal(t, tc.want, cond(t, p, name).String())
		})
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"no default", "allow read\n", "t.pol: the policy has no default action (add one, e.g. `default errno(EPERM)` or `default kill`)"},
		{"empty file", "", "t.pol: the policy has no default action"},
		{"only comments", "# nothing\n", "t.pol: the policy has no default action"},
		{"two defaults", "default kill\ndefault allow\n", "t.pol:2:1: second default statement (the first is at t.pol:1:1)"},
		{"unknown syscall", "default kill\nallow reed\n", "t.pol:2:7: unknown syscall \"reed\" (did you mean read?)"},
		{"unknown arch", "arch x86_65\ndefault kill\n", "t.pol:1:6: unknown architecture \"x86_65\" (did you mean x86_64?)"},
		{"unknown argument", "arch x86_64\ndefault kill\nallow write if fdd == 1\n", "t.pol:3:16: write has no argument \"fdd\" (did you mean fd?)"},
		{"arg6", "arch x86_64\ndefault kill\nallow write if arg6 == 1\n", "t.pol:3:16: no argument arg6 (syscalls have arguments arg0 to arg5)"},
		{"unknown constant", "arch x86_64\ndefault kill\nallow openat if flags == O_RDONY\n", "t.pol:3:26: unknown constant \"O_RDONY\" (did you mean O_RDONLY?)"},
		{"too wide", "arch x86_64\ndefault kill\nallow write if fd == 0x100000000\n", "t.pol:3:22: 0x100000000 does not fit in fd, a 32-bit argument on x86_64"},
		{"errno range", "default errno(5000)\n", "t.pol:1:15: errno 5000 is out of range (the kernel returns at most errno 4095)"},
		{"undefined set", "default kill\nallow @net\n", "t.pol:2:7: undefined set @net"},
		{"set twice", "default kill\nset @a = read\nset @a = write\n", "t.pol:3:5: set @a is already defined (the first is at t.pol:2:5)"},
		{"unknown errno", "default errno(EPRM)\n", "t.pol:1:15: unknown errno name \"EPRM\" (did you mean EPERM?)"},
		{"constant missing on one target", "arch x86_64, arm\ndefault kill\nallow read if arg0 == MAP_32BIT\n", "t.pol:3:23: constant MAP_32BIT is not defined on arm"},
		{"unknown on every ABI", "arch x86_64, aarch64\ndefault kill\nallow opn\n", "t.pol:3:7: unknown syscall \"opn\" (did you mean open?)"},
		{"mask of several constants without parentheses", "default kill\nallow read if arg0 & 1 | 2 == 2\n", "t.pol:2:22: a mask of several constants needs parentheses"},
		{"no signature on 32-bit after a 64-bit arg", "arch i386\ndefault kill\nallow pread64 if offset == 0\n", "pread64 has no argument \"offset\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := Load("t.pol", []byte(tc.src), Options{})
			require.Error(t, diags.Err())
			assert.Contains(t, diags.Error(), tc.want)
		})
	}
}

func TestWarnings(t *testing.T) {
	_, diags := Load("t.pol", []byte("arch x86_64, aarch64\ndefault kill\nallow open\nallow read if arg0 & 3 == 4\n"), Options{})
	require.NoError(t, diags.Err())
	w := diags.Warnings().Error()
	assert.Contains(t, w, "t.pol:3:7: warning: open is not a syscall on aarch64; the rule is skipped there")
	assert.Contains(t, w, "t.pol:4:15: warning: arg0 & 3 == 4 is always false")

	// A real syscall that exists on none of the targets is skipped too, so
	// that a base file can list every ABI's calls.
	p, diags := Load("t.pol", []byte("arch x86_64\ndefault kill\nallow socketcall, read\n"), Options{})
	require.NoError(t, diags.Err())
	assert.Contains(t, diags.Warnings().Error(), "t.pol:3:7: warning: socketcall is not a syscall on x86_64; the rule is skipped there")
	assert.Len(t, p.Filters[0].Syscalls, 1)
}

func TestFirstMatchOrderAndSets(t *testing.T) {
	p := mustLoad(t, `arch x86_64
default errno(EPERM)
set @io = read, write
set @all = @io, close
allow read if fd == 0
errno(EBADF) @all
`)
	f := p.Filters[0]
	read, _ := f.Arch.Nr("read")
	rules := f.Syscall(read).Rules
	require.Len(t, rules, 2)
	assert.Equal(t, policy.Allow, rules[0].Action)
	assert.Equal(t, "errno(EBADF)", rules[1].Action.String())
	closeNr, _ := f.Arch.Nr("close")
	assert.Equal(t, "errno(EBADF)", p.Decide(f.Arch.AuditArch, closeNr, &[6]uint64{}).String())
	assert.Equal(t, policy.Allow, p.Decide(f.Arch.AuditArch, read, &[6]uint64{0}))
	assert.Equal(t, "errno(EBADF)", p.Decide(f.Arch.AuditArch, read, &[6]uint64{3}).String())
}

func TestDefaultsAndOverride(t *testing.T) {
	p := mustLoad(t, "default allow\n")
	require.Len(t, p.Filters, 1)
	assert.Equal(t, syscalls.Host(), p.Filters[0].Arch, "no arch statement: the host ABI")
	assert.Equal(t, policy.KillProcess, p.BadArch)

	p, diags := Load("t.pol", []byte("arch x86_64, i386\ndefault allow\nbadarch errno(ENOSYS)\n"), Options{Arches: []*syscalls.Arch{arch(t, "aarch64")}})
	require.NoError(t, diags.Err())
	require.Len(t, p.Filters, 1)
	assert.Equal(t, "aarch64", p.Filters[0].Arch.Name)
	assert.Equal(t, "errno(ENOSYS)", p.BadArch.String())
}

func TestIncludes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
		return p
	}
	write("base/base.pol", "set @io = read, write\nallow @io\n")
	main := write("app.pol", "arch x86_64\ninclude \"base/base.pol\"\ndefault errno(EPERM)\nallow close\n")
	p, diags := LoadFile(main, Options{})
	require.NoError(t, diags.Err())
	assert.Len(t, p.Filters[0].Syscalls, 3)

	cyc := write("a.pol", "include \"b.pol\"\ndefault kill\n")
	write("b.pol", "include \"a.pol\"\n")
	_, diags = LoadFile(cyc, Options{})
	require.Error(t, diags.Err())
	assert.Contains(t, diags.Error(), "include cycle")

	missing := write("m.pol", "include \"nope.pol\"\ndefault kill\n")
	_, diags = LoadFile(missing, Options{})
	assert.Contains(t, diags.Error(), "m.pol:1:1: include \"nope.pol\": no such file or directory")

	// An endless file ends with an error, not with memory exhausted.
	zero := write("z.pol", "include \"/dev/zero\"\ndefault kill\n")
	_, diags = LoadFile(zero, Options{})
	assert.Contains(t, diags.Error(), "z.pol:1:1: include \"/dev/zero\": more than 16 MiB: not a policy")
}

func TestTestsResolvePerArch(t *testing.T) {
	p := mustLoad(t, "arch x86_64, i386\ndefault allow\ntest openat(AT_FDCWD, 0, O_RDONLY) => allow\ntest i386:socketcall(1, 0) => allow\n")
	require.Len(t, p.Tests, 3)
	assert.Equal(t, uint64(0xffffffffffffff9c), p.Tests[0].Args[0], "64-bit ABIs keep the sign extension")
	assert.Equal(t, uint64(0xffffff9c), p.Tests[1].Args[0], "32-bit ABIs see 32-bit registers")
}

// TestDedupe: repeats of a diagnostic are dropped, at any distance within
// the run of its position, and textLen agrees with Error().
func TestDedupe(t *testing.T) {
	pos := func(line int) lang.Pos { return lang.Pos{File: "t.pol", Line: line, Col: 1} }
	a := &lang.Error{Pos: pos(1), Severity: lang.SeverityWarning, Msg: "a"}
	b := &lang.Error{Pos: pos(1), Msg: "b", Hint: "h"}
	b2 := &lang.Error{Pos: pos(1), Msg: "b (h)"} // reads the same as b
	c := &lang.Error{Pos: pos(2), Severity: lang.SeverityWarning, Msg: "a"}
	l := lang.ErrorList{a, b, a, b2, c, c}
	assert.Equal(t, lang.ErrorList{a, b, c}, dedupe(l))
	for _, e := range []*lang.Error{a, b, b2, c} {
		assert.Equal(t, len(e.Error()), len(e.Pos.String())+len(": ")+textLen(e), e.Error())
	}
	// A long run switches to a map and still keeps the first of each.
	var long lang.ErrorList
	for i := range 100 {
		long = append(long, &lang.Error{Pos: pos(3), Msg: fmt.Sprint(i % 50)})
	}
	assert.Equal(t, long[:50], dedupe(slices.Clone(long)))
}
