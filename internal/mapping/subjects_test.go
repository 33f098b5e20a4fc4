package mapping

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/cytube/raw"
)

func TestEveryTableEventHasSubjectAndMessage(t *testing.T) {
	for _, ev := range raw.Events() {
		if _, ok := RawSubject(ev); !ok {
			t.Errorf("%s has a message but no subject", ev)
		}
	}
	for ev := range rawSubjects {
		if !slices.Contains(raw.Events(), ev) {
			t.Errorf("%s has a subject but no message", ev)
		}
	}
}

// TestSubjectsDocMatchesTable keeps docs/subjects.md in step with rawSubjects.
func TestSubjectsDocMatchesTable(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "subjects.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]string{}
	for _, line := range strings.Split(string(doc), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 4 {
			continue
		}
		sub, ev := strings.Trim(strings.TrimSpace(cells[1]), "`"), strings.Trim(strings.TrimSpace(cells[2]), "`")
		if slices.Contains(raw.Events(), ev) {
			documented[ev] = sub
		}
	}
	for ev, sub := range rawSubjects {
		if documented[ev] != sub {
			t.Errorf("docs/subjects.md: %s documented as %q, code says %q", ev, documented[ev], sub)
		}
	}
	for _, k := range Kinds() {
		row := "| `" + k.Kind + "` | `" + string(k.Message) + "` | `" + strings.Join(k.From, "`, `") + "` |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/subjects.md lacks the normalized row %s", row)
		}
	}
	for _, a := range Actions() {
		if !strings.Contains(string(doc), "| `"+a+"` |") {
			t.Errorf("docs/subjects.md lacks action %s", a)
		}
	}
}

// TestSystemChatSenders: CyTube's own chat lines are flagged SYSTEM, with
// the class flags they carry (voteskip.js:93-104, chat.js:414-434).
func TestSystemChatSenders(t *testing.T) {
	for _, tt := range []struct {
		arg    string
		system bool
	}{
		{`{"username":"[voteskip]","msg":"Voteskip passed: 2/3 skipped; eligible voters: 3 = total (3) - AFK (0) - no permission (0); ratio = 0.5","meta":{"addClass":"server-whisper","addClassToNameAndTimestamp":true},"time":1795735169023}`, true},
		{`{"username":"[server]","msg":"bob was kicked: blacklisted domain in chat message","meta":{"addClass":"server-whisper","addClassToNameAndTimestamp":true},"time":1795735169023}`, true},
		{`{"username":"bob","msg":"[server] is not me","meta":{},"time":1795735169023}`, false},
		{`{"username":"[","msg":"x","meta":{},"time":1}`, false},
	} {
		m, _, err := raw.Decode("chatMsg", json.RawMessage(tt.arg))
		if err != nil {
			t.Fatal(err)
		}
		n, _ := Normalize(m, Context{Channel: "c"})
		flags := n.Message.(*eventsv1.Message).GetFlags()
		if got := slices.Contains(flags, eventsv1.MessageFlag_MESSAGE_FLAG_SYSTEM); got != tt.system {
			t.Errorf("%s: flags %v, system = %v, want %v", tt.arg, flags, got, tt.system)
		}
		if tt.system && !slices.Contains(flags, eventsv1.MessageFlag_MESSAGE_FLAG_WHISPER) {
			t.Errorf("%s: flags %v lack WHISPER", tt.arg, flags)
		}
	}
}
