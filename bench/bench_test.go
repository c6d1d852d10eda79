//go:build libseccomp

package bench

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/stats"
	"github.com/scc-dev/scc/syscalls"
)

const childEnv = "SCC_BENCH_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(child(spec))
	}
	os.Exit(m.Run())
}

// benchCase is a policy of the comparison.
type benchCase struct {
	name string
	src  []byte
}

func cases(t testing.TB) []benchCase {
	docker, err := DockerDefault([]string{"x86_64"}, true)
	require.NoError(t, err)
	names, err := DockerDefault([]string{"x86_64"}, false)
	require.NoError(t, err)
	all, err := DockerDefault([]string{"x86_64", "i386", "x32"}, true)
	require.NoError(t, err)
	nginx, err := os.ReadFile("../examples/nginx.pol")
	require.NoError(t, err)
	return []benchCase{
		{"Docker default, x86_64", docker},
		{"Docker default, names only, x86_64", names},
		{"examples/nginx.pol, x86_64", nginx},
		{"Docker default, x86_64+i386+x32", all},
	}
}

// loadCase resolves a policy and drops the syscalls libseccomp 2.5.4 has
// never heard of (uretprobe, cachestat...), so that both compilers get the
// same rules.
func loadCase(t testing.TB, c benchCase) *policy.Policy {
	p, diags := resolve.Load(c.name, c.src, resolve.Options{})
	require.NoError(t, diags.Err())
	KnownToLibseccomp(p)
	return p
}

// compilers are the contenders, each turning a policy into a program.
var compilers = []struct {
	name    string
	compile func(*policy.Policy) ([]bpfasm.Insn, error)
}{
	{"scc", func(p *policy.Policy) ([]bpfasm.Insn, error) { return compiler.Compile(p, compiler.Options{}) }},
	{"libseccomp -O1 (linear)", func(p *policy.Policy) ([]bpfasm.Insn, error) { return Libseccomp(p, 1) }},
	{"libseccomp -O2 (binary tree)", func(p *policy.Policy) ([]bpfasm.Insn, error) { return Libseccomp(p, 2) }},
}

type figures struct {
	length          int
	mean, allowMean float64
	max, allowMax   int
	allowed, cached int
}

// measure runs every x86_64 syscall with zero arguments through prog.
func measure(t testing.TB, prog []bpfasm.Insn) figures {
	x86, ok := syscalls.ArchByName("x86_64")
	require.True(t, ok)
	r, err := stats.Measure(prog, []*syscalls.Arch{x86})
	require.NoError(t, err)
	a := r.Arches[0]
	return figures{r.Length, a.Mean, a.AllowMean, a.Max, a.AllowMax, a.Allowed, len(a.Cached)}
}

// TestSameDecisions makes sure the comparison is between equal filters:
// on every x86_64 syscall with a few argument sets, scc's and libseccomp's
// programs return the same action (the int-typed compares differ only for
// arguments with high bits set, which these are not).
func TestSameDecisions(t *testing.T) {
	x86, _ := syscalls.ArchByName("x86_64")
	for _, c := range cases(t) {
		p := loadCase(t, c)
		var progs [][]bpfasm.Insn
		for _, cc := range compilers {
			prog, err := cc.compile(p)
			require.NoError(t, err, "%s: %s", c.name, cc.name)
			progs = append(progs, prog)
		}
		for _, s := range x86.Syscalls() {
			for _, args := range [][6]uint64{{}, {1}, {2, 1}, {0xffffffff}, {10, 3}, {0x11}} {
				d := bpfasm.Data{Arch: x86.AuditArch, Nr: int32(s.Nr), Args: args}
				want, _, err := bpfasm.Run(progs[0], &d)
				require.NoError(t, err)
				for i, prog := range progs[1:] {
					got, _, err := bpfasm.Run(prog, &d)
					require.NoError(t, err)
					require.Equal(t, policy.Action(want).String(), policy.Action(got).String(),
						"%s: %s(%#x) scc vs %s", c.name, s.Name, args, compilers[i+1].name)
				}
			}
		}
	}
}

// BenchmarkFilters reports each program's length and instructions
// executed per allowed call as metrics (the ns/op is the emulation).
func BenchmarkFilters(b *testing.B) {
	for _, c := range cases(b) {
		p := loadCase(b, c)
		for _, cc := range compilers {
			prog, err := cc.compile(p)
			require.NoError(b, err)
			b.Run(strings.ReplaceAll(c.name+"/"+cc.name, " ", "_"), func(b *testing.B) {
				var f figures
				for b.Loop() {
					f = measure(b, prog)
				}
				b.ReportMetric(float64(f.length), "insns")
				b.ReportMetric(f.allowMean, "exec/allowed")
				b.ReportMetric(float64(f.allowMax), "maxexec/allowed")
				b.ReportMetric(f.mean, "exec/call")
			})
		}
	}
}

// BenchmarkCompile times turning Docker's default profile for
// x86_64+i386+x32 into a program: scc from its IR and from source text,
// libseccomp from rule building to export.
func BenchmarkCompile(b *testing.B) {
	c := cases(b)[3]
	p := loadCase(b, c)
	b.Run("scc", func(b *testing.B) {
		for b.Loop() {
			if _, err := compiler.Compile(p, compiler.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("scc_from_source", func(b *testing.B) {
		for b.Loop() {
			p, diags := resolve.Load(c.name, c.src, resolve.Options{})
			if diags.Err() != nil {
				b.Fatal(diags.Err())
			}
			if _, err := compiler.Compile(p, compiler.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, level := range []int{1, 2} {
		b.Run(fmt.Sprintf("libseccomp_O%d", level), func(b *testing.B) {
			for b.Loop() {
				if _, err := Libseccomp(p, level); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// cpuTime is the user + system time of this process so far, every thread.
func cpuTime(t testing.TB) time.Duration {
	var ru unix.Rusage
	require.NoError(t, unix.Getrusage(unix.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// tools builds the whole-process contenders once: scc as the README
// builds it, lsexport (Go, libseccomp-golang) and its C twin lsexport-c
// (LsexportC), and writes the policy scc compiles.
func tools(t testing.TB) (scc, lsexport, lsexportC, pol string) {
	dir := t.TempDir()
	scc, lsexport, lsexportC = filepath.Join(dir, "scc"), filepath.Join(dir, "lsexport"), filepath.Join(dir, "lsexport-c")
	pol = filepath.Join(dir, "docker.pol")
	src, err := LsexportC()
	require.NoError(t, err)
	csrc := filepath.Join(dir, "lsexport.c")
	require.NoError(t, os.WriteFile(csrc, src, 0o644))
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "libseccomp").Output()
	if err != nil {
		t.Skipf("skipped: pkg-config libseccomp: %v (apt-get install libseccomp-dev pkg-config)", err)
	}
	for _, c := range []struct {
		env  []string
		argv []string
	}{
		{[]string{"CGO_ENABLED=0"}, []string{"go", "build", "-o", scc, "../cmd/scc"}},
		{nil, []string{"go", "build", "-tags", "libseccomp", "-o", lsexport, "./lsexport"}},
		{nil, append([]string{"cc", "-O2", "-o", lsexportC, csrc}, strings.Fields(string(flags))...)},
	} {
		cmd := exec.Command(c.argv[0], c.argv[1:]...)
		cmd.Env = append(os.Environ(), c.env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("skipped: cannot build %s: %v\n%s", c.argv[len(c.argv)-1], err, out)
		}
	}
	require.NoError(t, os.WriteFile(pol, cases(t)[3].src, 0o644))
	return scc, lsexport, lsexportC, pol
}

// processes are the whole-process contenders: `scc compile docker.pol -o
// docker.bpf` against two programs doing libseccomp's export of moby's
// profile, in Go (what runc and containerd do) and in C.
func processes(t testing.TB) []process {
	scc, lsexport, lsexportC, pol := tools(t)
	out := filepath.Join(t.TempDir(), "out.bpf")
	return []process{
		{"scc compile docker.pol -o docker.bpf", "scc", []string{scc, "compile", pol, "-o", out}},
		{"lsexport docker.bpf (bench/lsexport, Go)", "lsexport", []string{lsexport, out}},
		{"lsexport-c docker.bpf (bench.LsexportC, C)", "lsexport-c", []string{lsexportC, out}},
	}
}

// process is a whole-process contender.
type process struct {
	name  string // as the table shows it
	short string // in metric names
	argv  []string
}

// TestPeersAgree checks that the two libseccomp programs do the same work:
// their filters are the same bytes.
func TestPeersAgree(t *testing.T) {
	_, lsexport, lsexportC, _ := tools(t)
	dir := t.TempDir()
	var got [2][]byte
	for i, bin := range []string{lsexport, lsexportC} {
		out := filepath.Join(dir, fmt.Sprint(i))
		b, err := exec.Command(bin, out).CombinedOutput()
		require.NoError(t, err, "%s: %s", bin, b)
		got[i], err = os.ReadFile(out)
		require.NoError(t, err)
	}
	require.NotEmpty(t, got[0])
	require.Equal(t, got[0], got[1], "lsexport and lsexport-c export different filters")
}

// runProcess runs argv once and returns its wall and CPU (user + system)
// time.
func runProcess(t testing.TB, argv []string) (wall, cpu time.Duration) {
	cmd := exec.Command(argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %v: %s", argv, err, out.Bytes())
	}
	wall = time.Since(start)
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// processTimes runs the commands in turn, round after round, and returns
// the median wall and CPU time of each: interleaving makes drifts in the
// machine's load hit every command alike, and the median ignores the
// runs a burst of other work fell on.
func processTimes(t testing.TB, rounds int, procs []process) (wall, cpu []time.Duration) {
	walls := make([][]time.Duration, len(procs))
	cpus := make([][]time.Duration, len(procs))
	for range rounds {
		for i, p := range procs {
			w, c := runProcess(t, p.argv)
			walls[i], cpus[i] = append(walls[i], w), append(cpus[i], c)
		}
	}
	median := func(d []time.Duration) time.Duration {
		sort.Slice(d, func(a, b int) bool { return d[a] < d[b] })
		return d[len(d)/2]
	}
	for i := range procs {
		wall, cpu = append(wall, median(walls[i])), append(cpu, median(cpus[i]))
	}
	return wall, cpu
}

// BenchmarkProcess times the whole processes, interleaved: b.N rounds,
// each running every command once. The metrics are the medians over the
// rounds (ms of wall and CPU time per run of each) and scc's share of each
// peer's wall time; ns/op is the round.
func BenchmarkProcess(b *testing.B) {
	procs := processes(b)
	b.ResetTimer() // not the builds
	wall, cpu := processTimes(b, b.N, procs)
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	for i, p := range procs {
		b.ReportMetric(ms(wall[i]), p.short+"-wall-ms")
		b.ReportMetric(ms(cpu[i]), p.short+"-cpu-ms")
		if i > 0 {
			b.ReportMetric(ms(wall[0])/ms(wall[i]), "scc/"+p.short+"-wall")
		}
	}
}

// The runtime comparison: a child process installs one filter on its
// thread and makes one syscall N times, timing the loop. Children for the
// different filters run interleaved, round after round, so that drifts in
// the machine's speed hit them all alike; the medians are compared.

// calls are the syscalls timed: an allowed call without argument rules
// (the kernel's action cache decides it without running the filter), an
// allowed call with argument rules, and a call the filter denies.
var calls = []struct {
	name string
	nr   uintptr
	arg  uintptr
}{
	{"getppid (allowed, cacheable)", unix.SYS_GETPPID, 0},
	{"personality(0xffffffff) (argument-checked)", unix.SYS_PERSONALITY, 0xffffffff},
	{"acct(NULL) (denied)", unix.SYS_ACCT, 0},
}

func child(spec string) int {
	parts := strings.Split(spec, "|")
	call, _ := strconv.Atoi(parts[1])
	n, _ := strconv.Atoi(parts[2])
	runtime.LockOSThread()
	if parts[0] != "" {
		raw, err := os.ReadFile(parts[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 3
		}
		fprog := unix.SockFprog{Len: uint16(len(raw) / 8), Filter: (*unix.SockFilter)(unsafe.Pointer(&raw[0]))}
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 3
		}
		// SPEC_ALLOW: without it the kernel also turns on its speculative
		// store bypass mitigation for the thread, which slows every call
		// alike and is not the filter's cost.
		if _, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW, uintptr(unsafe.Pointer(&fprog))); e != 0 {
			fmt.Fprintln(os.Stderr, "seccomp:", e)
			return 3
		}
	}
	// The fastest of ten batches: preemption and other tenants of the
	// machine only ever add time.
	c := calls[call]
	best := time.Duration(1<<63 - 1)
	for range 10 {
		start := time.Now()
		for i := 0; i < n/10; i++ {
			unix.RawSyscall(c.nr, c.arg, 0, 0)
		}
		best = min(best, time.Since(start))
	}
	fmt.Printf("%.2f\n", float64(best.Nanoseconds())/float64(n/10))
	return 0
}

// runtimeFilters are the filters timed: none, scc's, libseccomp's binary
// tree, and the proof of the kernel's action cache: scc's filter behind a
// preamble of 3500 instructions that only read the number (the kernel can
// still decide getppid once at load time and then skip the filter), and
// behind the same preamble starting with a load of an argument (the
// kernel's emulation gives up: every call runs all 3500 instructions).
func runtimeFilters(t testing.TB) (names []string, files []string) {
	p := loadCase(t, cases(t)[3])
	dir := t.TempDir()
	sccProg, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err)
	lsProg, err := Libseccomp(p, 2)
	require.NoError(t, err)
	preamble := func(first uint32) []bpfasm.Insn {
		pre := []bpfasm.Insn{bpfasm.Stmt(bpfasm.LD|bpfasm.W|bpfasm.ABS, first)}
		for len(pre) < preambleLen {
			pre = append(pre, bpfasm.Jump(bpfasm.JMP|bpfasm.JEQ|bpfasm.K, 0xffffffff, 0, 0))
		}
		return append(pre, sccProg...)
	}
	cached, uncached := preamble(bpfasm.OffNr), preamble(bpfasm.ArgLo(0))
	x86, _ := syscalls.ArchByName("x86_64")
	getppid, _ := x86.Nr("getppid")
	require.True(t, stats.CacheAllows(sccProg, x86.AuditArch, getppid), "scc's filter must let the kernel cache getppid")
	require.True(t, stats.CacheAllows(cached, x86.AuditArch, getppid))
	require.False(t, stats.CacheAllows(uncached, x86.AuditArch, getppid))
	names = []string{"no filter", "scc", "libseccomp -O2", "scc + 3500-insn preamble, cacheable", "the same, cache defeated"}
	files = []string{""}
	for i, prog := range [][]bpfasm.Insn{sccProg, lsProg, cached, uncached} {
		require.NoError(t, bpfasm.Verify(prog))
		f := filepath.Join(dir, fmt.Sprintf("f%d.bpf", i))
		require.NoError(t, os.WriteFile(f, bpfasm.Encode(prog), 0o644))
		files = append(files, f)
	}
	return names, files
}

const preambleLen = 3500

// timeCalls returns the fastest ns per call of the rounds for each filter
// and call: on a shared machine noise only ever adds time.
func timeCalls(t testing.TB, files []string, rounds, n int) [][]float64 {
	samples := make([][][]float64, len(files))
	for i := range samples {
		samples[i] = make([][]float64, len(calls))
	}
	for r := 0; r < rounds; r++ {
		for c := range calls {
			for i, f := range files {
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d|%d", childEnv, f, c, n))
				out, err := cmd.Output()
				require.NoError(t, err, "child %s %d", f, c)
				v, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
				require.NoError(t, err)
				samples[i][c] = append(samples[i][c], v)
			}
		}
	}
	med := make([][]float64, len(files))
	for i := range files {
		for c := range calls {
			s := samples[i][c]
			sort.Float64s(s)
			med[i] = append(med[i], s[0])
		}
	}
	return med
}

func needSeccomp(t testing.TB) {
	if runtime.GOARCH != "amd64" {
		t.Skip("skipped: the runtime comparison uses x86_64 syscall numbers")
	}
	if err := unix.Prctl(unix.PR_GET_SECCOMP, 0, 0, 0, 0); err != nil {
		t.Skipf("skipped: no seccomp here: %v", err)
	}
}

// BenchmarkSyscall reports ns per call under each filter (the fastest of
// interleaved rounds of children); one iteration takes many seconds.
func BenchmarkSyscall(b *testing.B) {
	needSeccomp(b)
	names, files := runtimeFilters(b)
	for b.Loop() {
		med := timeCalls(b, files, 5, 200_000)
		for i := range names {
			for c := range calls {
				b.ReportMetric(med[i][c], fmt.Sprintf("ns/%s/%s", strings.Fields(calls[c].name)[0], strings.ReplaceAll(names[i], " ", "_")))
			}
		}
	}
}

// TestWriteTable writes the comparison table (make bench). It is skipped
// unless SCC_BENCH_TABLE names the output file.
func TestWriteTable(t *testing.T) {
	out := os.Getenv("SCC_BENCH_TABLE")
	if out == "" {
		t.Skip("skipped: set SCC_BENCH_TABLE=FILE to write the comparison table (make bench does)")
	}
	var b bytes.Buffer
	major, minor, micro := seccompVersion()
	fmt.Fprintf(&b, "<!-- written by `make bench` (bench/bench_test.go TestWriteTable); libseccomp %d.%d.%d, %s, %d CPUs -->\n\n", major, minor, micro, runtime.Version(), runtime.NumCPU())
	fmt.Fprintf(&b, "### Program size and instructions executed\n\nEvery x86_64 syscall number of scc's table, all arguments zero, run through the emulator.\n\n")
	fmt.Fprintf(&b, "| policy | compiler | length | executed per allowed call: mean (max) | per call, all syscalls | allowed / cached by the kernel |\n|---|---|---:|---:|---:|---:|\n")
	for _, c := range cases(t) {
		p := loadCase(t, c)
		for _, cc := range compilers {
			prog, err := cc.compile(p)
			require.NoError(t, err)
			f := measure(t, prog)
			fmt.Fprintf(&b, "| %s | %s | %d | %.2f (%d) | %.2f | %d / %d |\n", c.name, cc.name, f.length, f.allowMean, f.allowMax, f.mean, f.allowed, f.cached)
		}
	}

	fmt.Fprintf(&b, "\n### Compile time, Docker's default profile for x86_64+i386+x32\n\nWall time per compile (Go benchmark) and CPU time per compile (user + system of the whole test process over the benchmark, garbage collection included, divided by the compiles).\n\n| what | wall | ratio to scc | CPU | ratio to scc |\n|---|---:|---:|---:|---:|\n")
	c := cases(t)[3]
	p := loadCase(t, c)
	timed := []struct {
		name string
		f    func() error
	}{
		{"scc library: compiler.Compile (IR to program)", func() error { _, err := compiler.Compile(p, compiler.Options{}); return err }},
		{"scc library: parse + resolve + compile", func() error {
			p, diags := resolve.Load(c.name, c.src, resolve.Options{})
			if diags.Err() != nil {
				return diags.Err()
			}
			_, err := compiler.Compile(p, compiler.Options{})
			return err
		}},
		{"libseccomp -O2: build rules + export", func() error { _, err := Libseccomp(p, 2); return err }},
	}
	var base, cpuBase float64
	for i, tc := range timed {
		calls := 0
		before := cpuTime(t)
		r := testing.Benchmark(func(b *testing.B) {
			for b.Loop() {
				calls++
				if err := tc.f(); err != nil {
					b.Fatal(err)
				}
			}
		})
		cpu := float64(cpuTime(t)-before) / float64(calls)
		ns := float64(r.NsPerOp())
		if i == 0 {
			base, cpuBase = ns, cpu
		}
		fmt.Fprintf(&b, "| %s | %s | %.1f | %s | %.1f |\n", tc.name, time.Duration(ns).Round(time.Microsecond), ns/base,
			time.Duration(cpu).Round(time.Microsecond), cpu/cpuBase)
	}

	procs := processes(t)
	const rounds = 41
	wall, cpu := processTimes(t, rounds, procs)
	fmt.Fprintf(&b, "\n### Whole process, Docker's default profile for x86_64+i386+x32\n\nThe commands run in turn, %d rounds; medians of wall time and of CPU time (user + system, all threads).\n\n| command | wall | ratio to scc | CPU | ratio to scc |\n|---|---:|---:|---:|---:|\n", rounds)
	for i, p := range procs {
		fmt.Fprintf(&b, "| `%s` | %s | %.2f | %s | %.2f |\n", p.name, wall[i].Round(10*time.Microsecond), float64(wall[i])/float64(wall[0]),
			cpu[i].Round(10*time.Microsecond), float64(cpu[i])/float64(cpu[0]))
	}

	needSeccomp(t)
	names, files := runtimeFilters(t)
	med := timeCalls(t, files, 9, 200_000)
	fmt.Fprintf(&b, "\n### Syscall cost under Docker's default (x86_64+i386+x32), ns per call\n\nEach child process installs one filter (with SECCOMP_FILTER_FLAG_SPEC_ALLOW, so that the kernel's speculation mitigation does not blur the filter's own cost) and times ten batches of 20000 calls; the table gives the fastest batch of the fastest of 9 interleaved rounds (noise only adds time). Ratios to the unfiltered call in brackets.\n\n| call |")
	for _, n := range names {
		fmt.Fprintf(&b, " %s |", n)
	}
	fmt.Fprintf(&b, "\n|---|%s\n", strings.Repeat("---:|", len(names)))
	for c := range calls {
		fmt.Fprintf(&b, "| %s |", calls[c].name)
		for i := range names {
			fmt.Fprintf(&b, " %.1f (%.2f) |", med[i][c], med[i][c]/med[0][c])
		}
		fmt.Fprintln(&b)
	}
	require.NoError(t, os.WriteFile(out, b.Bytes(), 0o644))
	t.Logf("wrote %s:\n%s", out, b.String())
}
