package syscalls

// The z*.go files are generated; internal/gen documents every source.
// Regenerating needs root (tracefs), linux-libc-dev's headers and
// manpages-dev's section 2.
//go:generate go run ./internal/gen
