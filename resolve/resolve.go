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
	// ReadFile loads included files; nil means os.ReadFile.
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
	r.diags = dedupe(r.diags)
	r.diags.Sort()
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
	filters := make([]*policy.Filter, len(targets))
	bySys := make([]map[uint32]*policy.Syscall, len(targets))
	for i, a := range targets {
		filters[i] = &policy.Filter{Arch: a}
		bySys[i] = map[uint32]*policy.Syscall{}
	}
	for _, rule := range rules {
		act := r.action(rule.Action)
		names := r.expand(rule.Syscalls)
		r.checkNames(names, targets)
		for i, a := range targets {
			for _, n := range names {
				nr, ok := a.Nr(n.name)
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
				s := bySys[i][nr]
				if s == nil {
					s = &policy.Syscall{Nr: nr, Name: n.name}
					bySys[i][nr] = s
				}
				s.Rules = append(s.Rules, policy.Rule{Cond: cond, Action: act, Pos: rule.Pos})
			}
		}
	}
	for i, f := range filters {
		for _, s := range bySys[i] {
			f.Syscalls = append(f.Syscalls, s)
		}
		sort.Slice(f.Syscalls, func(a, b int) bool { return f.Syscalls[a].Nr < f.Syscalls[b].Nr })
	}
	p.Filters = filters
	for _, t := range tests {
		p.Tests = append(p.Tests, r.test(t, targets)...)
	}
	return p
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
	var out []nameRef
	seen := map[string]bool{}
	add := func(n nameRef) {
		if !seen[n.name] {
			seen[n.name] = true
			out = append(out, n)
		}
	}
	for _, ref := range refs {
		if !ref.IsSet {
			add(nameRef{ref.Name, ref.Pos})
			continue
		}
		s, ok := r.sets[ref.Name]
		if !ok {
			r.diags.Add(ref.Pos, lang.SeverityError, suggest.Hint(ref.Name, r.setNames()), "undefined set @%s", ref.Name)
			continue
		}
		for _, n := range s.names {
			add(nameRef{n.name, ref.Pos})
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
		var missing []string
		for _, a := range targets {
			if _, ok := a.Nr(n.name); !ok {
				missing = append(missing, a.Name)
			}
		}
		if len(missing) == 0 {
			continue
		}
		if !knownAnywhere(n.name) {
			r.diags.Add(n.pos, lang.SeverityError, suggest.Hint(n.name, syscalls.AllSyscallNames()), "unknown syscall %q", n.name)
			continue
		}
		r.diags.Warnf(n.pos, "%s is not a syscall on %s; the rule is skipped there", n.name, strings.Join(missing, ", "))
	}
}

func knownAnywhere(name string) bool {
	for _, a := range syscalls.Arches() {
		if _, ok := a.Nr(name); ok {
			return true
		}
	}
	return false
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
// syscall, and its mistakes should be reported once.
func dedupe(l lang.ErrorList) lang.ErrorList {
	seen := map[string]bool{}
	var out lang.ErrorList
	for _, e := range l {
		k := e.Error()
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}
