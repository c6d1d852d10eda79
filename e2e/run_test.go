// Package e2e runs the scc binary on real programs: scc run under the
// example policies with coreutils, busybox, nginx, a static Go program, and
// the failure paths. It builds scc once, in TestMain.
package e2e

import (
	"context"
	"debug/elf"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/syscalls"
)

// sccBin is the scc binary under test, built by TestMain.
var sccBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "scc-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sccBin = filepath.Join(dir, "scc")
	// Built as the README builds it.
	build := exec.Command(goTool(), "build", "-o", sccBin, "github.com/scc-dev/scc/cmd/scc")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building scc:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// scc runs the scc binary with a time limit and returns its exit status and
// output.
func scc(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return execute(t, 20*time.Second, nil, sccBin, args...)
}

// execute runs a program with a time limit, extra as its descriptors 3, 4,
// ..., and returns its exit status and output. Not finishing in time fails
// the test.
func execute(t *testing.T, limit time.Duration, extra []*os.File, name string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.ExtraFiles = extra
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "%s %v did not finish in time; stderr: %s", name, args, errOut.String())
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return code, out.String(), errOut.String()
}

func example(name string) string { return filepath.Join("..", "examples", name) }

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (.ci/run installs it)", tool)
		}
	}
}

// The talk's read-only open: reading works, every way of opening for
// writing fails with the policy's EACCES, and no file appears.
func TestReadOnly(t *testing.T) {
	dir := t.TempDir()
	src := writeFile(t, dir, "in.txt", "hello\n")
	code, out, errOut := scc(t, "run", example("readonly.pol"), "--", "cat", src)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "hello\n", out)

	for _, argv := range [][]string{
		{"sh", "-c", "echo x > " + filepath.Join(dir, "f")},
		{"touch", filepath.Join(dir, "f")},
		{"cp", src, filepath.Join(dir, "f")},
	} {
		code, _, errOut := scc(t, append([]string{"run", example("readonly.pol"), "--"}, argv...)...)
		assert.NotEqual(t, 0, code, "%v", argv)
		assert.Contains(t, errOut, "Permission denied", "%v: EACCES", argv)
		assert.NoFileExists(t, filepath.Join(dir, "f"), "%v", argv)
	}

	// The same filter compiled ahead of time and run with -f.
	bpf := filepath.Join(dir, "readonly.bpf")
	code, _, errOut = scc(t, "compile", example("readonly.pol"), "-o", bpf)
	require.Equal(t, 0, code, errOut)
	code, out, errOut = scc(t, "run", "-f", bpf, "--", "cat", src)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "hello\n", out)
	code, _, errOut = scc(t, "run", "-f", bpf, "--", "touch", filepath.Join(dir, "f"))
	assert.Equal(t, 1, code, errOut)
	assert.Contains(t, errOut, "Permission denied")
	assert.NoFileExists(t, filepath.Join(dir, "f"))
}

// The talk's shell that cannot fork: builtins run, a program does not.
func TestNoFork(t *testing.T) {
	need(t, "busybox")
	dir := t.TempDir()
	// `ls; ...` forks for ls. A lone applet (`sh -c ls`) would be exec'd
	// without a fork, and run.
	code, out, errOut := scc(t, "run", example("nofork.pol"), "--",
		"busybox", "sh", "-c", "echo builtin; cd "+dir+"; pwd; ls /; echo after")
	assert.NotEqual(t, 0, code)
	assert.Equal(t, "builtin\n"+dir+"\n", out, "echo, cd and pwd are builtins; ls never ran")
	assert.Contains(t, errOut, "can't fork: Operation not permitted")

	// Without the policy the same line forks and runs ls.
	out2, err := exec.Command("busybox", "sh", "-c", "ls / >/dev/null; echo after").Output()
	require.NoError(t, err)
	require.Equal(t, "after\n", string(out2))

	// docs/run.md's example, as printed there, and its caveat: the last
	// command is exec'd without a fork, so a trailing ls does run.
	code, out, errOut = scc(t, "run", example("nofork.pol"), "--", "busybox", "sh", "-c", "echo hi; ls; echo bye")
	assert.Equal(t, 2, code, errOut)
	assert.Equal(t, "hi\n", out)
	assert.Equal(t, "sh: can't fork: Operation not permitted\n", errOut)
	code, out, errOut = scc(t, "run", example("nofork.pol"), "--", "busybox", "sh", "-c", "echo hi; cd "+dir+"; ls /")
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "proc\n")
}

// nginx from Debian, under examples/nginx.pol, serves a page; the calls the
// policy denies are denied (mkdir answered EEXIST, unlink EPERM).
func TestNginx(t *testing.T) {
	need(t, "nginx")
	if os.Geteuid() != 0 {
		t.Skip("nginx's master switches to the worker user: run as root")
	}
	// The worker runs as nobody: everything it reads must be world-readable.
	dir, err := os.MkdirTemp("", "scc-nginx")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	for _, d := range []string{"www", "tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	writeFile(t, dir, "www/index.html", "<h1>served under scc</h1>\n")
	port := freePort(t)
	conf := writeFile(t, dir, "nginx.conf", fmt.Sprintf(`daemon off;
master_process on;
worker_processes 1;
error_log %[1]s/error.log;
pid %[1]s/nginx.pid;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path %[1]s/tmp/body;
	proxy_temp_path %[1]s/tmp/proxy;
	fastcgi_temp_path %[1]s/tmp/fastcgi;
	uwsgi_temp_path %[1]s/tmp/uwsgi;
	scgi_temp_path %[1]s/tmp/scgi;
	server { listen 127.0.0.1:%[2]d; root %[1]s/www; }
}
`, dir, port))

	nginx := []string{"run", example("nginx.pol"), "--", "nginx", "-c", conf, "-e", filepath.Join(dir, "error.log")}

	// scgi's directory is missing: without the policy nginx would create
	// it. Under it mkdir "succeeds" with EEXIST, nginx's check of the
	// directory finds nothing, and it stops before serving.
	code, _, errOut := scc(t, nginx...)
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, fmt.Sprintf(`stat() "%s/tmp/scgi" failed (2: No such file or directory)`, dir))
	require.NoDirExists(t, filepath.Join(dir, "tmp/scgi"))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "tmp/scgi"), 0o755))
	require.NoError(t, os.Remove(filepath.Join(dir, "error.log")))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sccBin, nginx...)
	var runErr strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &runErr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			cmd.Process.Kill()
			<-exited
		}
	}()

	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	body := getUntil(t, url, exited, &runErr)
	require.Equal(t, "<h1>served under scc</h1>\n", body)
	resp, err := http.Get(url + "missing.html")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode)

	// A reload (SIGHUP: new workers, new channels) works under the policy.
	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, "<h1>served under scc</h1>\n", getUntil(t, url, exited, &runErr))

	// scc passes SIGQUIT on: nginx stops gracefully and scc exits 0.
	require.NoError(t, cmd.Process.Signal(syscall.SIGQUIT))
	select {
	case err := <-exited:
		stopped = true
		require.NoError(t, err, runErr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("nginx did not stop within 10 s of SIGQUIT")
	}
	// On exit nginx removes its pid file: the policy denies unlink.
	log, err := os.ReadFile(filepath.Join(dir, "error.log"))
	require.NoError(t, err)
	assert.Contains(t, string(log), fmt.Sprintf(`unlink() "%s/nginx.pid" failed (1: Operation not permitted)`, dir))
	assert.FileExists(t, filepath.Join(dir, "nginx.pid"))
	assert.NotContains(t, string(log), "[emerg]")
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// getUntil polls url until it answers 200 (nginx takes a moment to listen),
// failing early if scc exits.
func getUntil(t *testing.T, url string, exited chan error, errOut *strings.Builder) string {
	t.Helper()
	client := http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := client.Get(url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
			return string(b)
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("scc run exited before nginx served (%v): %s", err, errOut.String())
		default:
		}
		require.True(t, time.Now().Before(deadline), "nginx did not answer within 10 s: %v", err)
		time.Sleep(50 * time.Millisecond)
	}
}

// A static Go program (its own syscalls, no libc) and a glibc program run
// under the same small policy; its denials reach both with the policy's errno.
func TestStaticGoAndGlibc(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "go.mod", "module hello\n\ngo 1.21\n")
	writeFile(t, dir, "main.go", `package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("hello from static Go")
	if err := os.Mkdir(os.Args[1], 0o755); err != nil {
		fmt.Println(err)
		os.Exit(3)
	}
}
`)
	bin := filepath.Join(dir, "hello")
	build := exec.Command(goTool(), "build", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	f, err := elf.Open(bin)
	require.NoError(t, err)
	for _, p := range f.Progs {
		require.NotEqual(t, elf.PT_INTERP, p.Type, "the Go program must be statically linked")
	}
	f.Close()

	pol := writeFile(t, dir, "small.pol", `default allow
# Nothing may create or remove directory entries.
errno(EROFS) mkdir, mkdirat, unlink, unlinkat, rename, renameat, renameat2
`)
	target := filepath.Join(dir, "newdir")
	code, stdout, errOut := scc(t, "run", pol, "--", bin, target)
	assert.Equal(t, 3, code, errOut)
	assert.Equal(t, "hello from static Go\nmkdir "+target+": read-only file system\n", stdout)

	code, stdout, errOut = scc(t, "run", pol, "--", "/bin/cat", pol)
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, stdout, "errno(EROFS) mkdir")
	code, _, errOut = scc(t, "run", pol, "--", "/bin/mkdir", target)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "Read-only file system")
	code, _, errOut = scc(t, "run", pol, "--", "/bin/rm", pol)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "Read-only file system")
	assert.NoDirExists(t, target)
	assert.FileExists(t, pol)
}

// Fail closed: whatever goes wrong before exec, the command never runs.
func TestFailClosed(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "marker")
	// ld [1000]: seccomp_data is 64 bytes, the kernel refuses the load.
	badBPF := filepath.Join(dir, "bad.bpf")
	require.NoError(t, os.WriteFile(badBPF, []byte{0x20, 0, 0, 0, 0xe8, 0x03, 0, 0, 0x06, 0, 0, 0, 0, 0, 0xff, 0x7f}, 0o644))
	// A policy that resolves but does not compile: 3000 two-argument
	// rules on one call are far beyond the kernel's 4096 instructions.
	var huge strings.Builder
	huge.WriteString("default allow\n")
	for i := 1; i <= 3000; i++ {
		fmt.Fprintf(&huge, "errno(EPERM) write if fd == %d && count == %d\n", 7*i, i)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"syntax error", []string{writeFile(t, dir, "syntax.pol", "default allow\nallow read if fd ==\n")}, 125, "syntax.pol:3:1:"},
		{"unknown syscall", []string{writeFile(t, dir, "unknown.pol", "default allow\nallow reed\n")}, 125, `unknown.pol:2:7: unknown syscall "reed"`},
		{"kernel rejects", []string{"-f", badBPF}, 125, "invalid argument (the kernel rejected the program)"},
		{"truncated filter", []string{"-f", writeFile(t, dir, "short.bpf", "1234567")}, 125, "not a multiple of 8"},
		{"execve denied", []string{writeFile(t, dir, "noexec.pol", "default allow\nerrno(EPERM) execve\n")}, 125, "add `allow execve`"},
		{"too long to compile", []string{writeFile(t, dir, "huge.pol", huge.String())}, 125, "huge.pol: bpfasm: program has"},
		{"missing policy", []string{filepath.Join(dir, "nope.pol")}, 125, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"run"}, tc.args...), "--", "touch", marker)
			code, _, errOut := scc(t, args...)
			assert.Equal(t, tc.code, code, errOut)
			assert.Contains(t, errOut, tc.want)
			assert.NoFileExists(t, marker, "the command ran")
		})
	}
}

// A seccomp kill or trap ends the command with SIGSYS (159), and scc names
// the call from the kernel's audit record.
func TestSigsysExplained(t *testing.T) {
	host := syscalls.Host()
	require.NotNil(t, host, "scc does not know this machine's ABI")
	nr, ok := host.Nr("mkdir")
	if !ok {
		t.Skipf("%s has no mkdir system call (coreutils calls mkdirat there)", host.Name)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name, src string
		flags     []string
		action    string
	}{
		{"kill", "default allow\nkill mkdir\n", nil, "kill"},
		{"trap", "default allow\ntrap mkdir\n", []string{"--log"}, "trap"}, // the kernel logs traps only with LOG
		{"kill on violation", "default allow\nerrno(EPERM) mkdir\n", []string{"--kill-on-violation"}, "kill"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pol := writeFile(t, dir, tc.name+".pol", tc.src)
			args := append(append([]string{"run"}, tc.flags...), pol, "--", "mkdir", filepath.Join(dir, "d"))
			code, errOut := sigsysRun(t, args)
			require.Equal(t, 159, code, errOut)
			assert.NoDirExists(t, filepath.Join(dir, "d"))
			if os.Geteuid() != 0 {
				t.Skip("only root can read the kernel's record of the call (/dev/kmsg)")
			}
			assert.Contains(t, errOut, fmt.Sprintf("scc run: killed by seccomp: mkdir (%s syscall %d, action %s)", host.Name, nr, tc.action))
		})
	}
}

// sigsysRun runs scc, and runs it again when the kernel's record was lost:
// the kernel prints at most about 10 records in 5 s, for the whole machine,
// so other tests' kills can use the budget up.
func sigsysRun(t *testing.T, args []string) (int, string) {
	for attempt := 0; ; attempt++ {
		code, _, errOut := scc(t, args...)
		if os.Geteuid() != 0 || !strings.Contains(errOut, "record of the call was not found") || attempt == 2 {
			return code, errOut
		}
		t.Logf("the kernel's record was dropped (rate limit); retrying in 5 s")
		time.Sleep(5500 * time.Millisecond)
	}
}

// notify rules make scc the supervisor: it logs each call and lets it run,
// or fails it with the errno asked for.
func TestNotifyAudit(t *testing.T) {
	dir := t.TempDir()
	pol := writeFile(t, dir, "audit.pol", "default allow\nnotify mkdir, unlink\n")
	target := filepath.Join(dir, "made")

	code, _, errOut := scc(t, "run", "--notify=allow", pol, "--", "mkdir", "-m", "700", target)
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `scc run: notify: pid \d+: mkdir\("`+target+`", 0700\): allowed`, errOut)
	assert.DirExists(t, target)

	other := filepath.Join(dir, "denied")
	code, _, errOut = scc(t, "run", "--notify=deny", pol, "--", "mkdir", other)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, `mkdir("`+other+`", 0777): denied with EPERM`)
	assert.Contains(t, errOut, "Operation not permitted")
	assert.NoDirExists(t, other)

	file := writeFile(t, dir, "keep", "x")
	code, _, errOut = scc(t, "run", "--notify=deny:ENOENT", pol, "--", "sh", "-c", "unlink "+file)
	assert.NotEqual(t, 0, code)
	assert.Contains(t, errOut, `unlink("`+file+`"): denied with ENOENT`)
	assert.Contains(t, errOut, "No such file or directory")
	assert.FileExists(t, file)

	// execve's argv is listed, its environment counted: the helper's own
	// exec of sh, then sh's exec of true.
	execPol := writeFile(t, dir, "exec.pol", "default allow\nnotify execve\n")
	code, _, errOut = scc(t, "run", "--notify=allow", execPol, "--", "sh", "-c", "exec /bin/true a 'b c'")
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `scc run: notify: pid \d+: execve\("/(usr/)?bin/sh", \["sh", "-c", "exec /bin/true a 'b c'"\], \[\d+ vars\]\): allowed`, errOut)
	assert.Regexp(t, `scc run: notify: pid \d+: execve\("/bin/true", \["/bin/true", "a", "b c"\], \[\d+ vars\]\): allowed`, errOut)

	// Without --notify there is nobody to answer: scc refuses to start.
	code, _, errOut = scc(t, "run", pol, "--", "mkdir", other)
	assert.Equal(t, 125, code)
	assert.Contains(t, errOut, "--notify=allow or --notify=deny")
}

// scc run is the command's supervisor (its exit status, the SIGSYS line,
// the notify answers): when scc is killed outright, the command dies with
// it instead of running on unsupervised, where notified calls would fail
// with ENOSYS instead of getting the answer --notify asked for.
func TestCommandDiesWithSupervisor(t *testing.T) {
	need(t, "sleep")
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	pol := writeFile(t, dir, "audit.pol", "default allow\nnotify mkdir\n")
	cmd := exec.Command(sccBin, "run", "--notify=allow", pol, "--", "sh", "-c", "echo $$ > "+pidFile+"; exec sleep 30")
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { cmd.Process.Kill(); <-exited }()

	var pid int
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(pidFile)
		if err != nil || !strings.HasSuffix(string(b), "\n") {
			return false
		}
		_, err = fmt.Sscan(string(b), &pid)
		return err == nil && procState(pid) != "" && commOf(pid) == "sleep"
	}, 10*time.Second, 10*time.Millisecond, "the command did not start")
	// Kill the command ourselves if the test fails: it is not our child.
	defer syscall.Kill(pid, syscall.SIGKILL)

	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	<-exited
	exited <- nil
	// Gone, or a zombie waiting for whoever inherited it.
	require.Eventually(t, func() bool { s := procState(pid); return s == "" || s == "Z" || s == "X" },
		5*time.Second, 10*time.Millisecond, "the command (pid %d) still runs after scc was killed: state %s", pid, procState(pid))
}

// procState is the state letter of a process (R, S, Z, …), "" when it is gone.
func procState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	_, rest, ok := strings.Cut(string(b), ") ") // comm may hold spaces
	if !ok || rest == "" {
		return ""
	}
	return rest[:1]
}

func commOf(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}

// The kernel flags reach seccomp(2) as asked, seen from outside with
// strace: TSYNC (and TSYNC_ESRCH) always, LOG for --log, SPEC_ALLOW for
// --spec-allow, NEW_LISTENER and WAIT_KILLABLE_RECV when the policy has
// notify rules. SPEC_ALLOW
// changes nothing visible on a machine whose store-bypass mitigation is off
// (/sys/devices/system/cpu/vulnerabilities/spec_store_bypass), so the call
// itself is the evidence.
func TestKernelFlags(t *testing.T) {
	need(t, "strace")
	dir := t.TempDir()
	plain := writeFile(t, dir, "plain.pol", "default allow\nerrno(EPERM) mkdir\n")
	notify := writeFile(t, dir, "notify.pol", "default allow\nnotify mkdir\n")
	const always = "SECCOMP_FILTER_FLAG_TSYNC|SECCOMP_FILTER_FLAG_TSYNC_ESRCH"
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{plain}, nil},
		{[]string{"--log", plain}, []string{"SECCOMP_FILTER_FLAG_LOG"}},
		{[]string{"--spec-allow", plain}, []string{"SECCOMP_FILTER_FLAG_SPEC_ALLOW"}},
		{[]string{"--log", "--spec-allow", plain}, []string{"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"}},
		{[]string{"--notify=allow", notify}, []string{"SECCOMP_FILTER_FLAG_NEW_LISTENER", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}},
	} {
		name := strings.Join(tc.args[:len(tc.args)-1], " ")
		if name == "" {
			name = "no flags"
		}
		t.Run(name, func(t *testing.T) {
			trace := filepath.Join(dir, "trace")
			args := append([]string{"-f", "-qq", "-e", "trace=seccomp", "-e", "signal=none", "-o", trace, sccBin, "run"}, tc.args...)
			code, _, errOut := execute(t, 20*time.Second, nil, "strace", append(args, "--", "true")...)
			require.Equal(t, 0, code, errOut)
			b, err := os.ReadFile(trace)
			require.NoError(t, err)
			var calls []string
			for _, line := range strings.Split(string(b), "\n") {
				if strings.Contains(line, "seccomp(SECCOMP_SET_MODE_FILTER") {
					calls = append(calls, line)
				}
			}
			require.Len(t, calls, 1, "one install: %s", b)
			_, call, _ := strings.Cut(calls[0], "SECCOMP_SET_MODE_FILTER, ")
			flags, rest, _ := strings.Cut(call, ", ")
			assert.ElementsMatch(t, append(strings.Split(always, "|"), tc.want...), strings.Split(flags, "|"), calls[0])
			assert.Regexp(t, `\) = \d+$`, rest, "the kernel accepted it")
		})
	}
}

// The command itself carries the filter, once, with no_new_privs: the
// kernel's own account in /proc/PID/status, against the same command's
// without scc (a machine that runs the tests under a filter already has
// some).
func TestCommandIsFiltered(t *testing.T) {
	own, err := exec.Command("cat", "/proc/self/status").Output()
	require.NoError(t, err)
	code, out, errOut := scc(t, "run", example("readonly.pol"), "--", "cat", "/proc/self/status")
	require.Equal(t, 0, code, errOut)
	filters := func(status string) int {
		_, rest, ok := strings.Cut(status, "Seccomp_filters:\t")
		require.True(t, ok, "no Seccomp_filters line: %s", status)
		var n int
		_, err := fmt.Sscan(rest, &n)
		require.NoError(t, err)
		return n
	}
	assert.Equal(t, filters(string(own))+1, filters(out))
	assert.Contains(t, out, "NoNewPrivs:\t1\n")
	assert.Contains(t, out, "Seccomp:\t2\n")
}
