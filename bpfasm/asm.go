package bpfasm

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/policy"
	"github.com/scc-dev/scc/syscalls"
)

// ParseAsm reads assembly text (the syntax in the package documentation)
// into a Program for Assemble. Errors are lang diagnostics carrying
// file:line:col.
func ParseAsm(name string, src []byte) (*Program, error) {
	p := &asmParser{file: name, prog: &Program{Labels: map[string]int{}}, pending: map[int]pendingName{}}
	for n, line := range strings.Split(string(src), "\n") {
		p.line = n + 1
		toks, err := lex(strings.TrimSuffix(line, "\r"))
		if err == nil {
			p.toks, p.i = toks, 0
			err = p.parseLine()
		}
		if err != nil {
			e := err.(*asmError)
			p.errs.Errorf(lang.Pos{File: name, Line: p.line, Col: e.col}, "%s", e.msg)
			if len(p.errs) >= 10 {
				break
			}
		}
	}
	if len(p.errs) == 0 {
		p.resolveNames()
	}
	if err := p.errs.Err(); err != nil {
		return nil, err
	}
	return p.prog, nil
}

type tokKind uint8

const (
	tIdent tokKind = iota
	tNum
	tPunct
	tEnd
)

type token struct {
	kind tokKind
	text string
	num  uint64
	col  int
}

type asmError struct {
	col int
	msg string
}

func (e *asmError) Error() string { return e.msg }

func isIdentStart(c byte) bool {
	return c == '_' || c == '.' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || ('0' <= c && c <= '9') }

// lex splits one line into tokens. `;` starts a comment; so does `#` when it
// is the first thing on the line or is followed by a blank, which keeps
// `#5` and `#len` immediates.
func lex(line string) ([]token, error) {
	var toks []token
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			i++
			continue
		case c == ';':
			i = len(line)
			continue
		case c == '#' && (len(toks) == 0 || i+1 == len(line) || line[i+1] == ' ' || line[i+1] == '\t'):
			i = len(line)
			continue
		case isIdentStart(c):
			j := i
			for j < len(line) && isIdentChar(line[j]) {
				j++
			}
			toks = append(toks, token{kind: tIdent, text: line[i:j], col: i + 1})
			i = j
		case '0' <= c && c <= '9':
			j := i
			for j < len(line) && isIdentChar(line[j]) {
				j++
			}
			text := line[i:j]
			var v uint64
			var err error
			if len(text) > 2 && (text[:2] == "0x" || text[:2] == "0X") {
				v, err = strconv.ParseUint(text[2:], 16, 64)
			} else {
				v, err = strconv.ParseUint(text, 10, 64)
			}
			if err != nil {
				return nil, &asmError{i + 1, fmt.Sprintf("bad number %q", text)}
			}
			toks = append(toks, token{kind: tNum, text: text, num: v, col: i + 1})
			i = j
		case strings.IndexByte("#[]:,+*()&", c) >= 0:
			toks = append(toks, token{kind: tPunct, text: line[i : i+1], col: i + 1})
			i++
		default:
			return nil, &asmError{i + 1, fmt.Sprintf("unexpected character %q", c)}
		}
	}
	return append(toks, token{kind: tEnd, col: len(line) + 1}), nil
}

type pendingName struct {
	name string
	pos  lang.Pos
}

type asmParser struct {
	file    string
	line    int
	toks    []token
	i       int
	prog    *Program
	pending map[int]pendingName // instruction -> syscall name awaiting its ABI
	errs    lang.ErrorList
}

func (p *asmParser) peek(k int) token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return p.toks[len(p.toks)-1]
}

func (p *asmParser) next() token {
	t := p.peek(0)
	if t.kind != tEnd {
		p.i++
	}
	return t
}

func (p *asmParser) errorf(t token, format string, args ...any) error {
	return &asmError{t.col, fmt.Sprintf(format, args...)}
}

func describe(t token) string {
	if t.kind == tEnd {
		return "end of line"
	}
	return fmt.Sprintf("%q", t.text)
}

func (p *asmParser) isPunct(s string) bool {
	t := p.peek(0)
	return t.kind == tPunct && t.text == s
}

func (p *asmParser) expect(s string) error {
	if t := p.next(); t.kind != tPunct || t.text != s {
		return p.errorf(t, "expected %q, found %s", s, describe(t))
	}
	return nil
}

func (p *asmParser) expectIdent(s string) error {
	if t := p.next(); t.kind != tIdent || t.text != s {
		return p.errorf(t, "expected %q, found %s", s, describe(t))
	}
	return nil
}

// number reads a number no larger than max.
func (p *asmParser) number(max uint64) (uint64, error) {
	t := p.next()
	if t.kind != tNum {
		return 0, p.errorf(t, "expected a number, found %s", describe(t))
	}
	if t.num > max {
		return 0, p.errorf(t, "%s is out of range (at most %#x)", t.text, max)
	}
	return t.num, nil
}

func (p *asmParser) k32() (uint32, error) {
	v, err := p.number(0xffffffff)
	return uint32(v), err
}

func (p *asmParser) parseLine() error {
	for {
		t, colon := p.peek(0), p.peek(1)
		if colon.kind != tPunct || colon.text != ":" {
			break
		}
		switch t.kind {
		case tIdent:
			if _, dup := p.prog.Labels[t.text]; dup {
				return p.errorf(t, "label %q is defined twice", t.text)
			}
			p.prog.Mark(t.text)
		case tNum:
			// The index column of Disassemble output, then its
			// raw fields, which the statement supersedes.
			if t.num != uint64(len(p.prog.Insns)) {
				return p.errorf(t, "index %d does not match the instruction's position %d", t.num, len(p.prog.Insns))
			}
			p.i += 2
			for n := 0; n < 4 && p.peek(0).kind == tNum; n++ {
				p.i++
			}
			continue
		default:
			return p.errorf(t, "unexpected %s", describe(t))
		}
		p.i += 2
	}
	if p.peek(0).kind == tEnd {
		return nil
	}
	in, err := p.statement()
	if err != nil {
		return err
	}
	if t := p.peek(0); t.kind != tEnd {
		return p.errorf(t, "unexpected %s after the statement", describe(t))
	}
	p.prog.Emit(in)
	return nil
}

var aluByName = map[string]uint16{
	"add": ADD, "sub": SUB, "mul": MUL, "div": DIV, "or": OR, "and": AND,
	"lsh": LSH, "rsh": RSH, "mod": MOD, "xor": XOR,
}

var jumpByName = map[string]uint16{"jeq": JEQ, "jgt": JGT, "jge": JGE, "jset": JSET}

func (p *asmParser) statement() (Instr, error) {
	t := p.next()
	if t.kind != tIdent {
		return Instr{}, p.errorf(t, "expected an instruction, found %s", describe(t))
	}
	stmt := func(op uint16, k uint32, err error) (Instr, error) {
		return Instr{Insn: Stmt(op, k)}, err
	}
	switch m := t.text; m {
	case "ld", "ldh", "ldb":
		return p.load(m)
	case "ldx":
		if p.isPunct("#") && p.peek(1).kind == tIdent && p.peek(1).text == "len" {
			p.i += 2
			return stmt(LDX|W|LEN, 0, nil)
		}
		if p.peek(0).kind == tIdent && p.peek(0).text == "M" {
			k, err := p.mem()
			return stmt(LDX|MEM, k, err)
		}
		k, err := p.constant()
		return stmt(LDX|IMM, k, err)
	case "ldxb":
		k, err := p.msh()
		return stmt(LDX|B|MSH, k, err)
	case "st", "stx":
		k, err := p.mem()
		op := uint16(ST)
		if m == "stx" {
			op = STX
		}
		return stmt(op, k, err)
	case "neg":
		return stmt(ALU|NEG, 0, nil)
	case "tax":
		return stmt(MISC|TAX, 0, nil)
	case "txa":
		return stmt(MISC|TXA, 0, nil)
	case "ret":
		if x := p.peek(0); x.kind == tIdent && x.text == "a" {
			p.i++
			return stmt(RET|A, 0, nil)
		}
		k, err := p.retValue()
		return stmt(RET|K, k, err)
	case "ja":
		raw, label, err := p.target(JMP | JA)
		return Instr{Insn: Jump(JMP|JA, raw, 0, 0), True: label}, err
	case ".insn":
		return p.rawInsn()
	}
	if op, ok := aluByName[t.text]; ok {
		if x := p.peek(0); x.kind == tIdent && x.text == "x" {
			p.i++
			return stmt(ALU|op|X, 0, nil)
		}
		k, err := p.constant()
		return stmt(ALU|op|K, k, err)
	}
	if op, ok := jumpByName[t.text]; ok {
		return p.condJump(JMP | op)
	}
	return Instr{}, p.errorf(t, "unknown instruction %q", t.text)
}

// load parses the operand of ld, ldh and ldb.
func (p *asmParser) load(m string) (Instr, error) {
	sz := map[string]uint16{"ld": W, "ldh": H, "ldb": B}[m]
	t := p.peek(0)
	if p.isPunct("[") {
		p.i++
		md := uint16(ABS)
		if x := p.peek(0); x.kind == tIdent && x.text == "x" {
			p.i++
			if err := p.expect("+"); err != nil {
				return Instr{}, err
			}
			md = IND
		}
		k, err := p.k32()
		if err == nil {
			err = p.expect("]")
		}
		return Instr{Insn: Stmt(LD|sz|md, k)}, err
	}
	if m != "ld" {
		return Instr{}, p.errorf(t, "%s takes [k] or [x + k]", m)
	}
	if t.kind == tIdent && t.text == "M" {
		k, err := p.mem()
		return Instr{Insn: Stmt(LD|MEM, k)}, err
	}
	if p.isPunct("#") && p.peek(1).kind == tIdent && p.peek(1).text == "len" {
		p.i += 2
		return Instr{Insn: Stmt(LD|W|LEN, 0)}, nil
	}
	if t.kind == tIdent {
		if off, ok := dataOffset(t.text); ok {
			p.i++
			return Instr{Insn: Stmt(LD|W|ABS, off)}, nil
		}
	}
	k, err := p.constant()
	return Instr{Insn: Stmt(LD|IMM, k)}, err
}

// dataOffset is the inverse of dataName.
func dataOffset(name string) (uint32, bool) {
	switch name {
	case "nr":
		return OffNr, true
	case "arch":
		return OffArch, true
	case "ip.lo":
		return OffIP, true
	case "ip.hi":
		return OffIP + 4, true
	}
	var i int
	var half string
	if n, _ := fmt.Sscanf(name, "arg%d.%s", &i, &half); n == 2 && i >= 0 && i < 6 && name == fmt.Sprintf("arg%d.%s", i, half) {
		switch half {
		case "lo":
			return ArgLo(i), true
		case "hi":
			return ArgHi(i), true
		}
	}
	return 0, false
}

func (p *asmParser) mem() (uint32, error) {
	if err := p.expectIdent("M"); err != nil {
		return 0, err
	}
	if err := p.expect("["); err != nil {
		return 0, err
	}
	k, err := p.k32()
	if err == nil {
		err = p.expect("]")
	}
	return k, err
}

// msh parses 4*([k]&0xf).
func (p *asmParser) msh() (uint32, error) {
	t := p.next()
	if t.kind != tNum || t.num != 4 {
		return 0, p.errorf(t, "ldxb takes 4*([k]&0xf)")
	}
	for _, s := range []string{"*", "(", "["} {
		if err := p.expect(s); err != nil {
			return 0, err
		}
	}
	k, err := p.k32()
	if err != nil {
		return 0, err
	}
	if err := p.expect("]"); err != nil {
		return 0, err
	}
	if err := p.expect("&"); err != nil {
		return 0, err
	}
	if t := p.next(); t.kind != tNum || t.num != 0xf {
		return 0, p.errorf(t, "ldxb takes 4*([k]&0xf)")
	}
	return k, p.expect(")")
}

// constant parses #k, k or an audit arch name.
func (p *asmParser) constant() (uint32, error) {
	if p.isPunct("#") {
		p.i++
	}
	if t := p.peek(0); t.kind == tIdent {
		p.i++
		if v, ok := auditArchByName(t.text); ok {
			return v, nil
		}
		return 0, p.errorf(t, "unknown constant %q", t.text)
	}
	return p.k32()
}

// retValue parses #k, k or an action as policy.Action.String spells it.
func (p *asmParser) retValue() (uint32, error) {
	t := p.peek(0)
	if t.kind != tIdent {
		return p.constant()
	}
	p.i++
	bases := map[string]policy.Action{
		"allow": policy.Allow, "kill": policy.KillProcess, "kill_process": policy.KillProcess,
		"kill_thread": policy.KillThread, "trap": policy.Trap, "errno": policy.ErrnoBase,
		"trace": policy.TraceBase, "log": policy.Log, "notify": policy.Notify,
	}
	base, ok := bases[t.text]
	if !ok && t.text != "action" {
		if v, ok := auditArchByName(t.text); ok {
			return v, nil
		}
		return 0, p.errorf(t, "unknown action %q", t.text)
	}
	if !p.isPunct("(") {
		if !ok {
			return 0, p.errorf(p.peek(0), "action takes a value: action(0x...)")
		}
		return uint32(base), nil
	}
	p.i++
	var data uint64
	if a := p.peek(0); t.text == "errno" && a.kind == tIdent {
		p.i++
		e, known := syscalls.Errno(a.text)
		if !known {
			return 0, p.errorf(a, "unknown errno %q", a.text)
		}
		data = uint64(e)
	} else {
		max := uint64(policy.DataMask)
		if !ok {
			max = 0xffffffff
		}
		var err error
		if data, err = p.number(max); err != nil {
			return 0, err
		}
	}
	if err := p.expect(")"); err != nil {
		return 0, err
	}
	return uint32(base) | uint32(data), nil
}

// target parses a jump target: a label, or an absolute index turned into
// the raw offset from the instruction being parsed.
func (p *asmParser) target(op uint16) (raw uint32, label string, err error) {
	t := p.next()
	switch t.kind {
	case tIdent:
		return 0, t.text, nil
	case tNum:
		here := uint64(len(p.prog.Insns))
		max := uint64(255)
		if op == JMP|JA {
			max = 0xffffffff
		}
		if t.num <= here {
			return 0, "", p.errorf(t, "target %d is not after instruction %d; BPF jumps only go forward", t.num, here)
		}
		if t.num-here-1 > max {
			return 0, "", p.errorf(t, "target %d is too far from instruction %d for a conditional jump; use a label", t.num, here)
		}
		return uint32(t.num - here - 1), "", nil
	}
	return 0, "", p.errorf(t, "expected a jump target, found %s", describe(t))
}

func (p *asmParser) condJump(op uint16) (Instr, error) {
	in := Instr{}
	operand := p.peek(0)
	switch {
	case operand.kind == tIdent && operand.text == "x":
		p.i++
		op |= X
	case operand.kind == tIdent && p.peek(1).kind == tPunct && p.peek(1).text == ":":
		// abi:name, resolved without flow context.
		name := p.peek(2)
		if name.kind != tIdent {
			return in, p.errorf(name, "expected a syscall name after %q", operand.text+":")
		}
		p.i += 3
		abi, ok := syscalls.ArchByName(operand.text)
		if !ok {
			return in, p.errorf(operand, "unknown ABI %q (known: %s)", operand.text, strings.Join(syscalls.ArchNames(), ", "))
		}
		nr, ok := abi.Nr(name.text)
		if !ok {
			return in, p.errorf(name, "%s has no syscall %q", abi.Name, name.text)
		}
		in.K = nr
	case operand.kind == tIdent:
		p.i++
		if v, ok := auditArchByName(operand.text); ok {
			in.K = v
			break
		}
		p.pending[len(p.prog.Insns)] = pendingName{operand.text, lang.Pos{File: p.file, Line: p.line, Col: operand.col}}
	default:
		k, err := p.constant()
		if err != nil {
			return in, err
		}
		in.K = k
	}
	in.Op = op
	if err := p.expect(","); err != nil {
		return in, err
	}
	raw, label, err := p.target(op)
	if err != nil {
		return in, err
	}
	in.Jt, in.True = uint8(raw), label
	if p.isPunct(",") {
		p.i++
		raw, label, err = p.target(op)
		if err != nil {
			return in, err
		}
		in.Jf, in.False = uint8(raw), label
	}
	return in, nil
}

func (p *asmParser) rawInsn() (Instr, error) {
	var f [4]uint64
	limits := [4]uint64{0xffff, 0xff, 0xff, 0xffffffff}
	for i := range f {
		if i > 0 {
			if err := p.expect(","); err != nil {
				return Instr{}, err
			}
		}
		v, err := p.number(limits[i])
		if err != nil {
			return Instr{}, err
		}
		f[i] = v
	}
	return Instr{Insn: Insn{Op: uint16(f[0]), Jt: uint8(f[1]), Jf: uint8(f[2]), K: uint32(f[3])}}, nil
}

// resolveNames gives bare syscall names their numbers, using the ABI the
// flow analysis pins down at each jump.
func (p *asmParser) resolveNames() {
	if len(p.pending) == 0 {
		return
	}
	prog := p.prog
	n := len(prog.Insns)
	targets := func(i int) (int, int) {
		in := prog.Insns[i]
		one := func(label string, raw uint32) int {
			if label != "" {
				if t, ok := prog.Labels[label]; ok && t > i && t < n {
					return t
				}
				return -1
			}
			if t := uint64(i) + 1 + uint64(raw); t < uint64(n) {
				return int(t)
			}
			return -1
		}
		if in.Op == JMP|JA {
			return one(in.True, in.K), -1
		}
		return one(in.True, uint32(in.Jt)), one(in.False, uint32(in.Jf))
	}
	known := knownAuditArches()
	done := map[int]bool{}
	runFlow(flowGraph{n: n, insn: func(i int) Insn { return prog.Insns[i].Insn }, targets: targets}, func(i int, s *flowState) {
		pn, ok := p.pending[i]
		if !ok {
			return
		}
		done[i] = true
		arch, ok := s.uniqueArch(known)
		if !ok {
			p.errs.Errorf(pn.pos, "cannot tell which ABI syscall %q belongs to here; check arch first or write it as abi:%s", pn.name, pn.name)
			return
		}
		abi := abiFor(arch, 0)
		nr, ok := abi.Nr(pn.name)
		if !ok {
			p.errs.Errorf(pn.pos, "%s has no syscall %q", abi.Name, pn.name)
			return
		}
		prog.Insns[i].K = nr
	})
	for i, pn := range p.pending {
		if !done[i] {
			p.errs.Errorf(pn.pos, "cannot tell which ABI syscall %q belongs to: the instruction is unreachable; write it as abi:%s", pn.name, pn.name)
		}
	}
	p.errs.Sort()
}
