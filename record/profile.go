package record

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/scc-dev/scc/syscalls"
)

// ProfileHeader is the first line of a frequency profile.
const ProfileHeader = "# scc syscall frequency profile v1"

type profileLine struct {
	arch  *syscalls.Arch
	name  string // the number in decimal when scc has no name for it
	count uint64
}

// WriteProfile writes how often each syscall was called, most frequent
// first, as lines "ARCH NAME COUNT". A compiler can use it to put hot
// syscalls first.
func WriteProfile(w io.Writer, rec *Recording) error {
	if rec == nil {
		return fmt.Errorf("record: no recording")
	}
	var lines []profileLine
	for k, st := range rec.Calls {
		a := archOf(k)
		if a == nil {
			return fmt.Errorf("record: calls from audit arch %#x, an ABI scc does not know", k.AuditArch)
		}
		name, ok := a.SyscallName(k.Nr)
		if !ok {
			name = strconv.FormatUint(uint64(k.Nr), 10)
		}
		lines = append(lines, profileLine{a, name, st.Count})
	}
	sort.Slice(lines, func(i, j int) bool {
		a, b := lines[i], lines[j]
		if a.count != b.count {
			return a.count > b.count
		}
		if a.arch != b.arch {
			return a.arch.Name < b.arch.Name
		}
		return a.name < b.name
	})
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, ProfileHeader)
	for _, l := range lines {
		fmt.Fprintf(bw, "%s %s %d\n", l.arch.Name, l.name, l.count)
	}
	return bw.Flush()
}

// ReadProfile reads a profile written by WriteProfile back into a
// Recording with counts only. Blank lines and other comments are skipped.
func ReadProfile(r io.Reader) (*Recording, error) {
	rec := &Recording{Calls: map[Key]*Stat{}}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if line == 1 {
			if text != ProfileHeader {
				return nil, fmt.Errorf("profile:1: not an scc frequency profile (want %q)", ProfileHeader)
			}
			continue
		}
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Fields(text)
		if len(f) != 3 {
			return nil, fmt.Errorf("profile:%d: want \"ARCH NAME COUNT\", got %q", line, text)
		}
		a, ok := syscalls.ArchByName(f[0])
		if !ok {
			return nil, fmt.Errorf("profile:%d: unknown arch %q (known: %s)", line, f[0], strings.Join(syscalls.ArchNames(), ", "))
		}
		nr, ok := a.Nr(f[1])
		if !ok {
			n, err := strconv.ParseUint(f[1], 10, 32)
			if err != nil {
				return nil, fmt.Errorf("profile:%d: unknown syscall %q on %s", line, f[1], a.Name)
			}
			nr = uint32(n)
		}
		count, err := strconv.ParseUint(f[2], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("profile:%d: bad count %q", line, f[2])
		}
		k := Key{a.AuditArch, nr}
		if rec.Calls[k] == nil {
			rec.Calls[k] = &Stat{}
		}
		rec.Calls[k].Count += count
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	if line == 0 {
		return nil, fmt.Errorf("profile: empty (want %q first)", ProfileHeader)
	}
	return rec, nil
}
