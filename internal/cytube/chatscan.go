package cytube

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// chatFields are the fields of a chatMsg or pm argument the session needs.
type chatFields struct {
	Username string `json:"username"`
	Msg      string `json:"msg"`
	Time     int64  `json:"time"`
	To       string `json:"to"`
}

// chatFieldsOf reads a chatMsg or pm argument exactly as
// decodeInto(arg, &chatFields{}) does. Every chat line passes here, so the
// usual shape (flat keys, strings without escapes, an integer time) is
// read by scanTop with two allocations (the strings share one copy of arg);
// anything else goes to encoding/json.
func chatFieldsOf(arg json.RawMessage) (chatFields, bool) {
	var v chatFields
	var seen [4]bool
	var str string // arg as a string, made for the first string field
	ok := json.Valid(arg) && scanTop(arg, func(key []byte, at, end int) bool {
		i := -1
		switch string(key) {
		case "username":
			i = 0
		case "msg":
			i = 1
		case "time":
			i = 2
		case "to":
			i = 3
		default:
			// encoding/json matches keys case-insensitively.
			return !foldsTo(key, "username", "msg", "time", "to")
		}
		if seen[i] {
			return false // the last one would win; leave it to encoding/json
		}
		seen[i] = true
		if i == 2 {
			t, ok := plainInt(arg[at:end])
			v.Time = t
			return ok
		}
		if !plainString(arg[at:end]) {
			return false
		}
		if str == "" {
			str = string(arg)
		}
		val := str[at+1 : end-1]
		switch i {
		case 0:
			v.Username = val
		case 1:
			v.Msg = val
		case 3:
			v.To = val
		}
		return true
	})
	if ok {
		return v, true
	}
	v = chatFields{}
	return v, decodeInto(arg, &v)
}

// MessageTime returns the server's time of a chatMsg or pm argument (its
// `time`, milliseconds since the epoch, an integer), in UTC; false when
// there is no such positive time.
func MessageTime(arg json.RawMessage) (time.Time, bool) {
	var ms int64
	seen := false
	ok := json.Valid(arg) && scanTop(arg, func(key []byte, at, end int) bool {
		if string(key) != "time" {
			return !foldsTo(key, "time")
		}
		if seen {
			return false
		}
		seen = true
		var ok bool
		ms, ok = plainInt(arg[at:end])
		return ok
	})
	if !ok {
		var v struct {
			Time int64 `json:"time"`
		}
		if json.Unmarshal(arg, &v) != nil {
			return time.Time{}, false
		}
		ms = v.Time
	}
	if ms <= 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(ms).UTC(), true
}

// chatKey is the stable identity of a chat message or PM: the first 16
// bytes of SHA-256 over channel, event, time, sender, recipient and text,
// each followed by a NUL, in hex.
func chatKey(channel, event string, v chatFields) string {
	var buf [256]byte
	b := append(append(buf[:0], channel...), 0)
	b = append(append(b, event...), 0)
	b = append(strconv.AppendInt(b, v.Time, 10), 0)
	b = append(append(b, v.Username...), 0)
	b = append(append(b, v.To...), 0)
	b = append(append(b, v.Msg...), 0)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// foldsTo reports whether key is not plain ASCII or equals one of names
// (lower case) case-insensitively: either way encoding/json might match it
// to a field, so the caller gives up.
func foldsTo(key []byte, names ...string) bool {
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	for _, n := range names {
		if len(n) != len(key) {
			continue
		}
		same := true
		for i, c := range key {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != n[i] {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}

// scanTop walks the members of a JSON object, which the caller has checked
// with json.Valid, calling f with each key and the bounds of its raw value
// in b. It returns false when the input is not an object, a key has an
// escape, or f returns false.
func scanTop(b []byte, f func(key []byte, at, end int) bool) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return true
	}
	for i < len(b) {
		if b[i] != '"' {
			return false
		}
		end := i + 1
		for end < len(b) && b[end] != '"' && b[end] != '\\' {
			end++
		}
		if end >= len(b) || b[end] != '"' {
			return false
		}
		key := b[i+1 : end]
		i = skipSpace(b, end+1)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipSpace(b, i+1)
		vend := skipValue(b, i)
		if vend < 0 || !f(key, i, vend) {
			return false
		}
		i = skipSpace(b, vend)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return true
		default:
			return false
		}
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// skipValue returns the index after the JSON value starting at i, or -1.
// The input is valid JSON, so only strings and nesting need care.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				if i = skipString(b, i); i < 0 {
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
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && !isSpace(b[i]) {
			i++
		}
		return i
	}
}

// skipString returns the index after the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
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

// plainString reports whether v is a JSON string without escapes, control
// characters or invalid UTF-8 (which encoding/json would change).
func plainString(v []byte) bool {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return false
	}
	s := v[1 : len(v)-1]
	ascii := true
	for _, c := range s {
		if c == '\\' || c == '"' || c < 0x20 {
			return false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return ascii || utf8.Valid(s)
}

// plainInt parses an integer literal the way encoding/json fills an int64.
func plainInt(v []byte) (int64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	for i, c := range v {
		if (c < '0' || c > '9') && (i != 0 || c != '-') {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	return n, err == nil
}
