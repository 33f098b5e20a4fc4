package service_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/connectortest"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
)

// streamEntry is one message of the stream, in its order.
type streamEntry struct {
	subject string
	msgID   string
	chat    string // raw chat text
	gap     *eventsv1.Gap
}

// streamLog reads the whole stream in order.
func streamLog(t *testing.T, nc *nats.Conn, stream string) []streamEntry {
	t.Helper()
	js, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	info, err := js.StreamInfo(stream)
	if err != nil {
		t.Fatal(err)
	}
	var out []streamEntry
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && seq > 0; seq++ {
		m, err := js.GetMsg(stream, seq)
		if err != nil {
			t.Fatalf("get %d: %v", seq, err)
		}
		e := streamEntry{subject: m.Subject, msgID: m.Header.Get("Nats-Msg-Id")}
		switch m.Subject {
		case "rosey.platform.cytube.chat":
			v := &cytubev1.ChatMsg{}
			if err := proto.Unmarshal(m.Data, v); err != nil {
				t.Fatal(err)
			}
			e.chat = v.GetMsg()
		case "rosey.events.gap":
			v := &eventsv1.Gap{}
			if err := proto.Unmarshal(m.Data, v); err != nil {
				t.Fatal(err)
			}
			e.gap = v
		}
		out = append(out, e)
	}
	return out
}

// gapMatrix checks a stream against what CyTube delivered: every chat
// line with prefix delivered is stored once, no Nats-Msg-Id twice, and the
// gap events are wantGaps, in order. It logs the counts.
func gapMatrix(t *testing.T, log []streamEntry, delivered map[string]int, prefix string, wantGaps []eventsv1.GapReason) []int {
	t.Helper()
	chats, ids := map[string]int{}, map[string]int{}
	var gapAt []int
	var reasons []eventsv1.GapReason
	for i, e := range log {
		ids[e.msgID]++
		if strings.HasPrefix(e.chat, prefix) {
			chats[e.chat]++
		}
		if e.gap != nil {
			gapAt = append(gapAt, i)
			reasons = append(reasons, e.gap.GetReason())
			if !e.gap.GetEnd().AsTime().After(e.gap.GetStart().AsTime()) || !e.gap.GetReplayMayCover() {
				t.Errorf("gap %v", e.gap)
			}
		}
	}
	missing, dups := 0, 0
	for text := range delivered {
		switch chats[text] {
		case 0:
			missing++
			t.Errorf("delivered %q is not in the stream", text)
		case 1:
		default:
			dups++
			t.Errorf("%q stored %d times", text, chats[text])
		}
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("Nats-Msg-Id %s stored %d times", id, n)
		}
	}
	if fmt.Sprint(reasons) != fmt.Sprint(wantGaps) {
		t.Errorf("gap events %v, want %v", reasons, wantGaps)
	}
	t.Logf("delivered %d, stored %d, missing %d, duplicated %d, gaps %d (%v)", len(delivered), len(chats), missing, dups, len(reasons), reasons)
	return gapAt
}

// TestGapAndHistoryAcrossConnectorRestart stops the connector cleanly,
// lets chat happen while none runs, and starts a new one against the same
// NATS and CyTube, with a JetStream duplicate window far shorter than the
// pause: the chat CyTube replays on the new join is published only where
// the first connector had not published it (the checkpoint, not the
// window, prevents duplicates), one CONNECTOR_RESTART gap is published
// before the replayed lines from inside it, and nothing is missing.
func TestGapAndHistoryAcrossConnectorRestart(t *testing.T) {
	window := func(cfg *config.Config) {
		cfg.NATS.JetStream = true
		cfg.NATS.DuplicateWindow = 100 * time.Millisecond
	}
	a := connectortest.Start(t, connectortest.Options{
		CyTube:   cytubetest.Options{Accounts: map[string]cytubetest.Account{"bot": {Password: botPassword, Rank: 3}}},
		Password: botPassword, Config: window, WaitReady: true,
	})
	cyt := a.CyTube
	for i := range 5 {
		cyt.FakeChat("alice", fmt.Sprintf("r-%d", i))
	}
	a.Until("r-4 stored", func() bool { return chatCount(a, "r-4") == 1 })
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	// While no connector runs: CyTube keeps its last 15 lines.
	for i := 5; i < 8; i++ {
		cyt.FakeChat("alice", fmt.Sprintf("r-%d", i))
	}
	time.Sleep(300 * time.Millisecond) // past the duplicate window
	b := connectortest.Start(t, connectortest.Options{
		NATSURL: a.URL, Host: cyt.Addr(), Channels: []string{"testchan"},
		Password: botPassword, Config: window, WaitReady: true,
	})
	cyt.FakeChat("alice", "r-8")
	b.Until("r-8 stored", func() bool { return chatCount(b, "r-8") == 1 })
	if err := b.Stop(); err != nil {
		t.Fatal(err)
	}
	log := streamLog(t, b.NC, "ROSEY_CYTUBE")
	gapAt := gapMatrix(t, log, deliveredChats(cyt, "r-"), "r-", []eventsv1.GapReason{eventsv1.GapReason_GAP_REASON_CONNECTOR_RESTART})
	if len(gapAt) == 1 {
		for i, e := range log {
			if (e.chat == "r-4" && i > gapAt[0]) || (e.chat == "r-5" && i < gapAt[0]) {
				t.Errorf("%s at %d, the gap at %d: the gap must come between the lines before and after it", e.chat, i, gapAt[0])
			}
		}
	}
}

func chatCount(c *connectortest.Connector, text string) int {
	n := 0
	for _, m := range c.On("rosey.platform.cytube.chat") {
		v := &cytubev1.ChatMsg{}
		if proto.Unmarshal(m.Data, v) == nil && v.GetMsg() == text {
			n++
		}
	}
	return n
}
