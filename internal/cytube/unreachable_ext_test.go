package cytube_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/cytube"
)

// syncBuffer is a log destination the test reads while the session writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestUnreachableHost: a host nobody listens on is retried with a reason
// that says what to check, at WARN once it has failed three times in a
// row, and its failed dials do not spend CyTube's connection allowance
// (5, then one per 10 s), which they never reached: the reason never turns
// into the connection rate limit.
func TestUnreachableHost(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: every dial is refused

	var logs syncBuffer
	var mu sync.Mutex
	var states []cytube.StateChange
	sess, err := cytube.New(cytube.Config{
		Host: addr, Channel: "testchan", SocketURL: "http://" + addr,
		BackoffMin: time.Millisecond, BackoffMax: 2 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		OnState: func(sc cytube.StateChange) {
			mu.Lock()
			states = append(states, sc)
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sess.Run(ctx) }()
	backoffs := func() []cytube.StateChange {
		mu.Lock()
		defer mu.Unlock()
		var out []cytube.StateChange
		for _, sc := range states {
			if sc.To == cytube.StateBackoff {
				out = append(out, sc)
			}
		}
		return out
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(backoffs()) < 8 {
		if time.Now().After(deadline) {
			t.Fatalf("%d retries within 10 s, want 8 (rate-limited by dials that never reached CyTube?)\n%s", len(backoffs()), logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	for i, sc := range backoffs()[:8] {
		if strings.Contains(sc.Reason, "rate limit") {
			t.Errorf("retry %d: reason %q: a refused dial spent the connection allowance", i+1, sc.Reason)
		}
		if !strings.Contains(sc.Reason, "CyTube not reachable: check the host name") {
			t.Errorf("retry %d: reason %q has no hint", i+1, sc.Reason)
		}
	}
	out := logs.String()
	if !strings.Contains(out, "level=WARN msg=\"cytube state\"") || !strings.Contains(out, "attempt=3") {
		t.Errorf("no WARN from the third failed attempt on:\n%s", out)
	}
	for l := range strings.SplitSeq(out, "\n") {
		if strings.Contains(l, "attempt=1 ") && strings.Contains(l, "to=backoff") && strings.Contains(l, "level=WARN") {
			t.Errorf("the first failure is logged at WARN: %s", l)
		}
	}
}
