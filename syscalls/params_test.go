package syscalls

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParams(t *testing.T) {
	p := func(name, typ string, bits int, ptr bool, aliases ...string) Param {
		return Param{Name: name, Type: typ, Bits: bits, Pointer: ptr, Aliases: aliases}
	}
	tests := []struct {
		arch, name string
		want       []Param
	}{
		{"x86_64", "openat", []Param{
			p("dfd", "int", 32, false, "dirfd"), p("filename", "const char *", 64, true, "pathname"),
			p("flags", "int", 32, false), p("mode", "umode_t", 16, false)}},
		{"i386", "openat", []Param{
			p("dfd", "int", 32, false, "dirfd"), p("filename", "const char *", 32, true, "pathname"),
			p("flags", "int", 32, false), p("mode", "umode_t", 16, false)}},
		{"x86_64", "write", []Param{
			p("fd", "unsigned int", 32, false), p("buf", "const char *", 64, true), p("count", "size_t", 64, false)}},
		{"i386", "write", []Param{
			p("fd", "unsigned int", 32, false), p("buf", "const char *", 32, true), p("count", "size_t", 32, false)}},
		{"x86_64", "mmap", []Param{
			p("addr", "unsigned long", 64, false), p("len", "unsigned long", 64, false, "length"),
			p("prot", "unsigned long", 64, false), p("flags", "unsigned long", 64, false),
			p("fd", "unsigned long", 64, false), p("off", "unsigned long", 64, false, "offset")}},
		// i386 "mmap" is sys_old_mmap: one pointer to the six values.
		{"i386", "mmap", []Param{p("arg", "struct mmap_arg_struct *", 32, true)}},
		{"i386", "mmap2", []Param{
			p("addr", "unsigned long", 32, false), p("len", "unsigned long", 32, false, "length"),
			p("prot", "unsigned long", 32, false), p("flags", "unsigned long", 32, false),
			p("fd", "unsigned long", 32, false), p("pgoff", "unsigned long", 32, false, "pgoffset")}},
		{"x86_64", "pread64", []Param{
			p("fd", "unsigned int", 32, false), p("buf", "char *", 64, true),
			p("count", "size_t", 64, false), p("pos", "loff_t", 64, false, "offset")}},
		// The 64-bit offset takes two registers on i386: stop before it.
		{"i386", "pread64", []Param{
			p("fd", "unsigned int", 32, false), p("buf", "char *", 32, true), p("count", "size_t", 32, false)}},
		{"arm", "fanotify_mark", []Param{p("fanotify_fd", "int", 32, false), p("flags", "unsigned int", 32, false)}},
		// Table names served by differently named kernel functions.
		{"x86_64", "uname", []Param{p("name", "struct new_utsname *", 64, true, "buf")}},
		{"i386", "setuid32", []Param{p("uid", "uid_t", 32, false)}},
		{"i386", "clock_gettime64", []Param{
			p("which_clock", "const clockid_t", 32, false, "clockid"), p("tp", "struct __kernel_timespec *", 32, true)}},
		{"x86_64", "capget", []Param{
			p("header", "cap_user_header_t", 64, true, "hdrp"), p("dataptr", "cap_user_data_t", 64, true, "datap")}},
	}
	for _, tt := range tests {
		t.Run(tt.arch+"/"+tt.name, func(t *testing.T) {
			got, ok := arch(t, tt.arch).Params(tt.name)
			require.True(t, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParamsRefuses(t *testing.T) {
	tests := []struct{ arch, name, why string }{
		{"i386", "select", "sys_old_select takes one struct pointer, not x86_64's five arguments"},
		{"x86_64", "uselib", "no trace event on this kernel"},
		{"i386", "umount", "sys_oldumount has one argument, x86_64's umount event two"},
		{"i386", "setuid", "the 16-bit sys_setuid16 has no trace event on a 64-bit kernel"},
		{"i386", "futex", "sys_futex_time32 has no trace event"},
		{"arm", "semctl", "sys_old_semctl"},
		{"x32", "preadv", "compat_sys_preadv64 takes the offset in one register"},
		{"aarch64", "open", "aarch64 has no open"},
		{"x86_64", "no_such_call", "unknown"},
		{"riscv64", "riscv_flush_icache", "arch-specific: no event on x86_64"},
	}
	for _, tt := range tests {
		_, ok := arch(t, tt.arch).Params(tt.name)
		assert.False(t, ok, "%s on %s: %s", tt.name, tt.arch, tt.why)
	}
}

// TestParamsClone checks the CONFIG_CLONE_BACKWARDS override: tls comes
// before child_tidptr everywhere but x86_64 and x32.
func TestParamsClone(t *testing.T) {
	want := map[string][]string{
		"x86_64":  {"clone_flags", "newsp", "parent_tidptr", "child_tidptr", "tls"},
		"x32":     {"clone_flags", "newsp", "parent_tidptr", "child_tidptr", "tls"},
		"i386":    {"clone_flags", "newsp", "parent_tidptr", "tls", "child_tidptr"},
		"arm":     {"clone_flags", "newsp", "parent_tidptr", "tls", "child_tidptr"},
		"aarch64": {"clone_flags", "newsp", "parent_tidptr", "tls", "child_tidptr"},
		"riscv64": {"clone_flags", "newsp", "parent_tidptr", "tls", "child_tidptr"},
	}
	for _, a := range Arches() {
		ps, ok := a.Params("clone")
		require.True(t, ok, a.Name)
		var names []string
		for _, p := range ps {
			names = append(names, p.Name)
			if p.Name == "tls" {
				assert.False(t, p.Pointer, a.Name)
			}
			if p.Name == "child_tidptr" {
				assert.True(t, p.Pointer, a.Name)
			}
		}
		assert.Equal(t, want[a.Name], names, a.Name)
	}
}

// TestParamsWidths checks the 32-bit rules over every syscall: no Bits above
// 32, and no 64-bit scalar left in.
func TestParamsWidths(t *testing.T) {
	for _, a := range Arches() {
		known := 0
		for _, s := range a.Syscalls() {
			ps, ok := a.Params(s.Name)
			if !ok {
				continue
			}
			known++
			require.LessOrEqual(t, len(ps), 6, s.Name)
			for _, p := range ps {
				assert.Contains(t, []int{16, 32, 64}, p.Bits, "%s %s", a.Name, s.Name)
				if a.WordBits == 32 {
					assert.LessOrEqual(t, p.Bits, 32, "%s %s", a.Name, s.Name)
					assert.NotContains(t, []string{"loff_t", "u64", "__u64"}, p.Type, "%s %s", a.Name, s.Name)
				}
			}
		}
		assert.Greater(t, known, 200, "%s: signatures found", a.Name)
	}
	assert.NotEmpty(t, SignatureKernel())
}

// TestGeneratorDeterminism regenerates every table into a temporary
// directory and compares it with the committed files byte for byte.
func TestGeneratorDeterminism(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go run ./internal/gen")
	}
	if os.Geteuid() != 0 {
		t.Skip("the generator reads tracefs, which needs root")
	}
	if _, err := os.Stat("/sys/kernel/tracing/events/syscalls"); err != nil {
		t.Skipf("tracefs syscall events not mounted (mount -t tracefs nodev /sys/kernel/tracing): %v", err)
	}
	if _, err := os.Stat("/usr/share/man/man2/socket.2.gz"); err != nil {
		t.Skipf("the parameter aliases come from manpages-dev (apt-get install manpages-dev): %v", err)
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not in PATH")
	}
	release, err := os.ReadFile("/proc/sys/kernel/osrelease")
	require.NoError(t, err)
	if string(release[:len(release)-1]) != SignatureKernel() {
		t.Skipf("signatures were generated on Linux %s, this is %s", SignatureKernel(), release)
	}

	out := t.TempDir()
	cmd := exec.Command("go", "run", "./internal/gen", "-out", out)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", b)

	files, err := filepath.Glob(filepath.Join(out, "z*.go"))
	require.NoError(t, err)
	require.Len(t, files, 5)
	for _, f := range files {
		got, err := os.ReadFile(f)
		require.NoError(t, err)
		want, err := os.ReadFile(filepath.Base(f))
		require.NoError(t, err)
		assert.True(t, string(want) == string(got), "%s differs from a fresh go generate", filepath.Base(f))
	}
}

func TestParam(t *testing.T) {
	tests := []struct {
		arch, syscall, name string
		index               int
		kernel              string // the parameter's kernel name
	}{
		{"x86_64", "socket", "domain", 0, "family"},
		{"x86_64", "socket", "family", 0, "family"},
		{"x86_64", "ioctl", "request", 1, "cmd"},
		{"x86_64", "ioctl", "cmd", 1, "cmd"},
		{"x86_64", "clone", "flags", 0, "clone_flags"},
		{"aarch64", "clone", "flags", 0, "clone_flags"},
		{"x86_64", "clone", "stack", 1, "newsp"},
		// The aliases follow CONFIG_CLONE_BACKWARDS' reordering.
		{"x86_64", "clone", "child_tid", 3, "child_tidptr"},
		{"aarch64", "clone", "child_tid", 4, "child_tidptr"},
		{"aarch64", "clone", "tls", 3, "tls"},
		{"x86_64", "openat", "dirfd", 0, "dfd"},
		{"x86_64", "openat", "pathname", 1, "filename"},
		{"arm", "openat", "pathname", 1, "filename"},
		{"x86_64", "kill", "sig", 1, "sig"},
		{"x86_64", "write", "count", 2, "count"},
		{"x86_64", "mmap", "prot", 2, "prot"},
		{"x86_64", "mmap", "addr", 0, "addr"},
		{"x86_64", "mmap", "length", 1, "len"},
		{"i386", "mmap2", "pgoffset", 5, "pgoff"},
		{"x86_64", "connect", "sockfd", 0, "fd"},
		{"x86_64", "connect", "addr", 1, "uservaddr"},
		{"x86_64", "futex", "futex_op", 1, "op"},
		// The i386 table's "stat" is served by sys_newstat.
		{"i386", "stat", "pathname", 0, "filename"},
		{"x86_64", "pread64", "offset", 3, "pos"},
	}
	for _, tt := range tests {
		t.Run(tt.arch+"/"+tt.syscall+"/"+tt.name, func(t *testing.T) {
			i, p, ok := arch(t, tt.arch).Param(tt.syscall, tt.name)
			require.True(t, ok)
			assert.Equal(t, tt.index, i)
			assert.Equal(t, tt.kernel, p.Name)
		})
	}
}

func TestParamAbsent(t *testing.T) {
	tests := []struct{ arch, syscall, name, why string }{
		{"x86_64", "socket", "fd", "neither a kernel name nor an alias"},
		{"x86_64", "ioctl", "", "empty name"},
		{"x86_64", "no_such_call", "fd", "unknown syscall"},
		{"i386", "select", "nfds", "sys_old_select: signature refused"},
		// The 64-bit offset and what follows are not positioned on i386.
		{"i386", "pread64", "offset", "truncated on 32-bit ABIs"},
		// glibc's signalfd(fd, mask, flags) is not the raw call's third argument.
		{"x86_64", "signalfd", "flags", "wrapper name suppressed"},
	}
	for _, tt := range tests {
		_, _, ok := arch(t, tt.arch).Param(tt.syscall, tt.name)
		assert.False(t, ok, "%s(%s) on %s: %s", tt.syscall, tt.name, tt.arch, tt.why)
	}
}

// TestAliasesAreUnambiguous checks every signature on every ABI: a name,
// kernel or alias, designates one parameter, and aliases are sorted.
func TestAliasesAreUnambiguous(t *testing.T) {
	withAliases := 0
	for _, a := range Arches() {
		for _, s := range a.Syscalls() {
			params, ok := a.Params(s.Name)
			if !ok {
				continue
			}
			owner := map[string]int{}
			aliased := false
			for i, p := range params {
				assert.True(t, sort.StringsAreSorted(p.Aliases), "%s %s %s", a.Name, s.Name, p.Name)
				for _, n := range append([]string{p.Name}, p.Aliases...) {
					if j, dup := owner[n]; dup {
						t.Errorf("%s %s: %q names parameters %d and %d", a.Name, s.Name, n, j, i)
					}
					owner[n] = i
				}
				aliased = aliased || len(p.Aliases) > 0
			}
			// Param agrees with Params on every name.
			for n, i := range owner {
				got, _, ok := a.Param(s.Name, n)
				assert.True(t, ok && got == i, "%s %s %q", a.Name, s.Name, n)
			}
			if aliased && a.Name == "x86_64" {
				withAliases++
			}
		}
	}
	assert.Greater(t, withAliases, 150, "x86_64 syscalls with aliases")
	assert.NotEmpty(t, ManPagesRelease())
}

// TestParamsAliasesAreCopies: a caller scribbling on Aliases must not change
// the tables.
func TestParamsAliasesAreCopies(t *testing.T) {
	a := arch(t, "x86_64")
	ps, ok := a.Params("socket")
	require.True(t, ok)
	require.Equal(t, []string{"domain"}, ps[0].Aliases)
	ps[0].Aliases[0] = "scribbled"
	_, _, ok = a.Param("socket", "domain")
	assert.True(t, ok)
}
