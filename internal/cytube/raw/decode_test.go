package raw

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
)

type captureLine struct {
	Dir    string            `json:"dir"`
	Socket string            `json:"socket"`
	Event  string            `json:"event"`
	Args   []json.RawMessage `json:"args"`
	Frame  string            `json:"frame"`
}

// serverEvents returns every server→client event of the captures.
func serverEvents(t testing.TB) []captureLine {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "captures", "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures: %v", err)
	}
	var out []captureLine
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			var l captureLine
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if l.Dir == "in" && l.Event != "" {
				out = append(out, l)
			}
		}
		f.Close()
	}
	return out
}

func arg0(l captureLine) json.RawMessage {
	if len(l.Args) == 0 {
		return nil
	}
	return l.Args[0]
}

func TestDecodeEveryCapturedEvent(t *testing.T) {
	seen := map[string]int{}
	for _, l := range serverEvents(t) {
		m, unmodelled, err := Decode(l.Event, arg0(l))
		if err != nil {
			t.Errorf("Decode(%s, %s): %v", l.Event, arg0(l), err)
			continue
		}
		if len(unmodelled) > 0 {
			t.Errorf("Decode(%s): keys without a field: %v in %s", l.Event, unmodelled, arg0(l))
		}
		if _, err := protojson.Marshal(m); err != nil {
			t.Errorf("protojson of %s: %v", l.Event, err)
		}
		seen[l.Event]++
	}
	names := make([]string, 0, len(seen))
	for k := range seen {
		names = append(names, k)
	}
	sort.Strings(names)
	t.Logf("%d distinct events decoded: %v", len(names), names)
}

func TestDecodeFieldForField(t *testing.T) {
	m, _, err := Decode("queue", json.RawMessage(`{"item":{"media":{"id":"x","title":"T","seconds":5400.75,"duration":"01:30:00","type":"cm","meta":{"direct":{"480":[{"link":"https://a/b","contentType":"video/mp4","quality":480}]}}},"uid":7,"temp":true,"queueby":"bob"},"after":"prepend"}`))
	if err != nil {
		t.Fatal(err)
	}
	q := m.(*cytubev1.Queue)
	if !q.GetPrepend() || q.GetItem().GetUid() != 7 || q.GetItem().GetMedia().GetSeconds() != 5400.75 || !q.GetItem().GetTemp() {
		t.Errorf("queue = %v", q)
	}
	m, _, err = Decode("moveVideo", json.RawMessage(`{"from":3,"after":9}`))
	if err != nil || m.(*cytubev1.MoveVideo).GetAfterUid() != 9 {
		t.Errorf("moveVideo = %v, %v", m, err)
	}
	m, _, err = Decode("updatePoll", json.RawMessage(`{"title":"t","options":["a","b"],"counts":[2,"?"],"initiator":"x","timestamp":1}`))
	if err != nil {
		t.Fatal(err)
	}
	c := m.(*cytubev1.UpdatePoll).GetCounts()
	if len(c) != 2 || c[0].GetCount() != 2 || c[1].GetObscured() != "?" {
		t.Errorf("counts = %v", c)
	}
	m, _, err = Decode("chatMsg", json.RawMessage(`{"username":"a","msg":"hi","meta":{"addClass":"action","action":true,"future":{"x":1}},"time":1800000000123}`))
	if err != nil {
		t.Fatal(err)
	}
	cm := m.(*cytubev1.ChatMsg)
	if cm.GetTime() != 1800000000123 || cm.GetMeta().GetAddClass() != "action" || cm.GetMeta().GetExtra().GetFields()["future"] == nil {
		t.Errorf("chatMsg = %v", cm)
	}
	m, _, err = Decode("rank", json.RawMessage(`1.5`))
	if err != nil || m.(*cytubev1.Rank).GetValue() != 1.5 {
		t.Errorf("rank = %v %v", m, err)
	}
	m, _, err = Decode("setPermissions", json.RawMessage(`{"chat":0,"playlistadd":1.5}`))
	if err != nil || m.(*cytubev1.SetPermissions).GetPermissions()["playlistadd"] != 1.5 {
		t.Errorf("perms = %v %v", m, err)
	}
	for _, ev := range []string{"closePoll", "channelNotRegistered", "clearVoteskipVote"} {
		if _, _, err := Decode(ev, nil); err != nil {
			t.Errorf("%s without args: %v", ev, err)
		}
		if _, _, err := Decode(ev, json.RawMessage(`null`)); err != nil {
			t.Errorf("%s null: %v", ev, err)
		}
	}
}

func TestDecodeBadInput(t *testing.T) {
	tests := []struct {
		event, arg, path string
	}{
		{"chatMsg", `{"username":5,"msg":"x","time":1}`, "username"},
		{"chatMsg", `{"username":"a","msg":"x","time":"soon"}`, "time"},
		{"chatMsg", `[]`, ""},
		{"chatMsg", `null`, ""},
		{"chatMsg", ``, ""},
		{"chatMsg", `{"username":"a","msg":"x","time":1.5}`, "time"},
		{"addUser", `{"name":"a","rank":"high"}`, "rank"},
		{"addUser", `{"name":"a","meta":{"afk":"yes"}}`, "meta.afk"},
		{"userlist", `{"name":"a"}`, ""},
		{"userlist", `[{"name":"a"},{"name":7}]`, "[1].name"},
		{"rank", `null`, ""},
		{"rank", `"x"`, ""},
		{"setCurrent", `1e400`, ""},
		{"queue", `{"item":{"uid":"x"}}`, "item.uid"},
		{"chatMsg", `{"username":"a"`, ""},
	}
	for _, tt := range tests {
		_, _, err := Decode(tt.event, json.RawMessage(tt.arg))
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("Decode(%s, %s) = %v, want a DecodeError", tt.event, tt.arg, err)
			continue
		}
		if de.Path != tt.path {
			t.Errorf("Decode(%s, %s) path = %q, want %q (%v)", tt.event, tt.arg, de.Path, tt.path, err)
		}
	}
	if _, _, err := Decode("noSuchEvent", json.RawMessage(`{}`)); !errors.Is(err, ErrUnknownEvent) {
		t.Errorf("unknown event: %v", err)
	}
	m, _, err := Decode("chatMsg", json.RawMessage(`{"username":"a","msg":"\ud83c cut","time":1}`))
	if err != nil {
		t.Fatalf("lone surrogate: %v", err)
	}
	if _, err := protojson.Marshal(m); err != nil {
		t.Errorf("lone surrogate did not become valid UTF-8: %v", err)
	}
	m, unmodelled, err := Decode("kick", json.RawMessage(`{"reason":"x","brandNew":1}`))
	if err != nil || len(unmodelled) != 1 || unmodelled[0] != "brandNew" {
		t.Errorf("unmodelled = %v %v %v", m, unmodelled, err)
	}
}
