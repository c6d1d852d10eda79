package lang

import (
	"fmt"
	"testing"
)

func TestTry(t *testing.T) {
	for _, src := range []string{
		"alow read", "defualt errno(EPERM)", "default", "arch", "arch x86_64,", "allow", "allow read if", "allow read if fd",
		"allow read if fd ==", "allow read if fd == 1 &&", "allow if fd == 1", "set net = a", "set @net a", "set @net =",
		"test openat(1,2 => allow", "test openat(1) allow", "test openat(1) =>", "test i386 openat()", "include foo",
		"include", "errno read", "allow(1) read", "allow read if (fd == 1", "allow read if fd & A|B == 0",
		"allow read if fd == 0x", "allow read if fd == 09", "allow read if fd == 0x1ffffffffffffffff", "default \"x", "allow read $",
		"allow read if fd = 1", "allow read, if fd == 1", "allow read\nkill kill\nerrno(EPERM) kill if arg0 == -1",
		"test i386:socketcall(1, 0) => errno(EPERM)", "allow read if !fd == 1 || (a & (X|Y) != 0 && b < 0b1_0)",
		"allow read if fd == (1", "kill_process x", "trace read", "arch x86_64 x32",
	} {
		f, err := Parse("t.pol", []byte(src))
		fmt.Printf("%q\n   -> %v", src, err)
		if err == nil {
			fmt.Printf("%d stmts", len(f.Stmts))
		}
		fmt.Println()
	}
}
