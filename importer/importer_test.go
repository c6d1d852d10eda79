package importer

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/syscalls"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// goldenOptions pin everything the output depends on, so that the golden
// files do not change with the machine's kernel.
func goldenOptions(name string, warnings *[]string) Options {
	return Options{Name: name, Kernel: "6.1", Warn: func(m string) { *warnings = append(*warnings, m) }}
}

// TestGolden imports every testdata profile and Docker's default and
// compares the policy with testdata/NAME.pol.golden (go test -update
// rewrites them). Each policy must also parse back to the same text and
// resolve without errors.
func TestGolden(t *testing.T) {
	if syscalls.Host() == nil || syscalls.Host().Name != "x86_64" {
		t.Skip("the golden files are for an x86_64 host")
	}
	cases := map[string][]byte{"docker-default.json": dockerDefault(t)}
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		cases[filepath.Base(f)] = data
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			var warnings []string
			f, err := Import(data, goldenOptions(name, &warnings))
			require.NoError(t, err)
			got := lang.Format(f)
			golden := filepath.Join("testdata", strings.TrimSuffix(name, ".json")+".pol.golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))

			back, err := lang.Parse(name, got)
			require.NoError(t, err)
			assert.Equal(t, string(got), string(lang.Format(back)), "the output is in canonical form")
			_, diags := resolve.Resolve(back, resolve.Options{})
			require.NoError(t, diags.Err())
		})
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, json, want string
	}{
		{"malformed", `{"defaultAction": "SCMP_ACT_ALLOW",`, "invalid JSON: unexpected end of input"},
		{"syntax", "{\n  \"defaultAction\": SCMP_ACT_ALLOW}", "invalid JSON at line 2, column 20: invalid character 'S'"},
		{"two values", `{"defaultAction": "SCMP_ACT_ALLOW"} {}`, "more than one value"},
		{"not an object", `[1]`, "expected a JSON object"},
		{"unknown field", `{"defaultAction": "SCMP_ACT_ALLOW", "defaultActon": 1}`, "defaultActon: unknown field (known here: archMap, architectures, defaultAction"},
		{"unknown action", `{"defaultAction": "SCMP_ACT_MAYBE"}`, `defaultAction: unknown action "SCMP_ACT_MAYBE"`},
		{"missing default", `{"syscalls": []}`, "defaultAction: missing"},
		{"unknown op", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["a"], "action": "SCMP_ACT_ERRNO"}, {"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_FOO"}]}]}`,
			`syscalls[1].args[0].op: unknown operator "SCMP_CMP_FOO"`},
		{"index range", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}`,
			"syscalls[0].args[0].index: argument index 6 out of range"},
		{"negative", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}]}`,
			"syscalls[0].args[0].value: -1 is negative"},
		{"float", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0.5, "op": "SCMP_CMP_EQ"}]}]}`,
			"syscalls[0].args[0].index: 0.5 is not an unsigned"},
		{"wrong type", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": "read", "action": "SCMP_ACT_ERRNO"}]}`,
			"syscalls[0].names: expected an array, got a string"},
		{"no names", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"action": "SCMP_ACT_ERRNO"}]}`, "syscalls[0].names: no syscall names"},
		{"name and names", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "a", "names": ["b"], "action": "SCMP_ACT_ERRNO"}]}`, "syscalls[0].name: both name and names"},
		{"errno range", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5000}]}`, "syscalls[0].errnoRet: errno 5000 is out of range"},
		{"bad kernel", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "includes": {"minKernel": "5"}}]}`, "syscalls[0].includes.minKernel: invalid kernel version"},
		{"unknown arch", `{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_Z80"]}`, `architectures[0]: unknown architecture "SCMP_ARCH_Z80"`},
		{"arches twice", `{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86"], "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]}`, "archMap: both architectures and archMap"},
		{"notify default", `{"defaultAction": "SCMP_ACT_NOTIFY"}`, "defaultAction: SCMP_ACT_NOTIFY cannot be the default"},
		{"oci without seccomp", `{"ociVersion": "1.0.2", "linux": {}}`, "linux: no seccomp section"},
		{"oci strict", `{"ociVersion": "1.0.2", "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "archMap": []}}}`, "linux.seccomp.archMap: unknown field"},
		{"overlap", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
			{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 10, "op": "SCMP_CMP_LT"}]},
			{"names": ["read"], "action": "SCMP_ACT_KILL", "args": [{"index": 1, "value": 1, "op": "SCMP_CMP_EQ"}]}]}`,
			"syscalls[1]: read gets kill_thread here and errno(EPERM) in syscalls[0] for arguments that can match both"},
		{"wide on x32", `{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X32"], "syscalls": [
			{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 4294967296, "op": "SCMP_CMP_EQ"}]}]}`,
			"syscalls[0].args[0].value: 0x100000000 does not fit in 32 bits"},
		{"socketcall", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86"], "syscalls": [
			{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]}`,
			"syscalls[0]: on i386 libseccomp also applies rules for socket to socketcall(2)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x86, _ := syscalls.ArchByName("x86_64")
			opts := Options{Kernel: "6.1"}
			if syscalls.Host() == nil {
				opts.Arches = []*syscalls.Arch{x86}
			}
			_, err := Import([]byte(tc.json), opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestPathErrorType(t *testing.T) {
	_, err := Import([]byte(`{"defaultAction": 7}`), Options{Kernel: "6.1"})
	var pe *PathError
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "defaultAction", pe.Path)
	assert.Equal(t, "expected a string, got a number", pe.Msg)
}

func TestParseCaps(t *testing.T) {
	c, err := ParseCaps("sys_admin, CAP_NET_ADMIN,sys_admin")
	require.NoError(t, err)
	assert.Equal(t, []string{"CAP_SYS_ADMIN", "CAP_NET_ADMIN"}, c)
	c, err = ParseCaps("none")
	require.NoError(t, err)
	assert.NotNil(t, c)
	assert.Empty(t, c)
	c, err = ParseCaps("default")
	require.NoError(t, err)
	assert.Equal(t, DefaultCaps, c)
	_, err = ParseCaps("CAP_NOPE")
	assert.ErrorContains(t, err, `unknown capability "CAP_NOPE"`)
}

func TestDisjoint(t *testing.T) {
	const w = ^uint64(0)
	eq := func(i uint, v uint64) lrule {
		return lrule{conds: []specsArg{{Index: i, Value: v, Op: "SCMP_CMP_EQ"}}}
	}
	masked := func(m, d uint64) lrule {
		return lrule{conds: []specsArg{{Index: 0, Value: m, ValueTwo: d, Op: "SCMP_CMP_MASKED_EQ"}}}
	}
	cmp := func(op string, v uint64) lrule {
		return lrule{conds: []specsArg{{Index: 0, Value: v, Op: specsOp(op)}}}
	}
	for _, tc := range []struct {
		name string
		a, b lrule
		want bool
	}{
		{"eq eq", eq(0, 1), eq(0, 2), true},
		{"same", eq(0, 1), eq(0, 1), false},
		{"other index", eq(0, 1), eq(1, 2), false},
		{"lt ge", cmp("SCMP_CMP_LT", 10), cmp("SCMP_CMP_GE", 10), true},
		{"le ge", cmp("SCMP_CMP_LE", 10), cmp("SCMP_CMP_GE", 10), false},
		{"ne eq", cmp("SCMP_CMP_NE", 3), eq(0, 3), true},
		{"ne lt", cmp("SCMP_CMP_NE", 3), cmp("SCMP_CMP_LT", 3), false},
		{"masked bits differ", masked(3, 0), masked(3, 1), true},
		{"masked other bits", masked(1, 1), masked(2, 0), false},
		{"masked eq", masked(0xff, 1), eq(0, 0x101), false},
		{"masked eq outside", masked(0xff, 1), eq(0, 0x102), true},
		{"masked range, free high bits", masked(0xf0, 0x10), cmp("SCMP_CMP_GT", 0x1f), false},
		{"masked range", masked(^uint64(0xf), 0x10), cmp("SCMP_CMP_GT", 0x1f), true},
		{"lt 0 empty", cmp("SCMP_CMP_LT", 0), eq(0, 0), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, disjointRules(tc.a, tc.b, []uint64{w}))
			assert.Equal(t, tc.want, disjointRules(tc.b, tc.a, []uint64{w}), "symmetric")
		})
	}
	// 1 and 0x100000001 differ on 64 bits, not in the low 32.
	assert.False(t, disjointRules(eq(0, 1), eq(0, 0x100000001), []uint64{w, 0xffffffff}))
}

func FuzzImport(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]}`))
	x86, _ := syscalls.ArchByName("x86_64")
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Import(data, Options{Kernel: "6.1", Arches: []*syscalls.Arch{x86}})
		if err != nil {
			var pe *PathError
			if errors.As(err, &pe) {
				if pe.Msg == "" {
					t.Fatalf("error without a message: %q", err)
				}
			} else if !strings.HasPrefix(err.Error(), "invalid JSON") {
				t.Fatalf("error neither about the JSON syntax nor with a path: %v", err)
			}
			return
		}
		// What imports must print, parse back and resolve.
		out := lang.Format(file)
		back, err := lang.Parse("fuzz.pol", out)
		if err != nil {
			t.Fatalf("the import does not parse: %v\n%s", err, out)
		}
		if _, diags := resolve.Resolve(back, resolve.Options{}); diags.Err() != nil {
			t.Fatalf("the import does not resolve: %v\n%s", diags.Err(), out)
		}
	})
}

type specsArg = specs.LinuxSeccompArg

func specsOp(s string) specs.LinuxSeccompOperator { return specs.LinuxSeccompOperator(s) }

// wrap must end on a word longer than a line after a break: it used to cut
// at the continuation's own indent and loop forever (found by FuzzImport:
// testdata/fuzz/FuzzImport/b2d9352b1978c058, an unknown syscall name of 90
// bytes in the "not syscalls" comment).
func TestWrap(t *testing.T) {
	long := strings.Repeat("x", 120)
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"short", []string{"short"}},
		{long, []string{long}},
		{"a " + long, []string{"a", "  " + long}},
		{strings.Repeat("word ", 30) + long, []string{
			strings.TrimSpace(strings.Repeat("word ", 19)),
			"  " + strings.TrimSpace(strings.Repeat("word ", 11)),
			"  " + long}},
	} {
		done := make(chan []string, 1)
		go func() { done <- wrap(tc.in) }()
		select {
		case got := <-done:
			assert.Equal(t, tc.want, got)
			for _, l := range got {
				assert.True(t, len(l) <= 96 || !strings.Contains(strings.TrimSpace(l), " "), "line too long: %q", l)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("wrap(%q) does not return", tc.in)
		}
	}
}
