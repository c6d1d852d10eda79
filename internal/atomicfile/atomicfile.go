// Package atomicfile writes files so that readers see the old content or the
// new, never a mix, and a failed write leaves the old file untouched.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
)

// Write writes data to path through a temporary file in the same directory,
// synced and then renamed over path. The new file gets perm, or the old
// file's mode when it exists.
func Write(path string, data []byte, perm os.FileMode) (err error) {
	if st, err := os.Stat(path); err == nil {
		perm = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// WriteOut writes data to path, or to stdout when path is "-".
func WriteOut(path string, data []byte, stdout io.Writer) error {
	if path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	return Write(path, data, 0o644)
}
