package lang_test

import (
	"fmt"

	"github.com/scc-dev/scc/lang"
)

func ExampleParse() {
	src := `
default errno(EPERM)
allow write if fd == 1 && count <= 4096   # stdout only
`
	f, err := lang.Parse("example.pol", []byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	rule := f.Stmts[1].(*lang.RuleStmt)
	fmt.Println(rule.Pos, rule.Action, rule.Syscalls[0].Name)
	fmt.Println(lang.FormatExpr(rule.Cond))
	fmt.Println(rule.Comment)

	_, err = lang.Parse("bad.pol", []byte("defualt errno(EPERM)"))
	fmt.Println(err)
	// Output:
	// example.pol:3:1 allow write
	// fd == 1 && count <= 4096
	// stdout only
	// bad.pol:1:1: expected an action (allow, kill, errno(E), …) or a statement (arch, default, set, include, test), found "defualt" (did you mean "default"?)
}

func ExampleFormat() {
	src := `# Read-only opens.
arch x86_64 default allow
errno( EACCES ) open,openat if flags&(O_WRONLY|O_RDWR)!=0
test openat(AT_FDCWD,0,O_RDONLY)=>allow`
	f, err := lang.Parse("ro.pol", []byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(lang.Format(f)))
	// Output:
	// # Read-only opens.
	// arch x86_64
	// default allow
	//
	// errno(EACCES) open, openat if flags & (O_WRONLY|O_RDWR) != 0
	//
	// test openat(AT_FDCWD, 0, O_RDONLY) => allow
}

func ExampleParseExpr() {
	e, err := lang.ParseExpr("!(arg0 == -1) || flags & O_ACCMODE == O_RDONLY && mode < 0o700")
	if err != nil {
		fmt.Println(err)
		return
	}
	or := e.(*lang.BinaryExpr)
	fmt.Println(or.Op, lang.FormatExpr(or.Y))
	cmp := or.X.(*lang.NotExpr).X.(*lang.CompareExpr)
	fmt.Printf("%s %#x\n", cmp.Value, cmp.Value.Terms[0].Num)
	// Output:
	// || flags & O_ACCMODE == O_RDONLY && mode < 0o700
	// -1 0xffffffffffffffff
}

func ExampleParseCall() {
	c, err := lang.ParseCall("openat(AT_FDCWD, 0, O_WRONLY|O_CREAT)")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Name, len(c.Args), c.Args[2])
	// Output:
	// openat 3 O_WRONLY|O_CREAT
}
