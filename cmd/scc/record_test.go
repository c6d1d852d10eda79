package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/record"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/syscalls"
)

// The tests in this file trace real programs and then run them under the
// recorded policy. They need root (ptrace of children, and the kernel's
// seccomp), and run one at a time: record.Trace waits for any child.

func needRecord(t *testing.T, tools ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("recording needs root here (ptrace may be restricted for other users)")
	}
	for _, tool := range tools {
		if _, err := os.Stat(tool); err != nil {
			t.Skipf("%s is not installed (.ci/run installs it)", tool)
		}
	}
}

// recordTo runs `scc record -q -o DIR/NAME FLAGS... -- ARGV...` and returns
// the policy's path and text. The program must succeed.
func recordTo(t *testing.T, name string, flags []string, argv ...string) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	args := append([]string{"record", "-q", "-o", path}, flags...)
	args = append(append(args, "--"), argv...)
	code, _, errOut := scc(t, "", args...)
	require.Equal(t, 0, code, "scc %s\n%s", strings.Join(args, " "), errOut)
	require.NotContains(t, errOut, "warning")
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	return path, string(src)
}

// sccCtx is scc(t, "", args...) with a context: the command's work ends
// when ctx does.
func sccCtx(ctx context.Context, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	root := newRoot(strings.NewReader(""), &out, &errOut)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var ee exitError
	switch {
	case err == nil:
		return 0, out.String(), errOut.String()
	case errors.As(err, &ee):
		return ee.code, out.String(), errOut.String()
	}
	return 1, out.String(), errOut.String() + "scc: " + err.Error() + "\n"
}

// ran is how a command ended under a policy.
type ran struct {
	status         int
	stdout, stderr string
}

// runUnder runs a command under a recorded policy with scc run. A recorded
// policy must not draw scc run's warnings (such as one about the calls its
// helper makes before exec).
func runUnder(t *testing.T, polPath string, argv ...string) ran {
	t.Helper()
	code, out, errOut := scc(t, "", append([]string{"run", polPath, "--"}, argv...)...)
	assert.NotContains(t, errOut, "warning", "scc run %s", polPath)
	return ran{code, out, errOut}
}

// plain runs a command without a filter, for comparison.
func plain(t *testing.T, argv ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	out, err := cmd.Output()
	if _, ok := err.(*exec.ExitError); !ok {
		require.NoError(t, err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

// sameUnderPolicy records argv and shows it behaves the same under the
// recorded policy as without a filter, several times over (the calls the
// sandbox helper makes before exec vary from run to run).
func sameUnderPolicy(t *testing.T, flags []string, argv ...string) (string, string) {
	t.Helper()
	path, src := recordTo(t, "app.pol", flags, argv...)
	want, wantCode := plain(t, argv...)
	for i := 0; i < 3; i++ {
		r := runUnder(t, path, argv...)
		require.Equal(t, wantCode, r.status, "run %d under\n%s\nstderr: %s", i, src, r.stderr)
		require.Equal(t, want, r.stdout, "run %d", i)
	}
	return path, src
}

func TestRecordLs(t *testing.T) {
	needRecord(t, "/bin/ls")
	_, src := sameUnderPolicy(t, nil, "/bin/ls", "/")
	assert.Contains(t, src, "allow getdents64  # ")
	assert.Contains(t, src, "# Regenerate: scc record -o FILE -- /bin/ls /")
	assert.NotContains(t, src, "mkdir")
}

func TestRecordLsWithArgs(t *testing.T) {
	needRecord(t, "/bin/ls")
	_, src := sameUnderPolicy(t, []string{"--args"}, "/bin/ls", "-l", "/usr")
	assert.Regexp(t, `allow openat if flags & 0x[0-9a-f]+ == 0  # \d+ calls; flags seen: O_RDONLY, `, src)
	assert.Regexp(t, `allow mmap if prot & 0x[0-9a-f]+ == 0`, src)
}

func TestRecordBusybox(t *testing.T) {
	needRecord(t, "/bin/busybox")
	sameUnderPolicy(t, nil, "/bin/busybox", "sh", "-c", "echo hi; ls /")
	sameUnderPolicy(t, []string{"--args"}, "/bin/busybox", "sh", "-c", "echo hi; ls /")
}

// TestRecordDeniesUnseen: a call the recording never saw gets the default
// action, errno(EPERM).
func TestRecordDeniesUnseen(t *testing.T) {
	needRecord(t, "/bin/busybox")
	path, src := recordTo(t, "echo.pol", nil, "/bin/busybox", "sh", "-c", "echo hi")
	require.NotContains(t, src, "mkdir", "the recording must not have seen mkdir")
	p, diags := resolve.LoadFile(path, resolve.Options{})
	require.NoError(t, diags.Err())
	host := syscalls.Host()
	for _, name := range []string{"mkdir", "mkdirat"} {
		nr, _ := host.Nr(name)
		assert.Equal(t, policy.Errno(1), p.Decide(host.AuditArch, nr, &[6]uint64{}), name)
	}

	dir := filepath.Join(t.TempDir(), "x")
	r := runUnder(t, path, "/bin/busybox", "mkdir", dir)
	assert.Equal(t, 1, r.status)
	assert.Contains(t, r.stderr, "Operation not permitted")
	assert.NoDirExists(t, dir)
	// The same command unfiltered works: the policy made the difference.
	require.NoError(t, exec.Command("/bin/busybox", "mkdir", dir).Run())
	assert.DirExists(t, dir)
}

const recordGoProgram = `package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

func main() {
	dir, err := os.MkdirTemp("", "recgo")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	var wg sync.WaitGroup
	sizes := make([]int, 8)
	for i := range sizes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p := filepath.Join(dir, fmt.Sprint(i))
			if err := os.WriteFile(p, []byte(fmt.Sprint("hello ", i)), 0o644); err != nil {
				panic(err)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				panic(err)
			}
			sizes[i] = len(b)
		}(i)
	}
	wg.Wait()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() {
		c, err := l.Accept()
		if err == nil {
			c.Write([]byte("pong"))
			c.Close()
		}
	}()
	c, err := net.Dial("tcp4", l.Addr().String())
	if err != nil {
		panic(err)
	}
	buf := make([]byte, 4)
	n, _ := c.Read(buf)
	sort.Ints(sizes)
	fmt.Println(sizes, string(buf[:n]))
}
`

// buildGo builds a static Go program from the source of its main.go and
// returns the binary's path.
func buildGo(t *testing.T, name, src string) string {
	t.Helper()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		t.Skip("no go toolchain to build the test program")
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+name+"\ngo 1.21\n"), 0o644))
	build := exec.Command(gobin, "build", "-o", name, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return filepath.Join(dir, name)
}

func TestRecordGoProgram(t *testing.T) {
	needRecord(t)
	prog := buildGo(t, "prog", recordGoProgram)

	_, src := sameUnderPolicy(t, nil, prog)
	assert.Contains(t, src, "allow clone")
	_, src = sameUnderPolicy(t, []string{"--args"}, prog)
	assert.Contains(t, src, "allow socket if family == AF_INET && type == SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC")
	assert.Regexp(t, `allow clone if clone_flags & 0x[0-9a-f]+ == 0`, src)
}

// nginxConf is a configuration for one unprivileged-looking server on
// 127.0.0.1 that keeps every file it writes in dir.
func nginxConf(t *testing.T, dir string, port int) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "www"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "www", "index.html"), []byte("recorded nginx\n"), 0o644))
	conf := fmt.Sprintf(`daemon off; master_process off; error_log %[1]s/e.log; pid %[1]s/n.pid;
events {}
http {
	access_log off;
	client_body_temp_path %[1]s/b; proxy_temp_path %[1]s/p; fastcgi_temp_path %[1]s/f;
	uwsgi_temp_path %[1]s/u; scgi_temp_path %[1]s/s;
	server { listen 127.0.0.1:%[2]d; root %[1]s/www; }
}
`, dir, port)
	path := filepath.Join(dir, "nginx.conf")
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o644))
	return path
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// serveOne waits for nginx to answer on port, fetches / and then stops
// nginx with SIGQUIT (graceful shutdown) through its pid file.
func serveOne(t *testing.T, dir string, port int) (string, error) {
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	var body string
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var resp *http.Response
		if resp, err = http.Get(url); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = fmt.Sprintf("%d %s", resp.StatusCode, b)
			break
		}
	}
	pid, perr := os.ReadFile(filepath.Join(dir, "n.pid"))
	if perr == nil {
		if n, e := strconv.Atoi(strings.TrimSpace(string(pid))); e == nil {
			syscall.Kill(n, syscall.SIGQUIT)
		}
	}
	return body, err
}

func TestRecordNginx(t *testing.T) {
	needRecord(t, "/usr/sbin/nginx")
	for _, flags := range [][]string{nil, {"--args"}} {
		t.Run(fmt.Sprint("flags=", flags), func(t *testing.T) {
			dir := t.TempDir()
			port := freePort(t)
			conf := nginxConf(t, dir, port)
			pol := filepath.Join(dir, "nginx.pol")
			argv := []string{"/usr/sbin/nginx", "-c", conf}

			type result struct {
				code           int
				stdout, stderr string
			}
			// Whatever goes wrong, nginx is stopped when the context ends.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			done := make(chan result, 1)
			go func() {
				args := append(append([]string{"record", "-q", "-o", pol}, flags...), "--")
				code, out, errOut := sccCtx(ctx, append(args, argv...)...)
				done <- result{code, out, errOut}
			}()
			body, err := serveOne(t, dir, port)
			require.NoError(t, err)
			assert.Equal(t, "200 recorded nginx\n", body)
			r := <-done
			require.Equal(t, 0, r.code, r.stderr)
			src, err := os.ReadFile(pol)
			require.NoError(t, err)
			assert.Contains(t, string(src), "allow accept4")
			if len(flags) > 0 {
				assert.Regexp(t, `allow socket if \(family == AF_UNIX \|\| family == AF_INET\) && `, string(src))
				assert.Contains(t, string(src), "allow setsockopt if (level == SOL_SOCKET")
			}
			os.Remove(filepath.Join(dir, "n.pid"))

			// The same server under the recorded policy.
			port = freePort(t)
			conf = nginxConf(t, dir, port)
			under := make(chan result, 1)
			go func() {
				code, out, errOut := sccCtx(ctx, append([]string{"run", pol, "--"}, argv...)...)
				under <- result{code, out, errOut}
			}()
			body, err = serveOne(t, dir, port)
			require.NoError(t, err)
			assert.Equal(t, "200 recorded nginx\n", body, "under\n%s", src)
			u := <-under
			assert.Equal(t, 0, u.code, "nginx under its policy: %s", u.stderr)
			assert.NotContains(t, u.stderr, "warning")
		})
	}
}

func TestRecordMerge(t *testing.T) {
	needRecord(t, "/bin/ls", "/bin/cat")
	path, _ := recordTo(t, "app.pol", []string{"--for", "none"}, "/bin/ls", "/")
	hosts := "/etc/hostname"
	if _, err := os.Stat(hosts); err != nil {
		hosts = "/etc/passwd"
	}
	// A hand edit: a comment and a rule that must survive the merge.
	old, err := os.ReadFile(path)
	require.NoError(t, err)
	edited := string(old) + "\n# hand-written: uname for the banner\nallow uname  # keep\n\n# the last line, hand-written\n"
	require.NoError(t, os.WriteFile(path, []byte(edited), 0o644))

	code, _, errOut := scc(t, "", "record", "-q", "--merge", path, "--", "/bin/cat", hosts)
	require.Equal(t, 0, code, errOut)
	merged, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(merged), string(old)), "the old policy comes first, unchanged")
	assert.Contains(t, string(merged), "# hand-written: uname for the banner\nallow uname  # keep\n")
	assert.True(t, strings.HasSuffix(string(merged), "\n# the last line, hand-written\n"), "a comment after the last rule stays last")
	assert.Contains(t, string(merged), "# added by scc record (")
	assert.Contains(t, string(merged), "execve  # ", "--for scc (the default) is added in the merge")
	assert.Equal(t, 1, strings.Count(string(merged), "allow openat "), "openat was already allowed")

	for _, argv := range [][]string{{"/bin/ls", "/"}, {"/bin/cat", hosts}} {
		want, _ := plain(t, argv...)
		r := runUnder(t, path, argv...)
		assert.Equal(t, 0, r.status, "%v: %s\n%s", argv, r.stderr, merged)
		assert.Equal(t, want, r.stdout, "%v", argv)
	}

	// -o leaves the merged-from file alone.
	other := filepath.Join(t.TempDir(), "other.pol")
	code, _, errOut = scc(t, "", "record", "-q", "--merge", path, "-o", other, "--", "/bin/true")
	require.Equal(t, 0, code, errOut)
	again, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(merged), string(again))
	assert.FileExists(t, other)
}

func TestRecordProfile(t *testing.T) {
	needRecord(t, "/bin/ls")
	dir := t.TempDir()
	freq := filepath.Join(dir, "ls.freq")
	code, _, errOut := scc(t, "", "record", "-q", "-o", filepath.Join(dir, "ls.pol"), "--profile", freq, "--", "/bin/ls", "/")
	require.Equal(t, 0, code, errOut)
	f, err := os.Open(freq)
	require.NoError(t, err)
	defer f.Close()
	rec, err := record.ReadProfile(f)
	require.NoError(t, err)
	host := syscalls.Host()
	nr, _ := host.Nr("execve")
	require.Contains(t, rec.Calls, record.Key{AuditArch: host.AuditArch, Nr: nr})
	assert.Equal(t, uint64(1), rec.Calls[record.Key{AuditArch: host.AuditArch, Nr: nr}].Count)
}

// The policy is written before the profile: a profile that cannot be
// written after the recording (here the program removes its folder) does
// not cost the recording's policy.
func TestRecordPolicyBeforeProfile(t *testing.T) {
	needRecord(t, "/bin/rmdir")
	dir := t.TempDir()
	gone := filepath.Join(dir, "gone")
	require.NoError(t, os.Mkdir(gone, 0o755))
	pol := filepath.Join(dir, "p.pol")
	code, _, errOut := scc(t, "", "record", "-q", "-o", pol, "--profile", filepath.Join(gone, "p.freq"), "--", "/bin/rmdir", gone)
	assert.Equal(t, 1, code, errOut)
	assert.Contains(t, errOut, gone)
	assert.FileExists(t, pol)
}

// TestRecordToStdout: without -o the policy is stdout and nothing else;
// the program's own output goes to stderr.
func TestRecordToStdout(t *testing.T) {
	needRecord(t, "/bin/sh")
	code, out, errOut := scc(t, "", "record", "--", "/bin/sh", "-c", "echo from-the-program")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "from-the-program")
	assert.NotContains(t, out, "\nfrom-the-program\n")
	assert.Contains(t, errOut, "scc record: ", "a progress line without -q")
	_, diags := resolve.Load("stdout.pol", []byte(out), resolve.Options{})
	require.NoError(t, diags.Err(), out)
	assert.Contains(t, out, "allow execve")
}

// TestRecordFailingProgram: a program that fails or dies still gets its
// policy, with a warning, and scc exits with its status.
func TestRecordFailingProgram(t *testing.T) {
	needRecord(t, "/bin/sh")
	for _, tc := range []struct {
		script, warning string
		code            int
	}{
		{"ls / >/dev/null; exit 3", "exited with status 3", 3},
		{"ls / >/dev/null; kill -9 $$", "killed by signal", 128 + 9},
	} {
		pol := filepath.Join(t.TempDir(), "p.pol")
		code, _, errOut := scc(t, "", "record", "-q", "-o", pol, "--", "/bin/sh", "-c", tc.script)
		assert.Equal(t, tc.code, code, tc.script)
		assert.Contains(t, errOut, "scc record: warning: ")
		assert.Contains(t, errOut, tc.warning)
		src, err := os.ReadFile(pol)
		require.NoError(t, err, tc.script)
		assert.Contains(t, string(src), "allow getdents64", "ls ran in a child before the end")
	}
}

// TestRecordInterrupted: cancelling (what Ctrl-C does) stops the program
// and still writes what was seen.
func TestRecordInterrupted(t *testing.T) {
	needRecord(t, "/bin/sh")
	pol := filepath.Join(t.TempDir(), "p.pol")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(500*time.Millisecond, cancel)
	var out, errOut bytes.Buffer
	root := newRoot(strings.NewReader(""), &out, &errOut)
	root.SetArgs([]string{"record", "-q", "-o", pol, "--", "/bin/sh", "-c", "ls / >/dev/null; sleep 30"})
	start := time.Now()
	err := root.ExecuteContext(ctx)
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.Equal(t, exitError{130}, err)
	assert.Contains(t, errOut.String(), "interrupted")
	src, err := os.ReadFile(pol)
	require.NoError(t, err)
	assert.Contains(t, string(src), "allow getdents64")
}

// TestRecordSIGINT: the signal a terminal's Ctrl-C sends reaches scc, which
// stops the program instead of dying. The test sends it to itself once
// the recording has reported progress and run for a while.
func TestRecordSIGINT(t *testing.T) {
	needRecord(t, "/bin/sh")
	pol := filepath.Join(t.TempDir(), "p.pol")
	stderr := &onFirstWrite{do: func() {
		time.AfterFunc(300*time.Millisecond, func() { syscall.Kill(os.Getpid(), syscall.SIGINT) })
	}}
	var out bytes.Buffer
	code := run([]string{"record", "-o", pol, "--", "/bin/sh", "-c", "while :; do echo x >/dev/null; done"},
		strings.NewReader(""), &out, stderr)
	assert.Equal(t, 130, code, stderr.String())
	src, err := os.ReadFile(pol)
	require.NoError(t, err)
	assert.Contains(t, string(src), "allow openat", "the loop's redirections were recorded")
}

type onFirstWrite struct {
	bytes.Buffer
	do   func()
	done bool
}

func (w *onFirstWrite) Write(p []byte) (int, error) {
	if !w.done {
		w.done = true
		w.do()
	}
	return w.Buffer.Write(p)
}

func TestRecordFlagErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pol")
	require.NoError(t, os.WriteFile(bad, []byte("allow reed\n"), 0o644))
	marker := filepath.Join(dir, "ran")
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--default", "allow"}, "--default allow would allow everything"},
		{[]string{"--default", "errno(ENOPE)"}, `--default "errno(ENOPE)"`},
		{[]string{"--default", "bogus"}, `--default "bogus"`},
		{[]string{"--for", "lxc"}, `--for "lxc": want scc, docker, podman, kubernetes or none`},
		{[]string{"--merge", filepath.Join(dir, "missing.pol")}, "--merge: open "},
		{[]string{"--merge", bad}, `bad.pol:1:7: unknown syscall "reed"`},
		// Outputs that cannot be written are found before the recording,
		// not after it.
		{[]string{"-o", filepath.Join(dir, "missing", "p.pol")}, "-o " + filepath.Join(dir, "missing", "p.pol") + ": stat "},
		{[]string{"-o", dir}, "-o " + dir + ": is a directory"},
		{[]string{"-o", filepath.Join(bad, "p.pol")}, "bad.pol is not a directory"},
		{[]string{"-o", filepath.Join(dir, "p.pol"), "--profile", filepath.Join(dir, "missing", "p.freq")}, "--profile " + filepath.Join(dir, "missing", "p.freq")},
		{[]string{"--profile", "-"}, "--profile -: the policy already goes to stdout"},
	} {
		args := append(append([]string{"record", "-q"}, tc.flags...), "--", "/bin/touch", marker)
		code, _, errOut := scc(t, "", args...)
		assert.Equal(t, 1, code, tc.flags)
		assert.Contains(t, errOut, tc.want, tc.flags)
		assert.NoFileExists(t, marker, "the program must not run when the flags are wrong")
	}
	code, _, errOut := scc(t, "", "record")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "requires at least 1 arg")
}

// TestRecordedPolicyParses guards the formatting round trip on a real
// recording: what scc record writes, lang.Format writes back unchanged.
func TestRecordedPolicyParses(t *testing.T) {
	needRecord(t, "/bin/ls")
	path, src := recordTo(t, "ls.pol", []string{"--args", "--for", "docker"}, "/bin/ls", "-la", "/")
	f, err := lang.Parse(path, []byte(src))
	require.NoError(t, err)
	assert.Equal(t, src, string(lang.Format(f)))
	assert.Contains(t, src, "needed by the container runtime (docker)")
}

func TestProgressLine(t *testing.T) {
	var log bytes.Buffer
	p := newProgressLine(&log)
	require.False(t, p.terminal, "a buffer is not a terminal")
	p.update(record.Progress{Syscalls: 1, Distinct: 1, Newest: []string{"execve"}})
	p.update(record.Progress{Syscalls: 50, Distinct: 9, Newest: []string{"openat", "read"}})
	p.finish()
	assert.Equal(t, "scc record: 1 syscall, 1 distinct; new: execve\n"+
		"scc record: 50 syscalls, 9 distinct; new: openat, read\n", log.String(),
		"a log gets the first line and the final count, not every update")

	var term bytes.Buffer
	p = &progressLine{w: &term, terminal: true}
	p.update(record.Progress{Syscalls: 1, Distinct: 1})
	p.update(record.Progress{Syscalls: 2, Distinct: 2})
	p.finish()
	assert.Equal(t, "\rscc record: 1 syscall, 1 distinct\x1b[K\rscc record: 2 syscalls, 2 distinct\x1b[K\n", term.String())
}

// TestRecordQuiet: the progress line (calls, distinct calls, newest names)
// and the closing "wrote" line go to stderr, and -q silences both; the
// program's own stderr still comes through.
func TestRecordQuiet(t *testing.T) {
	needRecord(t, "/bin/sh")
	argv := []string{"--", "/bin/sh", "-c", "ls / >/dev/null; echo to-stderr >&2"}
	pol := filepath.Join(t.TempDir(), "p.pol")
	code, _, errOut := scc(t, "", append([]string{"record", "-o", pol}, argv...)...)
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `(?m)^scc record: 1 syscall, 1 distinct; new: execve$`, errOut, "the first line")
	assert.Regexp(t, `(?m)^scc record: \d+ syscalls, \d+ distinct; new: (\w+, ){4}\w+$`, errOut, "the final count")
	assert.Contains(t, errOut, "scc record: wrote "+pol+" (")

	code, _, errOut = scc(t, "", append([]string{"record", "-q", "-o", pol}, argv...)...)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "to-stderr\n", errOut)
}

// TestRecordDefaults: each --default the issue names decides what a call
// the recording never saw gets when the program runs under the policy:
// mkdir fails with EPERM, kills the program, or is let through (log).
func TestRecordDefaults(t *testing.T) {
	needRecord(t, "/bin/busybox")
	for _, tc := range []struct {
		def     string
		status  int
		stderr  string
		created bool
	}{
		{"errno(EPERM)", 1, "Operation not permitted", false},
		// "killed by seccomp: mkdir" when the kernel's record of the call was
		// not dropped (it keeps about 10 in 5 s for the whole machine).
		{"kill", 128 + int(syscall.SIGSYS), "killed by ", false},
		{"log", 0, "", true},
	} {
		t.Run(tc.def, func(t *testing.T) {
			path, src := recordTo(t, "echo.pol", []string{"--default", tc.def}, "/bin/busybox", "sh", "-c", "echo hi")
			assert.Contains(t, src, "\ndefault "+tc.def+"\n")
			require.NotContains(t, src, "mkdir")
			dir := filepath.Join(t.TempDir(), "x")
			code, _, errOut := scc(t, "", "run", path, "--", "/bin/busybox", "mkdir", dir)
			assert.Equal(t, tc.status, code, errOut)
			assert.Contains(t, errOut, tc.stderr)
			if tc.created {
				assert.DirExists(t, dir)
			} else {
				assert.NoDirExists(t, dir)
			}
		})
	}
}

// spinProgram keeps two goroutines busy in loops without calls, so that on
// one P the Go runtime must preempt them with signals (SIGURG by tgkill).
const spinProgram = `package main

import (
	"fmt"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	sums := make([]int, 2)
	for i := range sums {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 300000000; j++ {
				sums[i] += j & 1
			}
		}(i)
	}
	wg.Wait()
	fmt.Println("done", sums[0] == sums[1])
}
`

// TestRecordSignalReturn: a recording that saw signal handlers installed
// allows rt_sigreturn even if no signal arrived during the run. The Go
// program is recorded without preemption signals; its policy, with getpid
// and tgkill added as when a run saw one sent (TestRecordGoProgram's runs
// do now and then), must survive the signals it gets when it runs for
// real: a denied rt_sigreturn kills a Go program with SIGTRAP (status 133)
// and no message.
func TestRecordSignalReturn(t *testing.T) {
	needRecord(t)
	prog := buildGo(t, "spin", spinProgram)

	t.Setenv("GOMAXPROCS", "1")
	t.Setenv("GODEBUG", "asyncpreemptoff=1")
	path, src := recordTo(t, "spin.pol", nil, prog)
	assert.NotContains(t, src, "allow tgkill", "no preemption signal while recording")
	assert.Contains(t, src, "allow rt_sigreturn  # not seen: returns from the signal handlers rt_sigaction installs\n")
	require.NoError(t, os.WriteFile(path, []byte(src+"\nallow getpid, tgkill\n"), 0o644))

	t.Setenv("GODEBUG", "")
	r := runUnder(t, path, prog)
	assert.Equal(t, 0, r.status, r.stderr)
	assert.Equal(t, "done true\n", r.stdout)
}
