package perf_test

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/perf"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/connectortest"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
)

const (
	botPassword = "perf-bot-pw"
	rawSubject  = "rosey.platform.cytube.chat"
	normSubject = "rosey.events.message"
	statusSubj  = "rosey.platform.cytube.status"
)

// collector is the subscriber: it counts what arrives and, for normalized
// chat messages, how long after the CyTube server built the frame (the
// send time is in the message text: "perf <seq> <unix ns>").
type collector struct {
	mu        sync.Mutex
	ready     chan struct{}
	readyOnce sync.Once
	want      int // messages that end the phase
	got       int
	latencies []time.Duration
	last      time.Time
	done      chan struct{}
	sample    map[string]*nats.Msg // first message per subject, with headers
	badText   int
}

func newCollector() *collector {
	return &collector{ready: make(chan struct{}), sample: map[string]*nats.Msg{}}
}

// phase starts counting: the phase ends after want messages.
func (c *collector) phase(want int) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.want, c.got, c.latencies, c.done = want, 0, make([]time.Duration, 0, want), make(chan struct{})
	return c.done
}

func (c *collector) handle(m *nats.Msg) {
	now := time.Now()
	switch m.Subject {
	case statusSubj:
		var st eventsv1.ConnectorStatus
		if proto.Unmarshal(m.Data, &st) == nil && st.GetState() == eventsv1.ConnectorState_CONNECTOR_STATE_LOGGED_IN {
			c.readyOnce.Do(func() { close(c.ready) })
		}
		return
	case normSubject:
		var msg eventsv1.Message
		if proto.Unmarshal(m.Data, &msg) == nil {
			if d, ok := perf.Latency(msg.GetText(), now); ok {
				c.mu.Lock()
				c.latencies = append(c.latencies, d)
				c.mu.Unlock()
			} else {
				c.mu.Lock()
				c.badText++
				c.mu.Unlock()
			}
		}
	case rawSubject:
	default:
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.sample[m.Subject]; !ok {
		c.sample[m.Subject] = &nats.Msg{Subject: m.Subject, Header: m.Header, Data: slices.Clone(m.Data)}
	}
	c.got++
	c.last = now
	if c.done != nil && c.got == c.want {
		close(c.done)
	}
}

func (c *collector) result() (last time.Time, lat []time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lat = slices.Clone(c.latencies)
	slices.Sort(lat)
	return c.last, lat
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

func wait(b *testing.B, done <-chan struct{}, n int, what string) {
	b.Helper()
	select {
	case <-done:
	case <-time.After(30*time.Second + time.Duration(n)*time.Millisecond):
		b.Fatalf("%s: not all %d messages arrived in time", what, n)
	}
}

// publishLimit is the limit: the connector's two messages, n times, by
// nats.go alone (PublishMsgAsync into the stream with JetStream,
// PublishMsg otherwise), flushed.
func publishLimit(b *testing.B, nc *nats.Conn, msgs []*nats.Msg, n int, useJS bool) {
	if useJS {
		publishJetStream(b, nc, msgs, n)
	} else {
		for range n {
			for _, m := range msgs {
				if err := nc.PublishMsg(m); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	if err := nc.Flush(); err != nil {
		b.Fatal(err)
	}
}

// publishJetStream is the JetStream limit: n times the connector's two
// messages, asynchronously, each with its own Nats-Msg-Id, then waits
// until every one is acknowledged.
func publishJetStream(b *testing.B, nc *nats.Conn, msgs []*nats.Msg, n int) {
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	run := nuid.Next()
	for i := range n {
		for k, m := range msgs {
			out := &nats.Msg{Subject: m.Subject, Data: m.Data, Header: maps.Clone(m.Header)}
			out.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("%s-%d-%d", run, i, k))
			if _, err := js.PublishMsgAsync(out); err != nil {
				b.Fatal(err)
			}
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		b.Fatal("JetStream limit: acknowledgements missing after a minute")
	}
}

// BenchmarkEndToEnd runs the Go CyTube test server, a connector (core
// NATS, protobuf) and a subscriber against one nats-server process (the
// Debian binary, so the server's work is not on the Go runtime measured
// here). One op is one chatMsg: the connector publishes it raw and
// normalized, and the subscriber receives both.
//
// flood: the server emits b.N chat frames as fast as it can; events/s is
// b.N over first frame built → last message received; p50/p99 are frame →
// subscriber latencies (queueing included). Then, in the same run and to
// the same server and subscriber, raw_events/s is nats.go publishing the
// same two messages per event (bytes and headers captured from the
// connector) b.N times: the limit. ratio = events/s ÷ raw_events/s.
//
// paced5000: b.N frames at 5,000 per second; p50/p99 frame → subscriber.
func BenchmarkEndToEnd(b *testing.B) { endToEnd(b, false) }

// BenchmarkEndToEndJetStream is BenchmarkEndToEnd in the connector's
// default mode: every event stored in the JetStream stream (the server
// runs with -js), acknowledged before it counts as published. Its limit
// is nats.go's PublishMsgAsync of the same messages into the same stream
// (each with a fresh Nats-Msg-Id, as the connector's are), waited for
// with PublishAsyncComplete.
func BenchmarkEndToEndJetStream(b *testing.B) { endToEnd(b, true) }

func endToEnd(b *testing.B, useJS bool) {
	var args []string
	if useJS {
		args = append(args, "-js")
	}
	proc := bustest.RunProcess(b, "", args...)
	col := newCollector()
	var pubNC *nats.Conn
	c := connectortest.New(b, connectortest.Options{
		NATSURL: proc.URL(), NoRecorder: true,
		CyTube:   cytubetest.Options{Accounts: map[string]cytubetest.Account{"bot": {Password: botPassword, Rank: 3}}},
		Channels: []string{"perfchan"}, Password: botPassword, Version: "0.0.0", SessionBackoff: true,
		Config:      func(cfg *config.Config) { cfg.NATS.JetStream = useJS },
		StopTimeout: 20 * time.Second,
		// The collector and the raw publisher connect before the connector.
		BeforeConfig: func(*connectortest.Connector) {
			subNC, err := nats.Connect(proc.URL())
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(subNC.Close)
			sub, err := subNC.Subscribe("rosey.>", col.handle)
			if err != nil {
				b.Fatal(err)
			}
			if err := sub.SetPendingLimits(-1, -1); err != nil {
				b.Fatal(err)
			}
			if err := subNC.Flush(); err != nil {
				b.Fatal(err)
			}
			if pubNC, err = nats.Connect(proc.URL()); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(pubNC.Close)
		},
	})
	cyt, svc := c.CyTube, c.Svc
	c.Run()
	select {
	case <-col.ready:
	case <-time.After(20 * time.Second):
		b.Fatal("connector not logged in within 20s")
	}
	seq := 0

	b.Run("flood", func(b *testing.B) {
		n := b.N
		done := col.phase(2 * n)
		b.ResetTimer()
		start := time.Now()
		for range n {
			seq++
			cyt.EmitRaw(perf.ChatFrame(seq, time.Now()))
		}
		wait(b, done, 2*n, "connector")
		b.StopTimer()
		last, lat := col.result()
		connRate := float64(n) / last.Sub(start).Seconds()
		cyt.ClearLogs()

		// The limit: the same messages, published by nats.go directly.
		col.mu.Lock()
		msgs := []*nats.Msg{col.sample[rawSubject], col.sample[normSubject]}
		col.mu.Unlock()
		if msgs[0] == nil || msgs[1] == nil {
			b.Fatal("no sample of the connector's messages")
		}
		done = col.phase(2 * n)
		rawStart := time.Now()
		publishLimit(b, pubNC, msgs, n, useJS)
		wait(b, done, 2*n, "raw publish")
		rawLast, _ := col.result()
		rawRate := float64(n) / rawLast.Sub(rawStart).Seconds()

		b.ReportMetric(connRate, "events/s")
		b.ReportMetric(float64(percentile(lat, 0.50).Microseconds()), "p50_us")
		b.ReportMetric(float64(percentile(lat, 0.99).Microseconds()), "p99_us")
		b.ReportMetric(rawRate, "raw_events/s")
		b.ReportMetric(connRate/rawRate, "ratio")
		b.ReportMetric(float64(len(msgs[0].Data)+len(msgs[1].Data)), "payload_B/event")
	})

	b.Run("paced5000", func(b *testing.B) {
		const rate = 5000
		n := b.N
		done := col.phase(2 * n)
		b.ResetTimer()
		sent := perf.Paced(n, rate, func() {
			seq++
			cyt.EmitRaw(perf.ChatFrame(seq, time.Now()))
		})
		wait(b, done, 2*n, "connector (paced)")
		b.StopTimer()
		_, lat := col.result()
		cyt.ClearLogs()
		b.ReportMetric(float64(n)/sent.Seconds(), "events/s")
		b.ReportMetric(float64(percentile(lat, 0.50).Microseconds()), "p50_us")
		b.ReportMetric(float64(percentile(lat, 0.99).Microseconds()), "p99_us")
		b.ReportMetric(float64(percentile(lat, 1).Microseconds()), "max_us")
	})

	if st := svc.Stats(); st.PublishFailed.Load() != 0 || st.Invalid.Load() != 0 {
		b.Errorf("connector: %d publishes failed, %d invalid events", st.PublishFailed.Load(), st.Invalid.Load())
	}
	col.mu.Lock()
	if col.badText != 0 {
		b.Errorf("%d normalized messages without the perf stamp", col.badText)
	}
	col.mu.Unlock()
}
