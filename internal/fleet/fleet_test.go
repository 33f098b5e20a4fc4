package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/roseybot/cytube-connector/internal/bus/bustest"
	"github.com/roseybot/cytube-connector/internal/fleet"
)

var fiveChannels = []string{"alpha", "bravo", "charlie", "delta", "echo"}

// tracker is the channels' side: it records who runs which channel and
// flags any moment where two managers ran the same channel.
type tracker struct {
	t  *testing.T
	mu sync.Mutex
	// active maps a channel to the manager running it.
	active     map[string]string
	violations []string
	stopped    map[string]time.Time
}

func newTracker(t *testing.T) *tracker {
	tr := &tracker{t: t, active: map[string]string{}, stopped: map[string]time.Time{}}
	t.Cleanup(func() {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		for _, v := range tr.violations {
			t.Errorf("two runners at once: %s", v)
		}
	})
	return tr
}

func (tr *tracker) run(id string) fleet.RunFunc {
	return func(ctx context.Context, ch string) error {
		tr.mu.Lock()
		if other, ok := tr.active[ch]; ok {
			tr.violations = append(tr.violations, fmt.Sprintf("%s started by %s while %s runs it", ch, id, other))
		}
		tr.active[ch] = id
		tr.mu.Unlock()
		<-ctx.Done()
		tr.mu.Lock()
		if tr.active[ch] == id {
			delete(tr.active, ch)
		}
		tr.stopped[ch+"/"+id] = time.Now()
		tr.mu.Unlock()
		return nil
	}
}

// owners returns channel → manager id for the running channels.
func (tr *tracker) owners() map[string]string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	out := map[string]string{}
	for k, v := range tr.active {
		out[k] = v
	}
	return out
}

// member is one Manager with its own NATS connection.
type member struct {
	id     string
	nc     *nats.Conn
	m      *fleet.Manager
	cancel context.CancelFunc
	done   chan error
}

func startMember(t *testing.T, srv *server.Server, tr *tracker, id string, ttl time.Duration, channels []string) *member {
	t.Helper()
	nc := bustest.Connect(t, srv)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	m, err := fleet.New(js, fleet.Config{Bucket: "LEASES", TTL: ttl, InstanceID: id, Channels: channels})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	mb := &member{id: id, nc: nc, m: m, cancel: cancel, done: make(chan error, 1)}
	go func() { mb.done <- m.Run(ctx, tr.run(id)) }()
	t.Cleanup(mb.stop)
	return mb
}

// stop cancels the manager and waits for Run to return.
func (mb *member) stop() {
	mb.cancel()
	select {
	case err := <-mb.done:
		if err != nil {
			panic(fmt.Sprintf("Run of %s: %v", mb.id, err))
		}
		mb.done <- nil // a later stop returns at once
	case <-time.After(15 * time.Second):
		panic("Run of " + mb.id + " did not return")
	}
}

func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

func allOwnedBy(tr *tracker, ids ...string) func() bool {
	return func() bool {
		o := tr.owners()
		if len(o) != len(fiveChannels) {
			return false
		}
		for _, id := range o {
			if !slices.Contains(ids, id) {
				return false
			}
		}
		return true
	}
}

func leases(t *testing.T, srv *server.Server) map[string]fleet.Lease {
	t.Helper()
	nc := bustest.Connect(t, srv)
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	kv, err := js.KeyValue(ctx, "LEASES")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]fleet.Lease{}
	for _, ch := range fiveChannels {
		e, err := kv.Get(ctx, fleet.Key(ch))
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		l, err := fleet.ParseLease(e.Value())
		if err != nil {
			t.Fatal(err)
		}
		out[ch] = l
	}
	return out
}

func TestTwoManagersOwnEachChannelExactlyOnce(t *testing.T) {
	srv := bustest.RunServer(t)
	tr := newTracker(t)
	a := startMember(t, srv, tr, "a", 2*time.Second, fiveChannels)
	b := startMember(t, srv, tr, "b", 2*time.Second, fiveChannels)
	waitUntil(t, 10*time.Second, "every channel runs", allOwnedBy(tr, "a", "b"))
	// Several renewal rounds later, ownership is stable and matches the bucket.
	time.Sleep(2 * time.Second)
	owners := tr.owners()
	ls := leases(t, srv)
	for _, ch := range fiveChannels {
		if ls[ch].Owner != owners[ch] || ls[ch].Channel != ch || !ls[ch].Expires.After(ls[ch].Renewed) {
			t.Errorf("%s: lease %+v, run by %q", ch, ls[ch], owners[ch])
		}
	}
	union := append(a.m.Running(), b.m.Running()...)
	slices.Sort(union)
	if !slices.Equal(union, fiveChannels) {
		t.Errorf("Running() a=%v b=%v, want each channel exactly once", a.m.Running(), b.m.Running())
	}
}

func TestCrashedManagersChannelsMoveWithinTTL(t *testing.T) {
	const ttl = 2 * time.Second
	srv := bustest.RunServer(t)
	tr := newTracker(t)
	a := startMember(t, srv, tr, "a", ttl, fiveChannels)
	waitUntil(t, 10*time.Second, "a runs every channel", allOwnedBy(tr, "a"))
	b := startMember(t, srv, tr, "b", ttl, fiveChannels)
	time.Sleep(ttl / 2) // b polls and finds every lease taken
	if len(b.m.Running()) != 0 {
		t.Fatalf("b runs %v while a holds every lease", b.m.Running())
	}

	// a dies without releasing: its connection is gone, then its
	// channels stop (the process is gone).
	a.nc.Close()
	died := time.Now()
	a.stop()
	// Leases expire TTL after a's last renewal; b polls every TTL/3.
	waitUntil(t, ttl+ttl/3+3*time.Second, "b takes over every channel", allOwnedBy(tr, "b"))
	if took := time.Since(died); took < ttl/3 {
		t.Errorf("b took over after %v, before a's leases could expire", took)
	}
	for _, l := range leases(t, srv) {
		if l.Owner != "b" {
			t.Errorf("lease %+v", l)
		}
	}
}

func TestCleanReleaseHandsOverAtOnce(t *testing.T) {
	// A long TTL: a takeover within seconds can only come from the release.
	const ttl = 30 * time.Second
	srv := bustest.RunServer(t)
	tr := newTracker(t)
	a := startMember(t, srv, tr, "a", ttl, fiveChannels)
	waitUntil(t, 10*time.Second, "a runs every channel", allOwnedBy(tr, "a"))
	startMember(t, srv, tr, "b", ttl, fiveChannels)
	time.Sleep(500 * time.Millisecond)
	a.stop()
	waitUntil(t, 5*time.Second, "b takes over after a released", allOwnedBy(tr, "b"))
}

func TestLostLeaseStopsTheChannel(t *testing.T) {
	const ttl = 3 * time.Second
	srv := bustest.RunServer(t)
	tr := newTracker(t)
	startMember(t, srv, tr, "a", ttl, fiveChannels)
	waitUntil(t, 10*time.Second, "a runs every channel", allOwnedBy(tr, "a"))

	nc := bustest.Connect(t, srv)
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kv, err := js.KeyValue(ctx, "LEASES")
	if err != nil {
		t.Fatal(err)
	}
	// Someone else's value in the key: a must stop bravo, well before its
	// own lease would have run out.
	if _, err := kv.Put(ctx, fleet.Key("bravo"), []byte(`{"owner":"intruder"}`)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, ttl/2, "a stops bravo", func() bool { _, ok := tr.owners()["bravo"]; return !ok })
	// Deleting the key (an operator's hand) also stops the holder; then
	// the channel is free and a takes it again.
	stoppedBefore := len(tr.stopsOf("delta"))
	if err := kv.Delete(ctx, fleet.Key("delta")); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, ttl, "a restarts delta after the delete", func() bool {
		return len(tr.stopsOf("delta")) > stoppedBefore && tr.owners()["delta"] == "a"
	})
	// bravo's foreign value expires after the TTL; then a runs it again.
	waitUntil(t, 2*ttl, "a runs bravo again once the foreign value expired", func() bool { return tr.owners()["bravo"] == "a" })
}

func (tr *tracker) stopsOf(ch string) []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var out []string
	for k := range tr.stopped {
		if strings.HasPrefix(k, ch+"/") {
			out = append(out, k)
		}
	}
	return out
}

func TestUnreachableNATSStopsChannelsBeforeLeasesExpire(t *testing.T) {
	const ttl = 2 * time.Second
	srv := bustest.RunServer(t)
	tr := newTracker(t)
	startMember(t, srv, tr, "a", ttl, fiveChannels)
	waitUntil(t, 10*time.Second, "a runs every channel", allOwnedBy(tr, "a"))
	// The server goes away; a's leases would expire at most TTL after its
	// last renewal, so a must stop every channel before that.
	srv.Shutdown()
	took := waitUntil(t, ttl, "a stops every channel", func() bool { return len(tr.owners()) == 0 })
	t.Logf("stopped all channels %v after NATS went down (TTL %v)", took, ttl)
}

func TestConfigAndBucketErrors(t *testing.T) {
	srv := bustest.RunServer(t)
	nc := bustest.Connect(t, srv)
	js, _ := jetstream.New(nc)
	for name, cfg := range map[string]fleet.Config{
		"no channels": {},
		"short ttl":   {TTL: time.Millisecond, Channels: []string{"a"}},
		"duplicate":   {Channels: []string{"a", "a"}},
	} {
		if _, err := fleet.New(js, cfg); !errors.Is(err, fleet.ErrInvalidConfig) {
			t.Errorf("%s: New = %v, want ErrInvalidConfig", name, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "NO_TTL"}); err != nil {
		t.Fatal(err)
	}
	m, err := fleet.New(js, fleet.Config{Bucket: "NO_TTL", Channels: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Run(ctx, func(context.Context, string) error { return nil }); !errors.Is(err, fleet.ErrInvalidConfig) {
		t.Errorf("Run on a bucket without TTL = %v, want ErrInvalidConfig", err)
	}
	// An existing bucket's TTL wins over the configured one.
	if _, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "TTL5", TTL: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	m, err = fleet.New(js, fleet.Config{Bucket: "TTL5", TTL: time.Second, Channels: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithCancel(ctx)
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- m.Run(rctx, func(ctx context.Context, _ string) error { close(started); <-ctx.Done(); return nil })
	}()
	<-started
	if m.TTL() != 5*time.Second {
		t.Errorf("TTL() = %v, want the bucket's 5s", m.TTL())
	}
	rcancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}

func TestRunFuncReturningKeepsTheLease(t *testing.T) {
	srv := bustest.RunServer(t)
	var mu sync.Mutex
	calls := map[string]int{}
	runs := func(id string) fleet.RunFunc {
		return func(context.Context, string) error {
			mu.Lock()
			calls[id]++
			mu.Unlock()
			return errors.New("login refused")
		}
	}
	members := map[string]*fleet.Manager{}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, id := range []string{"a", "b"} {
		nc := bustest.Connect(t, srv)
		js, _ := jetstream.New(nc)
		m, err := fleet.New(js, fleet.Config{Bucket: "LEASES", TTL: time.Second, InstanceID: id, Channels: []string{"solo"}})
		if err != nil {
			t.Fatal(err)
		}
		members[id] = m
		wg.Add(1)
		go func() { defer wg.Done(); _ = m.Run(ctx, runs(id)) }()
	}
	time.Sleep(3 * time.Second) // three TTLs
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if calls["a"]+calls["b"] != 1 {
		t.Errorf("RunFunc calls = %v, want exactly one in total (the holder keeps the lease)", calls)
	}
}

func TestKey(t *testing.T) {
	if got := fleet.Key("Lounge_2-x"); got != "lease.Lounge_2-x" {
		t.Errorf("Key = %q", got)
	}
	got := fleet.Key("a.b c")
	if !strings.HasPrefix(got, "lease.sha256-") || strings.ContainsAny(got[len("lease."):], ". ") {
		t.Errorf("Key of an odd name = %q", got)
	}
	if a, b := fleet.DefaultInstanceID(), fleet.DefaultInstanceID(); a == b {
		t.Errorf("DefaultInstanceID is not random")
	}
}
