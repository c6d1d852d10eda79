package record

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/syscalls"
)

// evalCond is a tiny evaluator over the syntax tree, enough to check that
// the conditions Policy writes accept what was recorded: named arguments
// are looked up in the kernel's signature and compared on its width, as
// resolve does.
func evalCond(t *testing.T, a *syscalls.Arch, syscall string, e lang.Expr, args [6]uint64) bool {
	t.Helper()
	switch e := e.(type) {
	case *lang.BinaryExpr:
		x, y := evalCond(t, a, syscall, e.X, args), evalCond(t, a, syscall, e.Y, args)
		if e.Op == "&&" {
			return x && y
		}
		return x || y
	case *lang.NotExpr:
		return !evalCond(t, a, syscall, e.X, args)
	case *lang.CompareExpr:
		idx, width := -1, ^uint64(0)
		if _, err := fmt.Sscanf(e.Arg.Name, "arg%d", &idx); err != nil {
			params, ok := a.Params(syscall)
			require.True(t, ok)
			for i, p := range params {
				if p.Name == e.Arg.Name {
					idx, width = i, widthMask(p.Bits)
				}
			}
		}
		require.GreaterOrEqual(t, idx, 0, "argument %s of %s", e.Arg.Name, syscall)
		x := args[idx] & width
		if e.Mask != nil {
			x &= constValue(t, a, *e.Mask)
		}
		v := constValue(t, a, e.Value) & width
		switch e.Op {
		case "==":
			return x == v
		case "!=":
			return x != v
		}
		t.Fatalf("operator %s not expected in generated conditions", e.Op)
	}
	t.Fatalf("unexpected expression %T", e)
	return false
}

func constValue(t *testing.T, a *syscalls.Arch, c lang.Const) uint64 {
	var v uint64
	for _, term := range c.Terms {
		if term.Name == "" {
			v |= term.Num
			continue
		}
		n, ok := a.Const(term.Name)
		require.True(t, ok, "constant %s on %s", term.Name, a.Name)
		v |= n
	}
	return v
}

// TestConditionsCoverRecording proves the written conditions are never
// narrower than the recording: every recorded value of every argument
// satisfies its rule.
func TestConditionsCoverRecording(t *testing.T) {
	rec := synthetic(t)
	f, err := Policy(rec, WriteOptions{Args: true})
	require.NoError(t, err)
	conds := map[string]lang.Expr{}
	for _, s := range f.Stmts {
		if r, ok := s.(*lang.RuleStmt); ok && r.Cond != nil {
			conds[r.Syscalls[0].Name] = r.Cond
		}
	}
	require.Contains(t, conds, "socket")
	require.Contains(t, conds, "openat")
	checked := 0
	for k, st := range rec.Calls {
		a := archOf(k)
		name, ok := a.SyscallName(k.Nr)
		if !ok || conds[name] == nil {
			continue
		}
		// Each argument is recorded on its own, so try each value with the
		// other arguments at a value that was also seen.
		var base [6]uint64
		for i, vals := range st.Values {
			for v := range vals {
				base[i] = v
				break
			}
		}
		for i, vals := range st.Values {
			for v := range vals {
				args := base
				args[i] = v
				assert.True(t, evalCond(t, a, name, conds[name], args), "%s arg%d=%#x rejected by %s", name, i, v, lang.FormatExpr(conds[name]))
				checked++
			}
		}
	}
	assert.Greater(t, checked, 10)
}

// TestConditionsAreTight checks values that were not seen are refused.
func TestConditionsAreTight(t *testing.T) {
	x86, _ := syscalls.ArchByName("x86_64")
	f, err := Policy(synthetic(t), WriteOptions{Args: true})
	require.NoError(t, err)
	conds := map[string]lang.Expr{}
	for _, s := range f.Stmts {
		if r, ok := s.(*lang.RuleStmt); ok && r.Cond != nil {
			conds[r.Syscalls[0].Name] = r.Cond
		}
	}
	tests := []struct {
		syscall string
		args    [6]uint64
	}{
		{"openat", [6]uint64{2: cnst(t, "x86_64", "O_RDWR")}},
		{"openat", [6]uint64{2: cnst(t, "x86_64", "O_WRONLY", "O_APPEND")}},
		{"socket", [6]uint64{0: cnst(t, "x86_64", "AF_INET6"), 1: cnst(t, "x86_64", "SOCK_DGRAM")}},
		{"socket", [6]uint64{0: cnst(t, "x86_64", "AF_INET"), 1: cnst(t, "x86_64", "SOCK_RAW")}},
		{"socket", [6]uint64{0: cnst(t, "x86_64", "AF_INET"), 1: cnst(t, "x86_64", "SOCK_DGRAM", "SOCK_NONBLOCK")}},
		{"mmap", [6]uint64{2: cnst(t, "x86_64", "PROT_EXEC")}},
		{"kill", [6]uint64{1: cnst(t, "x86_64", "SIGKILL")}},
		{"clone", [6]uint64{0: cnst(t, "x86_64", "CLONE_NEWUSER")}},
	}
	for _, tt := range tests {
		require.Contains(t, conds, tt.syscall)
		assert.False(t, evalCond(t, x86, tt.syscall, conds[tt.syscall], tt.args), "%s %#x accepted by %s", tt.syscall, tt.args, lang.FormatExpr(conds[tt.syscall]))
	}
}

func TestSpell(t *testing.T) {
	x86, _ := syscalls.ArchByName("x86_64")
	arches := []*syscalls.Arch{x86}
	open := argSpecs["openat"][0]
	tests := []struct {
		v    uint64
		spec argSpec
		want string
	}{
		{0, open, "O_RDONLY"},
		{cnst(t, "x86_64", "O_WRONLY", "O_CREAT", "O_TRUNC"), open, "O_WRONLY|O_CREAT|O_TRUNC"},
		{cnst(t, "x86_64", "O_RDWR", "O_SYNC"), open, "O_RDWR|O_SYNC"},
		{cnst(t, "x86_64", "O_RDONLY") | 1<<30, open, "O_RDONLY|0x40000000"},
		{cnst(t, "x86_64", "SOCK_STREAM", "SOCK_NONBLOCK"), argSpecs["socket"][1], "SOCK_STREAM|SOCK_NONBLOCK"},
		{cnst(t, "x86_64", "AF_UNIX"), argSpecs["socket"][0], "AF_UNIX"},
		{0x7777, argSpecs["socket"][0], "0x7777"},
	}
	for _, tt := range tests {
		got := spell(tt.v, tt.spec, arches, ^uint64(0))
		assert.Equal(t, tt.want, joinConsts([]lang.Const{got}, 1), "%#x", tt.v)
		assert.Equal(t, tt.v, constValue(t, x86, got), "spelling of %#x must mean %#x", tt.v, tt.v)
	}
}

func TestDefaultArgSyscalls(t *testing.T) {
	m := DefaultArgSyscalls()
	assert.Equal(t, []int{0, 1}, m["socket"])
	assert.Equal(t, []int{2}, m["openat"])
}
