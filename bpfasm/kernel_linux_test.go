//go:build linux

package bpfasm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// The kernel test re-executes the test binary with this variable set; the
// child loads each program it reads on stdin into a fresh OS thread (a
// seccomp filter binds only the thread that installs it, and dies with it)
// and prints the kernel's verdict.
const kernelChildEnv = "BPFASM_KERNEL_CHILD"

// kernelVerdict is "ok" or the errno the kernel returned.
func installOnThisThread(p []Insn) string {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return "prctl:" + err.Error()
	}
	filter := make([]unix.SockFilter, len(p))
	for i, in := range p {
		filter[i] = unix.SockFilter{Code: in.Op, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	prog := unix.SockFprog{Len: uint16(len(p))}
	if len(p) > 0 {
		prog.Filter = &filter[0]
	}
	_, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(filter)
	if errno != 0 {
		return strconv.Itoa(int(errno))
	}
	return "ok"
}

func kernelChild() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		b, err := hex.DecodeString(strings.TrimSpace(in.Text()))
		if err != nil || len(b)%8 != 0 {
			fmt.Println("verdict bad-input")
			continue
		}
		// Not Decode: the kernel must also see programs Decode refuses.
		p := make([]Insn, len(b)/8)
		for i := range p {
			p[i] = Insn{Op: uint16(b[8*i]) | uint16(b[8*i+1])<<8, Jt: b[8*i+2], Jf: b[8*i+3],
				K: uint32(b[8*i+4]) | uint32(b[8*i+5])<<8 | uint32(b[8*i+6])<<16 | uint32(b[8*i+7])<<24}
		}
		done := make(chan string)
		go func() {
			// Never unlocked: the thread exits with the goroutine,
			// taking its filter with it.
			runtime.LockOSThread()
			done <- installOnThisThread(p)
		}()
		fmt.Println("verdict", <-done)
	}
	os.Exit(0)
}

// kernelVerdicts loads programs in a child process and returns, for each,
// whether the kernel accepted it.
func kernelVerdicts(t *testing.T, progs [][]Insn) []bool {
	t.Helper()
	var stdin bytes.Buffer
	for _, p := range progs {
		fmt.Fprintln(&stdin, hex.EncodeToString(Encode(p)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestKernelAgrees$")
	cmd.Env = append(os.Environ(), kernelChildEnv+"=1")
	cmd.Stdin = &stdin
	out, err := cmd.Output()
	require.NoError(t, err, "child: %s", out)
	var verdicts []bool
	for _, line := range strings.Split(string(out), "\n") {
		v, ok := strings.CutPrefix(line, "verdict ")
		if !ok {
			continue
		}
		switch v {
		case "ok":
			verdicts = append(verdicts, true)
		case strconv.Itoa(int(unix.EINVAL)):
			verdicts = append(verdicts, false)
		default:
			t.Fatalf("the kernel answered %q, neither success nor EINVAL", v)
		}
	}
	require.Len(t, verdicts, len(progs))
	return verdicts
}

// randomProgram makes a short program that is often, but not always,
// valid. Every return allows and nothing divides by X, so a filter the
// kernel accepts cannot hurt the thread that loads it.
func randomProgram(rng *rand.Rand) []Insn {
	ops := []uint16{
		LD | W | ABS, LD | W | ABS, LD | W | ABS, LD | H | ABS, LD | B | ABS, LD | W | IND,
		LD | W | LEN, LDX | W | LEN, LD | IMM, LDX | IMM, LD | MEM, LDX | MEM, ST, STX,
		LDX | B | MSH, ALU | ADD | K, ALU | SUB | X, ALU | MUL | K, ALU | DIV | K,
		ALU | MOD | K, ALU | AND | X, ALU | OR | K, ALU | XOR | K, ALU | LSH | K,
		ALU | RSH | X, ALU | NEG, MISC | TAX, MISC | TXA, JMP | JA, JMP | JEQ | K,
		JMP | JEQ | X, JMP | JGT | K, JMP | JGE | X, JMP | JSET | K, RET | K, RET | K,
	}
	n := 1 + rng.Intn(12)
	p := make([]Insn, n)
	for i := range p {
		in := Insn{Op: ops[rng.Intn(len(ops))]}
		if rng.Intn(20) == 0 {
			in.Op = uint16(rng.Intn(256))
		}
		switch rng.Intn(4) {
		case 0:
			in.K = uint32(rng.Intn(70))
		case 1:
			in.K = uint32(rng.Intn(20))
		case 2:
			in.K = 4 * uint32(rng.Intn(17))
		default:
			in.K = rng.Uint32()
		}
		if class(in.Op) == JMP {
			in.Jt, in.Jf = uint8(rng.Intn(n-i+1)), uint8(rng.Intn(n-i+1))
			if in.Op == JMP|JA {
				in.K = uint32(rng.Intn(n - i + 1))
			}
		}
		p[i] = in
	}
	if rng.Intn(8) > 0 {
		p[n-1] = Insn{Op: RET | K}
	}
	for i, in := range p {
		switch {
		case class(in.Op) == RET && classicAllows(in.Op):
			p[i] = Stmt(RET|K, 0x7fff0000)
		case in.Op == ALU|DIV|X:
			p[i].Op = ALU | DIV | K
		}
	}
	return p
}

// TestKernelAgrees loads the verifyCases table and random programs into the
// running kernel and checks that Verify accepts exactly what it accepts.
func TestKernelAgrees(t *testing.T) {
	if os.Getenv(kernelChildEnv) != "" {
		kernelChild()
	}
	if _, err := unix.PrctlRetInt(unix.PR_GET_SECCOMP, 0, 0, 0, 0); err != nil {
		t.Skipf("this kernel has no seccomp: %v", err)
	}
	var progs [][]Insn
	var names []string
	for _, tt := range verifyCases {
		progs = append(progs, verifyProgram(t, tt.name, tt.src))
		names = append(names, tt.name)
	}
	rng := rand.New(rand.NewSource(42))
	random := 2000
	if testing.Short() {
		random = 200
	}
	for i := range random {
		progs = append(progs, randomProgram(rng))
		names = append(names, fmt.Sprintf("random #%d", i))
	}
	verdicts := kernelVerdicts(t, progs)
	accepted := 0
	for i, ok := range verdicts {
		err := Verify(progs[i])
		if ok != (err == nil) {
			t.Errorf("%s: kernel accepted=%v, Verify: %v\n%s", names[i], ok, err, Disassemble(progs[i]))
		}
		if ok {
			accepted++
		}
	}
	t.Logf("%d programs, %d accepted by the kernel", len(progs), accepted)
}
