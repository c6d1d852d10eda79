package record

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/syscalls"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func key(t *testing.T, arch, name string) Key {
	t.Helper()
	a, ok := syscalls.ArchByName(arch)
	require.True(t, ok, arch)
	nr, ok := a.Nr(name)
	require.True(t, ok, "%s on %s", name, arch)
	return Key{a.AuditArch, nr}
}

func cnst(t *testing.T, arch string, names ...string) uint64 {
	t.Helper()
	a, _ := syscalls.ArchByName(arch)
	var v uint64
	for _, n := range names {
		c, ok := a.Const(n)
		require.True(t, ok, n)
		v |= c
	}
	return v
}

// synthetic is a recording like a small network tool's, with argument
// values, a 32-bit helper and a syscall number scc has no name for.
func synthetic(t *testing.T) *Recording {
	rec := &Recording{Calls: map[Key]*Stat{}}
	add := func(arch, name string, n uint64, vals map[int][]uint64) {
		st := &Stat{Count: n}
		for i, vs := range vals {
			st.Values[i] = map[uint64]uint64{}
			for _, v := range vs {
				st.Values[i][v]++
			}
		}
		rec.Calls[key(t, arch, name)] = st
	}
	add("x86_64", "read", 120, nil)
	add("x86_64", "write", 12, nil)
	add("x86_64", "close", 9, nil)
	add("x86_64", "execve", 1, nil)
	add("x86_64", "exit_group", 1, nil)
	add("x86_64", "brk", 3, nil)
	add("x86_64", "rt_sigaction", 4, nil)
	add("x86_64", "openat", 7, map[int][]uint64{2: {
		cnst(t, "x86_64", "O_RDONLY", "O_CLOEXEC"),
		cnst(t, "x86_64", "O_WRONLY", "O_CREAT", "O_TRUNC"),
		cnst(t, "x86_64", "O_RDONLY", "O_DIRECTORY", "O_NONBLOCK", "O_CLOEXEC")}})
	add("x86_64", "mmap", 10, map[int][]uint64{2: {
		cnst(t, "x86_64", "PROT_READ"), cnst(t, "x86_64", "PROT_READ", "PROT_WRITE"), 0}})
	add("x86_64", "socket", 2, map[int][]uint64{
		0: {cnst(t, "x86_64", "AF_UNIX"), cnst(t, "x86_64", "AF_INET")},
		1: {cnst(t, "x86_64", "SOCK_STREAM", "SOCK_CLOEXEC"), cnst(t, "x86_64", "SOCK_DGRAM")}})
	add("x86_64", "kill", 1, map[int][]uint64{1: {cnst(t, "x86_64", "SIGTERM"), 0}})
	add("x86_64", "clone", 2, map[int][]uint64{0: {
		cnst(t, "x86_64", "CLONE_CHILD_CLEARTID", "CLONE_CHILD_SETTID", "SIGCHLD")}})
	add("x86_64", "ioctl", 2, map[int][]uint64{1: {cnst(t, "x86_64", "TCGETS"), 0x5401}})
	add("x86_64", "prctl", 1, map[int][]uint64{0: {cnst(t, "x86_64", "PR_SET_NAME")}})
	add("i386", "read", 5, nil)
	add("i386", "socketcall", 1, nil)
	add("i386", "exit_group", 1, nil)
	rec.Calls[Key{syscalls.AuditArchX86_64, 999}] = &Stat{Count: 2}
	return rec
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), string(got))
}

func TestPolicyGolden(t *testing.T) {
	cmd := []string{"nettool", "--port", "80", "it's"}
	tests := []struct {
		name string
		opts WriteOptions
	}{
		{"plain", WriteOptions{Command: cmd}},
		{"args", WriteOptions{Command: cmd, Args: true}},
		{"docker", WriteOptions{Command: cmd, For: "docker", Default: lang.Action{Kind: lang.ActKill}}},
		{"scc", WriteOptions{Command: cmd, For: "scc", Args: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Policy(synthetic(t), tt.opts)
			require.NoError(t, err)
			out := lang.Format(f)
			golden(t, "policy_"+tt.name, out)
			// The printed policy must parse back and resolve.
			_, err = lang.Parse("gen.pol", out)
			require.NoError(t, err, "%s", out)
			mustResolve(t, out)
		})
	}
}

func TestPolicyDeterministic(t *testing.T) {
	a, err := Policy(synthetic(t), WriteOptions{Args: true})
	require.NoError(t, err)
	b, err := Policy(synthetic(t), WriteOptions{Args: true})
	require.NoError(t, err)
	assert.Equal(t, string(lang.Format(a)), string(lang.Format(b)))
}

func TestPolicyErrors(t *testing.T) {
	_, err := Policy(nil, WriteOptions{})
	assert.ErrorContains(t, err, "no recording")
	_, err = Policy(&Recording{Calls: map[Key]*Stat{{AuditArch: 0x1234, Nr: 1}: {Count: 1}}}, WriteOptions{})
	assert.ErrorContains(t, err, "0x1234")
	_, err = Policy(&Recording{}, WriteOptions{For: "lxc"})
	assert.ErrorContains(t, err, `unknown runtime "lxc"`)
}

func TestMerge(t *testing.T) {
	src := `# my hand-written policy
arch x86_64
default kill
set @io = read, write
allow @io
allow close  # keep me
allow openat if flags == 0

# the end of the hand-written part
`
	existing, err := lang.Parse("app.pol", []byte(src))
	require.NoError(t, err)
	merged, err := Merge(existing, synthetic(t), WriteOptions{Command: []string{"nettool"}})
	require.NoError(t, err)
	out := string(lang.Format(merged))
	golden(t, "merge", []byte(out))

	assert.Contains(t, out, "# my hand-written policy")
	assert.Contains(t, out, "allow close  # keep me")
	assert.True(t, strings.HasSuffix(out, "\n\n# the end of the hand-written part\n"), "the trailing comment is kept, last")
	// read/write come through the set and close is allowed: not again.
	assert.Equal(t, 1, strings.Count(out, "allow close"))
	assert.NotContains(t, out, "allow read ")
	// openat is only allowed conditionally, so the recording's openat is added.
	assert.Contains(t, out, "allow openat  #")
	assert.Contains(t, out, "added by scc record (")
	// The 32-bit calls need i386 added to the targets.
	assert.Contains(t, out, "arch i386")
	_, err = lang.Parse("merged.pol", []byte(out))
	require.NoError(t, err)
	mustResolve(t, []byte(out))
}

// mustResolve checks that a written policy is one scc accepts: resolve
// reports no errors (warnings, such as a syscall that one target lacks,
// are fine).
func mustResolve(t *testing.T, src []byte) {
	t.Helper()
	_, diags := resolve.Load("gen.pol", src, resolve.Options{})
	require.NoError(t, diags.Err(), "%s", src)
}

// TestMergeConditionsFitEveryTarget: the merged file targets i386 although
// this recording saw only x86_64, so a condition on mmap's prot (which
// i386's mmap does not have) must not be written.
func TestMergeConditionsFitEveryTarget(t *testing.T) {
	rec := synthetic(t)
	for k := range rec.Calls {
		if k.AuditArch != syscalls.AuditArchX86_64 {
			delete(rec.Calls, k)
		}
	}
	existing, err := lang.Parse("app.pol", []byte("arch x86_64, i386\ndefault kill\n"))
	require.NoError(t, err)
	merged, err := Merge(existing, rec, WriteOptions{Args: true})
	require.NoError(t, err)
	out := lang.Format(merged)
	mustResolve(t, out)
	assert.Contains(t, string(out), "allow mmap  # 10 calls; no condition: mmap has no argument 2 on i386")
	assert.Contains(t, string(out), "allow socket if (family == AF_UNIX")

	// Against an x86_64-only file the same recording keeps the condition.
	existing, err = lang.Parse("app.pol", []byte("arch x86_64\ndefault kill\n"))
	require.NoError(t, err)
	merged, err = Merge(existing, rec, WriteOptions{Args: true})
	require.NoError(t, err)
	out = lang.Format(merged)
	mustResolve(t, out)
	assert.Contains(t, string(out), "allow mmap if prot & 0xfffffffffffffffc == 0")
}

func TestMergeWithoutArchKeepsHost(t *testing.T) {
	existing, err := lang.Parse("app.pol", []byte("default errno(EPERM)\nallow read\n"))
	require.NoError(t, err)
	merged, err := Merge(existing, synthetic(t), WriteOptions{Args: true})
	require.NoError(t, err)
	out := lang.Format(merged)
	assert.Contains(t, string(out), "arch "+syscalls.Host().Name+", i386")
	mustResolve(t, out)
}

func TestProfileRoundTrip(t *testing.T) {
	rec := synthetic(t)
	var b bytes.Buffer
	require.NoError(t, WriteProfile(&b, rec))
	golden(t, "profile", b.Bytes())
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	assert.Equal(t, ProfileHeader, lines[0])
	assert.Equal(t, "x86_64 read 120", lines[1], "most frequent first")

	back, err := ReadProfile(&b)
	require.NoError(t, err)
	require.Len(t, back.Calls, len(rec.Calls))
	for k, st := range rec.Calls {
		require.Contains(t, back.Calls, k)
		assert.Equal(t, st.Count, back.Calls[k].Count, "%v", k)
	}
}

func TestReadProfileErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "empty"},
		{"hello\n", "not an scc frequency profile"},
		{ProfileHeader + "\nx86_64 read\n", `profile:2: want "ARCH NAME COUNT"`},
		{ProfileHeader + "\nvax read 1\n", `profile:2: unknown arch "vax"`},
		{ProfileHeader + "\nx86_64 nosuch 1\n", `profile:2: unknown syscall "nosuch"`},
		{ProfileHeader + "\n\nx86_64 read -1\n", `profile:3: bad count "-1"`},
	}
	for _, tt := range tests {
		_, err := ReadProfile(strings.NewReader(tt.in))
		assert.ErrorContains(t, err, tt.want, "input %q", tt.in)
	}
}

// A recording that saw clone but not clone3 refuses clone3 with ENOSYS, so
// that libc falls back to clone instead of failing; nothing is added when
// clone3 was seen, when the default already lets libc fall back, or when a
// merged policy has its own clone3 rule.
func TestFallbackRules(t *testing.T) {
	const rule = "errno(ENOSYS) clone3"
	rec := func(names ...string) *Recording {
		r := &Recording{Calls: map[Key]*Stat{}}
		for _, n := range names {
			r.Calls[key(t, "x86_64", n)] = &Stat{Count: 1}
		}
		return r
	}
	for _, tc := range []struct {
		name string
		rec  *Recording
		def  string
		want bool
	}{
		{"clone seen", rec("clone", "exit_group"), "", true},
		{"clone seen, default kill", rec("clone"), "kill", true},
		{"clone3 seen too", rec("clone", "clone3"), "", false},
		{"no clone", rec("read"), "", false},
		{"default log", rec("clone"), "log", false},
		{"default ENOSYS", rec("clone"), "errno(ENOSYS)", false},
		{"default ENOSYS by number", rec("clone"), "errno(38)", false},
		{"default another errno by number", rec("clone"), "errno(39)", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var o WriteOptions
			if tc.def != "" {
				f, err := lang.Parse("d.pol", []byte("default "+tc.def+"\n"))
				require.NoError(t, err)
				o.Default = f.Stmts[0].(*lang.DefaultStmt).Action
			}
			f, err := Policy(tc.rec, o)
			require.NoError(t, err)
			assert.Equal(t, tc.want, strings.Contains(string(lang.Format(f)), rule))
		})
	}

	for _, tc := range []struct {
		name, existing string
		want           bool
	}{
		{"merge adds it", "arch x86_64\ndefault errno(EPERM)\nallow read\n", true},
		{"merge keeps the policy's own clone3 rule", "arch x86_64\ndefault errno(EPERM)\nkill clone3\n", false},
		{"merge into a default that falls back", "arch x86_64\ndefault errno(ENOSYS)\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			existing, err := lang.Parse("p.pol", []byte(tc.existing))
			require.NoError(t, err)
			f, err := Merge(existing, rec("clone"), WriteOptions{})
			require.NoError(t, err)
			assert.Equal(t, tc.want, strings.Contains(string(lang.Format(f)), rule))
		})
	}
}
