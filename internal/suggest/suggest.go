// Package suggest finds the closest known name to a misspelled one, for
// "did you mean" hints.
package suggest

// Closest returns the candidate nearest to name by edit distance, or "" when
// none is close enough to be a plausible typo (at most a third of the
// name's length, and at least one edit).
func Closest(name string, candidates []string) string {
	limit := len(name)/3 + 1
	best, bestD := "", limit+1
	for _, c := range candidates {
		if c == name {
			continue
		}
		if d := distance(name, c, limit); d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	return best
}

// Hint formats Closest as a hint, or "" when nothing is close.
func Hint(name string, candidates []string) string {
	if c := Closest(name, candidates); c != "" {
		return "did you mean " + c + "?"
	}
	return ""
}

// distance is the Levenshtein distance between a and b, giving up early
// (returning limit+1) once it must exceed limit.
func distance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
