package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"
)

// PathError is a problem with one value of the profile, named by its JSON
// path: syscalls[3].args[0].op: unknown operator "SCMP_CMP_FOO".
type PathError struct {
	Path string
	Msg  string
}

func (e *PathError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

func pathErr(path, format string, args ...any) error {
	return &PathError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// Kinds of input Import accepts.
const (
	kindDocker = "Docker/Podman seccomp profile"
	kindOCI    = "OCI config.json (linux.seccomp)"
)

// decode parses a profile strictly. encoding/json would silently drop
// unknown fields, accept 1.5 as an index and report type errors without
// saying where; a profile is security policy, so every field must be one we
// understand and every error must say where it is. The JSON is therefore
// read into a generic tree first and then walked, field by field, into
// moby's types.
func decode(data []byte) (*seccomp.Seccomp, string, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, "", syntaxError(data, err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, "", errors.New("invalid JSON: more than one value (is it two profiles?)")
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, "", pathErr("", "expected a JSON object (a seccomp profile or an OCI config.json), got %s", kindOf(v))
	}
	// A whole OCI config.json: its seccomp section is linux.seccomp. The rest
	// of the file is the runtime's business and is not checked here.
	if _, ok := top["ociVersion"]; ok || top["linux"] != nil {
		linux, ok := top["linux"].(map[string]any)
		if !ok {
			return nil, "", pathErr("linux", "an OCI config.json needs a linux object holding seccomp")
		}
		sec, ok := linux["seccomp"]
		if !ok {
			return nil, "", pathErr("linux", "no seccomp section")
		}
		s, err := profile("linux.seccomp", sec, false)
		return s, kindOCI, err
	}
	s, err := profile("", top, true)
	return s, kindDocker, err
}

// syntaxError turns encoding/json's byte offset into line:col.
func syntaxError(data []byte, err error) error {
	var se *json.SyntaxError
	off := int64(-1)
	if errors.As(err, &se) {
		off = se.Offset
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		off = te.Offset
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errors.New("invalid JSON: unexpected end of input")
	}
	if off < 0 || off > int64(len(data)) {
		return fmt.Errorf("invalid JSON: %v", err)
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := int(off) - 1 - bytes.LastIndexByte(data[:off], '\n') // off is just past the bad byte
	return fmt.Errorf("invalid JSON at line %d, column %d: %v", line, col, strings.TrimPrefix(err.Error(), "json: "))
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// object walks a JSON object, handing each known field to its decoder and
// rejecting unknown ones (with the known ones as a hint). Fields are visited
// in sorted order so that the first error reported is stable.
func object(path string, v any, fields map[string]func(path string, v any) error) error {
	m, ok := v.(map[string]any)
	if !ok {
		return pathErr(path, "expected an object, got %s", kindOf(v))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f, ok := fields[k]
		if !ok {
			known := make([]string, 0, len(fields))
			for n := range fields {
				known = append(known, n)
			}
			sort.Strings(known)
			return pathErr(join(path, k), "unknown field (known here: %s)", strings.Join(known, ", "))
		}
		if err := f(join(path, k), m[k]); err != nil {
			return err
		}
	}
	return nil
}

func array(path string, v any, each func(path string, v any) error) error {
	if v == nil {
		return nil // null is an empty list, as encoding/json reads it
	}
	a, ok := v.([]any)
	if !ok {
		return pathErr(path, "expected an array, got %s", kindOf(v))
	}
	for i, x := range a {
		if err := each(index(path, i), x); err != nil {
			return err
		}
	}
	return nil
}

func str(path string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", pathErr(path, "expected a string, got %s", kindOf(v))
	}
	return s, nil
}

func strings_(path string, v any) ([]string, error) {
	var out []string
	err := array(path, v, func(p string, x any) error {
		s, err := str(p, x)
		out = append(out, s)
		return err
	})
	return out, err
}

// uinteger reads a non-negative integer that fits in bits bits, exactly:
// 1e3, 1.0 and -1 are errors, not silently converted values.
func uinteger(path string, v any, bits int) (uint64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, pathErr(path, "expected a number, got %s", kindOf(v))
	}
	u, err := strconv.ParseUint(string(n), 10, bits)
	if err != nil {
		if strings.HasPrefix(string(n), "-") {
			return 0, pathErr(path, "%s is negative; expected an unsigned %d-bit integer", n, bits)
		}
		return 0, pathErr(path, "%s is not an unsigned %d-bit integer", n, bits)
	}
	return u, nil
}

func uintPtr(path string, v any) (*uint, error) {
	if v == nil {
		return nil, nil
	}
	u, err := uinteger(path, v, 32)
	if err != nil {
		return nil, err
	}
	x := uint(u)
	return &x, nil
}

var (
	knownActions = map[specs.LinuxSeccompAction]bool{
		specs.ActKill: true, specs.ActKillProcess: true, specs.ActKillThread: true, specs.ActTrap: true,
		specs.ActErrno: true, specs.ActTrace: true, specs.ActAllow: true, specs.ActLog: true, specs.ActNotify: true,
	}
	knownOps = map[specs.LinuxSeccompOperator]bool{
		specs.OpNotEqual: true, specs.OpLessThan: true, specs.OpLessEqual: true, specs.OpEqualTo: true,
		specs.OpGreaterEqual: true, specs.OpGreaterThan: true, specs.OpMaskedEqual: true,
	}
	knownArches = map[specs.Arch]bool{
		specs.ArchX86: true, specs.ArchX86_64: true, specs.ArchX32: true, specs.ArchARM: true,
		specs.ArchAARCH64: true, specs.ArchMIPS: true, specs.ArchMIPS64: true, specs.ArchMIPS64N32: true,
		specs.ArchMIPSEL: true, specs.ArchMIPSEL64: true, specs.ArchMIPSEL64N32: true, specs.ArchPPC: true,
		specs.ArchPPC64: true, specs.ArchPPC64LE: true, specs.ArchS390: true, specs.ArchS390X: true,
		specs.ArchPARISC: true, specs.ArchPARISC64: true, specs.ArchRISCV64: true, specs.ArchLOONGARCH64: true,
		specs.ArchM68K: true, specs.ArchSH: true, specs.ArchSHEB: true,
	}
	knownFlags = map[specs.LinuxSeccompFlag]bool{
		specs.LinuxSeccompFlagLog: true, specs.LinuxSeccompFlagSpecAllow: true,
		specs.LinuxSeccompFlagWaitKillableRecv: true, "SECCOMP_FILTER_FLAG_TSYNC": true,
	}
)

func enum[T ~string](path string, v any, known map[T]bool, what string) (T, error) {
	s, err := str(path, v)
	if err != nil {
		return "", err
	}
	if !known[T(s)] {
		names := make([]string, 0, len(known))
		for k := range known {
			names = append(names, string(k))
		}
		sort.Strings(names)
		return "", pathErr(path, "unknown %s %q (known: %s)", what, s, strings.Join(names, ", "))
	}
	return T(s), nil
}

func arch(path string, v any) (specs.Arch, error) { return enum(path, v, knownArches, "architecture") }

// profile decodes a Docker profile (docker: archMap, includes/excludes,
// comment and the old single "name" are allowed) or an OCI linux.seccomp
// object (exactly the runtime-spec fields).
func profile(path string, v any, docker bool) (*seccomp.Seccomp, error) {
	s := &seccomp.Seccomp{}
	fields := map[string]func(string, any) error{
		"defaultAction": func(p string, v any) (err error) {
			s.DefaultAction, err = enum(p, v, knownActions, "action")
			return err
		},
		"defaultErrnoRet": func(p string, v any) (err error) {
			s.DefaultErrnoRet, err = uintPtr(p, v)
			return err
		},
		"architectures": func(p string, v any) error {
			return array(p, v, func(p string, v any) error {
				a, err := arch(p, v)
				s.Architectures = append(s.Architectures, a)
				return err
			})
		},
		"flags": func(p string, v any) error {
			return array(p, v, func(p string, v any) error {
				f, err := enum(p, v, knownFlags, "flag")
				s.Flags = append(s.Flags, f)
				return err
			})
		},
		"listenerPath": func(p string, v any) (err error) {
			s.ListenerPath, err = str(p, v)
			return err
		},
		"listenerMetadata": func(p string, v any) (err error) {
			s.ListenerMetadata, err = str(p, v)
			return err
		},
		"syscalls": func(p string, v any) error {
			return array(p, v, func(p string, v any) error {
				c, err := syscall(p, v, docker)
				s.Syscalls = append(s.Syscalls, c)
				return err
			})
		},
	}
	if docker {
		fields["archMap"] = func(p string, v any) error {
			return array(p, v, func(p string, v any) error {
				var a seccomp.Architecture
				err := object(p, v, map[string]func(string, any) error{
					"architecture": func(p string, v any) (err error) {
						a.Arch, err = arch(p, v)
						return err
					},
					"subArchitectures": func(p string, v any) error {
						return array(p, v, func(p string, v any) error {
							x, err := arch(p, v)
							a.SubArches = append(a.SubArches, x)
							return err
						})
					},
				})
				s.ArchMap = append(s.ArchMap, a)
				return err
			})
		}
	}
	if err := object(path, v, fields); err != nil {
		return nil, err
	}
	if s.DefaultAction == "" {
		return nil, pathErr(join(path, "defaultAction"), "missing (with no defaultAction and no syscalls Docker runs the container without seccomp; otherwise the runtime refuses the profile)")
	}
	if len(s.Architectures) > 0 && len(s.ArchMap) > 0 {
		return nil, pathErr(join(path, "archMap"), "both architectures and archMap are given; Docker refuses that, use one")
	}
	return s, nil
}

func syscall(path string, v any, docker bool) (*seccomp.Syscall, error) {
	c := &seccomp.Syscall{}
	fields := map[string]func(string, any) error{
		"names": func(p string, v any) (err error) {
			c.Names, err = strings_(p, v)
			return err
		},
		"action": func(p string, v any) (err error) {
			c.Action, err = enum(p, v, knownActions, "action")
			return err
		},
		"errnoRet": func(p string, v any) (err error) {
			c.ErrnoRet, err = uintPtr(p, v)
			return err
		},
		"args": func(p string, v any) error {
			return array(p, v, func(p string, v any) error {
				a, err := argument(p, v)
				c.Args = append(c.Args, a)
				return err
			})
		},
	}
	if docker {
		fields["name"] = func(p string, v any) (err error) {
			c.Name, err = str(p, v)
			return err
		}
		fields["comment"] = func(p string, v any) (err error) {
			c.Comment, err = str(p, v)
			return err
		}
		fields["includes"] = func(p string, v any) (err error) {
			c.Includes, err = filter(p, v)
			return err
		}
		fields["excludes"] = func(p string, v any) (err error) {
			c.Excludes, err = filter(p, v)
			return err
		}
	}
	if err := object(path, v, fields); err != nil {
		return nil, err
	}
	if c.Action == "" {
		return nil, pathErr(join(path, "action"), "missing")
	}
	if c.Name != "" {
		if len(c.Names) > 0 {
			return nil, pathErr(join(path, "name"), "both name and names are given; Docker refuses that, use names")
		}
		c.Names = []string{c.Name}
	}
	if len(c.Names) == 0 {
		return nil, pathErr(join(path, "names"), "no syscall names")
	}
	for i, n := range c.Names {
		if n == "" {
			return nil, pathErr(index(join(path, "names"), i), "empty syscall name")
		}
	}
	return c, nil
}

func argument(path string, v any) (specs.LinuxSeccompArg, error) {
	var a specs.LinuxSeccompArg
	seen := map[string]bool{}
	err := object(path, v, map[string]func(string, any) error{
		"index": func(p string, v any) error {
			seen["index"] = true
			i, err := uinteger(p, v, 64)
			if err == nil && i > 5 {
				err = pathErr(p, "argument index %d out of range (a syscall has arguments 0 to 5)", i)
			}
			a.Index = uint(i)
			return err
		},
		"value": func(p string, v any) (err error) {
			a.Value, err = uinteger(p, v, 64)
			return err
		},
		"valueTwo": func(p string, v any) (err error) {
			a.ValueTwo, err = uinteger(p, v, 64)
			return err
		},
		"op": func(p string, v any) (err error) {
			seen["op"] = true
			a.Op, err = enum(p, v, knownOps, "operator")
			return err
		},
	})
	if err != nil {
		return a, err
	}
	for _, f := range []string{"index", "op"} {
		if !seen[f] {
			return a, pathErr(join(path, f), "missing")
		}
	}
	return a, nil
}

func filter(path string, v any) (*seccomp.Filter, error) {
	if v == nil {
		return nil, nil
	}
	f := &seccomp.Filter{}
	err := object(path, v, map[string]func(string, any) error{
		"caps": func(p string, v any) (err error) {
			f.Caps, err = strings_(p, v)
			return err
		},
		"arches": func(p string, v any) (err error) {
			f.Arches, err = strings_(p, v)
			return err
		},
		"minKernel": func(p string, v any) error {
			if v == nil {
				return nil
			}
			s, err := str(p, v)
			if err != nil {
				return err
			}
			if s == "" {
				return nil // moby reads "" as no constraint
			}
			k, err := parseKernel(s)
			if err != nil {
				return pathErr(p, "%v", err)
			}
			f.MinKernel = k
			return nil
		},
	})
	return f, err
}

// parseKernel reads "X.Y" as moby does: two small numbers, not both zero.
func parseKernel(s string) (*seccomp.KernelVersion, error) {
	k := &seccomp.KernelVersion{}
	if err := k.UnmarshalJSON(strconv.AppendQuote(nil, s)); err != nil {
		return nil, err
	}
	return k, nil
}
