package syscalls

import "testing"

// Nrs is Syscalls' numbers, in the same order, and shared between calls.
func TestNrs(t *testing.T) {
	for _, a := range Arches() {
		tab, nrs := a.Syscalls(), a.Nrs()
		if len(nrs) != len(tab) {
			t.Fatalf("%s: %d numbers for %d syscalls", a.Name, len(nrs), len(tab))
		}
		for i, s := range tab {
			if nrs[i] != s.Nr || i > 0 && nrs[i] <= nrs[i-1] {
				t.Fatalf("%s: Nrs()[%d] = %d, want %d, increasing", a.Name, i, nrs[i], s.Nr)
			}
		}
		if &a.Nrs()[0] != &nrs[0] {
			t.Errorf("%s: Nrs copies its table", a.Name)
		}
	}
}
