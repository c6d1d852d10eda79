// Package importer turns a container seccomp profile — Docker's and
// Podman's JSON, or the linux.seccomp section of an OCI config.json — into an
// scc policy that means the same thing, readable and commented, so that a
// user can start from Docker's default profile and adjust it.
//
// "The same thing" is what a container runtime really installs: the profile
// is resolved as Docker resolves it (includes/excludes on caps, arches and
// minKernel, archMap) and its rules are read with libseccomp's semantics as
// runc drives it, which are not scc's first-match order:
//
//   - the rules for one syscall are OR-ed; within a rule the conditions are
//     AND-ed, except that runc turns a rule testing one argument index twice
//     into one rule per condition, OR-ed;
//   - a rule whose action equals the default action is dropped;
//   - an unconditional rule for a syscall overrides its conditional ones;
//   - SCMP_ACT_KILL is kill_thread; SCMP_ACT_ERRNO and SCMP_ACT_TRACE without
//     errnoRet use EPERM (1);
//   - comparisons are 64-bit (so the policy uses arg0..arg5, never the
//     width-typed parameter names); on 32-bit ABIs libseccomp compares the
//     low 32 bits;
//   - calls from other ABIs get SCMP_ACT_KILL (kill_thread), libseccomp's
//     default bad-arch action.
//
// Where libseccomp's answer would depend on its internal rule order (two
// rules with different actions whose conditions can hold together), Import
// fails and names the rules rather than guess.
package importer

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/syscalls"
)

// Options say what to resolve the profile for.
type Options struct {
	// Caps is the container's capability bounding set that includes/excludes
	// on caps are checked against. Nil: Docker's default set (DefaultCaps);
	// empty: no capabilities. ParseCaps reads the command-line spellings.
	Caps []string
	// Kernel is the kernel version minKernel is checked against, "X.Y".
	// Empty: the running kernel's.
	Kernel string
	// Arches overrides the ABIs the policy targets. The first is taken as
	// the host's (for archMap and includes/excludes on arches). Nil: the
	// host's ABI plus the profile's architectures, as a runtime does.
	Arches []*syscalls.Arch
	// Name names the input in the policy's header comment.
	Name string
	// Warn receives what the user should know but does not stop the import
	// (syscalls scc does not know, architectures it has no tables for).
	Warn func(msg string)
}

// Import reads a profile and returns the equivalent policy, ready for
// lang.Format. Errors about the profile's content are *PathError values
// naming the JSON path of the offending value.
func Import(data []byte, opts Options) (*lang.File, error) {
	prof, kind, err := decode(data)
	if err != nil {
		return nil, err
	}
	warn := func(format string, args ...any) {
		if opts.Warn != nil {
			opts.Warn(fmt.Sprintf(format, args...))
		}
	}
	e, err := newEnv(opts)
	if err != nil {
		return nil, err
	}
	targets := opts.Arches
	if len(targets) == 0 {
		targets = e.targets(prof, warn)
	}
	im := &importer{prof: prof, env: e, targets: targets, warn: warn}
	if err := im.analyse(); err != nil {
		return nil, err
	}
	return im.emit(opts.Name, kind, opts)
}

func newEnv(opts Options) (*env, error) {
	e := &env{caps: opts.Caps}
	if e.caps == nil {
		e.caps = DefaultCaps
	}
	if len(opts.Arches) > 0 {
		e.native = opts.Arches[0]
	} else if e.native = syscalls.Host(); e.native == nil {
		return nil, fmt.Errorf("scc has no syscall tables for this machine's ABI; say which with Options.Arches (--arch)")
	}
	k := opts.Kernel
	if k == "" {
		var err error
		if k, err = runningKernel(); err != nil {
			return nil, err
		}
	}
	kv, err := parseKernel(k)
	if err != nil {
		return nil, fmt.Errorf("kernel version %q: expected X.Y, such as 6.1", k)
	}
	e.kernel = kv
	return e, nil
}

// lrule is one rule as libseccomp receives it from runc: an action and
// conditions that are AND-ed, at most one per argument index. None means
// unconditional.
type lrule struct {
	entry  int
	action policy.Action
	conds  []specs.LinuxSeccompArg
}

// entry is one element of the profile's syscalls, with what the import
// decided about it.
type entry struct {
	call    *seccomp.Syscall
	path    string
	skip    string // why the entry has no effect, or ""
	action  policy.Action
	rules   []lrule
	split   bool     // runc split the conditions into OR-ed rules
	unknown []string // names that are a syscall on no target
	dropped map[string]string
}

type importer struct {
	prof    *seccomp.Seccomp
	env     *env
	targets []*syscalls.Arch
	warn    func(string, ...any)

	def     policy.Action
	entries []*entry
}

// action converts a profile action the way runc's getAction does.
func action(path string, a specs.LinuxSeccompAction, ret *uint, retPath string) (policy.Action, error) {
	val := uint(1) // EPERM
	if ret != nil {
		val = *ret
	}
	switch a {
	case specs.ActKill, specs.ActKillThread:
		return policy.KillThread, nil
	case specs.ActKillProcess:
		return policy.KillProcess, nil
	case specs.ActTrap:
		return policy.Trap, nil
	case specs.ActErrno:
		if val > policy.MaxErrno {
			return 0, pathErr(retPath, "errno %d is out of range (0 to %d)", val, policy.MaxErrno)
		}
		return policy.Errno(uint16(val)), nil
	case specs.ActTrace:
		if val > 0xffff {
			return 0, pathErr(retPath, "trace message %d is out of range (0 to 65535)", val)
		}
		return policy.Trace(uint16(val)), nil
	case specs.ActAllow:
		return policy.Allow, nil
	case specs.ActLog:
		return policy.Log, nil
	case specs.ActNotify:
		return policy.Notify, nil
	}
	return 0, pathErr(path, "unknown action %q", a)
}

func (im *importer) analyse() error {
	var err error
	im.def, err = action("defaultAction", im.prof.DefaultAction, im.prof.DefaultErrnoRet, "defaultErrnoRet")
	if err != nil {
		return err
	}
	if im.def == policy.Notify {
		return pathErr("defaultAction", "SCMP_ACT_NOTIFY cannot be the default action (runc refuses it)")
	}
	for i, c := range im.prof.Syscalls {
		path := index("syscalls", i)
		e := &entry{call: c, path: path, dropped: map[string]string{}}
		im.entries = append(im.entries, e)
		if e.action, err = action(path+".action", c.Action, c.ErrnoRet, path+".errnoRet"); err != nil {
			return err
		}
		if c.ErrnoRet != nil && c.Action != specs.ActErrno && c.Action != specs.ActTrace {
			im.warn("%s.errnoRet: ignored, it only applies to SCMP_ACT_ERRNO and SCMP_ACT_TRACE", path)
		}
		if err := im.checkArgs(e); err != nil {
			return err
		}
		if e.skip = im.env.why(c); e.skip != "" {
			continue
		}
		if e.action == im.def {
			e.skip = "same action as the default, which runc drops"
			continue
		}
		e.rules, e.split = split(i, e.action, c.Args)
		for _, n := range c.Names {
			if !im.onSomeTarget(n) && !slices.Contains(e.unknown, n) {
				e.unknown = append(e.unknown, n)
			}
		}
	}
	return im.resolveOverlaps()
}

// split is runc's matchCall: conditions that repeat an argument index are
// not AND-ed but become separate rules.
func split(i int, a policy.Action, args []specs.LinuxSeccompArg) ([]lrule, bool) {
	var seen [6]bool
	repeated := false
	for _, x := range args {
		repeated = repeated || seen[x.Index]
		seen[x.Index] = true
	}
	if !repeated {
		return []lrule{{entry: i, action: a, conds: args}}, false
	}
	out := make([]lrule, len(args))
	for j, x := range args {
		out[j] = lrule{entry: i, action: a, conds: []specs.LinuxSeccompArg{x}}
	}
	return out, true
}

func (im *importer) onSomeTarget(name string) bool {
	for _, a := range im.targets {
		if _, ok := a.Nr(name); ok {
			return true
		}
	}
	return false
}

// checkArgs rejects constants that a 32-bit view of the arguments would see
// differently from the 64-bit one. libseccomp compares only the low 32 bits
// on i386 and, as an ILP32 ABI, on x32, while a policy rule means the same on
// every target. On i386 a sign-extended value (0xffffffffffffffff) is fine:
// resolve reduces it to 32 bits just as libseccomp does; x32 arguments are
// 64-bit registers to scc, so there the value must fit in 32 bits.
func (im *importer) checkArgs(e *entry) error {
	var narrow []string
	x32 := false
	for _, a := range im.targets {
		if a.WordBits == 32 || a.X32 {
			narrow = append(narrow, a.Name)
			x32 = x32 || a.X32
		}
	}
	if len(narrow) == 0 {
		return nil
	}
	fits := func(v uint64) bool { return v>>32 == 0 || !x32 && v>>31 == 1<<33-1 }
	for j, x := range e.call.Args {
		p := index(e.path+".args", j)
		if !fits(x.Value) {
			return pathErr(p+".value", "%#x does not fit in 32 bits, and on %s libseccomp compares only the low 32 bits of an argument; import for x86_64 alone (--arch x86_64) or fix the profile", x.Value, strings.Join(narrow, ", "))
		}
		if x.Op == specs.OpMaskedEqual && !fits(x.ValueTwo) {
			return pathErr(p+".valueTwo", "%#x does not fit in 32 bits, and on %s libseccomp compares only the low 32 bits of an argument; import for x86_64 alone (--arch x86_64) or fix the profile", x.ValueTwo, strings.Join(narrow, ", "))
		}
	}
	return nil
}

// socketFamily are the calls libseccomp also maps, on i386, to socketcall(2)
// with arg0 = SYS_*: a rule for them is a rule for socketcall there too.
var socketFamily = []string{
	"socket", "bind", "connect", "listen", "accept", "getsockname", "getpeername", "socketpair",
	"send", "recv", "sendto", "recvfrom", "shutdown", "setsockopt", "getsockopt", "sendmsg",
	"recvmsg", "accept4", "recvmmsg", "sendmmsg",
}

// checkSocketcall refuses what the import cannot reproduce: on i386,
// libseccomp turns a rule for socket(2) and its family into one for
// socketcall(2) as well, unless socketcall already has an unconditional
// rule, which then wins.
func (im *importer) checkSocketcall(byName map[string][]lrule) error {
	if !slices.ContainsFunc(im.targets, func(a *syscalls.Arch) bool { return a.Name == "i386" }) {
		return nil
	}
	if slices.ContainsFunc(byName["socketcall"], func(r lrule) bool { return len(r.conds) == 0 }) {
		return nil
	}
	for _, n := range socketFamily {
		if rs := byName[n]; len(rs) > 0 {
			return pathErr(im.entries[rs[0].entry].path, "on i386 libseccomp also applies rules for %s to socketcall(2), which scc does not reproduce: give socketcall an unconditional rule, or import without i386 (--arch x86_64,x32)", n)
		}
	}
	return nil
}

// conditionsOnX32 warns that x32 calls are compared as libseccomp does only
// for arguments an x32 program can pass (32-bit values).
func (im *importer) conditionsOnX32() {
	if !slices.ContainsFunc(im.targets, func(a *syscalls.Arch) bool { return a.X32 }) {
		return
	}
	for _, e := range im.entries {
		if e.skip == "" && len(e.call.Args) > 0 {
			im.warn("%s: on x32 libseccomp compares only the low 32 bits of arguments; the policy compares all 64 bits of the registers, as the kernel passes them", e.path)
			return
		}
	}
}

// resolveOverlaps applies libseccomp's precedence between the rules for one
// syscall: the first unconditional rule wins over everything else; among
// conditional rules the actions must agree wherever the conditions overlap,
// since which one libseccomp picks then depends on the shape of its
// internal decision tree.
func (im *importer) resolveOverlaps() error {
	byName := map[string][]lrule{}
	var names []string
	for _, e := range im.entries {
		if e.skip != "" {
			continue
		}
		for _, n := range e.call.Names {
			if slices.Contains(e.unknown, n) {
				continue
			}
			if _, ok := byName[n]; !ok {
				names = append(names, n)
			}
			byName[n] = append(byName[n], e.rules...)
		}
	}
	widths := []uint64{^uint64(0)}
	for _, a := range im.targets {
		if a.WordBits == 32 || a.X32 {
			widths = append(widths, 0xffffffff)
			break
		}
	}
	im.conditionsOnX32()
	if err := im.checkSocketcall(byName); err != nil {
		return err
	}
	for _, n := range names {
		rules := byName[n]
		if i := slices.IndexFunc(rules, func(r lrule) bool { return len(r.conds) == 0 }); i >= 0 {
			win := rules[i]
			for _, r := range rules {
				if r.action != win.action {
					im.entries[r.entry].dropped[n] = fmt.Sprintf("libseccomp ignores it: the unconditional %s %s in syscalls[%d] takes precedence", win.action, n, win.entry)
				}
			}
			continue
		}
		for i, a := range rules {
			for _, b := range rules[i+1:] {
				if a.action == b.action || disjointRules(a, b, widths) {
					continue
				}
				return pathErr(im.entries[b.entry].path, "%s gets %s here and %s in syscalls[%d] for arguments that can match both; libseccomp's choice then depends on its internal rule tree, which the import does not guess: make the conditions exclusive",
					n, b.action, a.action, a.entry)
			}
		}
	}
	return nil
}

func (im *importer) emit(name, kind string, opts Options) (*lang.File, error) {
	if name == "" {
		name = "the profile"
	}
	f := &lang.File{}
	header := []string{
		fmt.Sprintf("Imported by scc import from %s (%s).", name, kind),
		"It means what a runtime using libseccomp installs for this profile: rules for one syscall",
		"are OR-ed (a rule's conditions are AND-ed), so their order below does not matter.",
		fmt.Sprintf("Includes/excludes resolved for a container on %s, kernel %s, with %s.",
			mobyNative[im.env.native.Name], im.env.kernel, describeCaps(im.env.caps)),
	}
	if len(im.prof.Flags) > 0 {
		var fl []string
		for _, x := range im.prof.Flags {
			fl = append(fl, string(x))
		}
		header = append(header, "The profile's flags ("+strings.Join(fl, ", ")+") are for the loader; a policy has none.")
	}
	if im.prof.ListenerPath != "" {
		header = append(header, "Notifications go to the listener at "+im.prof.ListenerPath+" (listenerPath).")
	}
	archs := make([]lang.Ident, len(im.targets))
	for i, a := range im.targets {
		archs[i] = lang.Ident{Name: a.Name}
	}
	f.Stmts = append(f.Stmts,
		&lang.ArchStmt{Names: archs, Comments: lang.Comments{Doc: header}},
		&lang.DefaultStmt{Action: langAction(im.def)},
		&lang.BadArchStmt{Action: langAction(policy.KillThread), Comments: lang.Comments{Comment: "libseccomp's action for calls from other ABIs"}},
	)
	var pending []string
	for _, e := range im.entries {
		var doc []string
		if e.call.Comment != "" {
			doc = append(doc, e.call.Comment)
		}
		if e.skip != "" {
			pending = append(pending, wrap(fmt.Sprintf("Not imported, %s (%s, %s): %s", e.skip, e.path, e.action,
				strings.Join(e.call.Names, ", ")))...)
			continue
		}
		var refs []lang.SyscallRef
		seen := map[string]bool{}
		names := slices.Clone(e.call.Names)
		sort.Strings(names)
		for _, n := range names {
			if seen[n] || slices.Contains(e.unknown, n) {
				continue
			}
			seen[n] = true
			if why, ok := e.dropped[n]; ok {
				doc = append(doc, wrap(fmt.Sprintf("%s %s (%s): left out, %s.", e.action, n, e.path, why))...)
				continue
			}
			refs = append(refs, lang.SyscallRef{Name: n})
		}
		if len(e.unknown) > 0 {
			u := slices.Clone(e.unknown)
			sort.Strings(u)
			doc = append(doc, wrap(fmt.Sprintf("Not syscalls on %s as far as scc knows, left out: %s", archList(im.targets), strings.Join(u, ", ")))...)
			im.warn("%s: %s: not a syscall on %s; left out", e.path, strings.Join(u, ", "), archList(im.targets))
		}
		if e.split {
			doc = append(doc, "The profile tests one argument twice in a rule; runc ORs such conditions.")
		}
		if len(refs) == 0 {
			pending = append(pending, doc...)
			continue
		}
		f.Stmts = append(f.Stmts, &lang.RuleStmt{
			Action:   langAction(e.action),
			Syscalls: refs,
			Cond:     condition(e),
			Comments: lang.Comments{Doc: append(pending, doc...)},
		})
		pending = nil
	}
	f.Trailing = pending
	return f, nil
}

func archList(as []*syscalls.Arch) string {
	n := make([]string, len(as))
	for i, a := range as {
		n[i] = a.Name
	}
	return strings.Join(n, ", ")
}

func describeCaps(caps []string) string {
	switch {
	case len(caps) == 0:
		return "no capabilities"
	case slices.Equal(caps, DefaultCaps):
		return "Docker's default capabilities"
	case len(caps) == len(AllCaps) && !slices.ContainsFunc(AllCaps, func(c string) bool { return !slices.Contains(caps, c) }):
		return "all capabilities"
	}
	return strings.Join(caps, ", ")
}

// wrap breaks a long comment into lines of about 96 characters at spaces;
// continuation lines are indented by two. A word longer than a line stays
// whole.
func wrap(s string) []string {
	const width = 96
	var out []string
	indent := 0
	for len(s) > width {
		// A cut inside the indent would give the same line again.
		cut := strings.LastIndexByte(s[:width], ' ')
		if cut <= indent {
			break
		}
		out = append(out, s[:cut])
		s = "  " + s[cut+1:]
		indent = 2
	}
	return append(out, s)
}

func langAction(a policy.Action) lang.Action {
	switch a.Base() {
	case policy.ErrnoBase:
		n, ok := syscalls.ErrnoName(a.Data())
		if !ok {
			return lang.Action{Kind: lang.ActErrno, Arg: &lang.Const{Terms: []lang.Term{number(uint64(a.Data()))}}}
		}
		return lang.Action{Kind: lang.ActErrno, Arg: &lang.Const{Terms: []lang.Term{{Name: n}}}}
	case policy.TraceBase:
		return lang.Action{Kind: lang.ActTrace, Arg: &lang.Const{Terms: []lang.Term{number(uint64(a.Data()))}}}
	}
	return lang.Action{Kind: a.Kind()}
}

func number(v uint64) lang.Term {
	t := lang.Term{Num: v, Text: fmt.Sprint(v)}
	if v >= 10 {
		t.Text = fmt.Sprintf("%#x", v)
	}
	return t
}

var ops = map[specs.LinuxSeccompOperator]string{
	specs.OpNotEqual: "!=", specs.OpLessThan: "<", specs.OpLessEqual: "<=", specs.OpEqualTo: "==",
	specs.OpGreaterEqual: ">=", specs.OpGreaterThan: ">", specs.OpMaskedEqual: "==",
}

func compare(a specs.LinuxSeccompArg) lang.Expr {
	c := &lang.CompareExpr{Arg: lang.Ident{Name: fmt.Sprintf("arg%d", a.Index)}, Op: ops[a.Op], Value: lang.Const{Terms: []lang.Term{number(a.Value)}}}
	if a.Op == specs.OpMaskedEqual {
		// value is the mask and valueTwo the expected value.
		c.Mask = &lang.Const{Terms: []lang.Term{number(a.Value)}}
		c.Value = lang.Const{Terms: []lang.Term{number(a.ValueTwo)}}
	}
	return c
}

// condition is the entry's rules OR-ed, each rule's conditions AND-ed.
func condition(e *entry) lang.Expr {
	var or lang.Expr
	for _, r := range e.rules {
		var and lang.Expr
		for _, a := range r.conds {
			and = combine("&&", and, compare(a))
		}
		or = combine("||", or, and)
	}
	return or
}

func combine(op string, x, y lang.Expr) lang.Expr {
	switch {
	case y == nil:
		return x
	case x == nil:
		return y
	}
	return &lang.BinaryExpr{Op: op, X: x, Y: y}
}
