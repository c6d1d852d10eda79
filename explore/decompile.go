package explore

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/scc-dev/scc/bpfasm"
	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/resolve"
	"github.com/scc-dev/scc/syscalls"
)

// Result is a decompiled filter.
type Result struct {
	File *lang.File
	// Lossy lists what the policy language cannot say about the filter, one
	// message each; when it is empty, compiling File gives a filter that
	// returns the same value as the original on every input.
	Lossy []string
}

// Decompile turns a seccomp program into an equivalent policy: the arch
// checks give the targets, the most common outcome the default, the action
// of unknown arches the badarch action, and each syscall's paths its rules,
// with syscalls that behave alike grouped into one rule.
func Decompile(prog []bpfasm.Insn) (*Result, error) {
	paths, err := Explore(prog)
	if err != nil {
		return nil, err
	}
	d := &decompiler{paths: paths, resolved: map[string]string{}}
	d.run()
	// An ABI whose every call gets one action other than badarch (Chromium
	// traps x32 calls but kills other arches) cannot be said exactly either
	// way; as a target it costs one note per syscall, as a non-target one
	// note in all. Keep whichever says less.
	if uniform := d.uniformABIs(); len(d.res.Lossy) > len(uniform) && len(uniform) > 0 {
		alt := &decompiler{paths: paths, resolved: d.resolved, exclude: uniform}
		alt.run()
		if len(alt.res.Lossy) < len(d.res.Lossy) {
			d = alt
		}
	}
	d.res.File.Stmts[0].(*lang.ArchStmt).Doc = []string{fmt.Sprintf("Decompiled by scc from a %d-instruction seccomp filter (%d paths).", len(prog), len(paths))}
	return &d.res, nil
}

// abiRange is the set of numbers an ABI owns under its audit arch.
func abiRange(a *syscalls.Arch) Set {
	if a.AuditArch != syscalls.AuditArchX86_64 {
		return Full
	}
	if a.X32 {
		return Range(syscalls.X32Bit, ^uint32(0))
	}
	return Range(0, syscalls.X32Bit-1)
}

// unnamedNrs is, per ABI, the numbers it owns that name no syscall. Built
// on first use: it forces every ABI's table, which scc compile never needs.
var unnamedNrs = sync.OnceValue(func() map[*syscalls.Arch]Set {
	m := map[*syscalls.Arch]Set{}
	for _, a := range syscalls.Arches() {
		m[a] = abiRange(a).Minus(FromValues(a.Nrs()))
	}
	return m
})

// knownArches is every audit arch value scc knows.
var knownArches = sync.OnceValue(func() Set {
	var vs []uint32
	for _, a := range syscalls.Arches() {
		vs = append(vs, a.AuditArch)
	}
	return FromValues(vs)
})

// onABI reports whether a path can be taken by a call of ABI a.
func onABI(p *Path, a *syscalls.Arch) bool {
	if !p.Cons[WordArch].Holds(a.AuditArch) {
		return false
	}
	return Word{Set: p.Cons[WordNr].Set.Intersect(abiRange(a)), Atoms: p.Cons[WordNr].Atoms}.Feasible()
}

// unnamedOn reports whether a path can be taken by a call of ABI a with a
// number that names no syscall.
func unnamedOn(p *Path, a *syscalls.Arch) bool {
	return Word{Set: p.Cons[WordNr].Set.Intersect(unnamedNrs()[a]), Atoms: p.Cons[WordNr].Atoms}.Feasible()
}

// foreign reports whether a path can be taken by a call whose audit arch is
// none scc knows.
func foreign(p *Path) bool {
	w := p.Cons[WordArch]
	return Word{Set: w.Set.Minus(knownArches()), Atoms: w.Atoms}.Feasible()
}

// alts turns the paths a call of syscall nr on ABI a can take into
// alternatives over its arguments.
func alts(paths []*Path, v view, nr uint32) (out []alt, lossy bool) {
	for _, p := range paths {
		if !p.Cons[WordNr].Holds(nr) {
			continue
		}
		var ts []term
		for i := 0; i < 6; i++ {
			t, l := v.argTerms(i, p.Cons[ArgWord(i, false)], p.Cons[ArgWord(i, true)])
			lossy = lossy || l
			ts = append(ts, t...)
		}
		out = append(out, alt{when: normalizeTerms(ts), action: p.Action})
	}
	return merge(out), lossy
}

type decompiler struct {
	paths    []Path
	res      Result
	resolved map[string]string // cache: rule list on ABI → resolved form
	def      policy.Action
	// exclude holds ABIs not to target, with the one action all their
	// calls get.
	exclude map[*syscalls.Arch]policy.Action
	badarch policy.Action
}

// uniformABIs returns the target ABIs of the last run whose every syscall,
// whatever its arguments, gets one action other than badarch, unless that
// is all of them.
func (d *decompiler) uniformABIs() map[*syscalls.Arch]policy.Action {
	out := map[*syscalls.Arch]policy.Action{}
	for _, n := range d.res.File.Stmts[0].(*lang.ArchStmt).Names {
		a, ok := syscalls.ArchByName(n.Name)
		if !ok {
			continue
		}
		var act policy.Action
		seen, same := false, true
		for _, sc := range a.Syscalls() {
			for i := range d.paths {
				p := &d.paths[i]
				if !p.Cons[WordArch].Holds(a.AuditArch) || !p.Cons[WordNr].Holds(sc.Nr) {
					continue
				}
				if seen && p.Action != act {
					same = false
					break
				}
				act, seen = p.Action, true
			}
			if !same {
				break
			}
		}
		if seen && same && act != d.badarch {
			out[a] = act
		}
	}
	if len(out) == len(d.res.File.Stmts[0].(*lang.ArchStmt).Names) {
		return nil // some ABI must stay a target
	}
	return out
}

func (d *decompiler) lossy(format string, args ...any) {
	d.res.Lossy = append(d.res.Lossy, fmt.Sprintf(format, args...))
}

// rule is a rule without its syscall list.
type rule struct {
	action policy.Action
	cond   lang.Expr
}

func rulesKey(rs []rule) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.action.String())
		if r.cond != nil {
			b.WriteString(" if ")
			b.WriteString(lang.FormatExpr(r.cond))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func (d *decompiler) run() {
	for _, p := range d.paths {
		if !p.Cons[WordIPLo].IsFree() || !p.Cons[WordIPHi].IsFree() {
			d.lossy("the filter tests the instruction pointer, which a policy cannot; those tests are dropped")
			break
		}
	}

	// badarch: what calls from arches scc does not know get.
	count := map[policy.Action]int{}
	var foreignActs []policy.Action
	for i := range d.paths {
		if foreign(&d.paths[i]) {
			if count[d.paths[i].Action] == 0 {
				foreignActs = append(foreignActs, d.paths[i].Action)
			}
			count[d.paths[i].Action]++
		}
	}
	badarch := mostCommon(foreignActs, count)
	d.badarch = badarch
	if len(foreignActs) > 1 {
		d.lossy("calls from unknown arches get %s; a policy gives them all one action (badarch %s)", actionList(foreignActs), badarch)
	}

	// Targets: ABIs whose calls do not all get the badarch action.
	type abiInfo struct {
		a     *syscalls.Arch
		paths []*Path
	}
	var targets []abiInfo
	for _, a := range syscalls.Arches() {
		if act, ok := d.exclude[a]; ok {
			var unnamed []policy.Action
			for i := range d.paths {
				if p := &d.paths[i]; p.Cons[WordArch].Holds(a.AuditArch) && unnamedOn(p, a) && !slices.Contains(unnamed, p.Action) {
					unnamed = append(unnamed, p.Action)
				}
			}
			also := ""
			if len(unnamed) > 1 || len(unnamed) == 1 && unnamed[0] != act {
				also = fmt.Sprintf(" (numbers that name none: %s)", actionList(unnamed))
			}
			d.lossy("%s: every syscall gets %s%s; a policy gives calls from the ABIs it does not target its badarch action, %s", a.Name, act, also, badarch)
			continue
		}
		var ps []*Path
		target := false
		var odd Set          // numbers that name no syscall yet get another action
		var oddMore []string // the same, when too scattered to list
		for i := range d.paths {
			p := &d.paths[i]
			if !onABI(p, a) {
				continue
			}
			ps = append(ps, p)
			if p.Action == badarch {
				continue
			}
			if unnamedOn(p, a) {
				w := Word{Set: p.Cons[WordNr].Set.Intersect(unnamedNrs()[a]), Atoms: p.Cons[WordNr].Atoms}
				if nrs, ok := w.Exact(16); ok {
					odd = odd.Union(nrs)
				} else {
					oddMore = append(oddMore, w.describe("nr"))
				}
			}
			for _, s := range a.Syscalls() {
				if p.Cons[WordNr].Holds(s.Nr) {
					target = true
					break
				}
			}
		}
		if target {
			targets = append(targets, abiInfo{a, ps})
		} else if len(odd) > 0 || len(oddMore) > 0 {
			if len(odd) > 0 {
				oddMore = append([]string{odd.String()}, oddMore...)
			}
			d.lossy("%s: numbers %s get another action than badarch %s, though no syscall of %s does", a.Name, strings.Join(oddMore, "; "), badarch, a.Name)
		}
	}
	if len(targets) == 0 {
		// Every call gets one action: any target with that default says so.
		targets = append(targets, abiInfo{a: syscalls.Host()})
		if targets[0].a == nil {
			targets[0].a = syscalls.Arches()[0]
		}
		for i := range d.paths {
			targets[0].paths = append(targets[0].paths, &d.paths[i])
		}
	}

	// default: what unnamed numbers get, if the target ABIs agree on it;
	// else the most common outcome of the named syscalls.
	unnamed := map[string][]policy.Action{}
	count = map[policy.Action]int{}
	var order []policy.Action
	note := func(a policy.Action, n int) {
		if count[a] == 0 {
			order = append(order, a)
		}
		count[a] += n
	}
	perABI := make([]map[uint32][]alt, len(targets))
	for ti, t := range targets {
		perABI[ti] = map[uint32][]alt{}
		seen := map[policy.Action]bool{}
		for _, p := range t.paths {
			if unnamedOn(p, t.a) && !seen[p.Action] {
				seen[p.Action] = true
				unnamed[t.a.Name] = append(unnamed[t.a.Name], p.Action)
			}
		}
		for _, s := range t.a.Syscalls() {
			as, lossy := alts(t.paths, view{arch: t.a, syscall: s.Name}, s.Nr)
			if lossy {
				d.lossy("%s %s: the filter tests the high half of an argument, which the kernel leaves zero on a 32-bit ABI", t.a.Name, s.Name)
			}
			perABI[ti][s.Nr] = as
			for _, x := range as {
				note(x.action, 1)
			}
		}
	}
	// What numbers without a name get outweighs the named syscalls: no
	// rule can give it to them.
	for _, t := range targets {
		for _, a := range unnamed[t.a.Name] {
			note(a, 100_000)
		}
	}
	d.def = mostCommon(order, count)
	for _, t := range targets {
		if u := unnamed[t.a.Name]; len(u) > 0 && (len(u) != 1 || u[0] != d.def) {
			d.lossy("%s: numbers that name no syscall get %s; a policy gives them the default, %s", t.a.Name, actionList(u), d.def)
		}
	}

	// Rules per syscall name, shared by every target where the name exists.
	type perName struct {
		lists map[string][]rule // ABI → rules
		nrs   map[string]uint32
	}
	names := map[string]*perName{}
	var nameOrder []string
	for ti, t := range targets {
		for _, s := range t.a.Syscalls() {
			pn := names[s.Name]
			if pn == nil {
				pn = &perName{lists: map[string][]rule{}, nrs: map[string]uint32{}}
				names[s.Name] = pn
				nameOrder = append(nameOrder, s.Name)
			}
			pn.lists[t.a.Name] = d.rules(perABI[ti][s.Nr])
			pn.nrs[t.a.Name] = s.Nr
		}
	}
	groups := map[string][]string{}
	groupRules := map[string][]rule{}
	var groupOrder []string
	for _, n := range nameOrder {
		pn := names[n]
		chosen := d.unify(n, pn.lists, pn.nrs, targetsOf(targets, func(t abiInfo) *syscalls.Arch { return t.a }))
		if len(chosen) == 0 {
			continue
		}
		k := rulesKey(chosen)
		if _, ok := groups[k]; !ok {
			groupOrder = append(groupOrder, k)
			groupRules[k] = chosen
		}
		groups[k] = append(groups[k], n)
	}

	f := &lang.File{}
	arch := &lang.ArchStmt{}
	for _, t := range targets {
		arch.Names = append(arch.Names, lang.Ident{Name: t.a.Name})
	}
	f.Stmts = append(f.Stmts, arch, &lang.DefaultStmt{Action: d.langAction(d.def)}, &lang.BadArchStmt{Action: d.langAction(badarch)})
	// Unconditional groups first, by action, then the conditional ones.
	sort.SliceStable(groupOrder, func(i, j int) bool {
		ri, rj := groupRules[groupOrder[i]], groupRules[groupOrder[j]]
		ci, cj := len(ri) > 1 || ri[0].cond != nil, len(rj) > 1 || rj[0].cond != nil
		if ci != cj {
			return !ci
		}
		if !ci {
			return ri[0].action.Precedence() > rj[0].action.Precedence() || ri[0].action.Precedence() == rj[0].action.Precedence() && ri[0].action < rj[0].action
		}
		return false
	})
	for _, k := range groupOrder {
		ns := groups[k]
		sort.Strings(ns)
		var refs []lang.SyscallRef
		for _, n := range ns {
			refs = append(refs, lang.SyscallRef{Name: n})
		}
		for _, r := range groupRules[k] {
			f.Stmts = append(f.Stmts, &lang.RuleStmt{Action: d.langAction(r.action), Syscalls: refs, Cond: r.cond})
		}
	}
	d.res.File = f
	d.res.Lossy = dedupe(d.res.Lossy)
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func targetsOf[T any](ts []T, f func(T) *syscalls.Arch) []*syscalls.Arch {
	out := make([]*syscalls.Arch, len(ts))
	for i, t := range ts {
		out[i] = f(t)
	}
	return out
}

// rules turns one syscall's alternatives into rules: one per action other
// than the fallback, then the fallback unconditionally unless it is the
// default. The alternatives are disjoint, so their order does not matter.
func (d *decompiler) rules(as []alt) []rule {
	byAct := map[policy.Action][]conj{}
	var order []policy.Action
	for _, a := range as {
		if _, ok := byAct[a.action]; !ok {
			order = append(order, a.action)
		}
		byAct[a.action] = append(byAct[a.action], a.when)
	}
	fallback := d.def
	if _, ok := byAct[d.def]; !ok {
		for _, a := range order {
			if len(byAct[a]) > len(byAct[fallback]) {
				fallback = a
			}
		}
	}
	var out []rule
	for _, a := range order {
		if a != fallback {
			out = append(out, rule{action: a, cond: orExpr(byAct[a])})
		}
	}
	if fallback != d.def {
		out = append(out, rule{action: fallback})
	}
	return out
}

// unify picks one rule list for a syscall name that means, on every target
// where the name exists, what that ABI's filter does. Lists are compared by
// what they resolve to, so that `arg0 == 5` written for x86_64 also serves
// i386, where the resolver narrows it to 32 bits.
func (d *decompiler) unify(name string, lists map[string][]rule, nrs map[string]uint32, targets []*syscalls.Arch) []rule {
	var abis []*syscalls.Arch
	for _, a := range targets {
		if _, ok := lists[a.Name]; ok {
			abis = append(abis, a)
		}
	}
	same := true
	for _, a := range abis[1:] {
		if rulesKey(lists[a.Name]) != rulesKey(lists[abis[0].Name]) {
			same = false
		}
	}
	if same {
		return lists[abis[0].Name]
	}
	own := func(a *syscalls.Arch) string { return d.resolveOn(name, lists[a.Name], a, nrs[a.Name]) }
	// Resolving keeps the rules and their actions in order, so lists with
	// different action sequences cannot mean the same; skip resolving them.
	actions := func(rs []rule) string {
		var b strings.Builder
		for _, r := range rs {
			fmt.Fprintf(&b, "%x/%v ", uint32(r.action), r.cond == nil)
		}
		return b.String()
	}
	// The lists may differ only in constants whose values differ by ABI
	// (O_DIRECTORY): then one list with constant names serves all.
	if named, ok := symbolize(lists, abis); ok {
		fits := true
		for _, a := range abis {
			if d.resolveOn(name, named, a, nrs[a.Name]) != own(a) {
				fits = false
			}
		}
		if fits {
			return named
		}
	}
	var best []rule
	var bestMiss []*syscalls.Arch
	for ci, c := range abis {
		var miss []*syscalls.Arch
		for _, a := range abis {
			if actions(lists[c.Name]) != actions(lists[a.Name]) || d.resolveOn(name, lists[c.Name], a, nrs[a.Name]) != own(a) {
				miss = append(miss, a)
			}
		}
		if ci == 0 || len(miss) < len(bestMiss) {
			best, bestMiss = lists[c.Name], miss
		}
	}
	// An empty list is the default alone: say so rather than quote "".
	says := func(rs []rule) string {
		if len(rs) == 0 {
			return fmt.Sprintf("nothing but the default, %s", d.def)
		}
		return fmt.Sprintf("%q", strings.TrimSpace(rulesKey(rs)))
	}
	for _, a := range bestMiss {
		d.lossy("%s %s: the filter does %s, but the policy's rules for %s (written once for every arch) say %s",
			a.Name, name, says(lists[a.Name]), name, says(best))
	}
	return best
}

// resolveOn resolves a rule list for syscall name on one ABI and returns its
// meaning as a string.
func (d *decompiler) resolveOn(name string, rs []rule, a *syscalls.Arch, nr uint32) string {
	key := a.Name + "\x00" + name + "\x00" + rulesKey(rs)
	if s, ok := d.resolved[key]; ok {
		return s
	}
	f := &lang.File{Stmts: []lang.Stmt{&lang.DefaultStmt{Action: d.langAction(d.def)}}}
	for _, r := range rs {
		f.Stmts = append(f.Stmts, &lang.RuleStmt{Action: d.langAction(r.action), Syscalls: []lang.SyscallRef{{Name: name}}, Cond: r.cond})
	}
	p, diags := resolve.Resolve(f, resolve.Options{Arches: []*syscalls.Arch{a}})
	var out string
	if err := diags.Err(); err != nil {
		out = "error: " + err.Error()
	} else if s := p.Filters[0].Syscall(nr); s != nil {
		for _, r := range s.Rules {
			c := "true"
			if r.Cond != nil {
				c = r.Cond.String()
			}
			out += c + " => " + r.Action.String() + "\n"
		}
	}
	d.resolved[key] = out
	return out
}

// langAction spells an action in the language. Values the language cannot
// write (an unknown action, allow with data) become the action the kernel
// treats them as, and are reported.
func (d *decompiler) langAction(a policy.Action) lang.Action {
	num := func(n uint64) *lang.Const { c := number(n); return &c }
	switch a.Base() {
	case policy.ErrnoBase:
		if a.Data() > policy.MaxErrno {
			d.lossy("errno value %d is above %d; the kernel clamps it, the language cannot write it", a.Data(), policy.MaxErrno)
		}
		if n, ok := syscalls.ErrnoName(a.Data()); ok {
			return lang.Action{Kind: lang.ActErrno, Arg: &lang.Const{Terms: []lang.Term{{Name: n}}}}
		}
		return lang.Action{Kind: lang.ActErrno, Arg: num(uint64(a.Data()))}
	case policy.TraceBase:
		return lang.Action{Kind: lang.ActTrace, Arg: num(uint64(a.Data()))}
	case policy.KillProcess, policy.KillThread, policy.Trap, policy.Notify, policy.Log, policy.Allow:
		if a.Data() != 0 {
			d.lossy("%s: the language cannot write data with %s", a, a.Kind())
		}
		return lang.Action{Kind: a.Kind()}
	}
	d.lossy("%s is not a seccomp action; the kernel treats it as kill", a)
	return lang.Action{Kind: lang.ActKill}
}

func mostCommon(order []policy.Action, count map[policy.Action]int) policy.Action {
	if len(order) == 0 {
		return policy.KillProcess
	}
	best := order[0]
	for _, a := range order {
		if count[a] > count[best] {
			best = a
		}
	}
	return best
}

func actionList(as []policy.Action) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

// symbolize aligns rule lists that have the same shape and replaces each
// number that differs between ABIs by a constant name with exactly those
// values on them.
func symbolize(lists map[string][]rule, abis []*syscalls.Arch) ([]rule, bool) {
	base := lists[abis[0].Name]
	out := make([]rule, len(base))
	for i, r := range base {
		out[i] = rule{action: r.action}
		var conds []lang.Expr
		for _, a := range abis {
			l := lists[a.Name]
			if len(l) != len(base) || l[i].action != r.action || (l[i].cond == nil) != (r.cond == nil) {
				return nil, false
			}
			conds = append(conds, l[i].cond)
		}
		if r.cond == nil {
			continue
		}
		c, ok := alignExpr(conds, abis)
		if !ok {
			return nil, false
		}
		out[i].cond = c
	}
	return out, true
}

func alignExpr(es []lang.Expr, abis []*syscalls.Arch) (lang.Expr, bool) {
	switch e := es[0].(type) {
	case *lang.BinaryExpr:
		xs, ys := make([]lang.Expr, len(es)), make([]lang.Expr, len(es))
		for i, o := range es {
			b, ok := o.(*lang.BinaryExpr)
			if !ok || b.Op != e.Op {
				return nil, false
			}
			xs[i], ys[i] = b.X, b.Y
		}
		x, ok1 := alignExpr(xs, abis)
		y, ok2 := alignExpr(ys, abis)
		return &lang.BinaryExpr{Op: e.Op, X: x, Y: y}, ok1 && ok2
	case *lang.CompareExpr:
		var masks, values []lang.Const
		for _, o := range es {
			c, ok := o.(*lang.CompareExpr)
			if !ok || c.Op != e.Op || c.Arg.Name != e.Arg.Name || (c.Mask == nil) != (e.Mask == nil) {
				return nil, false
			}
			if c.Mask != nil {
				masks = append(masks, *c.Mask)
			}
			values = append(values, c.Value)
		}
		out := *e
		if e.Mask != nil {
			m, ok := alignConst(masks, abis)
			if !ok {
				return nil, false
			}
			out.Mask = &m
		}
		v, ok := alignConst(values, abis)
		out.Value = v
		return &out, ok
	}
	return nil, false
}

func alignConst(cs []lang.Const, abis []*syscalls.Arch) (lang.Const, bool) {
	same := true
	for _, c := range cs[1:] {
		if c.Terms[0].Num != cs[0].Terms[0].Num {
			same = false
		}
	}
	if same {
		return cs[0], true
	}
	for _, n := range syscalls.ConstNames() {
		fits := true
		for i, a := range abis {
			if v, ok := a.Const(n); !ok || v != cs[i].Terms[0].Num {
				fits = false
				break
			}
		}
		if fits {
			return lang.Const{Terms: []lang.Term{{Name: n}}}, true
		}
	}
	return lang.Const{}, false
}
