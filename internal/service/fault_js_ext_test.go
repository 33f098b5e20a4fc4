package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
)

// deliveredChats returns the texts of the chatMsg frames the server wrote
// to the connector's sockets (join-burst history included) that start
// with prefix: everything CyTube delivered. A chat broadcast while the
// connector was not in the channel is not among them (CyTube does not
// queue), unless a later join burst replayed it from the chat history.
func deliveredChats(srv *cytubetest.Server, prefix string) map[string]int {
	out := map[string]int{}
	for _, f := range srv.Sent() {
		if !strings.HasPrefix(f.Text, `42["chatMsg",`) {
			continue
		}
		var arr []json.RawMessage
		if json.Unmarshal([]byte(f.Text[2:]), &arr) != nil || len(arr) < 2 {
			continue
		}
		var m struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal(arr[1], &m) == nil && strings.HasPrefix(m.Msg, prefix) {
			out[m.Msg]++
		}
	}
	return out
}

// streamChats reads every message of the stream and counts the chat texts
// on the raw and normalized subjects, and every Nats-Msg-Id.
func streamChats(t *testing.T, nc *nats.Conn, stream string) (raw, norm, ids map[string]int, order []string) {
	t.Helper()
	js, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	info, err := js.StreamInfo(stream)
	if err != nil {
		t.Fatal(err)
	}
	raw, norm, ids = map[string]int{}, map[string]int{}, map[string]int{}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && seq > 0; seq++ {
		m, err := js.GetMsg(stream, seq)
		if err != nil {
			t.Fatalf("get %d: %v", seq, err)
		}
		ids[m.Header.Get("Nats-Msg-Id")]++
		switch m.Subject {
		case "rosey.platform.cytube.chat":
			v := &cytubev1.ChatMsg{}
			if err := proto.Unmarshal(m.Data, v); err != nil {
				t.Fatal(err)
			}
			raw[v.GetMsg()]++
			order = append(order, v.GetMsg())
		case "rosey.events.message":
			v := &eventsv1.Message{}
			if err := proto.Unmarshal(m.Data, v); err != nil {
				t.Fatal(err)
			}
			norm[v.GetText()]++
		}
	}
	return raw, norm, ids, order
}

// TestFaultJetStreamZeroLossZeroDuplicates streams numbered chat messages
// through the connector in JetStream mode while injecting 21 faults
// (nats-server process killed and restarted, CyTube connections dropped,
// CyTube restarted, the bot kicked), then compares what CyTube delivered
// with the stream: every delivered chat is stored exactly once, raw and
// normalized, and no Nats-Msg-Id appears twice.
func TestFaultJetStreamZeroLossZeroDuplicates(t *testing.T) {
	start := time.Now()
	e := newFaultEnv(t, faultOpts{process: true, jetstream: true})
	e.ready(1)
	seq := 0
	emit := func(n int) {
		for range n {
			seq++
			e.cyt.FakeChat("alice", fmt.Sprintf("z-%05d", seq))
			time.Sleep(5 * time.Millisecond)
		}
	}
	settle := func() {
		t.Helper()
		last := fmt.Sprintf("z-%05d", seq)
		e.until("chat "+last+" on NATS", 30*time.Second, func() bool { return e.chatSeen(last) })
	}
	logins := 1
	natsFaults, cytFaults := 0, 0
	for i := range 21 {
		emit(10)
		switch i % 3 {
		case 0: // nats-server crash while events flow
			e.proc.Kill()
			emit(20) // delivered by CyTube while NATS is down
			time.Sleep(300 * time.Millisecond)
			e.proc.Restart()
			natsFaults++
		case 1: // CyTube drops the socket or restarts
			settle()
			if i%2 == 0 {
				e.cyt.DropAll()
			} else {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				err := e.cyt.Restart(ctx, 200*time.Millisecond)
				cancel()
				if err != nil {
					t.Fatal(err)
				}
			}
			emit(5) // some land in the gap, to be replayed from history
			logins++
			e.ready(logins)
			cytFaults++
		case 2: // kick with the socket kept open
			settle()
			if !e.cyt.Kick("bot", "fault injection") {
				t.Fatal("bot not in channel")
			}
			emit(3)
			logins++
			e.ready(logins)
			cytFaults++
		}
		emit(10)
		settle()
	}
	delivered := deliveredChats(e.cyt, "z-")
	raw, norm, ids, _ := streamChats(t, e.nc, "ROSEY_CYTUBE")
	missing, dupRaw, dupNorm := 0, 0, 0
	for text := range delivered {
		switch n := raw[text]; {
		case n == 0:
			missing++
			if missing <= 5 {
				t.Errorf("delivered %q is not in the stream", text)
			}
		case n > 1:
			dupRaw++
			t.Errorf("%q stored %d times on the raw subject", text, n)
		}
		switch n := norm[text]; {
		case n == 0:
			missing++
			if missing <= 5 {
				t.Errorf("delivered %q is not in the stream (normalized)", text)
			}
		case n > 1:
			dupNorm++
			t.Errorf("%q stored %d times on the normalized subject", text, n)
		}
	}
	for text := range raw {
		if delivered[text] == 0 && strings.HasPrefix(text, "z-") {
			t.Errorf("%q is in the stream but CyTube never delivered it", text)
		}
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("Nats-Msg-Id %q stored %d times", id, n)
		}
	}
	// One gap per time CyTube's side lost the connector (a NATS outage
	// short of CyTube's ping timeout loses nothing and is no gap).
	gaps, kicked := 0, 0
	for _, en := range streamLog(t, e.nc, "ROSEY_CYTUBE") {
		if en.gap != nil {
			gaps++
			if en.gap.GetReason() == eventsv1.GapReason_GAP_REASON_KICKED {
				kicked++
			}
		}
	}
	if gaps != logins-1 || kicked != 7 {
		t.Errorf("%d gap events (%d kicks), want %d (7 kicks): one per rejoin", gaps, kicked, logins-1)
	}
	t.Logf("gap events: %d (%d kicks) for %d rejoins", gaps, kicked, logins-1)
	t.Logf("%d faults (%d nats-server kills, %d CyTube), %d chats emitted, %d delivered by CyTube, %d stored raw, %d normalized; missing %d, duplicates %d/%d; publish failures %d, replays skipped %d; %v",
		natsFaults+cytFaults, natsFaults, cytFaults, seq, len(delivered), len(raw), len(norm), missing, dupRaw, dupNorm,
		e.svc.Stats().PublishFailed.Load(), e.svc.Stats().ReplaysSkipped.Load(), time.Since(start).Round(time.Second))
}

// TestFaultJetStreamPipelinedKills kills the nats-server process while
// hundreds of JetStream publishes are in flight (bursts of chat with no
// pause, so the pipeline's window is full), five times: every chat is
// stored exactly once, raw and normalized, and in the order CyTube sent
// them.
func TestFaultJetStreamPipelinedKills(t *testing.T) {
	e := newFaultEnv(t, faultOpts{process: true, jetstream: true})
	e.ready(1)
	seq := 0
	burst := func(n int) {
		for range n {
			seq++
			e.cyt.FakeChat("alice", fmt.Sprintf("p-%05d", seq))
		}
	}
	for range 5 {
		burst(400)
		e.proc.Kill()
		burst(100)
		time.Sleep(300 * time.Millisecond)
		e.proc.Restart()
		burst(100)
	}
	last := fmt.Sprintf("p-%05d", seq)
	e.until("chat "+last+" on NATS", 60*time.Second, func() bool { return e.chatSeen(last) })
	delivered := deliveredChats(e.cyt, "p-")
	raw, norm, ids, order := streamChats(t, e.nc, "ROSEY_CYTUBE")
	missing := 0
	for text := range delivered {
		if raw[text] != 1 || norm[text] != 1 {
			missing++
			if missing <= 5 {
				t.Errorf("%q stored %d times raw, %d normalized; want once each", text, raw[text], norm[text])
			}
		}
	}
	prev := ""
	for _, text := range order {
		if !strings.HasPrefix(text, "p-") {
			continue
		}
		if text <= prev {
			t.Errorf("stream order: %q after %q", text, prev)
			break
		}
		prev = text
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("Nats-Msg-Id %q stored %d times", id, n)
		}
	}
	t.Logf("%d chats emitted, %d delivered, %d stored raw; %d not stored exactly once; publish failures %d",
		seq, len(delivered), len(raw), missing, e.svc.Stats().PublishFailed.Load())
}
