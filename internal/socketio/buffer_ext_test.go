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
//
// Every step waits for what the other side did, not for time to pass: the
// server counts the pongs while the test holds the reader stopped (the test
// takes no event before that count is done, or the reader could resume and
// answer the ping first), and the test ends only once the server has seen
// the pong (ending earlier closes the connection, which may drop the pong
// still on its way to the writer).
func TestBufferFullStopsReading(t *testing.T) {
	const events = 100
	sent := make(chan struct{})    // the server has sent every event, then the ping
	stalled := make(chan struct{}) // the test has seen the client's reader stop
	checked := make(chan struct{}) // the server has counted the pongs while the reader is stopped
	served := make(chan struct{})  // the server has seen the pong, or given up
	url := startFake(t, func(sc *serverConn) {
		defer close(served)
		ok := sc.handshake(testOpen)
		for i := 0; ok && i < events; i++ {
			ok = sc.send(eventFrame(i))
		}
		ok = ok && sc.send("2")
		close(sent)
		if !ok {
			return
		}
		select {
		case <-stalled:
		case <-time.After(2 * stepTimeout):
			sc.t.Error("fake server: the test did not see the client's reader stop")
			return
		}
		// The ping is behind events nobody has taken: unanswered.
		if n := sc.pongs.Load(); n != 0 {
			sc.t.Errorf("fake server: %d pongs while the client's reader is stopped", n)
		}
		close(checked)
		sc.waitPongs()
	})
	c := dial(t, testContext(t), url, socketio.Options{MaxBuffered: 8 << 10})
	select {
	case <-sent:
	case <-time.After(stepTimeout):
		t.Fatal("server did not send")
	}
	// The reader stops at MaxBuffered with the ping unread behind the
	// events; Stalls is the observable sign of it (nobody takes events
	// yet, so nothing can resume the reader meanwhile).
	deadline := time.Now().Add(stepTimeout)
	for c.Stalls() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if c.Stalls() == 0 {
		t.Fatal("reader did not stop at MaxBuffered")
	}
	close(stalled)
	select {
	case <-checked:
	case <-served:
		select {
		case <-checked:
		default:
			t.Fatal("fake server ended before counting the pongs")
		}
	case <-time.After(2 * stepTimeout):
		t.Fatal("fake server did not count the pongs")
	}
	wantEvents(t, c, events)
	// Taking the events resumed the reader: it reads the ping and the
	// writer answers it (the server's waitPongs fails the test otherwise).
	select {
	case <-served:
	case <-time.After(2 * stepTimeout):
		t.Fatal("fake server did not finish")
	}
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
