package config

import (
	"slices"
	"strings"
)

// unknownPrefixes are the prefixes of the connector's own variables: a
// name with one of them that the connector does not read is most likely a
// typo (CYTUBE_USRNAME) and is reported by UnknownSettings.
var unknownPrefixes = []string{"CYTUBE_", "NATS_"}

// EnvNames returns every variable FromEnv reads when none is set.
func EnvNames() []string {
	var names []string
	_, _ = FromEnv(func(name string) (string, bool) {
		names = append(names, name)
		return "", false
	}, Default())
	return names
}

// Unknown is a variable the connector does not read, with the closest
// name it does read (empty when none is close).
type Unknown struct {
	Name, Suggestion string
}

// UnknownSettings returns the names among candidates (the environment's
// and the .env file's) that start with CYTUBE_ or NATS_ and that neither
// EnvNames nor asked (the names read while resolving this configuration,
// such as a password_env) contain, sorted.
func UnknownSettings(candidates []string, asked func(string) bool) []Unknown {
	known := EnvNames()
	var out []Unknown
	for _, name := range candidates {
		if !slices.ContainsFunc(unknownPrefixes, func(p string) bool { return strings.HasPrefix(name, p) }) ||
			slices.Contains(known, name) || (asked != nil && asked(name)) ||
			slices.ContainsFunc(out, func(u Unknown) bool { return u.Name == name }) {
			continue
		}
		out = append(out, Unknown{Name: name, Suggestion: closest(name, known)})
	}
	slices.SortFunc(out, func(a, b Unknown) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// closest returns the name in names at edit distance at most 2 from name
// (the nearest), or "".
func closest(name string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(name, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b (bytes).
func editDistance(a, b string) int {
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
