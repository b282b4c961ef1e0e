package scenario

import (
	"strings"

	"lrlab/sim"
)

// Structural bounds of values, checked before sim checks their meaning.
const (
	maxInt        = 1_000_000_000 // scheduler counts (T_max, step_size…)
	maxSeed       = 1<<53 - 1     // seeds stay exact in a browser's numbers
	maxMilestones = 1000
	maxString     = 32 // anneal_strategy, mode
	maxLabel      = 60
)

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// allowedKeys formats the keys an object takes, for error messages.
func allowedKeys(keys []string) string { return strings.Join(keys, ", ") }

// suggest returns the key of keys closest to s when it is a plausible typo
// (edit distance ≤ 2, or a difference of case only), else "".
func suggest(s string, keys []string) string {
	best, bestD := "", 3
	for _, k := range keys {
		if strings.EqualFold(k, s) {
			return k
		}
		if d := editDistance(strings.ToLower(s), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	if len(s) <= 2 {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// unknownKey is the error for a key an object does not take.
func unknownKey(path, key, what string, keys []string) error {
	msg := "unknown key " + quote(key)
	if s := suggest(key, keys); s != "" {
		msg += " (did you mean " + quote(s) + "?)"
	}
	if what != "" {
		msg += "; allowed for " + what + ": " + allowedKeys(keys)
	} else {
		msg += "; allowed: " + allowedKeys(keys)
	}
	return fieldError(join(path, key), msg)
}

// unknownName is the error for a name not in names.
func unknownName(path, what, name string, names []string, sentinel error) error {
	msg := "unknown " + what + " " + quote(name)
	if s := suggest(name, names); s != "" {
		msg += " (did you mean " + quote(s) + "?)"
	}
	return &sim.FieldError{Field: path, Msg: msg + "; allowed: " + strings.Join(names, ", "), Err: sentinel}
}
