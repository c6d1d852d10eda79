package syscalls

import (
	"bufio"
	"os"
	"regexp"
	"sort"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func arch(t *testing.T, name string) *Arch {
	t.Helper()
	a, ok := ArchByName(name)
	require.True(t, ok, name)
	return a
}

func TestNr(t *testing.T) {
	tests := []struct {
		arch, name string
		nr         uint32
	}{
		{"x86_64", "read", 0}, {"x86_64", "write", 1}, {"x86_64", "openat", 257}, {"x86_64", "execve", 59},
		{"x86_64", "clone3", 435}, {"x86_64", "newfstatat", 262},
		{"i386", "read", 3}, {"i386", "write", 4}, {"i386", "openat", 295}, {"i386", "execve", 11},
		{"i386", "clone3", 435}, {"i386", "_llseek", 140}, {"i386", "socketcall", 102},
		{"x32", "read", X32Bit | 0}, {"x32", "write", X32Bit | 1}, {"x32", "openat", X32Bit | 257},
		{"x32", "execve", X32Bit | 520}, {"x32", "clone3", X32Bit | 435},
		{"aarch64", "read", 63}, {"aarch64", "write", 64}, {"aarch64", "openat", 56},
		{"aarch64", "execve", 221}, {"aarch64", "clone3", 435},
		{"arm", "read", 3}, {"arm", "write", 4}, {"arm", "openat", 322}, {"arm", "execve", 11},
		{"arm", "clone3", 435}, {"arm", "restart_syscall", 0}, {"arm", "arm_fadvise64_64", 270},
		{"riscv64", "read", 63}, {"riscv64", "openat", 56}, {"riscv64", "execve", 221},
		{"riscv64", "clone3", 435}, {"riscv64", "riscv_flush_icache", 259},
	}
	for _, tt := range tests {
		t.Run(tt.arch+"/"+tt.name, func(t *testing.T) {
			a := arch(t, tt.arch)
			nr, ok := a.Nr(tt.name)
			require.True(t, ok)
			assert.Equal(t, tt.nr, nr)
			name, ok := a.SyscallName(tt.nr)
			require.True(t, ok)
			assert.Equal(t, tt.name, name)
		})
	}
}

func TestNrAbsent(t *testing.T) {
	tests := []struct{ arch, name string }{
		{"aarch64", "open"}, {"riscv64", "fork"}, {"x86_64", "socketcall"}, {"arm", "syscall_mask"},
		{"x86_64", "no_such_call"}, {"x86_64", ""},
	}
	for _, tt := range tests {
		_, ok := arch(t, tt.arch).Nr(tt.name)
		assert.False(t, ok, "%s on %s", tt.name, tt.arch)
	}
	_, ok := arch(t, "x86_64").SyscallName(100000)
	assert.False(t, ok)
}

func TestTablesAreConsistent(t *testing.T) {
	all := map[string]bool{}
	for _, a := range Arches() {
		t.Run(a.Name, func(t *testing.T) {
			calls := a.Syscalls()
			require.NotEmpty(t, calls)
			assert.True(t, sort.SliceIsSorted(calls, func(i, j int) bool { return calls[i].Nr < calls[j].Nr }))
			assert.Equal(t, calls[len(calls)-1].Nr, a.MaxNr())
			for _, s := range calls {
				all[s.Name] = true
				nr, ok := a.Nr(s.Name)
				assert.True(t, ok)
				assert.Equal(t, s.Nr, nr, s.Name)
				assert.Equal(t, a.X32, s.Nr&X32Bit != 0, "%s %#x: X32Bit must be set exactly on x32", s.Name, s.Nr)
			}
			calls[0].Name = "scribbled" // Syscalls returns a copy
			assert.NotEqual(t, "scribbled", a.Syscalls()[0].Name)
		})
	}
	names := AllSyscallNames()
	assert.True(t, sort.StringsAreSorted(names))
	assert.Len(t, names, len(all))
	assert.Contains(t, names, "socketcall")    // i386/arm only
	assert.Contains(t, names, "riscv_hwprobe") // riscv64 only
}

// TestX86_64MatchesKernelHeader compares the x/sys-derived table with the
// installed uapi header, an independent source.
func TestX86_64MatchesKernelHeader(t *testing.T) {
	const path = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("%s not available (install linux-libc-dev): %v", path, err)
	}
	defer f.Close()
	a := arch(t, "x86_64")
	re := regexp.MustCompile(`^#define __NR_(\w+) (\d+)$`)
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := re.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		want, err := strconv.ParseUint(m[2], 10, 32)
		require.NoError(t, err)
		got, ok := a.Nr(m[1])
		if assert.True(t, ok, "%s missing", m[1]) {
			assert.Equal(t, uint32(want), got, m[1])
		}
		n++
	}
	require.NoError(t, sc.Err())
	assert.Greater(t, n, 300, "header parsed")
}

func TestConst(t *testing.T) {
	tests := []struct {
		arch, name string
		want       uint64
	}{
		{"x86_64", "O_DIRECTORY", 0x10000}, {"arm", "O_DIRECTORY", 0x4000}, {"aarch64", "O_DIRECTORY", 0x4000},
		{"i386", "O_DIRECTORY", 0x10000}, {"x32", "O_DIRECTORY", 0x10000},
		{"i386", "O_LARGEFILE", 0x8000}, {"arm", "O_LARGEFILE", 0x20000}, {"x86_64", "O_LARGEFILE", 0},
		{"x86_64", "AT_FDCWD", 0xffffffffffffff9c}, {"i386", "AT_FDCWD", 0xffffffffffffff9c},
		{"x86_64", "O_RDONLY", 0}, {"x86_64", "O_ACCMODE", 3}, {"riscv64", "AF_INET", 2}, {"x86_64", "AF_UNIX", 1},
		{"x86_64", "PROT_EXEC", 4}, {"x86_64", "MAP_ANONYMOUS", 0x20}, {"x86_64", "CLONE_NEWUSER", 0x10000000},
		{"x86_64", "R_OK", 4}, {"x86_64", "F_OK", 0}, {"x86_64", "WNOHANG", 1}, {"x86_64", "TCGETS", 0x5401},
		{"x86_64", "EPERM", 1}, {"x86_64", "EAGAIN", 11}, {"x86_64", "SIGKILL", 9}, {"arm", "SIGSYS", 31},
		{"x86_64", "SECCOMP_RET_KILL_PROCESS", 0x80000000},
	}
	for _, tt := range tests {
		t.Run(tt.arch+"/"+tt.name, func(t *testing.T) {
			v, ok := arch(t, tt.arch).Const(tt.name)
			require.True(t, ok)
			assert.Equal(t, tt.want, v)
		})
	}
	// Filtered out: not something a policy compares arguments with.
	for _, name := range []string{"WDIOC_GETSTATUS", "DEVLINK_GENL_NAME", "NOT_A_CONSTANT"} {
		_, ok := arch(t, "x86_64").Const(name)
		assert.False(t, ok, name)
	}
	names := ConstNames()
	assert.True(t, sort.StringsAreSorted(names))
	assert.Contains(t, names, "O_DIRECTORY")
}

func TestErrno(t *testing.T) {
	tests := []struct {
		name string
		v    uint16
		back string // what ErrnoName gives for v
	}{
		{"EPERM", 1, "EPERM"}, {"ENOENT", 2, "ENOENT"}, {"EACCES", 13, "EACCES"}, {"ENOSYS", 38, "ENOSYS"},
		{"EAGAIN", 11, "EAGAIN"}, {"EWOULDBLOCK", 11, "EAGAIN"},
		{"EDEADLK", 35, "EDEADLK"}, {"EDEADLOCK", 35, "EDEADLK"},
		{"EOPNOTSUPP", 95, "EOPNOTSUPP"}, {"ENOTSUP", 95, "EOPNOTSUPP"},
		{"EHWPOISON", 133, "EHWPOISON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := Errno(tt.name)
			require.True(t, ok)
			assert.Equal(t, tt.v, v)
			back, ok := ErrnoName(v)
			require.True(t, ok)
			assert.Equal(t, tt.back, back)
		})
	}
	_, ok := Errno("EFOO")
	assert.False(t, ok)
	_, ok = ErrnoName(0)
	assert.False(t, ok)

	// Every value round-trips through its preferred name.
	for v, name := range errnoNames {
		if name == "" {
			continue
		}
		got, ok := Errno(name)
		assert.True(t, ok, name)
		assert.Equal(t, uint16(v), got, name)
	}
}

func TestKnown(t *testing.T) {
	for _, name := range []string{"read", "arm_fadvise64_64", "riscv_flush_icache", "socketcall", "uretprobe"} {
		assert.True(t, Known(name), name)
	}
	for _, name := range []string{"", "nosuch", "READ", "sys_read"} {
		assert.False(t, Known(name), name)
	}
	// Every name of every ABI is known.
	for _, name := range AllSyscallNames() {
		assert.True(t, Known(name), name)
	}
}
