package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Policies may name a syscall argument as the man page does (socket's
// "domain", openat's "dirfd") as well as the kernel does ("family", "dfd").
// The man-page names come from the SYNOPSIS of Debian manpages-dev's section
// 2, and are attached position by position to the kernel signature, only
// where the prototype documents the same number of parameters as the kernel
// declares: a libc wrapper with another shape (clone's fn, stack, flags,
// arg ...) says nothing about the positions of the raw syscall.

var manDir = "/usr/share/man/man2"

// proto is one C prototype read from a man page.
type proto struct {
	name   string   // function, or the syscall of syscall(SYS_name, ...)
	params []string // parameter names, "" where the prototype has none
	raw    bool     // documents the raw syscall, not a libc wrapper
	page   string   // man page it came from, for messages
}

// rawMarkers names prototypes outside SYNOPSIS that document a raw syscall
// whose SYNOPSIS only has the wrapper: the first prototype after the marker
// text is read. clone(2) NOTES lists the raw clone once per argument order;
// the x86-64 one is the order of the SYSCALL_DEFINE the signatures come
// from (the per-ABI reordering is Params' business).
var rawMarkers = map[string]string{
	"clone.2.gz": "The raw system call interface on x86-64",
}

// manOverrides replaces what the man pages give for one kernel parameter
// (an empty list drops it), only where they give nothing usable or
// something wrong; each entry says why.
var manOverrides = map[string]map[string][]string{
	// ioctl(2) documents the variadic wrapper "ioctl(int fd, unsigned long
	// request, ...)", which has fewer parameters than the kernel's (fd, cmd,
	// arg), so the positional rule skips it.
	"ioctl": {"cmd": {"request"}},
	// glibc's signalfd(fd, mask, flags) has the raw signalfd's parameter
	// count but calls signalfd4: the raw call's third argument is the size
	// of the mask, not flags.
	"signalfd": {"sizemask": {}},
}

// manNames maps a kernel function (trace event name) to the names its man
// page declares it under, where they differ: the x86_64 table names of
// x86_64Entries in params.go, and the libc names of pread64 & co.
var manNames = map[string][]string{
	"newstat":    {"stat"},
	"newfstat":   {"fstat"},
	"newlstat":   {"lstat"},
	"newuname":   {"uname"},
	"sendfile64": {"sendfile"},
	"umount":     {"umount2"},
	"llseek":     {"_llseek"},
	"pread64":    {"pread"},
	"pwrite64":   {"pwrite"},
	"prlimit64":  {"prlimit"},
	"exit":       {"_exit"},
}

// manPages reads every prototype of section 2 and the man-pages release.
func manPages(dir string) (map[string][]proto, string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.2.gz"))
	if err != nil {
		return nil, "", err
	}
	if len(files) == 0 {
		return nil, "", fmt.Errorf("%s: no *.2.gz man pages (apt-get install manpages-dev)", dir)
	}
	sort.Strings(files)
	protos := map[string][]proto{}
	releases := map[string]bool{}
	seen := map[string]bool{} // Debian installs many pages as symlinks to one
	for _, f := range files {
		text, real, err := readPage(f, 0)
		if err != nil {
			return nil, "", err
		}
		if seen[real] {
			continue
		}
		seen[real] = true
		ps, release, err := parsePage(filepath.Base(real), text)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %v", real, err)
		}
		if release != "" {
			releases[release] = true
		}
		for _, p := range ps {
			protos[p.name] = append(protos[p.name], p)
		}
	}
	rel := make([]string, 0, len(releases))
	for r := range releases {
		rel = append(rel, r)
	}
	sort.Strings(rel)
	return protos, strings.Join(rel, ", "), nil
}

// readPage reads a gzipped page, following ".so man2/other.2" redirects;
// it returns the text and the path of the page that holds it.
func readPage(path string, depth int) (string, string, error) {
	if depth > 4 {
		return "", "", fmt.Errorf("%s: .so redirects loop", path)
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", "", err
	}
	f, err := os.Open(real)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return "", "", fmt.Errorf("%s: %v", real, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return "", "", fmt.Errorf("%s: %v", real, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, `.\"`) || strings.TrimSpace(line) == "" {
			continue
		}
		if target, ok := strings.CutPrefix(line, ".so "); ok {
			// Relative to the man root: ".so man2/open.2".
			target = filepath.Join(filepath.Dir(filepath.Dir(real)), strings.TrimSpace(target))
			if !strings.HasSuffix(target, ".gz") {
				target += ".gz"
			}
			return readPage(target, depth+1)
		}
		break
	}
	return string(b), real, nil
}

// parsePage returns the prototypes of a page's SYNOPSIS (and of its raw
// marker, if it has one) and the release named by its .TH line.
func parsePage(base, text string) ([]proto, string, error) {
	var release string
	var synopsis, afterMarker []string
	section := ""
	marker, hasMarker := rawMarkers[base]
	markerSeen := false
	for _, line := range roffLines(text) {
		if th, ok := strings.CutPrefix(line, ".TH "); ok {
			if f := quotedArgs(th); len(f) >= 4 {
				release = f[3]
			}
		}
		if s, ok := strings.CutPrefix(line, ".SH "); ok {
			section = strings.Trim(strings.TrimSpace(s), `"`)
			continue
		}
		if section == "SYNOPSIS" {
			synopsis = append(synopsis, line)
		}
		if hasMarker {
			if markerSeen {
				afterMarker = append(afterMarker, line)
			} else if strings.Contains(line, marker) {
				markerSeen = true
			}
		}
	}
	protos := prototypes(roffText(synopsis), base)
	if hasMarker {
		if !markerSeen {
			return nil, "", fmt.Errorf("raw prototype marker %q not found (update rawMarkers)", marker)
		}
		raw := prototypes(roffText(afterMarker), base)
		if len(raw) == 0 {
			return nil, "", fmt.Errorf("no prototype after %q", marker)
		}
		p := raw[0]
		p.raw = true
		protos = append(protos, p)
	}
	return protos, release, nil
}

// roffLines splits a page into requests, joining lines continued with a
// trailing backslash and dropping comment lines.
func roffLines(text string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, `.\"`) || strings.HasPrefix(line, `'\"`) {
			continue
		}
		if strings.HasSuffix(line, `\`) && !strings.HasSuffix(line, `\\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`))
			continue
		}
		cur.WriteString(line)
		out = append(out, cur.String())
		cur.Reset()
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// roffText renders requests as plain text, one line each: font macros
// (.B, .BI, .IR ...) lose their markup, and escapes their backslashes.
func roffText(lines []string) string {
	var b strings.Builder
	for _, line := range lines {
		if strings.HasPrefix(line, ".") {
			macro, args, _ := strings.Cut(line[1:], " ")
			switch macro {
			case "B", "I", "SM", "SB":
				// Arguments are joined with spaces.
				b.WriteString(strings.Join(quotedArgs(args), " "))
			case "BI", "IB", "BR", "RB", "IR", "RI":
				// Alternating fonts: arguments are joined without spaces.
				b.WriteString(strings.Join(quotedArgs(args), ""))
			default:
				// .PP, .nf, .in ...: no text.
			}
		} else {
			b.WriteString(line)
		}
		b.WriteByte('\n')
	}
	return unescape(b.String())
}

// quotedArgs splits macro arguments: words, or "quoted strings" ("" is a
// literal quote inside one).
func quotedArgs(s string) []string {
	var out []string
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return out
		}
		if s[0] != '"' {
			end := strings.IndexAny(s, " \t")
			if end < 0 {
				end = len(s)
			}
			out = append(out, s[:end])
			s = s[end:]
			continue
		}
		var w strings.Builder
		i := 1
		for ; i < len(s); i++ {
			if s[i] == '"' {
				if i+1 < len(s) && s[i+1] == '"' {
					w.WriteByte('"')
					i++
					continue
				}
				break
			}
			w.WriteByte(s[i])
		}
		out = append(out, w.String())
		s = s[min(i+1, len(s)):]
	}
}

var escapes = strings.NewReplacer(
	`\fB`, "", `\fI`, "", `\fR`, "", `\fP`, "", `\f(CW`, "", `\f[B]`, "", `\f[I]`, "", `\f[R]`, "", `\f[]`, "",
	`\-`, "-", `\~`, " ", `\ `, " ", `\&`, "", `\e`, `\`, `\(em`, "-", `\(en`, "-", `\%`, "", `\:`, "",
)

func unescape(s string) string { return escapes.Replace(s) }

var (
	// "... /* decls */": the documented optional arguments of a variadic
	// prototype (fcntl's arg, mremap's new_address, the clone wrapper's
	// parent_tid, tls, child_tid) count as parameters.
	variadicDoc  = regexp.MustCompile(`(?s)\.\.\.\s*/\*(.*?)\*/`)
	identifier   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	comment      = regexp.MustCompile(`(?s)/\*.*?\*/`)
	funcStart    = regexp.MustCompile(`\b([A-Za-z_][A-Za-z0-9_]*)\(`)
	arrayBounds  = regexp.MustCompile(`\[[^\]]*\]`)
	funcPtrName  = regexp.MustCompile(`\(\s*\*\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)`)
	trailingName = regexp.MustCompile(`(?:^|[^A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*)\s*$`)
)

// prototypes finds "type name(params);" declarations in rendered text.
func prototypes(text, page string) []proto {
	text = variadicDoc.ReplaceAllStringFunc(text, func(m string) string {
		doc := strings.TrimSpace(variadicDoc.FindStringSubmatch(m)[1])
		switch {
		case doc == "" || strings.HasSuffix(doc, ":"):
			return "..."
		case identifier.MatchString(doc):
			return "... " + doc // fcntl's "/* arg */": a name without a type
		}
		return doc
	})
	text = comment.ReplaceAllString(text, " ")
	var out []proto
	for _, loc := range funcStart.FindAllStringSubmatchIndex(text, -1) {
		name := text[loc[2]:loc[3]]
		open := loc[1] - 1
		end := matchParen(text, open)
		if end < 0 || !strings.HasPrefix(strings.TrimLeft(text[end+1:], " \t\n"), ";") {
			continue
		}
		// A declaration has a return type before the name; "foo();" in
		// running text, or a parameter's own "(*fn)(...)", does not.
		before := strings.TrimRight(text[:loc[2]], " \t")
		if before == "" || !(strings.HasSuffix(before, "*") || isIdentEnd(before)) {
			continue
		}
		if i := strings.LastIndexAny(before, "\n;(,"); i >= 0 && strings.ContainsAny(before[i:i+1], "(,") {
			continue // inside another prototype's parameter list
		}
		params := splitParams(text[open+1 : end])
		p := proto{name: name, page: page}
		if name == "syscall" {
			if len(params) == 0 || !strings.HasPrefix(params[0], "SYS_") {
				continue // syscall(2) itself
			}
			p.name = strings.TrimPrefix(params[0], "SYS_")
			p.raw = true
			params = params[1:]
		}
		if len(params) == 1 && params[0] == "void" {
			params = nil
		}
		named := true
		for _, d := range params {
			n := paramName(d)
			named = named && n != ""
			p.params = append(p.params, n)
		}
		// A parameter without a name is a constant in its place (ioctl_ficlone(2):
		// "ioctl(int dest_fd, FICLONE, int src_fd)") or a bare "...": the
		// prototype shows one use of the call, not its signature.
		if !named {
			continue
		}
		out = append(out, p)
	}
	return out
}

func isIdentEnd(s string) bool {
	c := s[len(s)-1]
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// matchParen returns the index of the parenthesis closing the one at open.
func matchParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// splitParams splits a parameter list at its top-level commas.
func splitParams(list string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(list); i++ {
		switch list[i] {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.Join(strings.Fields(list[start:i]), " "))
				start = i + 1
			}
		}
	}
	if last := strings.Join(strings.Fields(list[start:]), " "); last != "" || len(out) > 0 {
		out = append(out, last)
	}
	return out
}

// paramName extracts the name from one parameter declaration: "const void
// buf[.count]" is buf, "int (*fn)(void *)" is fn, "..." and a bare type have
// none.
func paramName(decl string) string {
	if decl == "..." {
		return ""
	}
	if m := funcPtrName.FindStringSubmatch(decl); m != nil {
		return m[1]
	}
	decl = arrayBounds.ReplaceAllString(decl, "")
	m := trailingName.FindStringSubmatch(decl)
	if m == nil {
		return ""
	}
	// A lone word is a type ("int", "void"), not a name.
	if strings.TrimSpace(decl) == m[1] {
		return ""
	}
	switch m[1] {
	case "const", "volatile", "restrict", "_Nullable", "_Nonnull", "int", "long", "char", "unsigned", "void":
		return ""
	}
	return m[1]
}

// paramAliases computes, per kernel signature, the man-page names of its
// parameters that differ from the kernel's: kernel name -> sorted aliases.
func paramAliases(sigs map[string][]param, protos map[string][]proto) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	events := make([]string, 0, len(sigs))
	for e := range sigs {
		events = append(events, e)
	}
	sort.Strings(events)
	for _, event := range events {
		kps := sigs[event]
		// Candidate names per position, from the matching prototypes.
		cands := make([]map[string]bool, len(kps))
		for i := range cands {
			cands[i] = map[string]bool{}
		}
		for _, p := range matchingProtos(event, len(kps), protos) {
			for i, n := range p.params {
				if n != "" && n != kps[i].name {
					cands[i][n] = true
				}
			}
		}
		for kname, names := range manOverrides[event] {
			for i, kp := range kps {
				if kp.name == kname {
					cands[i] = map[string]bool{}
					for _, n := range names {
						cands[i][n] = true
					}
				}
			}
		}
		// An alias must name one parameter only: not another position's
		// kernel name, not an alias of two positions.
		const kernelName = 1 << 8 // far above any count of positions
		taken := map[string]int{}
		for _, kp := range kps {
			taken[kp.name] = kernelName
		}
		for i := range cands {
			for n := range cands[i] {
				taken[n]++
			}
		}
		for i, kp := range kps {
			var names []string
			for n := range cands[i] {
				if taken[n] == 1 {
					names = append(names, n)
				}
			}
			if len(names) == 0 {
				continue
			}
			sort.Strings(names)
			if out[event] == nil {
				out[event] = map[string][]string{}
			}
			out[event][kp.name] = names
		}
	}
	return out
}

// matchingProtos returns the prototypes documenting event with n
// parameters: the raw-syscall ones if any, else the wrappers.
func matchingProtos(event string, n int, protos map[string][]proto) []proto {
	names := append([]string{event}, manNames[event]...)
	var raw, wrappers []proto
	for _, name := range names {
		for _, p := range protos[name] {
			if len(p.params) != n {
				continue
			}
			if p.raw {
				raw = append(raw, p)
			} else {
				wrappers = append(wrappers, p)
			}
		}
	}
	if len(raw) > 0 {
		return raw
	}
	return wrappers
}

func emitParamNames(aliases map[string]map[string][]string, release string) []byte {
	var b bytes.Buffer
	header(&b,
		"Man-page names of syscall parameters. Source: SYNOPSIS of section 2 of "+release+" (Debian manpages-dev),",
		"attached by position where a prototype has as many parameters as the kernel signature.",
		"Keys are kernel functions (as in kernelSignatures), then the kernel's parameter name.",
	)
	fmt.Fprintf(&b, "const manPagesRelease = %q\n\n", release)
	// A sorted slice rather than a map of maps: the linker lays it out,
	// where a map literal is built by code at every start-up.
	b.WriteString("// paramAliases is sorted by kernel function, each by parameter.\nvar paramAliases = []eventAliases{\n")
	events := make([]string, 0, len(aliases))
	for e := range aliases {
		events = append(events, e)
	}
	sort.Strings(events)
	for _, e := range events {
		fmt.Fprintf(&b, "{%q, []paramAlias{", e)
		knames := make([]string, 0, len(aliases[e]))
		for k := range aliases[e] {
			knames = append(knames, k)
		}
		sort.Strings(knames)
		for i, k := range knames {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "{%q, []string{", k)
			for j, a := range aliases[e][k] {
				if j > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "%q", a)
			}
			b.WriteString("}}")
		}
		b.WriteString("}},\n")
	}
	b.WriteString("}\n")
	return b.Bytes()
}
