package service_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
)

// compact writes the status sequence as "CONNECTING CONNECTED ..." with
// each reason replaced by "!" (reason present) so a pattern can check it.
func compact(sts []status) string {
	var b []string
	for _, s := range sts {
		w := strings.TrimPrefix(s.State.String(), "CONNECTOR_STATE_")
		if s.Reason != "" {
			w += "!"
		}
		b = append(b, w)
	}
	return strings.Join(b, " ")
}

// TestFaultStatusSequenceRestart checks the documented status sequence
// (docs/status.md) across a CyTube restart and a clean shutdown.
func TestFaultStatusSequenceRestart(t *testing.T) {
	e := newFaultEnv(t, faultOpts{})
	e.ready(1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.cyt.Restart(ctx, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	e.ready(2)
	e.shutdown()
	e.until("STOPPED", 5*time.Second, func() bool {
		return e.countState(eventsv1.ConnectorState_CONNECTOR_STATE_STOPPED) > 0
	})
	sts := e.statuses()
	got := compact(sts)
	want := regexp.MustCompile(`^CONNECTING CONNECTED JOINED LOGGED_IN RECONNECTING! (CONNECTING RECONNECTING! )*CONNECTING CONNECTED JOINED LOGGED_IN STOPPED!$`)
	if !want.MatchString(got) {
		t.Errorf("status sequence\n got %s\nwant %s\n(%v)", got, want, sts)
	}
	if last := sts[len(sts)-1]; last.Reason != "shutdown" {
		t.Errorf("STOPPED reason %q, want shutdown", last.Reason)
	}
	for _, s := range sts {
		if s.State == eventsv1.ConnectorState_CONNECTOR_STATE_RECONNECTING && !strings.Contains(s.Reason, "transport closed") && !strings.Contains(s.Reason, "connection refused") {
			t.Errorf("RECONNECTING reason %q does not say what happened", s.Reason)
		}
	}
}

// TestFaultStatusSequenceDuplicateLogin: a terminal kick ends the sequence
// with STOPPED and CyTube's reason, without RECONNECTING.
func TestFaultStatusSequenceDuplicateLogin(t *testing.T) {
	e := newFaultEnv(t, faultOpts{})
	e.wantErr = true
	e.ready(1)
	e.cyt.Kick("bot", "Duplicate login")
	e.until("STOPPED", 5*time.Second, func() bool {
		return e.countState(eventsv1.ConnectorState_CONNECTOR_STATE_STOPPED) > 0
	})
	time.Sleep(200 * time.Millisecond)
	sts := e.statuses()
	if got := compact(sts); got != "CONNECTING CONNECTED JOINED LOGGED_IN STOPPED!" {
		t.Errorf("status sequence %s (%v)", got, sts)
	}
	if r := sts[len(sts)-1].Reason; r != "cytube: kicked: Duplicate login" {
		t.Errorf("STOPPED reason %q", r)
	}
}

// TestFaultChannelCouldNotBeLoaded: CyTube kicks a joining socket with
// "Channel could not be loaded: …" when its database fails
// (src/user.js:98-102). The connector reports each refusal as
// RECONNECTING with CyTube's words, retries with backoff, never stops,
// joins once the channel loads again, and counts the whole outage as one
// gap, published before the join burst that ends it.
func TestFaultChannelCouldNotBeLoaded(t *testing.T) {
	e := newFaultEnv(t, faultOpts{})
	e.ready(1)
	e.cyt.FailLoads(3, "ER_CON_COUNT_ERROR: Too many connections")
	e.cyt.DropAll()
	e.ready(2)
	refused := 0
	for _, s := range e.statuses() {
		if s.State == eventsv1.ConnectorState_CONNECTOR_STATE_STOPPED {
			t.Errorf("stopped: %q", s.Reason)
		}
		if s.State == eventsv1.ConnectorState_CONNECTOR_STATE_RECONNECTING && strings.Contains(s.Reason, "Channel could not be loaded: ER_CON_COUNT_ERROR") {
			refused++
		}
	}
	if refused != 3 {
		t.Errorf("%d RECONNECTING statuses with CyTube's reason, want 3: %v", refused, e.statuses())
	}
	gaps := e.on("rosey.events.gap")
	if len(gaps) != 1 {
		t.Fatalf("%d gap events, want 1", len(gaps))
	}
	g := &eventsv1.Gap{}
	if err := proto.Unmarshal(gaps[0].Data, g); err != nil {
		t.Fatal(err)
	}
	if g.GetReason() != eventsv1.GapReason_GAP_REASON_CONNECTION_LOST && g.GetReason() != eventsv1.GapReason_GAP_REASON_SERVER_DISCONNECT {
		t.Errorf("gap %v: want the drop that began it", g)
	}
}
