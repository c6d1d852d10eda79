package compiler

import (
	"strings"
	"testing"

	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/syscalls"
)

// BenchmarkPlanTree times the dispatch planner alone on the x86_64+x32
// tree of an allowlist of eight x86_64 syscalls in nine: about the spans
// of Docker's profile (219 here, 155 for Docker's).
func BenchmarkPlanTree(b *testing.B) {
	x86, _ := syscalls.ArchByName("x86_64")
	var names []string
	for i, s := range x86.Syscalls() {
		if i%9 != 0 {
			names = append(names, s.Name)
		}
	}
	src := "arch x86_64, x32\ndefault errno(EPERM)\nallow " + strings.Join(names, ", ") + "\n"
	p, diags := resolve.Load("plan.pol", []byte(src), resolve.Options{})
	if err := diags.Err(); err != nil {
		b.Fatal(err)
	}
	g := newGen(p, Options{})
	spans := g.ranges(p.Filters)
	w := spanWeights(nil, spans, p.Filters, nil, g.denied)
	b.Logf("%d spans", len(spans))
	for b.Loop() {
		planTree(spans, w, true).release()
	}
}
