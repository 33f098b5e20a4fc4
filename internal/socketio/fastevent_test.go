package socketio

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/roseybot/cytube-connector/internal/perf"
)

// slowSplit is the encoding/json decoding of an EVENT payload that
// splitEvent stands in for.
func slowSplit(payload []byte) (string, []json.RawMessage, bool) {
	var all []json.RawMessage
	if json.Unmarshal(payload, &all) != nil || len(all) == 0 || !isString(all[0]) {
		return "", nil, false
	}
	var name string
	if json.Unmarshal(all[0], &name) != nil {
		return "", nil, false
	}
	return name, all[1:], true
}

// sameSplit fails t when splitEvent takes payload and disagrees with
// encoding/json, or rejects a payload encoding/json accepts for a reason
// other than an escaped name.
func sameSplit(t *testing.T, payload []byte) {
	t.Helper()
	name, args, ok := splitEvent(payload)
	wantName, wantArgs, wantOK := slowSplit(payload)
	if !ok {
		return
	}
	if !wantOK || name != wantName || len(args) != len(wantArgs) {
		t.Fatalf("splitEvent(%q) = %q %q, encoding/json %v %q %q", payload, name, args, wantOK, wantName, wantArgs)
	}
	for i := range args {
		if !bytes.Equal(args[i], wantArgs[i]) {
			t.Fatalf("splitEvent(%q) arg %d = %q, encoding/json %q", payload, i, args[i], wantArgs[i])
		}
	}
}

func TestSplitEventMatchesEncodingJSON(t *testing.T) {
	payloads := []string{
		`["chatMsg",{"a":"]},\"[{"},[1,2],"x",null,true,-1.5e3]`,
		` [ "ev" , { } , [ ] ] `,
		`["ev"]`,
		`["e\"v",1]`,
		`[1,2]`,
		`[]`,
		`{"a":1}`,
		`["ev",1,]`,
		`["ev" 1]`,
	}
	for _, f := range perf.Frames() {
		payloads = append(payloads, string(f.Text[2:]))
	}
	for _, p := range payloads {
		sameSplit(t, []byte(p))
	}
	if _, args, ok := splitEvent([]byte(`["ev",[1],[2]]`)); !ok || cap(args[0]) != len(args[0]) {
		t.Errorf("arguments must not share spare capacity: %v %d", ok, cap(args[0]))
	}
}

func FuzzSplitEventMatches(f *testing.F) {
	for _, fr := range perf.Frames()[:4] {
		f.Add(fr.Text[2:])
	}
	f.Add([]byte(`["a\u0062",{"k":"\"]"},[[]],1e5,"",false]`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		sameSplit(t, payload)
	})
}
