package bpfasm

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestEncodeDecode(t *testing.T) {
	tests := []struct {
		name string
		p    []Insn
		want []byte
	}{
		{"ld arch", []Insn{Stmt(LD|W|ABS, OffArch)}, []byte{0x20, 0, 0, 0, 4, 0, 0, 0}},
		{"jeq", []Insn{Jump(JMP|JEQ|K, 0xc000003e, 1, 2)}, []byte{0x15, 0, 1, 2, 0x3e, 0, 0, 0xc0}},
		{"ret allow", []Insn{Stmt(RET|K, 0x7fff0000)}, []byte{6, 0, 0, 0, 0, 0, 0xff, 0x7f}},
		{"high opcode bits", []Insn{{Op: 0xbeef, Jt: 0xff, Jf: 0x80, K: 0xffffffff}}, []byte{0xef, 0xbe, 0xff, 0x80, 0xff, 0xff, 0xff, 0xff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Encode(tt.p)
			assert.Equal(t, tt.want, b)
			p, err := Decode(b)
			require.NoError(t, err)
			assert.Equal(t, tt.p, p)
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "empty program"},
		{"ragged", make([]byte, 12), "12 bytes, not a multiple of 8"},
		{"too long", make([]byte, 8*(MaxInsns+1)), "program has 4097 instructions; the kernel's limit is 4096"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.b)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	p, err := Decode(make([]byte, 8*MaxInsns))
	require.NoError(t, err)
	assert.Len(t, p, MaxInsns)
}

func TestSeccompDataLayout(t *testing.T) {
	d := &Data{Nr: -1, Arch: 0xc000003e, IP: 0x1122334455667788, Args: [6]uint64{0, 0, 0xaabbccdd00000001}}
	b := d.Bytes()
	require.Len(t, b, DataSize)
	assert.Equal(t, []byte{0xff, 0xff, 0xff, 0xff}, b[OffNr:OffNr+4])
	assert.Equal(t, []byte{0x3e, 0, 0, 0xc0}, b[OffArch:OffArch+4])
	assert.Equal(t, []byte{0x88, 0x77, 0x66, 0x55}, b[OffIP:OffIP+4])
	assert.Equal(t, []byte{1, 0, 0, 0}, b[ArgLo(2):ArgLo(2)+4])
	assert.Equal(t, []byte{0xdd, 0xcc, 0xbb, 0xaa}, b[ArgHi(2):ArgHi(2)+4])
	assert.Equal(t, uint32(16), ArgLo(0))
	assert.Equal(t, uint32(60), ArgHi(5))
}

// TestGolden assembles each testdata/*.s, and checks the kernel encoding
// (*.bpf) and the disassembly (*.txt) against the committed files; then
// decodes the .bpf and checks it prints and re-encodes the same. Run with
// -update to rewrite the golden files.
func TestGolden(t *testing.T) {
	sources, err := filepath.Glob("testdata/*.s")
	require.NoError(t, err)
	require.NotEmpty(t, sources)
	for _, src := range sources {
		base := strings.TrimSuffix(src, ".s")
		t.Run(filepath.Base(base), func(t *testing.T) {
			text, err := os.ReadFile(src)
			require.NoError(t, err)
			prog, err := ParseAsm(src, text)
			require.NoError(t, err)
			p, err := prog.Assemble()
			require.NoError(t, err)
			require.NoError(t, Verify(p), "golden programs are valid seccomp filters")
			bin, dis := Encode(p), Disassemble(p)
			if *update {
				require.NoError(t, os.WriteFile(base+".bpf", bin, 0o644))
				require.NoError(t, os.WriteFile(base+".txt", []byte(dis), 0o644))
			}
			wantBin, err := os.ReadFile(base + ".bpf")
			require.NoError(t, err)
			wantDis, err := os.ReadFile(base + ".txt")
			require.NoError(t, err)
			assert.True(t, bytes.Equal(wantBin, bin), "encoding differs from %s.bpf", base)
			assert.Equal(t, string(wantDis), dis)

			decoded, err := Decode(wantBin)
			require.NoError(t, err)
			assert.Equal(t, string(wantDis), Disassemble(decoded))
			assert.Equal(t, wantBin, Encode(decoded))
		})
	}
}
