// Package jsonscan is the connector's one hand-written JSON scanner: the
// few primitives the hot paths use to walk JSON that json.Valid has
// already accepted, without encoding/json's reflection and without
// allocating. socketio splits an EVENT payload with it, the fast path of
// cytube/raw decodes the busiest events' arguments with it, and mapping
// lists a command body's keys with it.
//
// Every function assumes valid JSON (callers check json.Valid, which does
// not allocate) and returns -1 or false where the input ends early or is
// not what was asked for, so that a caller can give up and use
// encoding/json, which then reports the error. Escapes, duplicate keys and
// case folding are the callers' to decide.
package jsonscan

// IsSpace reports JSON white space.
func IsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// SkipSpace returns the index of the first byte at or after i that is not
// white space (len(b) at the end).
func SkipSpace(b []byte, i int) int {
	for i < len(b) && IsSpace(b[i]) {
		i++
	}
	return i
}

// SkipValue returns the index just after the JSON value that starts at
// b[i], or -1 when b ends first. Only strings and nesting need care in
// valid JSON; a number or a literal runs to the next delimiter.
func SkipValue(b []byte, i int) int {
	if i < 0 || i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return SkipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				if i = SkipString(b, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	default:
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && !IsSpace(b[i]) {
			i++
		}
		return i
	}
}

// SkipString returns the index just after the string that starts at
// b[i] == '"', or -1 when b ends first.
func SkipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// Members walks the object that starts at b[i] (after white space),
// calling f with each key (the bytes between its quotes) and the bounds of
// its raw value. It returns the index just after the object, or -1 when
// b[i] is not an object, a key has an escape, b ends early, or f returns
// false.
func Members(b []byte, i int, f func(key []byte, at, end int) bool) int {
	i = SkipSpace(b, i)
	if i >= len(b) || b[i] != '{' {
		return -1
	}
	i = SkipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	for i < len(b) {
		if b[i] != '"' {
			return -1
		}
		end := i + 1
		for end < len(b) && b[end] != '"' && b[end] != '\\' {
			end++
		}
		if end >= len(b) || b[end] != '"' {
			return -1
		}
		key := b[i+1 : end]
		i = SkipSpace(b, end+1)
		if i >= len(b) || b[i] != ':' {
			return -1
		}
		i = SkipSpace(b, i+1)
		vend := SkipValue(b, i)
		if vend < 0 || !f(key, i, vend) {
			return -1
		}
		i = SkipSpace(b, vend)
		if i >= len(b) {
			return -1
		}
		switch b[i] {
		case ',':
			i = SkipSpace(b, i+1)
		case '}':
			return i + 1
		default:
			return -1
		}
	}
	return -1
}
