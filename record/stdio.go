package record

import (
	"fmt"
	"io"
	"os"
)

// copier moves bytes between a pipe and a caller's io.Reader or io.Writer.
type copier struct {
	done chan struct{}
}

func (c *copier) wait() { <-c.done }

// abort is for a program that never started: once the parent closed its
// copy of the write end, the read end sees EOF.
func (c *copier) abort() { <-c.done }

// stdio turns Options' streams into the three files the child gets, the
// files to close in the parent once it started, and the copy goroutines.
// Like os/exec, a nil stream is /dev/null and an *os.File is passed as is.
func stdio(o Options) (files, closeAfter []*os.File, copiers []*copier, err error) {
	cleanup := func() {
		for _, f := range closeAfter {
			f.Close()
		}
		for _, c := range copiers {
			c.abort()
		}
	}
	devnull := func(flag int) (*os.File, error) {
		f, err := os.OpenFile(os.DevNull, flag, 0)
		if err == nil {
			closeAfter = append(closeAfter, f)
		}
		return f, err
	}

	// stdin
	switch r := o.Stdin.(type) {
	case nil:
		f, err := devnull(os.O_RDONLY)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("record: %w", err)
		}
		files = append(files, f)
	case *os.File:
		files = append(files, r)
	default:
		pr, pw, err := os.Pipe()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("record: %w", err)
		}
		closeAfter = append(closeAfter, pr)
		// Not waited for: the reader may block forever (a terminal) after
		// the program is gone. The copy ends with EPIPE once it writes.
		go func() {
			io.Copy(pw, r)
			pw.Close()
		}()
		files = append(files, pr)
	}

	for _, w := range []io.Writer{o.Stdout, o.Stderr} {
		switch w := w.(type) {
		case nil:
			f, err := devnull(os.O_WRONLY)
			if err != nil {
				cleanup()
				return nil, nil, nil, fmt.Errorf("record: %w", err)
			}
			files = append(files, f)
		case *os.File:
			files = append(files, w)
		default:
			pr, pw, err := os.Pipe()
			if err != nil {
				cleanup()
				return nil, nil, nil, fmt.Errorf("record: %w", err)
			}
			closeAfter = append(closeAfter, pw)
			c := &copier{done: make(chan struct{})}
			go func() {
				defer close(c.done)
				io.Copy(w, pr)
				pr.Close()
			}()
			copiers = append(copiers, c)
			files = append(files, pw)
		}
	}
	return files, closeAfter, copiers, nil
}
