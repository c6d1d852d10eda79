; Two ABIs sharing one filter, x32 written explicitly, and the instructions
; a seccomp filter can use besides loads and jumps.
	ld arch
	jeq AUDIT_ARCH_X86_64, x86
	jeq AUDIT_ARCH_AARCH64, arm, kill
x86:	ld nr
	jeq x32:read, log          ; bare names mean x86_64 under AUDIT_ARCH_X86_64
	jeq openat, flags, errno
arm:	ld nr
	jeq openat, flags, errno
flags:	ld arg2.lo
	st M[0]
	and #0x3
	tax
	ld M[0]
	jset x, trace
	ldx #len
	txa
	ret a
trace:	ret trace(7)
log:	ret log
errno:	ret errno(38)
kill:	ret kill_thread
