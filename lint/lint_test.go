package lint_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/lint"
	"github.com/scc-dev/scc/resolve"
)

// check resolves src as p.pol (with the given extra files for includes) and
// returns the warnings of one kind as printed.
func check(t *testing.T, src string, kind lint.Kind, files map[string]string) []string {
	t.Helper()
	readFile := func(path string) ([]byte, error) {
		if s, ok := files[path]; ok {
			return []byte(s), nil
		}
		return nil, os.ErrNotExist
	}
	f, err := lang.Parse("p.pol", []byte(src))
	require.NoError(t, err)
	p, diags := resolve.Resolve(f, resolve.Options{ReadFile: readFile})
	require.NoError(t, diags.Err())
	var out []string
	for _, w := range lint.Check(p, lint.Options{File: f, ReadFile: readFile}) {
		if w.Kind == kind {
			out = append(out, w.String())
		}
	}
	return out
}

const allowlist = "arch x86_64\ndefault errno(EPERM)\n"
const denylist = "arch x86_64\ndefault allow\n"

// Each kind is tested on policies that trigger it and on close ones that
// must not.
func TestKinds(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		kind lint.Kind
		want []string
	}{
		{"dangerous allowed", allowlist + "allow read, ptrace\n", lint.DangerousSyscall, []string{
			"p.pol:3:1: warning: ptrace is allowed: it reads and writes the memory and registers of other processes (refuse it (e.g. `errno(EPERM) ptrace`) unless the program cannot work without it) [dangerous-syscall]"}},
		{"dangerous allowed for some arguments", allowlist + "allow unshare if flags & CLONE_NEWUSER == 0\n", lint.DangerousSyscall, []string{
			"p.pol:3:1: warning: unshare is allowed for some arguments: it creates namespaces; a new user namespace gives the process root there and exposes much more of the kernel (refuse it (e.g. `errno(EPERM) unshare`) unless the program cannot work without it) [dangerous-syscall]"}},
		{"dangerous logged is allowed", allowlist + "log bpf\n", lint.DangerousSyscall, []string{
			"p.pol:3:1: warning: bpf is allowed: it loads programs into the kernel, a frequent source of kernel exploits (refuse it (e.g. `errno(EPERM) bpf`) unless the program cannot work without it) [dangerous-syscall]"}},
		{"dangerous refused", allowlist + "allow read\nerrno(EPERM) ptrace\n", lint.DangerousSyscall, nil},
		{"dangerous allow unreachable", allowlist + "kill bpf\nallow bpf\n", lint.DangerousSyscall, nil},
		{"dangerous only by default", denylist + "errno(EPERM) mkdir\n", lint.DangerousSyscall, nil},

		{"sibling denied", denylist + "errno(EPERM) mkdir\n", lint.SiblingGap, []string{
			"p.pol:3:1: warning: mkdir is restricted, but mkdirat is allowed for any arguments and does the same job (give mkdirat the same rule) [sibling-gap]"}},
		{"sibling argument-filtered", allowlist + "allow openat if flags & O_ACCMODE == O_RDONLY\nallow open, creat\n", lint.SiblingGap, []string{
			"p.pol:3:1: warning: openat is restricted, but open, creat are allowed for any arguments and do the same job (give open, creat the same rule) [sibling-gap]"}},
		{"sibling gap closed", denylist + "errno(EPERM) mkdir, mkdirat\n", lint.SiblingGap, nil},
		{"sibling missing from allowlist", allowlist + "allow openat\n", lint.SiblingGap, nil},
		{"sibling sent to ENOSYS", allowlist + "allow clone\nerrno(ENOSYS) clone3\n", lint.SiblingGap, nil},
		{"sibling allowed only for some arguments", denylist + "errno(EPERM) kill\nerrno(EPERM) tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo if pid == 1\nerrno(EPERM) pidfd_send_signal\n", lint.SiblingGap, nil},

		{"struct argument", denylist + "errno(EPERM) clone3 if arg1 != 88\n", lint.StructArgFiltered, []string{
			"p.pol:3:1: warning: clone3 takes its flags in a struct in memory, which the filter cannot read: the condition does not check them (refuse it outright with `errno(ENOSYS) clone3`: libc then falls back to clone, whose arguments a filter can check) [struct-arg-filtered]"}},
		{"struct syscall refused outright", denylist + "errno(ENOSYS) clone3, openat2\n", lint.StructArgFiltered, nil},

		{"pointer", allowlist + "allow openat if filename == 0x1000\n", lint.PointerArg, []string{
			"p.pol:3:1: warning: the condition on openat compares filename (arg1), a pointer (const char *): the filter sees the address, not what it points to (a filter cannot check paths, strings or structs; compare with 0 (NULL) only, or use Landlock or a notify supervisor) [pointer-arg]"}},
		{"pointer by argN", allowlist + "allow openat if arg1 > 4096\n", lint.PointerArg, []string{
			"p.pol:3:1: warning: the condition on openat compares filename (arg1), a pointer (const char *): the filter sees the address, not what it points to (a filter cannot check paths, strings or structs; compare with 0 (NULL) only, or use Landlock or a notify supervisor) [pointer-arg]"}},
		{"pointer against NULL", allowlist + "allow openat if filename != 0\n", lint.PointerArg, nil},
		{"not a pointer", allowlist + "allow openat if flags == 0 && dfd == AT_FDCWD\n", lint.PointerArg, nil},
		{"pointer on one ABI only", "arch x86_64, i386\ndefault errno(EPERM)\nallow nanosleep if arg0 == 16\n", lint.PointerArg, []string{
			"p.pol:3:1: warning: the condition on nanosleep compares rqtp (arg0), a pointer (struct __kernel_timespec *): the filter sees the address, not what it points to (on x86_64) (a filter cannot check paths, strings or structs; compare with 0 (NULL) only, or use Landlock or a notify supervisor) [pointer-arg]"}},

		{"shadowed by unconditional", allowlist + "allow read, write\nkill read, write if fd == 0\n", lint.ShadowedRule, []string{
			"p.pol:4:1: warning: the rule never applies to read, write: the rule at 3:1 already decides every call it matches (delete it, or move it above the rule at 3:1 if it should win) [shadowed-rule]"}},
		{"shadowed by several", allowlist + "allow read if fd < 10\nerrno(EBADF) read if fd >= 10 && fd < 20\nkill read if fd == 3 || fd == 15\n", lint.ShadowedRule, []string{
			"p.pol:5:1: warning: the rule never applies to read: the rules at 3:1, 4:1 already decide every call it matches (delete it, or move it above the rules at 3:1, 4:1 if it should win) [shadowed-rule]"}},
		// O_ACCMODE == O_RDONLY holds exactly when neither O_WRONLY nor
		// O_RDWR is set: two masks, one set of calls.
		{"shadowed across masks", allowlist + "allow openat if flags & O_ACCMODE == O_RDONLY\nerrno(EACCES) openat if flags & O_WRONLY == 0 && flags & O_RDWR == 0\n", lint.ShadowedRule, []string{
			"p.pol:4:1: warning: the rule never applies to openat: the rule at 3:1 already decides every call it matches (delete it, or move it above the rule at 3:1 if it should win) [shadowed-rule]"}},
		{"shadowed in the high word", "arch x86_64\ndefault errno(EPERM)\nallow mmap if arg0 <= 0xffffffff\nallow mmap if arg0 < 0x100000000 && arg0 > 7\n", lint.ShadowedRule, []string{
			"p.pol:4:1: warning: the rule never applies to mmap: the rule at 3:1 already decides every call it matches (delete it, or move it above the rule at 3:1 if it should win) [shadowed-rule]"}},
		{"reachable after a condition", allowlist + "allow read if fd == 0\nerrno(EPERM) read\n", lint.ShadowedRule, nil},
		{"reachable on the boundary", allowlist + "allow read if fd < 10\nkill read if fd <= 10\n", lint.ShadowedRule, nil},
		// fd is an int: the kernel (and the filter) see only its low word,
		// 5, which the first rule takes.
		{"int argument hides the high word", allowlist + "allow read if fd < 10\nkill read if arg0 == 0x100000005\n", lint.ShadowedRule, []string{
			"p.pol:4:1: warning: the rule never applies to read: the rule at 3:1 already decides every call it matches (delete it, or move it above the rule at 3:1 if it should win) [shadowed-rule]"}},
		{"argN sees the high word", allowlist + "allow read if arg0 < 10\nkill read if arg0 == 0x100000005\n", lint.ShadowedRule, nil},

		{"never matches", allowlist + "allow read if fd == 1 && fd == 2\n", lint.NeverMatches, []string{
			"p.pol:3:1: warning: the condition can never be true for read: the rule never applies (fix the condition, or delete the rule) [never-matches]"}},
		{"never matches across masks", allowlist + "allow openat if flags & O_ACCMODE == O_RDONLY && flags & O_RDWR != 0\n", lint.NeverMatches, []string{
			"p.pol:3:1: warning: the condition can never be true for openat: the rule never applies (fix the condition, or delete the rule) [never-matches]"}},
		{"can match", allowlist + "allow read if fd == 1 || fd == 2\n", lint.NeverMatches, nil},

		{"default allow", denylist + "errno(EPERM) mkdir\n", lint.DefaultAllow, []string{
			"p.pol:2:1: warning: default allow: every syscall without a rule is allowed, including 46 dangerous ones (ptrace, mount, bpf, unshare, init_module, kexec_load, open_by_handle_at, process_vm_writev, ...) (write an allowlist: `default errno(EPERM)` (or kill) and allow what the program needs; scc record drafts one) [default-allow]"}},
		{"default log", "arch x86_64\ndefault log\nerrno(EPERM) mkdir\n", lint.DefaultAllow, []string{
			"p.pol:2:1: warning: default log: every syscall without a rule is allowed, including 46 dangerous ones (ptrace, mount, bpf, unshare, init_module, kexec_load, open_by_handle_at, process_vm_writev, ...) (write an allowlist: `default errno(EPERM)` (or kill) and allow what the program needs; scc record drafts one) [default-allow]"}},
		{"default refuses", allowlist + "allow read\n", lint.DefaultAllow, nil},
		{"default in an include", "arch x86_64\ninclude \"base.pol\"\n", lint.DefaultAllow, []string{
			"base.pol:1:1: warning: default allow: every syscall without a rule is allowed, including 46 dangerous ones (ptrace, mount, bpf, unshare, init_module, kexec_load, open_by_handle_at, process_vm_writev, ...) (write an allowlist: `default errno(EPERM)` (or kill) and allow what the program needs; scc record drafts one) [default-allow]"}},

		{"badarch allow", allowlist + "badarch allow\n", lint.BadArch, []string{
			"p.pol:3:1: warning: badarch allow: calls made through another ABI (e.g. int 0x80 on x86_64) run unfiltered (use `badarch kill` (or errno): the policy's rules only hold for the ABIs it targets) [badarch]"}},
		{"badarch trap", allowlist + "badarch trap\n", lint.BadArch, []string{
			"p.pol:3:1: warning: badarch trap: calls made through another ABI are not refused; what happens depends on a handler outside the policy (use `badarch kill` (or errno): the policy's rules only hold for the ABIs it targets) [badarch]"}},
		{"badarch errno", allowlist + "badarch errno(ENOSYS)\n", lint.BadArch, nil},

		{"no fallback: clone3 left to the default", allowlist + "allow clone\n", lint.NoFallback, []string{
			"p.pol:2:1: warning: clone3 gets errno(EPERM) while clone is allowed: libc falls back to clone only when clone3 fails with ENOSYS, so starting a thread or a child (pthread_create, posix_spawn) fails instead (refuse it with `errno(ENOSYS) clone3` so that libc uses clone) [no-fallback]"}},
		{"no fallback: faccessat2 killed by a rule", allowlist + "allow faccessat if mode == 0\nkill faccessat2\n", lint.NoFallback, []string{
			"p.pol:4:1: warning: faccessat2 gets kill while faccessat is allowed: libc falls back to faccessat only when faccessat2 fails with ENOSYS, so every faccessat() and eaccess() call (bash's test -x) fails instead (refuse it with `errno(ENOSYS) faccessat2` so that libc uses faccessat) [no-fallback]"}},
		{"no fallback: refused for some arguments", allowlist + "allow clone\nallow clone3 if arg1 == 88\n", lint.NoFallback, []string{
			"p.pol:2:1: warning: clone3 gets errno(EPERM) while clone is allowed: libc falls back to clone only when clone3 fails with ENOSYS, so starting a thread or a child (pthread_create, posix_spawn) fails instead (refuse it with `errno(ENOSYS) clone3` so that libc uses clone) [no-fallback]"}},
		{"fallback: clone3 sent to ENOSYS", allowlist + "allow clone\nerrno(ENOSYS) clone3\n", lint.NoFallback, nil},
		{"fallback: clone3 allowed", allowlist + "allow clone, clone3\n", lint.NoFallback, nil},
		{"fallback: nothing to fall back to", allowlist + "allow read\n", lint.NoFallback, nil},
		{"fallback: default ENOSYS", "arch x86_64\ndefault errno(ENOSYS)\nallow clone\n", lint.NoFallback, nil},
		{"fallback: deny-list", denylist + "errno(EPERM) mkdir\n", lint.NoFallback, nil},
		{"badarch implicit", allowlist, lint.BadArch, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := check(t, tc.src, tc.kind, map[string]string{"base.pol": "default allow\n"})
			assert.Equal(t, tc.want, got)
		})
	}
}

// A policy that uses every feature well gets no warning at all.
func TestCleanPolicy(t *testing.T) {
	src := `arch x86_64, i386
default errno(EPERM)
badarch kill
allow read, write, close, exit_group
allow openat, open if flags & O_ACCMODE == O_RDONLY
errno(EACCES) openat, open, creat
errno(ENOSYS) openat2, clone3
allow clone if flags & CLONE_THREAD != 0
errno(EPERM) fork, vfork
test read(0, 0, 1) => allow
`
	f, err := lang.Parse("clean.pol", []byte(src))
	require.NoError(t, err)
	p, diags := resolve.Resolve(f, resolve.Options{})
	require.NoError(t, diags.Err())
	assert.Empty(t, lint.Check(p, lint.Options{File: f}))
}

// The examples are checked as users would see them; the warnings on them
// are expected and documented: two are deny-lists by design; the nginx
// allowlist passes --strict (its signals are restricted on kill and tgkill).
func TestExamples(t *testing.T) {
	want := map[string][]lint.Kind{
		"nginx.pol":    nil,
		"nofork.pol":   {lint.DefaultAllow},
		"readonly.pol": {lint.DefaultAllow},
	}
	for name, kinds := range want {
		p, diags := resolve.LoadFile("../examples/"+name, resolve.Options{})
		require.NoError(t, diags.Err())
		var got []lint.Kind
		for _, w := range lint.Check(p, lint.Options{}) {
			got = append(got, w.Kind)
		}
		assert.Equal(t, kinds, got, name)
	}
}

func TestKindsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/lint.md")
	require.NoError(t, err)
	for _, k := range lint.Kinds {
		assert.Contains(t, string(doc), "`"+string(k.Kind)+"`", "docs/lint.md must describe every kind")
	}
}

func ExampleCheck() {
	src := `arch x86_64
default errno(EPERM)
allow read, write
allow openat if flags & O_ACCMODE == O_RDONLY
allow open
kill read if fd == 0
`
	f, _ := lang.Parse("app.pol", []byte(src))
	p, _ := resolve.Resolve(f, resolve.Options{})
	for _, w := range lint.Check(p, lint.Options{File: f}) {
		fmt.Println(strings.SplitN(w.String(), " (", 2)[0], "["+w.Kind+"]")
	}
	// Output:
	// app.pol:4:1: warning: openat is restricted, but open is allowed for any arguments and does the same job [sibling-gap]
	// app.pol:6:1: warning: the rule never applies to read: the rule at 3:1 already decides every call it matches [shadowed-rule]
}
