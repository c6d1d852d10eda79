// Package resolve gives a parsed policy its meaning: it expands includes and
// sets, picks the target ABIs, maps syscall names to numbers and symbolic
// constants to values per ABI, types named arguments by the kernel's
// signatures, and produces the policy IR. Everything that can be wrong with
// a policy that parses is reported here, with positions.
package resolve

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/scc-dev/scc/internal/suggest"
	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/syscalls"
)

// Options adjust resolution.
type Options struct {
	// Arches overrides the policy's target ABIs (scc run compiles for the
	// host only). Nil: the policy's `arch` statements, else the host.
	Arches []*syscalls.Arch
	// ReadFile loads the policy of LoadFile and the files it includes;
	// nil means the package's ReadFile (bounded by MaxFileSize).
	ReadFile func(path string) ([]byte, error)
}

// LoadFile parses and resolves the policy in path. The returned list holds
// warnings and errors; when it has errors (diags.Err() != nil) the policy is
// nil.
func LoadFile(path string, opts Options) (*policy.Policy, lang.ErrorList) {
	src, err := opts.readFile(path)
	if err != nil {
		return nil, lang.ErrorList{{Pos: lang.Pos{File: path}, Msg: err.Error()}}
	}
	return Load(path, src, opts)
}

// Load parses and resolves src, read from the file name (used for positions
// and to find included files).
func Load(name string, src []byte, opts Options) (*policy.Policy, lang.ErrorList) {
	f, err := lang.Parse(name, src)
	if err != nil {
		return nil, asList(err, name)
	}
	return Resolve(f, opts)
}

// Resolve turns a parsed file into the policy IR.
func Resolve(f *lang.File, opts Options) (*policy.Policy, lang.ErrorList) {
	r := &resolver{opts: opts, file: f.Name, sets: map[string]*set{}}
	r.flatten(f, nil)
	p := r.build()
	r.diags.Sort()
	r.diags = dedupe(r.diags)
	if r.diags.HasErrors() {
		return nil, r.diags
	}
	return p, r.diags
}

// MaxFileSize bounds what scc reads from one policy, profile or filter
// (a file, an include, stdin): far above any real one, it stops `include
// "/dev/zero"` or `scc check /dev/zero` from reading until memory runs out.
// Pipes stay usable (include "/dev/fd/3", process substitution).
const MaxFileSize = 16 << 20

// ErrTooLarge is the error of ReadLimited and ReadFile past MaxFileSize.
var ErrTooLarge = fmt.Errorf("more than %d MiB: not a policy, profile or filter", MaxFileSize>>20)

// ReadLimited reads r to its end, or fails with ErrTooLarge after
// MaxFileSize bytes.
func ReadLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, ErrTooLarge
	}
	return data, nil
}

// ReadFile is os.ReadFile bounded by MaxFileSize. "-" is a file name here,
// not stdin.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadLimited(f)
}

func (o Options) readFile(path string) ([]byte, error) {
	if o.ReadFile != nil {
		return o.ReadFile(path)
	}
	return ReadFile(path)
}

func asList(err error, name string) lang.ErrorList {
	switch e := err.(type) {
	case lang.ErrorList:
		return e
	case *lang.Error:
		return lang.ErrorList{e}
	}
	return lang.ErrorList{{Pos: lang.Pos{File: name}, Msg: err.Error()}}
}

type set struct {
	pos   lang.Pos
	names []nameRef
}

// nameRef is a syscall name with the position of the reference that
// brought it in (through a set, the position of the @set in the rule).
type nameRef struct {
	name string
	pos  lang.Pos
}

type resolver struct {
	opts  Options
	file  string // the file being resolved, not one it includes
	diags lang.ErrorList
	stmts []lang.Stmt // includes expanded, in order
	sets  map[string]*set
}

// flatten expands includes depth-first, so that statements keep the order in
// which a reader meets them.
func (r *resolver) flatten(f *lang.File, stack []string) {
	abs, _ := filepath.Abs(f.Name)
	stack = append(stack, abs)
	for _, s := range f.Stmts {
		inc, ok := s.(*lang.IncludeStmt)
		if !ok {
			r.stmts = append(r.stmts, s)
			continue
		}
		path := inc.Path
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(f.Name), path)
		}
		pabs, _ := filepath.Abs(path)
		if i := indexOf(stack, pabs); i >= 0 {
			r.diags.Errorf(inc.Pos, "include cycle: %s includes itself through %s", path, strings.Join(stack[i:], " -> "))
			continue
		}
		src, err := r.opts.readFile(path)
		if err != nil {
			r.diags.Errorf(inc.Pos, "include %q: %v", inc.Path, unwrapPathErr(err))
			continue
		}
		sub, err := lang.Parse(path, src)
		if err != nil {
			r.diags = append(r.diags, asList(err, path)...)
			continue
		}
		r.flatten(sub, stack)
	}
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func indexOf(xs []string, x string) int {
	for i, s := range xs {
		if s == x {
			return i
		}
	}
	return -1
}

// build runs the passes over the flattened statements.
func (r *resolver) build() *policy.Policy {
	p := &policy.Policy{BadArch: policy.KillProcess}
	targets := r.targets()
	var haveDefault, haveBadArch *lang.Pos
	var rules []*lang.RuleStmt
	var tests []*lang.TestStmt
	for _, s := range r.stmts {
		switch s := s.(type) {
		case *lang.DefaultStmt:
			if haveDefault != nil {
				r.diags.Add(s.Pos, lang.SeverityError, "the first is at "+haveDefault.String(), "second default statement")
				continue
			}
			haveDefault = &s.Pos
			p.Default = r.action(s.Action)
		case *lang.BadArchStmt:
			if haveBadArch != nil {
				r.diags.Add(s.Pos, lang.SeverityError, "the first is at "+haveBadArch.String(), "second badarch statement")
				continue
			}
			haveBadArch = &s.Pos
			p.BadArch = r.action(s.Action)
		case *lang.SetStmt:
			r.defineSet(s)
		case *lang.RuleStmt:
			rules = append(rules, s)
		case *lang.TestStmt:
			tests = append(tests, s)
		}
	}
	if haveDefault == nil {
		// The missing default is the main file's fault, even when it is
		// empty or its first statement comes from an include.
		r.diags.Add(lang.Pos{File: r.file}, lang.SeverityError, "add one, e.g. `default errno(EPERM)` or `default kill`", "the policy has no default action")
	}
	// Each rule's action and names, and the checks that do not depend on
	// the ABI, in source order.
	infos := make([]ruleInfo, len(rules))
	for k, rule := range rules {
		infos[k] = ruleInfo{act: r.action(rule.Action), names: r.expand(rule.Syscalls)}
		r.checkNames(infos[k].names, targets)
	}
	filters := make([]*policy.Filter, len(targets))
	var sc slotScratch
	most := 0
	for _, a := range targets {
		most = max(most, len(a.Nrs()))
	}
	sc.grow(most)
	for i, a := range targets {
		// Target by target rather than rule by rule: the diagnostics of
		// one rule's condition still come in ABI order, which is all the
		// (stable, by position) sort of r.diags can see.
		filters[i] = r.filter(a, rules, infos, &sc)
	}
	p.Filters = filters
	for _, t := range tests {
		p.Tests = append(p.Tests, r.test(t, targets)...)
	}
	return p
}

type ruleInfo struct {
	act   policy.Action
	names []nameRef
}

// slotScratch is filter's per-syscall bookkeeping, indexed like the ABI's
// sorted numbers (Arch.Nrs) and shared by the targets in turn.
type slotScratch struct {
	start, fill []int32  // the slot's rules are out[start:fill]
	first       []uint64 // the name its first rule was written with: rule<<32 | index in the rule's names
}

// grow makes room for an ABI of n numbers.
func (sc *slotScratch) grow(n int) {
	if cap(sc.start) < n+1 {
		sc.start, sc.fill, sc.first = make([]int32, n+1), make([]int32, n), make([]uint64, n)
	}
}

// filter resolves the rules for one ABI. The rules are counted per syscall
// first, so that every syscall's rules, the syscalls and the list of them
// each take one exactly sized allocation: building them with a map and
// appends took 200 KB of the 450 KB that resolving Docker's profile for
// three ABIs allocated.
func (r *resolver) filter(a *syscalls.Arch, rules []*lang.RuleStmt, infos []ruleInfo, sc *slotScratch) *policy.Filter {
	f := &policy.Filter{Arch: a}
	nrs := a.Nrs()
	slot := func(name string) (int, bool) {
		nr, ok := a.Nr(name)
		if !ok {
			return 0, false
		}
		k, _ := slices.BinarySearch(nrs, nr) // nrs is a table's numbers: each appears once
		return k, true
	}
	sc.grow(len(nrs))
	start, fill, first := sc.start[:len(nrs)+1], sc.fill[:len(nrs)], sc.first[:len(nrs)]
	// Count (an upper bound: a condition may still drop the rule)...
	clear(start)
	for _, in := range infos {
		for _, n := range in.names {
			if k, ok := slot(n.name); ok {
				start[k+1]++
			}
		}
	}
	for k := range nrs {
		start[k+1] += start[k]
	}
	copy(fill, start)
	// ...then place each rule in its syscall's run.
	out := make([]policy.Rule, start[len(nrs)])
	for ri, rule := range rules {
		for ni, n := range infos[ri].names {
			k, ok := slot(n.name)
			if !ok {
				continue
			}
			cond, ok := r.cond(rule.Cond, a, n.name)
			if !ok {
				continue
			}
			if b, isBool := cond.(policy.Bool); isBool {
				if !b {
					continue // never matches; reported by cond
				}
				cond = nil
			}
			if fill[k] == start[k] {
				first[k] = uint64(ri)<<32 | uint64(ni)
			}
			out[fill[k]] = policy.Rule{Cond: cond, Action: infos[ri].act, Pos: rule.Pos}
			fill[k]++
		}
	}
	used := 0
	for k := range nrs {
		if fill[k] > start[k] {
			used++
		}
	}
	if used == 0 {
		return f
	}
	sys := make([]policy.Syscall, 0, used)
	f.Syscalls = make([]*policy.Syscall, used)
	for k, nr := range nrs {
		if fill[k] == start[k] {
			continue
		}
		name := infos[first[k]>>32].names[uint32(first[k])].name
		sys = append(sys, policy.Syscall{Nr: nr, Name: name, Rules: out[start[k]:fill[k]:fill[k]]})
		f.Syscalls[len(sys)-1] = &sys[len(sys)-1]
	}
	return f
}

// targets are the ABIs to compile for, in the order the policy names them.
func (r *resolver) targets() []*syscalls.Arch {
	if r.opts.Arches != nil {
		return r.opts.Arches
	}
	var out []*syscalls.Arch
	seen := map[*syscalls.Arch]bool{}
	for _, s := range r.stmts {
		as, ok := s.(*lang.ArchStmt)
		if !ok {
			continue
		}
		for _, n := range as.Names {
			a, ok := syscalls.ArchByName(n.Name)
			if !ok {
				r.diags.Add(n.Pos, lang.SeverityError, hintOr(suggest.Hint(n.Name, syscalls.ArchNames()), "known: "+strings.Join(syscalls.ArchNames(), ", ")),
					"unknown architecture %q", n.Name)
				continue
			}
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	if len(out) == 0 {
		if h := syscalls.Host(); h != nil {
			out = append(out, h)
		}
	}
	return out
}

func hintOr(h, alt string) string {
	if h != "" {
		return h
	}
	return alt
}

func (r *resolver) defineSet(s *lang.SetStmt) {
	if old, ok := r.sets[s.Name.Name]; ok {
		r.diags.Add(s.Name.Pos, lang.SeverityError, "the first is at "+old.pos.String(), "set @%s is already defined", s.Name.Name)
		return
	}
	// Expanded now, so a set can only use sets defined above it: no cycles.
	r.sets[s.Name.Name] = &set{pos: s.Name.Pos, names: r.expand(s.Members)}
}

// expand turns syscall references into names, expanding sets and dropping
// repeats.
func (r *resolver) expand(refs []lang.SyscallRef) []nameRef {
	n := 0
	for _, ref := range refs {
		n++
		if ref.IsSet {
			if s, ok := r.sets[ref.Name]; ok {
				n += len(s.names) - 1
			}
		}
	}
	out := make([]nameRef, 0, n)
	for _, ref := range refs {
		if !ref.IsSet {
			out = append(out, nameRef{ref.Name, ref.Pos})
			continue
		}
		s, ok := r.sets[ref.Name]
		if !ok {
			r.diags.Add(ref.Pos, lang.SeverityError, suggest.Hint(ref.Name, r.setNames()), "undefined set @%s", ref.Name)
			continue
		}
		for _, n := range s.names {
			out = append(out, nameRef{n.name, ref.Pos})
		}
	}
	return dropRepeats(out)
}

// dropRepeats keeps the first of names that repeat, in place. It sorts
// indexes rather than filling a map: on Docker's profile, whose longest
// rule names 300 syscalls, the map and the appends cost 91 KB.
func dropRepeats(names []nameRef) []nameRef {
	if len(names) < 2 {
		return names
	}
	idx := make([]int32, len(names))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int {
		if c := strings.Compare(names[a].name, names[b].name); c != 0 {
			return c
		}
		return int(a - b)
	})
	// Mark every repeat after the first (lowest index) of its name.
	var repeat []bool
	for i := 1; i < len(idx); i++ {
		if names[idx[i]].name == names[idx[i-1]].name {
			if repeat == nil {
				repeat = make([]bool, len(names))
			}
			repeat[idx[i]] = true
		}
	}
	if repeat == nil {
		return names
	}
	out := names[:0]
	for i, n := range names {
		if !repeat[i] {
			out = append(out, n)
		}
	}
	return out
}

func (r *resolver) setNames() []string {
	var names []string
	for n := range r.sets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// checkNames reports names that are no syscall on any ABI (an error, with a
// suggestion) and names missing on some targets (a warning: the rule does
// not apply there).
func (r *resolver) checkNames(names []nameRef, targets []*syscalls.Arch) {
	for _, n := range names {
		missing := 0
		for _, a := range targets {
			if _, ok := a.Nr(n.name); !ok {
				missing++
			}
		}
		if missing == 0 {
			continue
		}
		// A name some target has is known; only a name none has is looked
		// up in the other ABIs.
		if missing == len(targets) && !syscalls.Known(n.name) {
			r.diags.Add(n.pos, lang.SeverityError, suggest.Hint(n.name, syscalls.AllSyscallNames()), "unknown syscall %q", n.name)
			continue
		}
		var b strings.Builder
		for _, a := range targets {
			if _, ok := a.Nr(n.name); !ok {
				if b.Len() > 0 {
					b.WriteString(", ")
				}
				b.WriteString(a.Name)
			}
		}
		r.diags.Warnf(n.pos, "%s is not a syscall on %s; the rule is skipped there", n.name, b.String())
	}
}

// action resolves an action and its argument.
func (r *resolver) action(a lang.Action) policy.Action {
	switch a.Kind {
	case lang.ActAllow:
		return policy.Allow
	case lang.ActKill:
		return policy.KillProcess
	case lang.ActKillThread:
		return policy.KillThread
	case lang.ActTrap:
		return policy.Trap
	case lang.ActLog:
		return policy.Log
	case lang.ActNotify:
		return policy.Notify
	case lang.ActErrno:
		v, ok := r.actionArg(a, true)
		if !ok {
			return policy.Errno(1)
		}
		if v > policy.MaxErrno {
			r.diags.Add(a.Arg.Pos, lang.SeverityError, "the kernel returns at most errno 4095", "errno %d is out of range", v)
		}
		return policy.Errno(uint16(v))
	case lang.ActTrace:
		v, ok := r.actionArg(a, false)
		if !ok {
			return policy.Trace(0)
		}
		if v > 0xffff {
			r.diags.Add(a.Arg.Pos, lang.SeverityError, "trace data is 16 bits", "trace(%d) is out of range", v)
		}
		return policy.Trace(uint16(v))
	}
	r.diags.Errorf(a.Pos, "unknown action %q", a.Kind)
	return policy.KillProcess
}

func (r *resolver) actionArg(a lang.Action, errno bool) (uint64, bool) {
	if a.Arg == nil {
		r.diags.Add(a.Pos, lang.SeverityError, fmt.Sprintf("e.g. %s(%s)", a.Kind, map[bool]string{true: "EPERM", false: "1"}[errno]), "%s needs a value", a.Kind)
		return 0, false
	}
	var v uint64
	for _, t := range a.Arg.Terms {
		if t.Name == "" {
			v |= t.Num
			continue
		}
		e, ok := syscalls.Errno(t.Name)
		if !ok || !errno {
			var cands []string
			if errno {
				cands = errnoNames()
			}
			r.diags.Add(t.Pos, lang.SeverityError, suggest.Hint(t.Name, cands), "unknown %s %q", map[bool]string{true: "errno name", false: "constant"}[errno], t.Name)
			return 0, false
		}
		v |= uint64(e)
	}
	return v, true
}

func errnoNames() []string {
	var out []string
	for _, n := range syscalls.ConstNames() {
		if _, ok := syscalls.Errno(n); ok {
			out = append(out, n)
		}
	}
	return out
}

// dedupe drops repeated diagnostics: a rule is resolved once per ABI and
// syscall, and its mistakes should be reported once. l is sorted by
// position (stably), so repeats, which are at the same position, are in a
// run of equal positions in the order they were reported; comparing within
// runs, instead of keeping a map of every diagnostic's text, saves 24 KB on
// Docker's profile.
func dedupe(l lang.ErrorList) lang.ErrorList {
	out := l[:0]
	run := 0                 // where the run of out's last position starts
	var long map[string]bool // the texts of a run too long to search
	for _, e := range l {
		if len(out) > 0 && out[len(out)-1].Pos != e.Pos {
			run, long = len(out), nil
		}
		switch {
		case long != nil:
			if k := e.Error(); !long[k] {
				long[k] = true
				out = append(out, e)
			}
		case !slices.ContainsFunc(out[run:], func(k *lang.Error) bool { return sameText(k, e) }):
			out = append(out, e)
			if len(out)-run > 32 { // a set of many unknown names, say
				long = map[string]bool{}
				for _, k := range out[run:] {
					long[k.Error()] = true
				}
			}
		}
	}
	return out
}

// sameText reports whether two diagnostics at the same position read the
// same, building their text only when the parts differ but the lengths
// match (a message that reads like another's with its hint, say).
func sameText(a, b *lang.Error) bool {
	aw, bw := a.Severity == lang.SeverityWarning, b.Severity == lang.SeverityWarning
	if aw == bw && a.Msg == b.Msg && a.Hint == b.Hint {
		return true
	}
	return textLen(a) == textLen(b) && a.Error() == b.Error()
}

// textLen is len(e.Error()) less the position's.
func textLen(e *lang.Error) int {
	n := len(e.Msg)
	if e.Severity == lang.SeverityWarning {
		n += len("warning: ")
	}
	if e.Hint != "" {
		n += len(" (") + len(e.Hint) + len(")")
	}
	return n
}
