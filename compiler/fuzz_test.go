package compiler_test

import (
	"encoding/binary"
	"testing"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/syscalls"
)

// bytesReader hands out fuzz input, then zeros.
type bytesReader struct{ b []byte }

func (r *bytesReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *bytesReader) u64() uint64 {
	var buf [8]byte
	for i := range buf {
		buf[i] = r.byte()
	}
	return binary.LittleEndian.Uint64(buf[:])
}

// interesting turns a byte into a value near the boundaries the compiler
// treats specially (word halves, masks, all-ones), or a raw 64-bit value.
func (r *bytesReader) value() uint64 {
	switch c := r.byte(); c % 8 {
	case 0:
		return uint64(c >> 3)
	case 1:
		return uint64(r.byte()) << 32
	case 2:
		return ^uint64(0) - uint64(c>>3)
	case 3:
		return 0xffffffff - uint64(c>>3)
	case 4:
		return 1<<32 | uint64(r.byte())
	default:
		return r.u64()
	}
}

func (r *bytesReader) expr(depth int) policy.Expr {
	c := r.byte()
	if depth > 3 || c%4 == 0 {
		mask := ^uint64(0)
		switch r.byte() % 4 {
		case 1:
			mask = 0xffffffff
		case 2:
			mask = r.value()
		}
		return &policy.Cmp{Arg: int(r.byte() % 3), Mask: mask, Op: policy.Op(r.byte() % 6), Value: r.value() & mask}
	}
	switch c % 4 {
	case 1:
		return &policy.And{X: r.expr(depth + 1), Y: r.expr(depth + 1)}
	case 2:
		return &policy.Or{X: r.expr(depth + 1), Y: r.expr(depth + 1)}
	}
	return &policy.Not{X: r.expr(depth + 1)}
}

var fuzzActions = []policy.Action{policy.Allow, policy.Errno(1), policy.Errno(13), policy.KillProcess, policy.Log}

// FuzzCompile builds random policies directly in the IR (rules with nested
// conditions over three arguments, constants at word boundaries, x86_64
// with or without x32) and checks the compiled program against
// policy.Decide on inputs drawn from the same bytes and from the
// policy's own constants: every optimizer pass has to stay exact.
func FuzzCompile(f *testing.F) {
	f.Add([]byte{3, 1, 5, 0, 7, 9, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{0x81, 2, 0, 0, 0, 0, 1, 0, 2, 0xff, 0xff, 0xff, 0xff, 1, 2})
	f.Add([]byte("read write close socket kill"))
	x86, _ := syscalls.ArchByName("x86_64")
	x32, _ := syscalls.ArchByName("x32")
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &bytesReader{b: data}
		p := &policy.Policy{Default: fuzzActions[r.byte()%5], BadArch: policy.KillProcess}
		arches := []*syscalls.Arch{x86}
		if r.byte()%2 == 1 {
			arches = append(arches, x32)
		}
		var cmps []*policy.Cmp
		for _, a := range arches {
			fl := &policy.Filter{Arch: a}
			// A few syscalls, close together so that ranges form, in
			// table (number) order as the IR requires.
			tab := a.Syscalls()
			idx := int(r.byte())
			for n := int(r.byte()%6) + 1; n > 0 && idx < len(tab); n-- {
				s := tab[idx]
				idx += 1 + int(r.byte()%4)
				sc := &policy.Syscall{Nr: s.Nr, Name: s.Name}
				for k := int(r.byte()%3) + 1; k > 0; k-- {
					var cond policy.Expr
					if r.byte()%5 != 0 {
						cond = r.expr(0)
						policy.Walk(cond, func(c *policy.Cmp) { cmps = append(cmps, c) })
					}
					sc.Rules = append(sc.Rules, policy.Rule{Cond: cond, Action: fuzzActions[r.byte()%5]})
				}
				fl.Syscalls = append(fl.Syscalls, sc)
			}
			p.Filters = append(p.Filters, fl)
		}
		prog, err := compiler.Compile(p, compiler.Options{})
		if err != nil {
			t.Fatalf("compile: %v", err)
		}
		check := func(d bpfasm.Data) {
			got, _, err := bpfasm.Run(prog, &d)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if want := p.Decide(d.Arch, uint32(d.Nr), &d.Args); policy.Action(got) != want {
				t.Fatalf("arch %#x nr %#x args %#x: filter %s, policy %s\n%s", d.Arch, uint32(d.Nr), d.Args, policy.Action(got), want, bpfasm.Disassemble(prog))
			}
		}
		for _, fl := range p.Filters {
			for _, s := range fl.Syscalls {
				for i := 0; i < 24; i++ {
					var args [6]uint64
					for j := range 3 {
						if len(cmps) > 0 && r.byte()%2 == 0 {
							c := cmps[int(r.byte())%len(cmps)]
							args[j] = c.Value + uint64(int8(r.byte()%3)-1) | (^c.Mask & r.value())
						} else {
							args[j] = r.value()
						}
					}
					check(bpfasm.Data{Arch: fl.Arch.AuditArch, Nr: int32(s.Nr), Args: args})
				}
				check(bpfasm.Data{Arch: fl.Arch.AuditArch, Nr: int32(s.Nr + 1)})
				check(bpfasm.Data{Arch: fl.Arch.AuditArch, Nr: int32(s.Nr ^ syscalls.X32Bit)})
			}
		}
		check(bpfasm.Data{Arch: syscalls.AuditArchX86_64, Nr: -1})
		check(bpfasm.Data{Arch: 0})
	})
}
