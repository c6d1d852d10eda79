package explore_test

import (
	"testing"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/compiler"
	"github.com/scc-dev/scc/explore"
	"github.com/scc-dev/scc/internal/difftest"
	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/resolve"
)

// FuzzDecompile runs the explorer on programs the kernel would accept: it
// must not panic, a program must not differ from itself, and when the
// decompiler claims an exact policy, the policy compiled must agree with
// the program on every input tried and by Diff.
func FuzzDecompile(f *testing.F) {
	for _, path := range policyFiles(f) {
		f.Add(bpfasm.Encode(compileFile(f, path)))
	}
	f.Add(bpfasm.Encode([]bpfasm.Insn{
		bpfasm.Stmt(bpfasm.LD|bpfasm.W|bpfasm.ABS, bpfasm.OffNr),
		bpfasm.Stmt(bpfasm.ALU|bpfasm.AND|bpfasm.K, 0xff),
		bpfasm.Jump(bpfasm.JMP|bpfasm.JSET|bpfasm.K, 3, 0, 1),
		bpfasm.Stmt(bpfasm.RET|bpfasm.K, 0x7fff0000),
		bpfasm.Stmt(bpfasm.RET|bpfasm.K, 0x50001),
	}))
	f.Fuzz(func(t *testing.T, data []byte) {
		prog, err := bpfasm.Decode(data)
		if err != nil || bpfasm.Verify(prog) != nil {
			return
		}
		paths, err := explore.Explore(prog)
		if err != nil {
			return
		}
		if len(paths) > 1000 {
			return // keep each run short
		}
		if ds, err := explore.DiffPaths(paths, paths); err != nil || len(ds) != 0 {
			t.Fatalf("a program differs from itself: %v %v", err, ds)
		}
		res, err := explore.Decompile(prog)
		if err != nil {
			t.Fatalf("explored but did not decompile: %v", err)
		}
		if len(res.Lossy) > 0 {
			return
		}
		src := lang.Format(res.File)
		p, diags := resolve.Load("fuzz.pol", src, resolve.Options{})
		if diags.Err() != nil {
			t.Fatalf("decompiled policy does not resolve: %v\n%s", diags.Err(), src)
		}
		again, err := compiler.Compile(p, compiler.Options{})
		if err != nil {
			t.Fatalf("decompiled policy does not compile: %v\n%s", err, src)
		}
		g := difftest.New(uint64(len(data)), difftest.FromPrograms(prog, again))
		for i := 0; i < 2000; i++ {
			d := g.Data()
			a, _, _ := bpfasm.Run(prog, &d)
			b, _, _ := bpfasm.Run(again, &d)
			if a != b {
				t.Fatalf("%s\ndecompiled:\n%s", difftest.Disagreement{Data: d, A: a, B: b}, src)
			}
		}
		if ds, err := explore.Diff(prog, again); err != nil || len(ds) != 0 {
			t.Fatalf("Diff after round trip: %v %v\n%s", err, ds, src)
		}
	})
}
