package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// protoParams renders prototypes as name -> parameter names.
func protoParams(ps []proto) map[string][][]string {
	out := map[string][][]string{}
	for _, p := range ps {
		out[p.name] = append(out[p.name], p.params)
	}
	return out
}

func TestPrototypes(t *testing.T) {
	tests := []struct {
		name, roff string
		want       map[string][][]string
	}{
		{"array bounds", `.BI "ssize_t write(int " fd ", const void " buf [. count "], size_t " count );`,
			map[string][][]string{"write": {{"fd", "buf", "count"}}}},
		{"continued lines", `.BI "void *mmap(void " addr [. length "], size_t " length \
", int " prot ", int " flags ,
.BI "           int " fd ", off_t " offset );
.BI "int munmap(void " addr [. length "], size_t " length );`,
			map[string][][]string{"mmap": {{"addr", "length", "prot", "flags", "fd", "offset"}}, "munmap": {{"addr", "length"}}}},
		{"raw syscall", `.BI "long syscall(SYS_clone3, struct clone_args *" cl_args ", size_t " size );
.BI "long syscall(long " number ", ...);"`,
			map[string][][]string{"clone3": {{"cl_args", "size"}}}},
		{"documented variadic argument", `.BI "int fcntl(int " fd ", int " cmd ", ... /* " arg " */ );"`,
			map[string][][]string{"fcntl": {{"fd", "cmd", "arg"}}}},
		{"bare variadic", `.BI "int ioctl(int " fd ", unsigned long " request ", ...);"`, map[string][][]string{}},
		{"a constant in place of a parameter", `.BI "int ioctl(int " dest_fd ", FICLONE, int " src_fd );`,
			map[string][][]string{}},
		{"function pointer and a variadic comment over lines", `.BI "int clone(int (*" "fn" ")(void *_Nullable), void *" stack \
", int " flags ,
.BI "          void *_Nullable " "arg" ", ..." \
"  \fR/*\fP" " pid_t *_Nullable " parent_tid ,
.BI "                                       void *_Nullable " tls ,
.BI "                                       pid_t *_Nullable " child_tid " \fR*/\fP );"`,
			map[string][][]string{"clone": {{"fn", "stack", "flags", "arg", "parent_tid", "tls", "child_tid"}}}},
		{"alternative in a comment", `.BI "long syscall(SYS_futex, uint32_t *" uaddr ", int " futex_op \
", uint32_t " val ,
.BI "             const struct timespec *" timeout , \
" \fR  /* or: \fBuint32_t \fIval2\fP */"
.BI "             uint32_t *" uaddr2 ", uint32_t " val3 );`,
			map[string][][]string{"futex": {{"uaddr", "futex_op", "val", "timeout", "uaddr2", "val3"}}}},
		{"no parameters and qualifiers", `.B pid_t getpid(void);
.BI "int execve(const char *" pathname ", char *const _Nullable " argv [],
.BI "           char *const _Nullable " envp []);`,
			map[string][][]string{"getpid": {nil}, "execve": {{"pathname", "argv", "envp"}}}},
		{"not declarations", `.BR openat ():
glibc provides no wrapper for
.BR futex (),
.BR "#include <sys/syscall.h>" "    /* Definition of " SYS_* " constants */"`, map[string][][]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := protoParams(prototypes(roffText(roffLines(tt.roff)), "test.2.gz"))
			assert.Equal(t, tt.want, got)
		})
	}
}

const clonePage = `.TH clone 2 2023-02-05 "Linux man-pages 6.03"
.SH SYNOPSIS
.nf
.BI "int clone(int (*" "fn" ")(void *), void *" stack ", int " flags ", void *" arg );
.fi
.SH NOTES
The raw system call interface on x86-64 and some other architectures is:
.EX
.BI "long clone(unsigned long " flags ", void *" stack ,
.BI "           int *" parent_tid ", int *" child_tid ,
.BI "           unsigned long " tls );
.EE
On x86-32 the order of the last two arguments is reversed:
.EX
.BI "long clone(unsigned long " flags ", void *" stack ,
.BI "          int *" parent_tid ", unsigned long " tls ,
.BI "          int *" child_tid );
.EE
`

func TestParsePageRawMarker(t *testing.T) {
	ps, release, err := parsePage("clone.2.gz", clonePage)
	require.NoError(t, err)
	assert.Equal(t, "Linux man-pages 6.03", release)
	require.Len(t, ps, 2)
	assert.Equal(t, proto{name: "clone", params: []string{"fn", "stack", "flags", "arg"}, page: "clone.2.gz"}, ps[0])
	// Only the x86-64 order, the first prototype after the marker, is read.
	assert.Equal(t, proto{name: "clone", params: []string{"flags", "stack", "parent_tid", "child_tid", "tls"}, raw: true, page: "clone.2.gz"}, ps[1])

	_, _, err = parsePage("clone.2.gz", ".SH SYNOPSIS\n.BI \"int clone(int "+`" flags );`+"\n")
	assert.ErrorContains(t, err, "marker")
}

func writeGz(t *testing.T, path, text string) {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, err := zw.Write([]byte(text))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
}

func TestManPagesRedirects(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "man2")
	require.NoError(t, os.Mkdir(dir, 0o755))
	writeGz(t, filepath.Join(dir, "socket.2.gz"), `.TH socket 2 2023-02-05 "Linux man-pages 6.03"
.SH SYNOPSIS
.BI "int socket(int " domain ", int " type ", int " protocol );
.SH DESCRIPTION
`)
	// A .so page and a symlink both lead to socket.2: read it once.
	writeGz(t, filepath.Join(dir, "sock.2.gz"), ".\\\" a comment\n.so man2/socket.2\n")
	require.NoError(t, os.Symlink("socket.2.gz", filepath.Join(dir, "socket2.2.gz")))

	protos, release, err := manPages(dir)
	require.NoError(t, err)
	assert.Equal(t, "Linux man-pages 6.03", release)
	assert.Equal(t, map[string][][]string{"socket": {{"domain", "type", "protocol"}}}, protoParams(protos["socket"]))
	assert.Len(t, protos, 1)

	writeGz(t, filepath.Join(dir, "loop.2.gz"), ".so man2/loop.2\n")
	_, _, err = manPages(dir)
	assert.ErrorContains(t, err, ".so redirects loop")

	_, _, err = manPages(t.TempDir())
	assert.ErrorContains(t, err, "manpages-dev")
}

func TestParamAliases(t *testing.T) {
	k := func(names ...string) []param {
		ps := make([]param, len(names))
		for i, n := range names {
			ps[i] = param{name: n}
		}
		return ps
	}
	sigs := map[string][]param{
		"socket":   k("family", "type", "protocol"),
		"clone":    k("clone_flags", "newsp", "parent_tidptr", "child_tidptr", "tls"),
		"newstat":  k("filename", "statbuf"),
		"ioctl":    k("fd", "cmd", "arg"),
		"swap":     k("a", "b"),
		"twice":    k("x", "y", "z"),
		"signalfd": k("ufd", "user_mask", "sizemask"),
	}
	p := func(name string, raw bool, params ...string) proto {
		return proto{name: name, params: params, raw: raw}
	}
	protos := map[string][]proto{
		"socket": {p("socket", false, "domain", "type", "protocol")},
		// The wrapper's count differs and the raw prototype wins anyway.
		"clone": {p("clone", false, "fn", "stack", "flags", "arg"),
			p("clone", true, "flags", "stack", "parent_tid", "child_tid", "tls")},
		"stat": {p("stat", false, "pathname", "statbuf")},
		// Each man name is the other position's kernel name.
		"swap": {p("swap", false, "b", "a")},
		// "w" would name two positions; "v" only one.
		"twice":    {p("twice", false, "w", "v", "z"), p("twice", false, "x", "w", "z")},
		"signalfd": {p("signalfd", false, "fd", "mask", "flags")},
	}
	assert.Equal(t, map[string]map[string][]string{
		"socket":   {"family": {"domain"}},
		"clone":    {"clone_flags": {"flags"}, "newsp": {"stack"}, "parent_tidptr": {"parent_tid"}, "child_tidptr": {"child_tid"}},
		"newstat":  {"filename": {"pathname"}},
		"ioctl":    {"cmd": {"request"}},
		"twice":    {"y": {"v"}},
		"signalfd": {"ufd": {"fd"}, "user_mask": {"mask"}},
	}, paramAliases(sigs, protos))
}

func TestEmitParamNames(t *testing.T) {
	src := string(emitParamNames(map[string]map[string][]string{
		"socket": {"family": {"domain"}}, "clone": {"newsp": {"stack"}, "clone_flags": {"flags"}},
	}, "Linux man-pages 6.03"))
	assert.Contains(t, src, `const manPagesRelease = "Linux man-pages 6.03"`)
	assert.Contains(t, src, `{"clone", []paramAlias{{"clone_flags", []string{"flags"}}, {"newsp", []string{"stack"}}}},`+"\n"+
		`{"socket", []paramAlias{{"family", []string{"domain"}}}},`)
}
