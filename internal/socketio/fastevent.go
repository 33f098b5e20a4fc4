package socketio

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"github.com/roseybot/cytube-connector/internal/jsonscan"
)

// splitEvent is the fast path for an EVENT payload `["name",arg,...]`: it
// splits the array without encoding/json's reflection, in three
// allocations (one copy of the payload that every argument slices, the
// argument slice and the name). It returns false for anything it does not
// handle (invalid JSON, not an array, no name, a name that is not a plain
// string, has escapes or is not UTF-8); the caller then decodes with encoding/json,
// which reports the error. Arguments are the exact value bytes, as
// json.RawMessage gets them from encoding/json.
func splitEvent(payload []byte) (name string, args []json.RawMessage, ok bool) {
	// Validating first lets the splitter assume well-formed JSON;
	// json.Valid does not allocate.
	if !json.Valid(payload) {
		return "", nil, false
	}
	i := jsonscan.SkipSpace(payload, 0)
	if payload[i] != '[' {
		return "", nil, false
	}
	i = jsonscan.SkipSpace(payload, i+1)
	if payload[i] != '"' {
		return "", nil, false // empty array or a name that is not a string
	}
	end := jsonscan.SkipValue(payload, i)
	if raw := payload[i+1 : end-1]; bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw) {
		return "", nil, false
	}
	name = string(payload[i+1 : end-1])
	i = jsonscan.SkipSpace(payload, end)
	n := 0
	for j := i; payload[j] == ','; {
		j = jsonscan.SkipSpace(payload, jsonscan.SkipValue(payload, jsonscan.SkipSpace(payload, j+1)))
		n++
	}
	if n == 0 {
		return name, []json.RawMessage{}, true
	}
	own := bytes.Clone(payload[i:])
	args = make([]json.RawMessage, 0, n)
	for j := 0; own[j] == ','; {
		start := jsonscan.SkipSpace(own, j+1)
		stop := jsonscan.SkipValue(own, start)
		// The capacity ends with the value, so that appending to one
		// argument cannot overwrite the next.
		args = append(args, json.RawMessage(own[start:stop:stop]))
		j = jsonscan.SkipSpace(own, stop)
	}
	return name, args, true
}
