package service_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/connectortest"
)

// TestFaultNATSRestartCoreMode kills the nats-server process while chat
// flows, in core mode, and counts what is lost. A JetStream stream created
// by the test (the connector does not know about it) records every raw
// chat the server received, so loss is measured at the server, whatever
// the subscribers' own reconnects did. The bound (docs/status.md): what
// did not fit in the reconnect buffer (counted in Stats.PublishFailed),
// plus what was in the kernel's socket buffer at the instant of the crash.
func TestFaultNATSRestartCoreMode(t *testing.T) {
	for _, tc := range []struct {
		name string
		buf  int
	}{{"default 8 MiB buffer", 0}, {"2 KiB buffer", 2048}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newFaultEnv(t, faultOpts{process: true, reconnBuf: tc.buf})
			js, err := e.nc.JetStream()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := js.AddStream(&nats.StreamConfig{Name: "RECORDER", Subjects: []string{"rosey.platform.cytube.chat"}}); err != nil {
				t.Fatal(err)
			}
			e.ready(1)
			seq := 0
			emit := func(n int) {
				for range n {
					seq++
					e.cyt.FakeChat("alice", fmt.Sprintf("c-%05d", seq))
					time.Sleep(5 * time.Millisecond)
				}
			}
			emit(20)
			e.proc.Kill()
			emit(50) // delivered to the connector while NATS is down
			e.proc.Restart()
			// The connector reconnects after nats.go's ReconnectWait (2 s);
			// chat until one gets through.
			// Polled, not woken per arrival: the condition emits a chat.
			connectortest.Eventually(t, "a chat through the restarted server", 20*time.Second, func() bool {
				emit(1)
				time.Sleep(50 * time.Millisecond)
				return e.chatSeen(fmt.Sprintf("c-%05d", seq))
			})

			delivered := deliveredChats(e.cyt, "c-")
			raw, _, _, _ := streamChats(t, e.nc, "RECORDER")
			lost := 0
			for text := range delivered {
				if raw[text] == 0 {
					lost++
				}
			}
			failed := e.svc.Stats().PublishFailed.Load()
			t.Logf("buffer %d: %d chats delivered by CyTube, %d reached nats-server, %d lost; %d publishes failed (raw+normalized+status)",
				tc.buf, len(delivered), len(raw), lost, failed)
			// Each chat is two publishes (raw, normalized); a few may also have
			// been in the socket at the crash, which the client cannot know.
			const inKernelSlack = 5
			if uint64(lost) > failed+inKernelSlack {
				t.Errorf("lost %d chats but only %d publishes failed: loss is not accounted for", lost, failed)
			}
			if tc.buf == 0 && lost > inKernelSlack {
				t.Errorf("lost %d chats with an 8 MiB reconnect buffer", lost)
			}
			if tc.buf != 0 && failed == 0 {
				t.Errorf("a 2 KiB reconnect buffer overflowed nothing")
			}
		})
	}
}

// TestFaultSlowConsumer: a subscriber that cannot keep up gets nats.go's
// slow-consumer error and loses messages; the connector and the other
// subscribers are unaffected.
func TestFaultSlowConsumer(t *testing.T) {
	e := newFaultEnv(t, faultOpts{})
	e.ready(1)
	var slowErr sync.Once
	gotSlow := make(chan struct{})
	slow, err := nats.Connect(e.url, nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		if errors.Is(err, nats.ErrSlowConsumer) {
			slowErr.Do(func() { close(gotSlow) })
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	release := make(chan struct{})
	sub, err := slow.Subscribe("rosey.events.message", func(*nats.Msg) { <-release })
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.SetPendingLimits(5, 4096); err != nil {
		t.Fatal(err)
	}
	if err := slow.Flush(); err != nil {
		t.Fatal(err)
	}
	const n = 200
	for i := range n {
		e.cyt.FakeChat("alice", fmt.Sprintf("s-%03d", i))
	}
	select {
	case <-gotSlow:
	case <-time.After(10 * time.Second):
		t.Fatal("no slow-consumer error")
	}
	e.until("every chat on the healthy subscriber", 10*time.Second, func() bool { return e.counted("rosey.events.message") >= n })
	close(release)
	dropped, err := sub.Dropped()
	if err != nil {
		t.Fatal(err)
	}
	if dropped == 0 {
		t.Errorf("the slow subscriber dropped nothing")
	}
	if f := e.svc.Stats().PublishFailed.Load(); f != 0 {
		t.Errorf("%d publishes failed", f)
	}
	if n := e.countState(eventsv1.ConnectorState_CONNECTOR_STATE_RECONNECTING); n != 0 {
		t.Errorf("connector reconnected %d times", n)
	}
	e.cyt.FakeChat("alice", "still relaying")
	e.until("chat after the slow consumer", 5*time.Second, func() bool { return e.chatSeen("still relaying") })
	t.Logf("slow subscriber dropped %d of %d", dropped, n)
}
