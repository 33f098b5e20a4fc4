package cytube

import (
	"encoding/json"
	"testing"
	"time"
)

var chatScanSeeds = []string{
	`{"username":"alice","msg":"hello","meta":{},"time":1700000000000}`,
	`{"username":"bob","msg":"hi <a href=\"x\">x</a>","meta":{"addClass":"shout","x":[1,{"a":"}"}]},"time":1700000000001}`,
	`{"username":"alice","to":"bot","msg":"psst","meta":{},"time":1700000000002}`,
	` { "username" : "a" , "msg" : "b" , "time" : -5 } `,
	`{"Username":"alice","msg":"x","time":1}`,
	`{"username":"alice","username":"eve","msg":"x","time":1}`,
	`{"username":"ålice","msg":"ünïcode","time":1}`,
	`{"username":"a\u0041","msg":"x","time":1}`,
	`{"username":null,"msg":"x","time":1}`,
	`{"username":1,"msg":"x","time":1}`,
	`{"username":"a","msg":"x","time":1.5}`,
	`{"username":"a","msg":"x","time":1e3}`,
	`{"username":"a","msg":"x","time":"1"}`,
	`{"username":"a","msg":"x","time":99999999999999999999}`,
	`{"username":"a","msg":"x","time":null}`,
	`{"uſername":"a","msg":"x","time":1}`,
	`{"TIME":5,"time":1}`,
	`{"\u0074ime":5}`,
	`{}`, `[]`, `null`, `"x"`, `1`, ``, `{`, `{"a":}`,
	"{\"username\":\"a\xffb\",\"msg\":\"x\",\"time\":1}",
	`{"msg":"x","time":0}`,
	`{"time":-1700000000000}`,
}

// checkChatScan compares the scanners with encoding/json.
func checkChatScan(t *testing.T, arg []byte) {
	var want chatFields
	wantOK := decodeInto(arg, &want)
	got, ok := chatFieldsOf(arg)
	if ok != wantOK || (ok && got != want) {
		t.Errorf("chatFieldsOf(%q) = %+v, %v; encoding/json: %+v, %v", arg, got, ok, want, wantOK)
	}
	var v struct {
		Time int64 `json:"time"`
	}
	wantT, wantTOK := time.Time{}, false
	if json.Unmarshal(arg, &v) == nil && v.Time > 0 {
		wantT, wantTOK = time.UnixMilli(v.Time).UTC(), true
	}
	gotT, gotTOK := MessageTime(arg)
	if gotTOK != wantTOK || !gotT.Equal(wantT) {
		t.Errorf("MessageTime(%q) = %v, %v; encoding/json: %v, %v", arg, gotT, gotTOK, wantT, wantTOK)
	}
}

func TestChatScanMatchesEncodingJSON(t *testing.T) {
	for _, s := range chatScanSeeds {
		checkChatScan(t, []byte(s))
	}
}

func TestChatFieldsAllocations(t *testing.T) {
	arg := []byte(`{"username":"alice","msg":"hello there","meta":{},"time":1700000000000}`)
	if n := testing.AllocsPerRun(100, func() { chatFieldsOf(arg) }); n > 2 {
		t.Errorf("chatFieldsOf: %v allocations, want at most 2", n)
	}
	if n := testing.AllocsPerRun(100, func() { MessageTime(arg) }); n > 0 {
		t.Errorf("MessageTime: %v allocations, want 0", n)
	}
}

func FuzzChatScanMatches(f *testing.F) {
	for _, s := range chatScanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, arg []byte) { checkChatScan(t, arg) })
}
