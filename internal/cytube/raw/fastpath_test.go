package raw

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"
)

// fastEvents are the events decodeFast handles.
var fastEvents = []string{"chatMsg", "pm", "addUser", "mediaUpdate"}

// sameAsReflective fails t when decodeFast took arg and its result differs
// from the reflective decoder's, and when Decode differs from the
// reflective decoder at all. It reports whether the fast path took arg.
func sameAsReflective(t *testing.T, event string, arg []byte) bool {
	t.Helper()
	want, wantUnmodelled, wantErr := decodeReflective(event, arg)
	got, gotUnmodelled, gotErr := Decode(event, arg)
	// With several bad values the reflective decoder reports whichever its
	// map iteration meets first, so only the kind of error is compared.
	if (gotErr == nil) != (wantErr == nil) || fmt.Sprintf("%T", gotErr) != fmt.Sprintf("%T", wantErr) {
		t.Fatalf("Decode(%s, %q) err = %v, reflective %v", event, arg, gotErr, wantErr)
	}
	slices.Sort(gotUnmodelled)
	slices.Sort(wantUnmodelled)
	if !slices.Equal(gotUnmodelled, wantUnmodelled) {
		t.Fatalf("Decode(%s, %q) unmodelled = %v, reflective %v", event, arg, gotUnmodelled, wantUnmodelled)
	}
	if (got == nil) != (want == nil) || (got != nil && !proto.Equal(got, want)) {
		t.Fatalf("Decode(%s, %q) = %v, reflective %v", event, arg, got, want)
	}
	fast, ok := decodeFast(event, arg)
	if !ok {
		return false
	}
	if wantErr != nil || len(wantUnmodelled) > 0 {
		t.Fatalf("fast path took %s %q, reflective gives err %v, unmodelled %v", event, arg, wantErr, wantUnmodelled)
	}
	if !proto.Equal(fast, want) {
		t.Fatalf("fast path %s %q = %v, reflective %v", event, arg, fast, want)
	}
	return true
}

// frameArg returns the first argument of a captured `42[...]` frame as the
// socket layer hands it over (the exact bytes, not the capture's re-encoding).
func frameArg(t *testing.T, frame string) []byte {
	t.Helper()
	var all []json.RawMessage
	if len(frame) < 2 || json.Unmarshal([]byte(frame[2:]), &all) != nil || len(all) < 2 {
		return nil
	}
	return all[1]
}

// TestFastPathMatchesCaptures: for every captured chatMsg, pm, addUser and
// mediaUpdate, the fast path and the reflective decoder agree, and the
// fast path takes every captured chatMsg.
func TestFastPathMatchesCaptures(t *testing.T) {
	took := map[string]int{}
	total := map[string]int{}
	for _, l := range serverEvents(t) {
		if !slices.Contains(fastEvents, l.Event) {
			continue
		}
		total[l.Event]++
		if sameAsReflective(t, l.Event, arg0(l)) {
			took[l.Event]++
		}
		if arg := frameArg(t, l.Frame); arg != nil {
			sameAsReflective(t, l.Event, arg)
		}
	}
	for _, ev := range []string{"chatMsg", "addUser", "mediaUpdate"} {
		if total[ev] == 0 {
			t.Errorf("no captured %s", ev)
		}
	}
	if took["chatMsg"] != total["chatMsg"] {
		t.Errorf("fast path took %d of %d captured chatMsg", took["chatMsg"], total["chatMsg"])
	}
	t.Logf("fast path took %v of %v", took, total)
}

// TestFastPathOddities covers what the captures do not: nulls, escapes,
// unknown and duplicate keys, wrong types, numbers the fast path leaves to
// the reflective decoder.
func TestFastPathOddities(t *testing.T) {
	for _, c := range []struct {
		event, arg string
		fast       bool
	}{
		{"chatMsg", `{"username":"a","msg":"b","meta":{},"time":1}`, true},
		{"chatMsg", ` {"username" : "a" , "msg":"x\"y\\z\/\n\t\b\f\r","meta":null,"time":null} `, true},
		{"chatMsg", `{"username":"a","msg":"caf\u00e9"}`, false},
		{"chatMsg", `{"username":"a","msg":"\ud83d\ude00"}`, false},
		{"chatMsg", `{"username":"ü","msg":"日本語 ✓","meta":{"modflair":2,"addClass":"action","action":true,"shadow":false,"forceShowName":true,"addClassToNameAndTimestamp":true}}`, true},
		{"chatMsg", `{"username":"a","meta":{"modflair":null}}`, true},
		{"chatMsg", `{"username":"a","meta":{"superfluous":1}}`, false},
		{"chatMsg", `{"username":"a","extra":1}`, false},
		{"chatMsg", `{"username":"a","to":"b"}`, false},
		{"chatMsg", `{"username":"a","username":"b"}`, false},
		{"chatMsg", `{"username":1}`, false},
		{"chatMsg", `{"time":1.7e12}`, false},
		{"chatMsg", `{"time":99999999999999999999}`, false},
		{"chatMsg", `{"time":-0}`, true},
		{"chatMsg", `{"meta":{"modflair":1e400}}`, false},
		{"chatMsg", `{"meta":[]}`, false},
		{"chatMsg", `{"use\u0072name":"a"}`, false},
		{"chatMsg", `[]`, false},
		{"chatMsg", `null`, false},
		{"chatMsg", ``, false},
		{"chatMsg", `{"username":"a"} trailing`, false},
		{"chatMsg", `{"username":"a",}`, false},
		{"chatMsg", "{\"msg\":\"\xff\"}", false},
		{"pm", `{"username":"a","msg":"b","to":"c","meta":{},"time":5}`, true},
		{"addUser", `{"name":"x","rank":1.5,"profile":{"image":"","text":"t"},"meta":{"afk":true,"muted":false,"smuted":null,"aliases":["x","y"],"ip":"1.2.3"}}`, true},
		{"addUser", `{"name":"x","meta":{"aliases":[]}}`, true},
		{"addUser", `{"name":"x","meta":{"aliases":[null]}}`, false},
		{"addUser", `{"name":"x","meta":{"aliases":[1]}}`, false},
		{"addUser", `{"name":"x","profile":null,"meta":null}`, true},
		{"addUser", `{"name":"x","rank":"3"}`, false},
		{"mediaUpdate", `{"currentTime":1.25,"paused":true}`, true},
		{"mediaUpdate", `{"currentTime":-1e-400,"paused":false}`, true},
		{"mediaUpdate", `{"currentTime":"NaN","paused":0}`, false},
	} {
		if took := sameAsReflective(t, c.event, []byte(c.arg)); took != c.fast {
			t.Errorf("%s %s: fast path took it = %v, want %v", c.event, c.arg, took, c.fast)
		}
	}
}

// FuzzFastPathMatches: for any payload of the fast-path events, Decode
// (fast path first) and the reflective decoder give the same message,
// unmodelled keys and error.
func FuzzFastPathMatches(f *testing.F) {
	for _, l := range serverEvents(f) {
		if i := slices.Index(fastEvents, l.Event); i >= 0 {
			f.Add(uint8(i), []byte(arg0(l)))
		}
	}
	f.Add(uint8(0), []byte(`{"username":"a","msg":"x\"y\u00e9","meta":{"modflair":1,"x":[1]},"time":1.5e3}`))
	f.Add(uint8(2), []byte(`{"name":"x","meta":{"aliases":["a",null]},"profile":{"image":1}}`))
	f.Fuzz(func(t *testing.T, which uint8, payload []byte) {
		sameAsReflective(t, fastEvents[int(which)%len(fastEvents)], payload)
	})
}
