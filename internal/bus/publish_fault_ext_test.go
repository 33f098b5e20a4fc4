package bus_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
)

// TestPublishSurvivesServerCrash kills a real nats-server process while
// JetStream publishes are in flight and keeps it down for longer than the
// bounded retries last. A publisher with RetryUntilDone stores its event
// once the server is back (same Nats-Msg-Id on every attempt, so a
// republish is recognised as a duplicate); a bounded one gives up with a
// *PublishError, which is why the connector uses RetryUntilDone.
func TestPublishSurvivesServerCrash(t *testing.T) {
	p := bustest.RunProcess(t, "", "-js")
	nc, err := nats.Connect(p.URL(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond), nats.ReconnectJitter(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := bus.EnsureStream(ctx, js, bus.StreamConfig{Name: "FAULT", Subjects: []string{"fault.>"}}); err != nil {
		t.Fatal(err)
	}
	var retries atomic.Int32
	onPub := func(_, result string, _ time.Duration) {
		if result == bus.ResultRetry {
			retries.Add(1)
		}
	}
	persistent, err := bus.NewPublisher(nc, bus.PublisherOptions{JetStream: true, PublishTimeout: 200 * time.Millisecond, RetryUntilDone: true, OnPublish: onPub})
	if err != nil {
		t.Fatal(err)
	}
	bounded, err := bus.NewPublisher(nc, bus.PublisherOptions{JetStream: true, PublishTimeout: 200 * time.Millisecond, Retries: 2})
	if err != nil {
		t.Fatal(err)
	}
	env := func(id string) bus.Envelope {
		return bus.Envelope{ID: id, Source: "/fault", Type: "fault.v1", Subject: "fault." + id, Data: wrapperspb.String(id)}
	}

	p.Kill()
	var wg sync.WaitGroup
	var persistentErr, boundedErr error
	wg.Add(2)
	go func() { defer wg.Done(); persistentErr = persistent.Publish(ctx, env("kept")) }()
	go func() { defer wg.Done(); boundedErr = bounded.Publish(ctx, env("dropped")) }()
	time.Sleep(3 * time.Second) // longer than the bounded publisher's ~1 s of retries
	p.Restart()
	wg.Wait()

	if persistentErr != nil {
		t.Fatalf("RetryUntilDone publish: %v", persistentErr)
	}
	var pe *bus.PublishError
	if !errors.As(boundedErr, &pe) || pe.Attempts != 3 {
		t.Errorf("bounded publish = %v, want a *PublishError after 3 attempts", boundedErr)
	}
	if retries.Load() == 0 {
		t.Errorf("no retry reported")
	}
	// The same event again is a duplicate, not a second message.
	var dup atomic.Bool
	again, err := bus.NewPublisher(nc, bus.PublisherOptions{JetStream: true, OnPublish: func(_, r string, _ time.Duration) { dup.Store(r == bus.ResultDuplicate) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Publish(ctx, env("kept")); err != nil || !dup.Load() {
		t.Errorf("republish: err %v, duplicate %v", err, dup.Load())
	}
	st, err := js.Stream(ctx, "FAULT")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter("fault.>"))
	if err != nil {
		t.Fatal(err)
	}
	if n := info.State.Subjects["fault.kept"]; n != 1 {
		t.Errorf("stream holds the kept event %d times, want once", n)
	}
	// The bounded publisher's last attempt sat in the reconnect buffer and
	// may have been stored after all: a *PublishError means "not known to
	// be stored", not "not stored".
	t.Logf("dropped event stored %d time(s) despite its error", info.State.Subjects["fault.dropped"])
	t.Logf("%d retried attempts before the server came back", retries.Load())
}
