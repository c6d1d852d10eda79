package bpfasm

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ldNr() Instr        { return Instr{Insn: Stmt(LD|W|ABS, OffNr)} }
func ret(k uint32) Instr { return Instr{Insn: Stmt(RET|K, k)} }
func jeq(k uint32, t, f string) Instr {
	return Instr{Insn: Jump(JMP|JEQ|K, k, 0, 0), True: t, False: f}
}

func TestAssembleLabels(t *testing.T) {
	var p Program
	p.Emit(ldNr(), jeq(1, "yes", ""), jeq(2, "yes", "no"))
	p.Mark("no")
	p.Emit(ret(0))
	p.Mark("yes")
	p.Mark("also_yes")
	p.Emit(Instr{Insn: Jump(JMP|JA, 0, 0, 0), True: "end"})
	p.Mark("end")
	p.Emit(ret(0x7fff0000))
	got, err := p.Assemble()
	require.NoError(t, err)
	assert.Equal(t, []Insn{
		Stmt(LD|W|ABS, 0),
		Jump(JMP|JEQ|K, 1, 2, 0),
		Jump(JMP|JEQ|K, 2, 1, 0),
		Stmt(RET|K, 0),
		Jump(JMP|JA, 0, 0, 0),
		Stmt(RET|K, 0x7fff0000),
	}, got)
	assert.Equal(t, 4, p.Labels["also_yes"])
}

func TestAssembleErrors(t *testing.T) {
	tests := []struct {
		name  string
		build func(p *Program)
		want  string
	}{
		{"empty", func(p *Program) {}, "empty program"},
		{"undefined", func(p *Program) { p.Emit(jeq(1, "nowhere", ""), ret(0)) }, `undefined label "nowhere"`},
		{"duplicate", func(p *Program) {
			p.Mark("a")
			p.Emit(ret(0))
			p.Mark("a")
			p.Emit(ret(0))
		}, `label "a" is defined twice`},
		{"backward", func(p *Program) {
			p.Mark("top")
			p.Emit(ldNr(), jeq(1, "top", ""), ret(0))
		}, `jumps back to label "top"`},
		{"self", func(p *Program) {
			p.Emit(ldNr())
			p.Mark("self")
			p.Emit(jeq(1, "", "self"), ret(0))
		}, `jumps back to label "self"`},
		{"past the end", func(p *Program) {
			p.Emit(ldNr(), jeq(1, "end", ""), ret(0))
			p.Mark("end")
		}, `label "end" marks no instruction`},
		{"label on a non-jump", func(p *Program) {
			p.Emit(Instr{Insn: Stmt(LD|IMM, 0), True: "x"})
			p.Mark("x")
			p.Emit(ret(0))
		}, `instruction 0 is not a jump but names label "x"`},
		{"ja with a false label", func(p *Program) {
			p.Emit(Instr{Insn: Jump(JMP|JA, 0, 0, 0), False: "x"})
			p.Mark("x")
			p.Emit(ret(0))
		}, "ja has one target"},
		{"too long", func(p *Program) {
			for range 5011 {
				p.Emit(Instr{Insn: Stmt(LD|IMM, 0)})
			}
			p.Emit(ret(0))
		}, "program has 5012 instructions; the kernel's limit is 4096"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Program
			tt.build(&p)
			_, err := p.Assemble()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestAssemblePeephole(t *testing.T) {
	t.Run("same targets become ja", func(t *testing.T) {
		var p Program
		p.Emit(ldNr(), jeq(1, "x", "x"), ret(0))
		p.Mark("x")
		p.Emit(ret(1))
		got, err := p.Assemble()
		require.NoError(t, err)
		assert.Equal(t, []Insn{Stmt(LD|W|ABS, 0), Jump(JMP|JA, 1, 0, 0), Stmt(RET|K, 0), Stmt(RET|K, 1)}, got)
	})
	t.Run("jump to next disappears, labels and jumps follow", func(t *testing.T) {
		var p Program
		p.Emit(ldNr(), jeq(5, "gone", "gone"))
		p.Mark("gone")
		p.Emit(jeq(1, "next", "next"))
		p.Mark("next")
		p.Emit(ret(7))
		got, err := p.Assemble()
		require.NoError(t, err)
		assert.Equal(t, []Insn{Stmt(LD|W|ABS, 0), Stmt(RET|K, 7)}, got)
	})
	t.Run("raw offsets are kept verbatim", func(t *testing.T) {
		var p Program
		p.Emit(ldNr(), Instr{Insn: Jump(JMP|JEQ|K, 1, 0, 0)}, ret(0))
		got, err := p.Assemble()
		require.NoError(t, err)
		assert.Equal(t, Jump(JMP|JEQ|K, 1, 0, 0), got[1])
	})
}

// TestAssembleLongJumps puts more than 255 instructions between jumps and
// their targets and checks, with the emulator, that every branch still
// lands where its label says.
func TestAssembleLongJumps(t *testing.T) {
	filler := func(p *Program, n int) {
		for i := range n {
			p.Emit(Instr{Insn: Stmt(LD|IMM, uint32(i))})
		}
	}
	var p Program
	p.Emit(ldNr())
	p.Emit(jeq(1, "one", "not_one")) // both targets far
	p.Mark("not_one")
	p.Emit(ldNr(), jeq(2, "", "far_three")) // true near, false far
	p.Emit(ret(2))
	p.Mark("far_three")
	p.Emit(ldNr(), jeq(3, "three", "four"))
	p.Mark("four")
	p.Emit(ret(4))
	filler(&p, 300)
	p.Mark("three")
	p.Emit(ret(3))
	filler(&p, 300)
	p.Mark("one")
	p.Emit(ret(1))
	got, err := p.Assemble()
	require.NoError(t, err)
	require.NoError(t, Verify(got))
	assert.Greater(t, len(got), len(p.Insns), "trampolines were inserted")
	for nr := int32(1); nr <= 4; nr++ {
		r, _, err := Run(got, x86(nr))
		require.NoError(t, err)
		assert.Equal(t, uint32(nr), r, "nr %d", nr)
	}
}

// TestAssembleCascade: inserting one trampoline pushes an earlier jump,
// which reached its target exactly, out of reach.
func TestAssembleCascade(t *testing.T) {
	var p Program
	p.Emit(ldNr())
	p.Emit(jeq(1, "edge", "")) // index 1 reaches index 257 exactly (offset 255)
	p.Emit(jeq(2, "far", ""))  // index 2 needs a trampoline
	for i := 3; i < 257; i++ {
		p.Emit(ret(100))
	}
	p.Mark("edge")
	p.Emit(ret(1))
	for range 10 {
		p.Emit(ret(100))
	}
	p.Mark("far")
	p.Emit(ret(2))
	require.Equal(t, 257, p.Labels["edge"])
	got, err := p.Assemble()
	require.NoError(t, err)
	require.NoError(t, Verify(got))
	assert.Len(t, got, len(p.Insns)+2)
	for nr, want := range map[int32]uint32{1: 1, 2: 2, 3: 100} {
		r, _, err := Run(got, x86(nr))
		require.NoError(t, err)
		assert.Equal(t, want, r, "nr %d", nr)
	}
}

// runSymbolic executes a Program by following labels, as a reference for
// Assemble. It supports the instructions the random programs below use.
func runSymbolic(p *Program, nr uint32) uint32 {
	a := uint32(0)
	for pc := 0; ; {
		in := p.Insns[pc]
		switch {
		case in.Op == LD|W|ABS:
			a = nr
		case in.Op == RET|K:
			return in.K
		case in.Op == JMP|JA:
			pc = p.Labels[in.True]
			continue
		case in.Op == JMP|JEQ|K:
			label := in.False
			if a == in.K {
				label = in.True
			}
			if label == "" {
				pc++
			} else {
				pc = p.Labels[label]
			}
			continue
		}
		pc++
	}
}

// TestAssembleRandom compares assembled random programs, full of long and
// coinciding jumps, with their label semantics.
func TestAssembleRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for iter := range 200 {
		var p Program
		n := 20 + rng.Intn(900)
		labelAt := map[int]string{}
		for i := range n {
			if rng.Intn(3) == 0 || i == n-1 {
				labelAt[i] = fmt.Sprintf("L%d", i)
			}
		}
		pick := func(after int) string {
			if rng.Intn(4) == 0 {
				return ""
			}
			for j := after + 1 + rng.Intn(n-after); ; j++ {
				if l, ok := labelAt[j%n]; ok && j%n > after {
					return l
				}
				if j > 3*n {
					return labelAt[n-1]
				}
			}
		}
		for i := range n {
			if l, ok := labelAt[i]; ok {
				p.Mark(l)
			}
			switch {
			case i == n-1 || rng.Intn(5) == 0:
				p.Emit(ret(uint32(i)))
			case rng.Intn(4) == 0:
				p.Emit(ldNr())
			case rng.Intn(6) == 0:
				p.Emit(Instr{Insn: Jump(JMP|JA, 0, 0, 0), True: pick(i)})
			default:
				tl := pick(i)
				fl := tl
				if rng.Intn(3) > 0 {
					fl = pick(i)
				}
				p.Emit(jeq(uint32(rng.Intn(4)), tl, fl))
			}
		}
		for k, in := range p.Insns { // "" on ja means next, keep it valid
			if in.Op == JMP|JA && in.True == "" {
				p.Insns[k].True = labelAt[n-1]
			}
		}
		got, err := p.Assemble()
		require.NoError(t, err, "iteration %d", iter)
		require.NoError(t, Verify(got), "iteration %d", iter)
		for nr := uint32(0); nr < 4; nr++ {
			r, _, err := Run(got, x86(int32(nr)))
			require.NoError(t, err)
			require.Equal(t, runSymbolic(&p, nr), r, "iteration %d, nr %d", iter, nr)
		}
	}
}

// Link is Assemble without labels: targets are node indexes, checked, and
// the caller's nodes are not changed by the trampolines it inserts.
func TestLink(t *testing.T) {
	ret := Insn{Op: RET | K}
	jeq := Insn{Op: JMP | JEQ | K, K: 1}
	nodes := []Node{{Insn: jeq, T: 300, F: 1}}
	for range 300 {
		nodes = append(nodes, Node{Insn: ret, T: -1, F: -1})
	}
	before := append([]Node(nil), nodes...)
	prog, err := Link(nodes)
	require.NoError(t, err)
	require.Equal(t, before, nodes, "the caller's nodes are left as they were")
	require.Len(t, prog, 302, "one trampoline for the far target")
	require.Equal(t, Insn{Op: JMP | JEQ | K, K: 1, Jt: 0, Jf: 1}, prog[0])
	require.Equal(t, Insn{Op: JMP | JA, K: 299}, prog[1])

	for _, bad := range [][]Node{
		{{Insn: jeq, T: 0, F: 1}, {Insn: ret, T: -1, F: -1}},
		{{Insn: jeq, T: 1, F: 2}, {Insn: ret, T: -1, F: -1}},
	} {
		_, err := Link(bad)
		require.ErrorContains(t, err, "targets go forward, within the program")
	}
	_, err = Link(nil)
	require.ErrorContains(t, err, "empty program")
}

// A Linker gives what Link gives, program after program, whatever the one
// before left in its tables; once they have grown, the program it returns
// is all it allocates.
func TestLinkerReuse(t *testing.T) {
	r := rand.New(rand.NewSource(34))
	var progs [][]Node
	for range 40 {
		// Random forward jumps over up to 600 nodes: some need trampolines,
		// some are moot and dropped.
		n := 2 + r.Intn(600)
		nodes := make([]Node, n)
		for i := range nodes {
			nodes[i] = Node{Insn: Insn{Op: RET | K, K: uint32(i)}, T: -1, F: -1}
			if i < n-1 && r.Intn(3) > 0 {
				nodes[i] = Node{Insn: Insn{Op: JMP | JEQ | K, K: uint32(i)}, T: i + 1 + r.Intn(n-i-1), F: i + 1 + r.Intn(n-i-1)}
				if nodes[i].T == nodes[i].F {
					nodes[i].Drop = nodes[i].T == i+1
				}
			}
		}
		progs = append(progs, nodes)
	}
	var l Linker
	for i, nodes := range progs {
		want, err := Link(nodes)
		require.NoError(t, err)
		got, err := l.Link(nodes)
		require.NoError(t, err)
		require.Equal(t, want, got, "program %d", i)
	}
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := l.Link(progs[0]); err != nil {
			t.Fatal(err)
		}
	})
	require.Equal(t, 1.0, allocs, "only the returned program")
}

// TestAssembleAtTheLimit: a program of exactly MaxInsns instructions,
// trampolines included, assembles and verifies; one more is refused, even
// when the instruction that tips it over is a trampoline the assembler
// added itself.
func TestAssembleAtTheLimit(t *testing.T) {
	build := func(fill int) *Program {
		var p Program
		p.Emit(ldNr(), jeq(1, "far", ""), ret(0))
		for range fill {
			p.Emit(Instr{Insn: Stmt(LD|IMM, 0)})
		}
		p.Mark("far")
		p.Emit(ret(1))
		return &p
	}
	p := build(MaxInsns - 5)
	require.Len(t, p.Insns, MaxInsns-1)
	got, err := p.Assemble()
	require.NoError(t, err)
	require.Len(t, got, MaxInsns, "one ja trampoline for the far target")
	require.NoError(t, Verify(got))
	r, _, err := Run(got, x86(1))
	require.NoError(t, err)
	require.Equal(t, uint32(1), r)

	p = build(MaxInsns - 4)
	require.Len(t, p.Insns, MaxInsns)
	_, err = p.Assemble()
	require.EqualError(t, err, "bpfasm: program has 4097 instructions; the kernel's limit is 4096")
}
