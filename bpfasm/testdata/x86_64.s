# An x86_64 filter in the shape scc's compiler emits: arch check, x32
# rejection, a syscall dispatch, argument checks on both halves of a word.
	ld arch
	jeq AUDIT_ARCH_X86_64, native, badarch
native:
	ld nr
	jge #0x40000000, badarch        ; x32 calls carry the x32 bit
	jeq read, allow
	jeq write, check_write, other
check_write:
	ld arg0.hi
	jeq #0, lo, deny
lo:	ld arg0.lo
	jgt #2, deny, allow
other:
	jeq exit_group, allow, deny
allow:	ret allow
deny:	ret errno(EPERM)
badarch:
	ret kill
