package jsonscan

import (
	"bytes"
	"encoding/json"
	"testing"
)

var seeds = []string{
	`{}`, `{"a":1}`, `{"a":"x","b":[1,{"c":"]"}],"d":null}`, ` { "k" : "v\"q" , "n" : -1.5e3 } `,
	`{"a\u0062":1}`, `{"a":{"b":{"c":{}}}}`, `[1,2]`, `"s"`, `1`, `{"a":"\\"}`, `{"x":true,"y":false}`,
}

// checkMembers compares Members and SkipValue with encoding/json on valid
// input: every member's key and raw value as json.Unmarshal into a map of
// raw messages gives them, and SkipValue spanning the whole value.
func checkMembers(t *testing.T, b []byte) {
	if !json.Valid(b) {
		return
	}
	start := SkipSpace(b, 0)
	if end := SkipValue(b, start); end < 0 || SkipSpace(b, end) != len(b) {
		t.Fatalf("SkipValue(%q) = %d, want the end of the value", b, end)
	}
	var want map[string]json.RawMessage
	isObject := json.Unmarshal(b, &want) == nil
	got := map[string]json.RawMessage{}
	end := Members(b, 0, func(key []byte, at, vend int) bool {
		// Keys come as their bytes; decode them as encoding/json does
		// (invalid UTF-8 becomes U+FFFD), the last duplicate winning.
		var k string
		if err := json.Unmarshal(append(append([]byte{'"'}, key...), '"'), &k); err != nil {
			t.Fatalf("Members(%q): key %q is not a JSON string body: %v", b, key, err)
		}
		got[k] = json.RawMessage(b[at:vend])
		return true
	})
	if !isObject {
		if end >= 0 {
			t.Fatalf("Members(%q) = %d for a value that is not an object", b, end)
		}
		return
	}
	if end < 0 {
		if !bytes.Contains(b, []byte(`\`)) {
			t.Fatalf("Members(%q) gave up on an object without escapes", b)
		}
		return // a key with an escape: the caller's to decode
	}
	if len(got) != len(want) {
		t.Fatalf("Members(%q): %d keys, encoding/json %d", b, len(got), len(want))
	}
	for k, v := range want {
		if g := got[k]; !bytes.Equal(g, bytes.TrimSpace(v)) {
			t.Fatalf("Members(%q): key %q = %q, encoding/json %q", b, k, g, v)
		}
	}
}

func TestMembersMatchesEncodingJSON(t *testing.T) {
	for _, s := range seeds {
		checkMembers(t, []byte(s))
	}
}

func FuzzMembersMatches(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkMembers(t, b) })
}
