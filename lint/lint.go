// Package lint finds what is legal in a policy but likely unsafe or wrong:
// dangerous syscalls allowed, a restricted syscall whose sibling is allowed,
// conditions seccomp cannot evaluate the way they read, rules that can never
// decide anything, and a permissive default or badarch action.
//
// It works on the resolved policy (package policy), per target ABI, so that
// "allowed" means exactly what Policy.Decide means there; the questions it
// asks of conditions (can this rule ever decide a call?) are answered by an
// exact decision procedure, Satisfiable. The syntax tree is only consulted
// for the positions the IR does not keep (the default and badarch
// statements).
package lint

import (
	"fmt"
	"sort"
	"strings"

	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/syscalls"
)

// Kind identifies a class of warning. The ids are stable: tools may filter
// on them.
type Kind string

const (
	DangerousSyscall  Kind = "dangerous-syscall"   // a syscall in the dangerous list is allowed
	SiblingGap        Kind = "sibling-gap"         // restricted, while an equivalent syscall is allowed for any arguments
	StructArgFiltered Kind = "struct-arg-filtered" // clone3/openat2 filtered on arguments that hold only a pointer
	PointerArg        Kind = "pointer-arg"         // a condition compares a pointer argument
	ShadowedRule      Kind = "shadowed-rule"       // earlier rules decide every call the rule matches
	NeverMatches      Kind = "never-matches"       // the rule's own condition is unsatisfiable
	DefaultAllow      Kind = "default-allow"       // default allow (or log)
	BadArch           Kind = "badarch"             // calls from other ABIs are not killed or failed
	NoFallback        Kind = "no-fallback"         // a newer syscall is refused with other than ENOSYS while libc's fallback is allowed
)

// Kinds lists every kind with a one-line description, for documentation and
// `scc check --help`.
var Kinds = []struct {
	Kind Kind
	Doc  string
}{
	{DangerousSyscall, "a syscall that confined programs should not make (ptrace, mount, bpf ...) is allowed"},
	{SiblingGap, "a syscall is restricted while one that does the same job is allowed for any arguments"},
	{StructArgFiltered, "clone3 or openat2 is filtered on arguments: their flags are in memory, out of the filter's sight"},
	{PointerArg, "a condition compares a pointer argument: the filter sees the address, not the data"},
	{ShadowedRule, "earlier rules decide every call the rule matches: it never applies"},
	{NeverMatches, "the rule's condition can never be true"},
	{DefaultAllow, "the default action allows every syscall the policy does not name"},
	{BadArch, "calls from ABIs the policy does not target are not killed or failed"},
	{NoFallback, "clone3 or faccessat2 is refused with other than ENOSYS: libc does not fall back to the allowed clone or faccessat"},
}

// Warning is one finding.
type Warning struct {
	Pos  lang.Pos
	Kind Kind
	Msg  string
	Hint string // how to fix it
}

// String formats the warning as scc check prints it:
// file:line:col: warning: message (hint) [kind].
func (w Warning) String() string {
	e := lang.Error{Pos: w.Pos, Severity: lang.SeverityWarning, Msg: w.Msg, Hint: w.Hint}
	return e.Error() + " [" + string(w.Kind) + "]"
}

// Options give the linter what the policy IR lacks.
type Options struct {
	// File is the policy's syntax tree; its default and badarch statements
	// (followed through includes) give those warnings a position. Nil: they
	// have none.
	File *lang.File
	// ReadFile loads included files; nil means resolve.ReadFile.
	ReadFile func(path string) ([]byte, error)
}

// Check lints a resolved policy. Warnings come sorted by position.
func Check(p *policy.Policy, opts Options) []Warning {
	src := findSource(opts.File, opts.ReadFile)
	c := &checker{p: p, found: map[findingKey]*finding{}, defaultPos: src.defaultPos}
	for _, f := range p.Filters {
		c.filter(f)
	}
	c.defaultAllow(src.defaultPos)
	c.badArch(src.badArchPos)
	return c.warnings()
}

// allows reports whether an action lets the call run.
func allows(a policy.Action) bool {
	return a.Base() == policy.Allow || a.Base() == policy.Log
}

// finding is a warning before merging: the same rule produces the same
// finding for each syscall it names and each ABI, and those become one
// warning listing the syscalls.
type finding struct {
	key      findingKey
	subjects []string // syscall names, in order of appearance
	arches   []*syscalls.Arch
	order    int
}

type findingKey struct {
	pos    lang.Pos
	kind   Kind
	format string // the message, with %s where the subjects go (or none)
	hint   string
}

type checker struct {
	p          *policy.Policy
	found      map[findingKey]*finding
	defaultPos lang.Pos // where the default statement is, if known
}

func (c *checker) add(pos lang.Pos, kind Kind, subject string, a *syscalls.Arch, hint, format string) {
	k := findingKey{pos, kind, format, hint}
	f := c.found[k]
	if f == nil {
		f = &finding{key: k, order: len(c.found)}
		c.found[k] = f
	}
	if subject != "" && !contains(f.subjects, subject) {
		f.subjects = append(f.subjects, subject)
	}
	if a != nil && !contains(f.arches, a) {
		f.arches = append(f.arches, a)
	}
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// warnings merges the findings. A finding that holds on some targets only,
// among those that have all its syscalls, says on which.
func (c *checker) warnings() []Warning {
	fs := make([]*finding, 0, len(c.found))
	for _, f := range c.found {
		fs = append(fs, f)
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].order < fs[j].order })
	var out []Warning
	for _, f := range fs {
		msg := f.key.format
		if len(f.subjects) > 0 {
			msg = fmt.Sprintf(msg, strings.Join(f.subjects, ", "))
		}
		if len(f.arches) > 0 {
			if names := c.partialArches(f); names != "" {
				msg += " (on " + names + ")"
			}
		}
		out = append(out, Warning{Pos: f.key.pos, Kind: f.key.kind, Msg: msg, Hint: f.key.hint})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Pos, out[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return out
}

func (c *checker) partialArches(f *finding) string {
	var candidates int
	for _, flt := range c.p.Filters {
		all := true
		for _, s := range f.subjects {
			if _, ok := flt.Arch.Nr(s); !ok {
				all = false
			}
		}
		if all {
			candidates++
		}
	}
	if len(f.arches) >= candidates {
		return ""
	}
	names := make([]string, len(f.arches))
	for i, a := range f.arches {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}

// decides is the condition under which rule j of s decides a call: its own
// condition holds and no earlier one does. j == len(s.Rules) is the default.
func decides(s *policy.Syscall, j int) policy.Expr {
	var e policy.Expr = policy.Bool(true)
	if j < len(s.Rules) && s.Rules[j].Cond != nil {
		e = s.Rules[j].Cond
	}
	for i := j - 1; i >= 0; i-- {
		if s.Rules[i].Cond == nil {
			return policy.Bool(false)
		}
		e = &policy.And{X: e, Y: &policy.Not{X: s.Rules[i].Cond}}
	}
	return e
}

// outcome is what a syscall's rules amount to on one ABI.
type outcome struct {
	reach   []tri // reach[j]: rule j decides some call; the last entry is the default
	allowed tri   // some arguments are allowed
	denied  tri   // some arguments are not allowed
	// restricted: the syscall has rules and some arguments are refused,
	// by the default or by a rule whose action is not errno(ENOSYS).
	// Refusing with ENOSYS is how a policy sends libc to a sibling (clone3
	// to clone), not a restriction; a syscall without rules is at most
	// missing from an allowlist.
	restricted tri
}

// tri is a satisfiability answer: yes, no, or unknown (the search gave up).
type tri int

const (
	no tri = iota
	yes
	unknown
)

var enosys = func() policy.Action {
	e, _ := syscalls.Errno("ENOSYS")
	return policy.Errno(e)
}()

func satisfiable(e policy.Expr) tri {
	_, sat, known := Satisfiable(e)
	switch {
	case !known:
		return unknown
	case sat:
		return yes
	}
	return no
}

func or3(a, b tri) tri {
	if a == yes || b == yes {
		return yes
	}
	if a == unknown || b == unknown {
		return unknown
	}
	return no
}

// analyse computes the outcome of a syscall; s may be nil (no rules: the
// default decides every call).
func (c *checker) analyse(s *policy.Syscall) outcome {
	if s == nil {
		s = &policy.Syscall{}
	}
	o := outcome{reach: make([]tri, len(s.Rules)+1)}
	for j := range o.reach {
		o.reach[j] = satisfiable(decides(s, j))
		act := c.p.Default
		if j < len(s.Rules) {
			act = s.Rules[j].Action
		}
		if allows(act) {
			o.allowed = or3(o.allowed, o.reach[j])
			continue
		}
		o.denied = or3(o.denied, o.reach[j])
		if len(s.Rules) > 0 && (j == len(s.Rules) || act != enosys) {
			o.restricted = or3(o.restricted, o.reach[j])
		}
	}
	return o
}

func (c *checker) filter(f *policy.Filter) {
	outcomes := map[uint32]outcome{}
	for _, s := range f.Syscalls {
		o := c.analyse(s)
		outcomes[s.Nr] = o
		c.rules(f, s, o)
		c.dangerous(f, s, o)
		c.conditions(f, s)
	}
	c.siblingGaps(f, outcomes)
	c.noFallback(f, outcomes)
}

// rules reports rules that never decide a call.
func (c *checker) rules(f *policy.Filter, s *policy.Syscall, o outcome) {
	for j, r := range s.Rules {
		if o.reach[j] == yes {
			continue
		}
		if satisfiable(r.Cond) == no {
			c.add(r.Pos, NeverMatches, s.Name, f.Arch, "fix the condition, or delete the rule",
				"the condition can never be true for %s: the rule never applies")
			continue
		}
		var earlier []string
		for i := 0; i < j; i++ {
			if o.reach[i] != no && satisfiable(&policy.And{X: decides(s, i), Y: orTrue(r.Cond)}) != no {
				earlier = append(earlier, shortPos(s.Rules[i].Pos, r.Pos))
			}
		}
		what, verb := "earlier rules", "decide"
		switch {
		case len(earlier) == 1:
			what, verb = "the rule at "+earlier[0], "decides"
		case len(earlier) > 1:
			what = "the rules at " + strings.Join(earlier, ", ")
		}
		what = strings.ReplaceAll(what, "%", "%%")
		if o.reach[j] == unknown {
			c.add(r.Pos, ShadowedRule, s.Name, f.Arch, "check the order of the rules",
				"the rule may never apply to %s: "+what+" may decide every call it matches (the analysis gave up)")
			continue
		}
		c.add(r.Pos, ShadowedRule, s.Name, f.Arch, "delete it, or move it above "+what+" if it should win",
			"the rule never applies to %s: "+what+" already "+verb+" every call it matches")
	}
}

func orTrue(e policy.Expr) policy.Expr {
	if e == nil {
		return policy.Bool(true)
	}
	return e
}

// shortPos drops the file name when it is the same as the reference's.
func shortPos(p, ref lang.Pos) string {
	if p.File == ref.File {
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	}
	return p.String()
}

// dangerous reports a dangerous syscall that an explicit rule allows. When
// only the default allows it, the default-allow warning names it.
func (c *checker) dangerous(f *policy.Filter, s *policy.Syscall, o outcome) {
	why, ok := dangerousWhy(s.Name)
	if !ok {
		return
	}
	for j, r := range s.Rules {
		if !allows(r.Action) || o.reach[j] != yes {
			continue
		}
		when := "is allowed"
		if r.Cond != nil {
			when = "is allowed for some arguments"
		}
		c.add(r.Pos, DangerousSyscall, s.Name, f.Arch,
			fmt.Sprintf("refuse it (e.g. `errno(EPERM) %s`) unless the program cannot work without it", s.Name),
			"%s "+when+": "+strings.ReplaceAll(why, "%", "%%"))
		return
	}
}

// conditions reports conditions the filter cannot evaluate the way they
// read: on struct-passing syscalls, and on pointers.
func (c *checker) conditions(f *policy.Filter, s *policy.Syscall) {
	if fallback, ok := structArg[s.Name]; ok {
		for _, r := range s.Rules {
			if r.Cond != nil {
				c.add(r.Pos, StructArgFiltered, s.Name, f.Arch,
					fmt.Sprintf("refuse it outright with `errno(ENOSYS) %s`: libc then falls back to %s, whose arguments a filter can check", s.Name, fallback),
					"%s takes its flags in a struct in memory, which the filter cannot read: the condition does not check them")
			}
		}
		return
	}
	params, ok := f.Arch.Params(s.Name)
	if !ok {
		return // unknown signature: we cannot tell a pointer from a number
	}
	for _, r := range s.Rules {
		seen := map[int]bool{}
		policy.Walk(r.Cond, func(cmp *policy.Cmp) {
			if cmp.Arg >= len(params) || !params[cmp.Arg].Pointer || seen[cmp.Arg] {
				return
			}
			// Comparing with NULL is meaningful: the address is all there is.
			if (cmp.Op == policy.EQ || cmp.Op == policy.NE) && cmp.Value == 0 {
				return
			}
			seen[cmp.Arg] = true
			p := params[cmp.Arg]
			c.add(r.Pos, PointerArg, s.Name, f.Arch,
				"a filter cannot check paths, strings or structs; compare with 0 (NULL) only, or use Landlock or a notify supervisor",
				fmt.Sprintf("the condition on %%s compares %s (arg%d), a pointer (%s): the filter sees the address, not what it points to", p.Name, cmp.Arg, p.Type))
		})
	}
}

// outcomeOf is nr's outcome, that of the default alone when no rule names
// nr.
func (c *checker) outcomeOf(outcomes map[uint32]outcome, nr uint32) outcome {
	if o, ok := outcomes[nr]; ok {
		return o
	}
	return c.analyse(nil)
}

// firstRefusal is the index of s's first reachable rule that refuses a
// call other than with ENOSYS, or -1.
func firstRefusal(s *policy.Syscall, o outcome) int {
	if s == nil {
		return -1
	}
	for j, r := range s.Rules {
		if !allows(r.Action) && r.Action != enosys && o.reach[j] == yes {
			return j
		}
	}
	return -1
}

// siblingGaps reports a syscall that the policy restricts (see
// outcome.restricted) while a sibling is allowed for every argument.
func (c *checker) siblingGaps(f *policy.Filter, outcomes map[uint32]outcome) {
	for _, group := range siblings {
		var open []string
		for _, name := range group {
			nr, ok := f.Arch.Nr(name)
			if !ok {
				continue
			}
			if o := c.outcomeOf(outcomes, nr); o.allowed == yes && o.denied == no {
				open = append(open, name)
			}
		}
		if len(open) == 0 {
			continue
		}
		for _, name := range group {
			nr, ok := f.Arch.Nr(name)
			if !ok {
				continue
			}
			s := f.Syscall(nr)
			if s == nil || outcomes[nr].restricted != yes {
				continue
			}
			// Point at the rule that refuses, or else at the first rule
			// (an allow with a condition, the default refusing the rest).
			pos := s.Rules[0].Pos
			if j := firstRefusal(s, outcomes[nr]); j >= 0 {
				pos = s.Rules[j].Pos
			}
			verbs := "is allowed for any arguments and does"
			if len(open) > 1 {
				verbs = "are allowed for any arguments and do"
			}
			c.add(pos, SiblingGap, name, f.Arch,
				fmt.Sprintf("give %s the same rule", strings.Join(open, ", ")),
				fmt.Sprintf("%%s is restricted, but %s %s the same job", strings.Join(open, ", "), verbs))
		}
	}
}

// noFallback reports a syscall of syscalls.Fallbacks refused other than
// with ENOSYS while its older replacement is allowed.
func (c *checker) noFallback(f *policy.Filter, outcomes map[uint32]outcome) {
	for _, fb := range syscalls.Fallbacks {
		newNr, ok1 := f.Arch.Nr(fb.Newer)
		oldNr, ok2 := f.Arch.Nr(fb.Older)
		if !ok1 || !ok2 {
			continue
		}
		if c.outcomeOf(outcomes, oldNr).allowed != yes {
			continue
		}
		s := f.Syscall(newNr)
		o := c.outcomeOf(outcomes, newNr)
		// Where the refusal is: the first reachable rule that refuses
		// other than with ENOSYS, else the default.
		pos, act := c.defaultPos, c.p.Default
		if j := firstRefusal(s, o); j >= 0 {
			pos, act = s.Rules[j].Pos, s.Rules[j].Action
		} else if allows(c.p.Default) || c.p.Default == enosys || o.reach[len(o.reach)-1] != yes {
			continue
		}
		c.add(pos, NoFallback, fb.Newer, f.Arch,
			fmt.Sprintf("refuse it with `errno(ENOSYS) %s` so that libc uses %s", fb.Newer, fb.Older),
			fmt.Sprintf("%%s gets %s while %s is allowed: libc falls back to %s only when %s fails with ENOSYS, so %s fails instead",
				act, fb.Older, fb.Older, fb.Newer, fb.Breaks))
	}
}

// defaultAllow reports a default that allows, naming the dangerous
// syscalls it lets through.
func (c *checker) defaultAllow(pos lang.Pos) {
	if !allows(c.p.Default) {
		return
	}
	var through []string
	for _, f := range c.p.Filters {
		for _, d := range dangerous {
			name := d.name
			nr, ok := f.Arch.Nr(name)
			if !ok || contains(through, name) {
				continue
			}
			if o := c.analyse(f.Syscall(nr)); o.reach[len(o.reach)-1] == yes { // the default decides some calls
				through = append(through, name)
			}
		}
	}
	msg := fmt.Sprintf("default %s: every syscall without a rule is allowed", c.p.Default)
	if len(through) > 0 {
		shown := through
		if len(shown) > 8 {
			shown = shown[:8]
		}
		msg += fmt.Sprintf(", including %d dangerous ones (%s", len(through), strings.Join(shown, ", "))
		if len(through) > len(shown) {
			msg += ", ..."
		}
		msg += ")"
	}
	c.add(pos, DefaultAllow, "", nil,
		"write an allowlist: `default errno(EPERM)` (or kill) and allow what the program needs; scc record drafts one",
		strings.ReplaceAll(msg, "%", "%%"))
}

func dangerousWhy(name string) (string, bool) {
	for _, d := range dangerous {
		if d.name == name {
			return d.why, true
		}
	}
	return "", false
}

// badArch reports a badarch action that lets calls from other ABIs run or
// hands them to someone else. Only a policy that writes badarch can have
// one: the implicit default is kill.
func (c *checker) badArch(pos lang.Pos) {
	switch c.p.BadArch.Base() {
	case policy.KillProcess, policy.KillThread, policy.ErrnoBase:
		return
	}
	hint := "use `badarch kill` (or errno): the policy's rules only hold for the ABIs it targets"
	if allows(c.p.BadArch) {
		c.add(pos, BadArch, "", nil, hint,
			fmt.Sprintf("badarch %s: calls made through another ABI (e.g. int 0x80 on x86_64) run unfiltered", c.p.BadArch))
		return
	}
	c.add(pos, BadArch, "", nil, hint,
		fmt.Sprintf("badarch %s: calls made through another ABI are not refused; what happens depends on a handler outside the policy", c.p.BadArch))
}
