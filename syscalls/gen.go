package syscalls

// The z*.go files are generated; internal/gen documents every source.
// Regenerating needs root (tracefs) and linux-libc-dev's headers.
//go:generate go run ./internal/gen
