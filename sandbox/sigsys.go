package sandbox

import (
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// SigsysInfo names the call that made the kernel send SIGSYS.
type SigsysInfo struct {
	Arch   uint32 // AUDIT_ARCH_* of the call
	Nr     int32  // syscall number in that arch's table
	Action uint32 // the filter's SECCOMP_RET_* value, action bits only

	exe string // the executable the kernel named in its record
}

// auditSeccomp is the audit record type of seccomp actions (AUDIT_SECCOMP).
const auditSeccomp = "type=1326"

// kmsgWait bounds the wait for the record: kauditd prints it from its own
// thread, shortly after the process has died.
const kmsgWait = 500 * time.Millisecond

// kmsgReader reads /dev/kmsg from where it was opened. The zero value (no
// access, e.g. not root) finds nothing.
type kmsgReader struct{ fd int }

func openKmsg() *kmsgReader {
	// Raw fd, not os.File: os.File would park a non-blocking read in the
	// poller instead of returning EAGAIN at the end of the log.
	fd, err := unix.Open("/dev/kmsg", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return &kmsgReader{fd: -1}
	}
	if _, err := unix.Seek(fd, 0, unix.SEEK_END); err != nil {
		unix.Close(fd)
		return &kmsgReader{fd: -1}
	}
	return &kmsgReader{fd: fd}
}

func (k *kmsgReader) close() {
	if k.fd >= 0 {
		unix.Close(k.fd)
		k.fd = -1
	}
}

// findSigsys looks for the seccomp audit record of process pid. The kernel
// writes one for kill_process and kill_thread by default, for trap only when
// the filter was installed with SECCOMP_FILTER_FLAG_LOG, and none when the
// printk rate limit dropped it; nil means it was not found in time.
func (k *kmsgReader) findSigsys(pid int) *SigsysInfo {
	if k.fd < 0 {
		return nil
	}
	var found *SigsysInfo
	buf := make([]byte, 8192) // one record per read; records are < 8 KiB
	deadline := time.Now().Add(kmsgWait)
	for {
		n, err := unix.Read(k.fd, buf)
		switch {
		case err == unix.EPIPE:
			continue // records were overwritten under us; read on
		case err == unix.EAGAIN:
			// A process that catches SIGSYS can trap many times before an
			// unhandled one kills it: the last record before the end of
			// the log is the fatal one.
			if found != nil || time.Now().After(deadline) {
				return found
			}
			time.Sleep(10 * time.Millisecond)
			continue
		case err != nil:
			return found
		}
		if info, ok := parseAuditSeccomp(string(buf[:n]), pid); ok {
			found = info
		}
	}
}

// parseAuditSeccomp reads one /dev/kmsg record ("PRI,SEQ,TS,FLAGS;audit:
// type=1326 audit(…): … pid=N … sig=31 arch=c000003e syscall=NN … code=0x…")
// and keeps it when it is a kill or a trap of process pid. A trap's record
// says sig=0: the signal is sent after the record is written.
func parseAuditSeccomp(record string, pid int) (*SigsysInfo, bool) {
	_, msg, ok := strings.Cut(record, ";")
	if !ok {
		return nil, false
	}
	msg, _, _ = strings.Cut(msg, "\n") // continuation lines follow
	if !strings.Contains(msg, auditSeccomp) {
		return nil, false
	}
	fields := map[string]string{}
	for _, f := range strings.Fields(msg) {
		if k, v, ok := strings.Cut(f, "="); ok {
			fields[k] = v
		}
	}
	if fields["pid"] != strconv.Itoa(pid) {
		return nil, false
	}
	arch, err1 := strconv.ParseUint(fields["arch"], 16, 32)
	nr, err2 := strconv.ParseInt(fields["syscall"], 10, 32)
	code, err3 := strconv.ParseUint(strings.TrimPrefix(fields["code"], "0x"), 16, 32)
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, false
	}
	action := uint32(code) & unix.SECCOMP_RET_ACTION_FULL
	switch action {
	case unix.SECCOMP_RET_KILL_PROCESS, unix.SECCOMP_RET_KILL_THREAD, unix.SECCOMP_RET_TRAP:
		return &SigsysInfo{Arch: uint32(arch), Nr: int32(nr), Action: action, exe: auditString(fields["exe"])}, true
	}
	return nil, false
}

// auditString decodes an audit value: "quoted" when it is plain text, hex
// when it has spaces, quotes or control characters.
func auditString(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	if b, err := hex.DecodeString(v); err == nil {
		return string(b)
	}
	return v
}
