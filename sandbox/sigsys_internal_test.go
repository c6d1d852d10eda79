package sandbox

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseAuditSeccomp(t *testing.T) {
	const head = "5,1234,695200057,-;audit: type=1326 audit(1795795827.970:2): auid=4294967295 uid=0 gid=0 ses=4294967295 "
	tests := []struct {
		name   string
		record string
		pid    int
		want   *SigsysInfo
	}{
		{"kill_process",
			head + `pid=10953 comm="mkdir" exe="/usr/bin/mkdir" sig=31 arch=c000003e syscall=83 compat=0 ip=0x7fe3defa1f37 code=0x80000000` + "\n",
			10953, &SigsysInfo{Arch: 0xc000003e, Nr: 83, Action: 0x80000000, exe: "/usr/bin/mkdir"}},
		{"kill_thread",
			head + `pid=7 comm="a" exe="/a" sig=31 arch=40000003 syscall=5 compat=1 ip=0x1 code=0x0`,
			7, &SigsysInfo{Arch: 0x40000003, Nr: 5, Action: 0, exe: "/a"}},
		{"trap is logged before the signal, with sig=0",
			head + `pid=7 comm="a" exe="/a" sig=0 arch=c000003e syscall=83 compat=0 ip=0x1 code=0x30000`,
			7, &SigsysInfo{Arch: 0xc000003e, Nr: 83, Action: 0x30000, exe: "/a"}},
		{"hex-encoded exe (it has a space)",
			head + `pid=7 comm="a" exe=2F746D702F612062 sig=31 arch=c000003e syscall=1 compat=0 ip=0x1 code=0x80000000`,
			7, &SigsysInfo{Arch: 0xc000003e, Nr: 1, Action: 0x80000000, exe: "/tmp/a b"}},
		{"another process",
			head + `pid=8 comm="a" exe="/a" sig=31 arch=c000003e syscall=83 compat=0 ip=0x1 code=0x80000000`,
			7, nil},
		{"errno with LOG is not a death",
			head + `pid=7 comm="a" exe="/a" sig=0 arch=c000003e syscall=83 compat=0 ip=0x1 code=0x50001`,
			7, nil},
		{"another audit type",
			"5,1,2,-;audit: type=1400 audit(1.2:3): pid=7 sig=31 arch=c000003e syscall=83 code=0x80000000",
			7, nil},
		{"not a kmsg record", "pid=7 type=1326", 7, nil},
		{"garbled number",
			head + `pid=7 comm="a" exe="/a" sig=31 arch=zz syscall=83 compat=0 ip=0x1 code=0x80000000`,
			7, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseAuditSeccomp(tt.record, tt.pid)
			assert.Equal(t, tt.want != nil, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}
