package lint

import (
	"path/filepath"

	"github.com/scc-dev/scc/lang"
	"github.com/scc-dev/scc/resolve"
)

// source is what the linter needs from the syntax tree.
type source struct {
	defaultPos, badArchPos lang.Pos
}

// findSource looks for the default and badarch statements in f and the files
// it includes, in the order resolve reads them. Unreadable or broken includes
// are skipped: resolve has already reported them.
func findSource(f *lang.File, readFile func(string) ([]byte, error)) source {
	var src source
	if f == nil {
		return src
	}
	if readFile == nil {
		readFile = resolve.ReadFile
	}
	seen := map[string]bool{}
	var visit func(f *lang.File, depth int)
	visit = func(f *lang.File, depth int) {
		if seen[f.Name] || depth > 32 {
			return
		}
		seen[f.Name] = true
		for _, s := range f.Stmts {
			switch s := s.(type) {
			case *lang.DefaultStmt:
				if !src.defaultPos.IsValid() {
					src.defaultPos = s.Pos
				}
			case *lang.BadArchStmt:
				if !src.badArchPos.IsValid() {
					src.badArchPos = s.Pos
				}
			case *lang.IncludeStmt:
				path := s.Path
				if !filepath.IsAbs(path) {
					path = filepath.Join(filepath.Dir(f.Name), path)
				}
				data, err := readFile(path)
				if err != nil {
					continue
				}
				if sub, err := lang.Parse(path, data); err == nil {
					visit(sub, depth+1)
				}
			}
		}
	}
	visit(f, 0)
	if !src.defaultPos.IsValid() {
		src.defaultPos = lang.Pos{File: f.Name}
	}
	if !src.badArchPos.IsValid() {
		src.badArchPos = lang.Pos{File: f.Name}
	}
	return src
}
