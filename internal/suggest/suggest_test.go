package suggest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClosest(t *testing.T) {
	names := []string{"read", "write", "openat", "open", "mkdirat", "clone3"}
	for _, tc := range []struct{ in, want string }{
		{"reed", "read"},
		{"opnat", "openat"},
		{"wrte", "write"},
		{"mkdir", "mkdirat"},
		{"xyzzy", ""},
		{"clone", "clone3"},
	} {
		assert.Equal(t, tc.want, Closest(tc.in, names), tc.in)
	}
	assert.Equal(t, "did you mean read?", Hint("reda", names))
	assert.Equal(t, "", Hint("zzzzzzzz", names))
}
