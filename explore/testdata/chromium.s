; A filter in the shape Chromium's seccomp-bpf compiler emits
; (sandbox/linux/bpf_dsl/policy_compiler.cc), written by hand for x86_64:
; the arch check, the x32 bit tested with jset, a binary search (jge only)
; over ranges of syscall numbers whose leaves share one block per outcome,
; 32-bit arguments checked for a valid upper half (zero or the sign
; extension) before their low half is compared, 64-bit arguments compared
; half by half, masked tests with jset, and SIGSYS traps for violations.
;
; Syscalls: read, write, close, munmap, brk, getpid, exit, futex and
; exit_group are allowed; open traps (Chromium hands it to a broker);
; mmap and mprotect are allowed for harmless flags; ioctl for TCGETS and
; FIONREAD; clone for threads only (fork gets EPERM); kill for pid 4242.
; Everything else fails with EPERM.

	ld arch
	jeq AUDIT_ARCH_X86_64, abi, crash	; "Invalid audit architecture"
abi:
	ld nr
	jset #0x40000000, crash, dispatch	; "Illegal mixing of system call ABIs"

dispatch:					; ranges 0..21, split at the middle one
	jge #40, r11_22, r0_11
r0_11:	jge #10, r5_11, r0_5
r0_5:	jge #3, r2_5, r0_2
r0_2:	jge #2, crash, allow		; open traps; read, write
r2_5:	jge #4, r3_5, allow		; close
r3_5:	jge #9, mmap, eperm
r5_11:	jge #16, r8_11, r5_8
r5_8:	jge #11, r6_8, mprotect
r6_8:	jge #13, eperm, allow		; munmap, brk
r8_11:	jge #17, r9_11, ioctl
r9_11:	jge #39, allow, eperm		; getpid
r11_22:	jge #62, r16_22, r11_16
r11_16:	jge #57, r13_16, r11_13
r11_13:	jge #56, clone, eperm
r13_16:	jge #60, r14_16, eperm
r14_16:	jge #61, eperm, allow		; exit
r16_22:	jge #203, r19_22, r16_19
r16_19:	jge #63, r17_19, kill
r17_19:	jge #202, allow, eperm		; futex
r19_22:	jge #231, r20_22, eperm
r20_22:	jge #232, eperm, allow		; exit_group

; mmap: flags (arg3, an int) within MAP_SHARED|MAP_PRIVATE|MAP_FIXED|
; MAP_ANONYMOUS|MAP_DENYWRITE|MAP_NORESERVE|MAP_STACK.
mmap:	ld arg3.hi
	jeq #0, mmap_lo
	jeq #0xffffffff, mmap_sx, crash
mmap_sx: ld arg3.lo
	jset #0x80000000, mmap_lo, crash
mmap_lo: ld arg3.lo
	jset #0xfffdb7cc, crash, allow

; mprotect: prot (arg2, an int) within PROT_READ|PROT_WRITE|PROT_EXEC.
mprotect: ld arg2.hi
	jeq #0, mprotect_lo
	jeq #0xffffffff, mprotect_sx, crash
mprotect_sx: ld arg2.lo
	jset #0x80000000, mprotect_lo, crash
mprotect_lo: ld arg2.lo
	jset #0xfffffff8, crash, allow

; ioctl: request (arg1, an int) is TCGETS or FIONREAD.
ioctl:	ld arg1.hi
	jeq #0, ioctl_lo
	jeq #0xffffffff, ioctl_sx, crash
ioctl_sx: ld arg1.lo
	jset #0x80000000, ioctl_lo, crash
ioctl_lo: ld arg1.lo
	jeq #0x5401, allow
	jeq #0x541b, allow, crash

; clone: flags (arg0, an unsigned long) are exactly a thread's
; (CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|
; CHILD_CLEARTID); without CLONE_VM and CLONE_THREAD it is a fork: EPERM;
; anything else traps.
clone:	ld arg0.hi
	jeq #0, clone_lo, clone_fork
clone_lo: ld arg0.lo
	jeq #0x3d0f00, allow, clone_fork
clone_fork: ld arg0.lo
	jset #0x10100, crash, eperm

; kill: only pid 4242 (arg0, a pid_t).
kill:	ld arg0.hi
	jeq #0, kill_lo
	jeq #0xffffffff, kill_sx, crash
kill_sx: ld arg0.lo
	jset #0x80000000, kill_lo, crash
kill_lo: ld arg0.lo
	jeq #4242, allow, eperm

allow:	ret allow
eperm:	ret errno(EPERM)
crash:	ret trap
