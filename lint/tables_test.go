package lint

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/syscalls"
)

// A misspelt name in a table would never match a syscall and silently
// never warn: every name must be a syscall on some ABI, and every
// dangerous one must say why.
func TestTableNamesAreSyscalls(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range dangerous {
		assert.True(t, syscalls.Known(d.name), "dangerous: %s is no syscall", d.name)
		assert.NotEmpty(t, d.why, d.name)
		assert.False(t, seen[d.name], "dangerous: %s twice", d.name)
		seen[d.name] = true
	}
	for _, g := range siblings {
		assert.GreaterOrEqual(t, len(g), 2, "%v", g)
		for _, n := range g {
			assert.True(t, syscalls.Known(n), "siblings: %s is no syscall", n)
		}
	}
	for n, fallback := range structArg {
		assert.True(t, syscalls.Known(n), n)
		assert.True(t, syscalls.Known(fallback), fallback)
	}
}

// What issue 7 names, and the linter must know: the dangerous syscalls
// (each warned about with its reason when allowed, and not when refused)
// and the groups of syscalls that do one another's job.
func TestTablesCoverTheIssue(t *testing.T) {
	for _, name := range []string{"ptrace", "mount", "umount2", "reboot", "kexec_load", "init_module",
		"finit_module", "delete_module", "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key",
		"swapon", "swapoff", "setns", "unshare", "pivot_root", "open_by_handle_at", "process_vm_writev"} {
		why, ok := dangerousWhy(name)
		require.True(t, ok && why != "", name)
		for action, want := range map[string]int{"allow": 1, "errno(EPERM)": 0} {
			p, diags := resolve.Load("p.pol", []byte("arch x86_64\ndefault errno(EPERM)\n"+action+" "+name+"\n"), resolve.Options{})
			require.NoError(t, diags.Err())
			var got []string
			for _, w := range Check(p, Options{}) {
				if w.Kind == DangerousSyscall {
					got = append(got, w.Msg)
				}
			}
			require.Len(t, got, want, "%s %s", action, name)
			if want > 0 {
				assert.Equal(t, name+" is allowed: "+why, got[0])
			}
		}
	}
	group := func(name string) []string {
		for _, g := range siblings {
			for _, n := range g {
				if n == name {
					return g
				}
			}
		}
		return nil
	}
	for _, want := range [][]string{
		{"open", "openat", "openat2", "creat"}, {"mkdir", "mkdirat"}, {"unlink", "unlinkat", "rmdir"},
		{"rename", "renameat", "renameat2"}, {"chmod", "fchmod", "fchmodat", "fchmodat2"},
		{"kill", "tkill", "tgkill", "rt_sigqueueinfo"}, {"clone", "clone3", "fork", "vfork"},
		{"execve", "execveat"}, {"dup2", "dup3"},
	} {
		g := group(want[0])
		require.NotNil(t, g, want[0])
		assert.Subset(t, g, want)
	}
	assert.Equal(t, "clone", structArg["clone3"])
	assert.Equal(t, "openat", structArg["openat2"])
}
