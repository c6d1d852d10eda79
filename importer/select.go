package importer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/scc-dev/scc/backend/oci"
	"github.com/scc-dev/scc/syscalls"
)

// DefaultCaps is the bounding set Docker gives a container unless told
// otherwise (moby's oci/caps.DefaultCapabilities); a profile's
// includes/excludes on caps are resolved against it by default.
var DefaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// AllCaps is every capability Linux defines (linux/capability.h), what
// `docker run --privileged` or `--cap-add ALL` gives.
var AllCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
	"CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
	"CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// ParseCaps reads a --caps value: "default" (Docker's default set), "all",
// "none", or a comma-separated list of capabilities, with or without the
// CAP_ prefix, in any case (sys_admin, CAP_NET_ADMIN).
func ParseCaps(s string) ([]string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "default":
		return slices.Clone(DefaultCaps), nil
	case "all":
		return slices.Clone(AllCaps), nil
	case "none":
		return []string{}, nil
	}
	out := []string{}
	for _, c := range strings.Split(s, ",") {
		c = strings.ToUpper(strings.TrimSpace(c))
		if !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		if !slices.Contains(AllCaps, c) {
			return nil, fmt.Errorf("unknown capability %q (say default, all, none, or a list such as CAP_SYS_ADMIN,CAP_NET_ADMIN)", c)
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// runningKernel is the "X.Y" of the kernel this process runs on.
func runningKernel() (string, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", err
	}
	var x, y int
	rel := unix.ByteSliceToString(u.Release[:])
	if _, err := fmt.Sscanf(rel, "%d.%d", &x, &y); err != nil {
		return "", fmt.Errorf("cannot read the kernel version from %q", rel)
	}
	return fmt.Sprintf("%d.%d", x, y), nil
}

func kernelAtLeast(k, min *seccomp.KernelVersion) bool {
	return k.Kernel > min.Kernel || k.Kernel == min.Kernel && k.Major >= min.Major
}

// mobyNative is moby's name for the host ABI (what includes/excludes
// "arches" match, from Go's GOARCH).
var mobyNative = map[string]string{
	"x86_64": "amd64", "i386": "x86", "x32": "x32", "aarch64": "arm64", "arm": "arm", "riscv64": "riscv64",
}

// env is what Docker resolves a profile against.
type env struct {
	native *syscalls.Arch // the host ABI: libseccomp always filters it
	caps   []string       // the container's bounding set
	kernel *seccomp.KernelVersion
}

// why says why moby's setupSeccomp leaves a rule out for this container,
// or "" when the rule is kept. The checks and their order are moby's.
func (e *env) why(c *seccomp.Syscall) string {
	arch := mobyNative[e.native.Name]
	if x := c.Excludes; x != nil {
		if slices.Contains(x.Arches, arch) {
			return "excluded on " + arch
		}
		for _, cp := range x.Caps {
			if slices.Contains(e.caps, cp) {
				return "excluded with " + cp
			}
		}
		if x.MinKernel != nil && kernelAtLeast(e.kernel, x.MinKernel) {
			return "excluded from kernel " + x.MinKernel.String()
		}
	}
	if in := c.Includes; in != nil {
		if len(in.Arches) > 0 && !slices.Contains(in.Arches, arch) {
			return "only on " + strings.Join(in.Arches, ", ")
		}
		for _, cp := range in.Caps {
			if !slices.Contains(e.caps, cp) {
				return "needs " + strings.Join(in.Caps, ", ")
			}
		}
		if in.MinKernel != nil && !kernelAtLeast(e.kernel, in.MinKernel) {
			return "needs kernel " + in.MinKernel.String()
		}
	}
	return ""
}

// targets picks the ABIs the filter covers as a runtime would: the host's,
// which libseccomp always includes, plus the profile's architectures (or
// the archMap entry for the host). ABIs scc has no tables for are reported
// and dropped.
func (e *env) targets(s *seccomp.Seccomp, warn func(string, ...any)) []*syscalls.Arch {
	listed := s.Architectures
	for _, m := range s.ArchMap {
		if oci.ArchFromName(m.Arch) == e.native {
			listed = append([]specs.Arch{m.Arch}, m.SubArches...)
			break
		}
	}
	out := []*syscalls.Arch{e.native}
	var skipped []string
	for _, sa := range listed {
		a := oci.ArchFromName(sa)
		if a == nil {
			skipped = append(skipped, string(sa))
			continue
		}
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	if len(skipped) > 0 {
		warn("scc has no syscall tables for %s; the policy leaves them out", strings.Join(skipped, ", "))
	}
	return out
}
