package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/syscalls"
)

// disasmLine is the format scc disasm promises: index, opcode, jt, jf, k,
// then the statement.
var disasmLine = regexp.MustCompile(`^ *(\d+): 0x([0-9a-f]{2,4}) 0x([0-9a-f]{2}) 0x([0-9a-f]{2}) 0x([0-9a-f]{8})  (.+)$`)

func compiledExample(t *testing.T, name string) []bpfasm.Insn {
	t.Helper()
	p, diags := resolve.LoadFile(filepath.Join("../../examples", name), resolve.Options{})
	require.NoError(t, diags.Err())
	prog, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err)
	return prog
}

// TestDisasmLineFormat holds every line of scc disasm to the decoded
// instruction it stands for, and its jump targets to the absolute indexes
// the kernel would jump to.
func TestDisasmLineFormat(t *testing.T) {
	for _, example := range []string{"readonly.pol", "nofork.pol", "nginx.pol"} {
		t.Run(example, func(t *testing.T) {
			prog := compiledExample(t, example)
			bpf := filepath.Join(t.TempDir(), "f.bpf")
			require.NoError(t, os.WriteFile(bpf, bpfasm.Encode(prog), 0o644))
			code, out, errOut := scc(t, "", "disasm", bpf)
			require.Equal(t, 0, code, errOut)
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			require.Len(t, lines, len(prog))
			for i, line := range lines {
				m := disasmLine.FindStringSubmatch(line)
				require.NotNil(t, m, "line %d: %q", i, line)
				field := func(j int) uint64 {
					v, err := strconv.ParseUint(m[j], 16, 32)
					require.NoError(t, err)
					return v
				}
				require.Equal(t, strconv.Itoa(i), m[1], line)
				in := prog[i]
				require.Equal(t, []uint64{uint64(in.Op), uint64(in.Jt), uint64(in.Jf), uint64(in.K)},
					[]uint64{field(2), field(3), field(4), field(5)}, line)
				if in.Op&0x07 == bpfasm.JMP && in.Op != bpfasm.JMP|bpfasm.JA {
					require.True(t, strings.HasSuffix(m[6], fmt.Sprintf(", %d, %d", i+1+int(in.Jt), i+1+int(in.Jf))),
						"line %d: targets must be absolute: %q", i, line)
				}
			}
			require.Contains(t, out, "ld arch")
			require.Contains(t, out, "jeq AUDIT_ARCH_X86_64, ")
			require.Contains(t, out, "ret kill")
		})
	}
	code, out, errOut := scc(t, "", "compile", "../../examples/readonly.pol", "-o", "-", "-f", "bpf")
	require.Equal(t, 0, code, errOut)
	code, out, errOut = scc(t, out, "disasm", "-")
	require.Equal(t, 0, code, errOut)
	for _, want := range []string{"jeq open, ", "jeq creat, ", "ld arg1.lo", "ld arg2.lo", "ret errno(EACCES)", "ret errno(ENOSYS)", "ret allow"} {
		require.Contains(t, out, want)
	}
}

// docs/inspect.md: every command that takes a FILTER takes a policy too.
func TestDisasmPolicy(t *testing.T) {
	code, fromPolicy, errOut := scc(t, "", "disasm", "../../examples/nofork.pol")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, bpfasm.Disassemble(compiledExample(t, "nofork.pol")), fromPolicy)

	dir := t.TempDir()
	for name, data := range map[string]string{"empty.bpf": "", "odd.bpf": "0123456789abc"} {
		f := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(f, []byte(data), 0o644))
		code, _, errOut := scc(t, "", "disasm", f)
		require.Equal(t, 1, code)
		require.Contains(t, errOut, name+": bpfasm: ")
	}
}

// TestSimFlags runs calls given by --arch, --nr and --args, and checks the
// instruction count against the emulator run on the compiled program.
func TestSimFlags(t *testing.T) {
	prog := compiledExample(t, "readonly.pol")
	bpf := filepath.Join(t.TempDir(), "readonly.bpf")
	require.NoError(t, os.WriteFile(bpf, bpfasm.Encode(prog), 0o644))
	x86, _ := syscalls.ArchByName("x86_64")
	i386, _ := syscalls.ArchByName("i386")
	steps := func(a *syscalls.Arch, nr uint32, args ...uint64) int {
		d := bpfasm.Data{Arch: a.AuditArch, Nr: int32(nr)}
		copy(d.Args[:], args)
		_, n, err := bpfasm.Run(prog, &d)
		require.NoError(t, err)
		return n
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"open for writing", []string{"--nr", "2", "--args", "0,0x241"},
			fmt.Sprintf("x86_64 nr 2 (open): errno(EACCES) (%d instructions)", steps(x86, 2, 0, 0x241))},
		{"an int ignores the high word (libseccomp #383)", []string{"--nr", "2", "--args", "0, 0x100000000"},
			fmt.Sprintf("x86_64 nr 2 (open): allow (%d instructions)", steps(x86, 2, 0, 1<<32))},
		{"negative args", []string{"--nr", "257", "--args", "-100,0,1"},
			fmt.Sprintf("x86_64 nr 257 (openat): errno(EACCES) (%d instructions)", steps(x86, 257, 0xffffffffffffff9c, 0, 1))},
		{"foreign ABI", []string{"--arch", "i386", "--nr", "5"},
			fmt.Sprintf("i386 nr 5 (open): kill (%d instructions)", steps(i386, 5))},
		{"x32 number", []string{"--arch", "x32", "--nr", "2"},
			fmt.Sprintf("x32 nr 0x40000002 (open): kill (%d instructions)", steps(x86, 0x40000002))},
		{"x32 number given whole on x86_64", []string{"--nr", "0x40000002"},
			fmt.Sprintf("x86_64 nr 0x40000002: kill (%d instructions)", steps(x86, 0x40000002))},
		{"-1 is 0xffffffff, an x32 number", []string{"--nr", "-1"},
			fmt.Sprintf("x86_64 nr 0xffffffff: kill (%d instructions)", steps(x86, 0xffffffff))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, input := range []string{"../../examples/readonly.pol", bpf} {
				code, out, errOut := scc(t, "", append([]string{"sim", input}, tc.args...)...)
				require.Equal(t, 0, code, errOut)
				require.Equal(t, tc.want+"\n", out, input)
			}
		})
	}
}

func TestSimErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--nr", "99999999999"}, "--nr: 99999999999 does not fit in 32 bits"},
		{[]string{"--args", "1,2"}, "--args needs --nr"},
		{[]string{"read(1)", "--nr", "0"}, "give either a call or --nr (with --args), not both"},
		{[]string{"read(1)", "--args", "1"}, "give either a call or --nr (with --args), not both"},
		{[]string{"--nr", "0", "--args", "1,2,3,4,5,6,7"}, "--args: at most 6 values, got 7"},
		{[]string{"--nr", "0", "--args", "fd"}, `--args: "fd" is not a number`},
		{[]string{"--arch", "x86-65", "--nr", "0"}, `unknown architecture "x86-65"`},
		{[]string{}, "give a call, e.g. 'read(0, 0, 10)', or --nr"},
		{[]string{"opnat(AT_FDCWD)"}, "opnat is not a syscall on x86_64 (did you mean openat?)"},
		{[]string{"openat(AT_FDCWD"}, `1:16: expected ")"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := scc(t, "", append([]string{"sim", "../../examples/readonly.pol"}, tc.args...)...)
			require.Equal(t, 1, code, out)
			require.Contains(t, errOut, tc.want)
		})
	}
}

// The format comes from the extension unless -f says otherwise.
func TestCompileFormatFromExtension(t *testing.T) {
	dir := t.TempDir()
	prog := compiledExample(t, "readonly.pol")
	for _, tc := range []struct {
		out, format, want string
	}{
		{"r.bpf", "", string(bpfasm.Encode(prog))},
		{"R.BPF", "", string(bpfasm.Encode(prog))},
		{"r.s", "", bpfasm.Disassemble(prog)},
		{"r.out", "bpf", string(bpfasm.Encode(prog))},
		{"r.bpf", "disasm", bpfasm.Disassemble(prog)},
	} {
		out := filepath.Join(dir, tc.out)
		args := []string{"compile", "../../examples/readonly.pol", "-o", out}
		if tc.format != "" {
			args = append(args, "-f", tc.format)
		}
		code, _, errOut := scc(t, "", args...)
		require.Equal(t, 0, code, errOut)
		data, err := os.ReadFile(out)
		require.NoError(t, err)
		require.Equal(t, tc.want, string(data), "%s -f %q", tc.out, tc.format)
		require.NoError(t, os.Remove(out))
	}
	code, _, errOut := scc(t, "", "compile", "../../examples/readonly.pol", "-o", filepath.Join(dir, "r.txt"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `cannot tell the format from`)
	code, _, errOut = scc(t, "", "compile", "../../examples/readonly.pol", "-o", filepath.Join(dir, "r.bpf"), "-f", "elf")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `unknown format "elf"`)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries, "a failed compile writes nothing")
}

// A policy past the kernel's 4096 instructions fails with a clear error
// and writes nothing.
func TestCompileTooBig(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("arch x86_64\ndefault allow\n")
	for i := range 700 {
		fmt.Fprintf(&b, "errno(%d) read if arg0 == %#x\n", i+1, uint64(i)<<32|uint64(i))
	}
	src := filepath.Join(dir, "huge.pol")
	require.NoError(t, os.WriteFile(src, []byte(b.String()), 0o644))
	out := filepath.Join(dir, "huge.bpf")
	code, _, errOut := scc(t, "", "compile", src, "-o", out)
	require.Equal(t, 1, code)
	require.Regexp(t, `huge.pol: bpfasm: program has \d+ instructions; the kernel's limit is 4096`, errOut)
	require.NoFileExists(t, out)

	// scc check does not pass what scc compile refuses.
	code, _, errOut = scc(t, "", "check", src)
	require.Equal(t, 1, code)
	require.Regexp(t, `(?m)^\S+huge.pol: bpfasm: program has \d+ instructions; the kernel's limit is 4096$`, errOut)
}

// TestDocPolicies: every complete policy (a code block with a default
// statement) in README.md and docs/language.md checks without errors or
// warnings, and its test statements pass, so the docs show working policies.
func TestDocPolicies(t *testing.T) {
	dir := t.TempDir()
	n := 0
	for _, doc := range []string{"../../README.md", "../../docs/language.md"} {
		data, err := os.ReadFile(doc)
		require.NoError(t, err)
		blocks := strings.Split(string(data), "```")
		for i := 1; i < len(blocks); i += 2 {
			block := blocks[i]
			if !regexp.MustCompile(`(?m)^default `).MatchString(block) {
				continue
			}
			n++
			f := filepath.Join(dir, fmt.Sprintf("doc%d.pol", n))
			require.NoError(t, os.WriteFile(f, []byte(block), 0o644))
			code, out, errOut := scc(t, "", "check", f)
			require.Equal(t, 0, code, "%s block %d:\n%s\n%s", doc, i/2+1, block, errOut)
			require.Empty(t, out+errOut, "%s block %d:\n%s", doc, i/2+1, block)
			if strings.Contains(block, "\ntest ") {
				code, out, errOut = scc(t, "", "test", f)
				require.Equal(t, 0, code, "%s block %d:\n%s%s", doc, i/2+1, out, errOut)
			}
		}
	}
	require.GreaterOrEqual(t, n, 2)
}
