package socketio_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/socketio"
)

// eventFrame is a chatMsg-like event of about 200 bytes, numbered.
func eventFrame(i int) string {
	return fmt.Sprintf(`42["chatMsg",{"username":"alice","msg":"message %05d %s","meta":{},"time":1700000000000}]`, i, strings.Repeat("x", 100))
}

// wantEvents reads n events with Next and checks that they are the
// numbered frames 0..n-1 in order.
func wantEvents(t *testing.T, c *socketio.Conn, n int) {
	t.Helper()
	ctx := testContext(t)
	for i := range n {
		ev, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("event %d: Next: %v", i, err)
		}
		if string(ev.Frame) != eventFrame(i) {
			t.Fatalf("event %d: frame %.60q, want %.60q", i, ev.Frame, eventFrame(i))
		}
	}
}

// TestSlowConsumerKeepsAnsweringPings: while nobody calls Next, the
// server sends far more events than any fixed buffer held before (2,000)
// with pings in between, and every ping is answered; then every event
// arrives, in order.
func TestSlowConsumerKeepsAnsweringPings(t *testing.T) {
	const events = 2000
	sent := make(chan struct{})
	url := startFake(t, func(sc *serverConn) {
		defer close(sent)
		if !sc.handshake(testOpen) {
			return
		}
		for i := range events {
			if !sc.send(eventFrame(i)) {
				return
			}
			if i%100 == 99 && !sc.send("2") {
				return
			}
		}
		if !sc.waitPongs() {
			return
		}
		if sc.pongs.Load() != events/100 {
			sc.t.Errorf("fake server: %d pongs, want %d", sc.pongs.Load(), events/100)
		}
	})
	c := dial(t, testContext(t), url, socketio.Options{})
	select {
	case <-sent:
	case <-time.After(2 * stepTimeout):
		t.Fatal("server did not finish sending and seeing pongs")
	}
	wantEvents(t, c, events)
	if n := c.Stalls(); n != 0 {
		t.Errorf("Stalls = %d, want 0", n)
	}
}

// TestBufferFullStopsReading: beyond Options.MaxBuffered the reader stops,
// so a ping is not answered while nobody takes events; taking them resumes
// reading, the pong goes out, and nothing was lost or reordered.
func TestBufferFullStopsReading(t *testing.T) {
	const events = 100
	sent := make(chan struct{})
	stalled := make(chan struct{})
	url := startFake(t, func(sc *serverConn) {
		if !sc.handshake(testOpen) {
			close(sent)
			return
		}
		for i := range events {
			if !sc.send(eventFrame(i)) {
				close(sent)
				return
			}
		}
		ok := sc.send("2")
		close(sent)
		if !ok {
			return
		}
		select {
		case <-stalled:
		case <-time.After(2 * stepTimeout):
			sc.t.Error("fake server: the client's reader did not stop")
			return
		}
		// The ping is behind events nobody has taken: unanswered.
		if n := sc.pongs.Load(); n != 0 {
			sc.t.Errorf("fake server: %d pongs while the client's reader is stopped", n)
		}
		sc.waitPongs()
	})
	c := dial(t, testContext(t), url, socketio.Options{MaxBuffered: 8 << 10})
	select {
	case <-sent:
	case <-time.After(stepTimeout):
		t.Fatal("server did not send")
	}
	// The reader is stopped with the ping unread behind the events.
	deadline := time.Now().Add(stepTimeout)
	for c.Stalls() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if c.Stalls() == 0 {
		t.Fatal("reader did not stop at MaxBuffered")
	}
	close(stalled)
	wantEvents(t, c, events)
	select {
	case <-c.Done():
		t.Fatalf("connection ended: %v", c.Err())
	default:
	}
}

// TestTryNextAndArrived: TryNext reports no event without waiting,
// Arrived signals a queued event, and after the end TryNext returns the
// *CloseError once the queue is empty.
func TestTryNextAndArrived(t *testing.T) {
	release := make(chan struct{})
	url := startFake(t, func(sc *serverConn) {
		if !sc.handshake(testOpen) {
			return
		}
		select {
		case <-release:
		case <-time.After(stepTimeout):
			sc.t.Error("fake server: test did not release")
			return
		}
		if sc.send(eventFrame(0)) && sc.send(`41`) {
			sc.waitClosed()
		}
	})
	c := dial(t, testContext(t), url, socketio.Options{})
	if _, ok, err := c.TryNext(); ok || err != nil {
		t.Fatalf("TryNext before any event: ok=%v err=%v", ok, err)
	}
	close(release)
	got := 0
	timeout := time.After(stepTimeout)
	for {
		select {
		case <-c.Arrived():
		case <-timeout:
			t.Fatal("no end within the step timeout")
		}
		for {
			ev, ok, err := c.TryNext()
			if ok {
				if string(ev.Frame) != eventFrame(0) {
					t.Fatalf("frame %q", ev.Frame)
				}
				got++
				continue
			}
			if err != nil {
				if got != 1 {
					t.Fatalf("%d events before the end, want 1", got)
				}
				wantCloseError(t, err, socketio.ReasonServerDisconnect, 0)
				return
			}
			break
		}
	}
}
