package metrics

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Namespace prefixes every metric name of the connector.
const Namespace = "cytube_connector"

const (
	// LabelUnknown stands for a value outside the bounded set a label
	// accepts (an event or action name nobody modelled).
	LabelUnknown = "unknown"
	// ResultRetry is the publish result of an attempt that will be
	// repeated; Published does not observe it in the latency histogram.
	ResultRetry = "retry"
)

// Config describes what a scrape reads from the caller.
type Config struct {
	// Version is exported as the version label of cytube_connector_build_info.
	Version string
	// States lists every connection state name. The state gauge has one
	// series per channel and state: 1 for the current one, 0 for the rest,
	// so a query never meets a missing series.
	States []string
	// Snapshot (required) returns the current gauges and counters that the
	// caller keeps itself. It is called once per scrape and must be fast.
	Snapshot func() Snapshot
	// Ready returns why the process is not ready, one line per problem,
	// or nothing when it is. It is called per scrape and per /readyz probe.
	// Nil means always ready.
	Ready func() []string
}

// Snapshot is the state of the connector at one scrape.
type Snapshot struct {
	// NATSConnected reports whether the NATS connection is up.
	NATSConnected bool
	// Channels is one entry per configured channel.
	Channels []Channel
	// Counters are totals the caller counts itself.
	Counters Counters
}

// Channel is one channel's state at one scrape.
type Channel struct {
	// Name is the channel name (the channel label).
	Name string
	// State is the current connection state, one of Config.States.
	State string
	// Queue is how many commands wait in each pacing lane (the lane label).
	Queue map[string]int
}

// Counters are monotonically increasing totals kept by the caller.
type Counters struct {
	// Unknown counts events CyTube sent that have no schema.
	Unknown uint64
	// Invalid counts events that did not fit their schema.
	Invalid uint64
	// Unmodelled counts payload keys the schema has no field for.
	Unmodelled uint64
	// ReplaysSkipped counts chat history replays not published again.
	ReplaysSkipped uint64
	// BadFrames counts websocket frames that did not parse.
	BadFrames uint64
	// Oversize counts events too large for the NATS server's max payload,
	// replaced by a notice on the invalid subject.
	Oversize uint64
}

// Metrics holds the connector's collectors in a private registry.
type Metrics struct {
	reg        *prometheus.Registry
	ready      func() []string
	events     *prometheus.CounterVec
	published  *prometheus.CounterVec
	publishDur prometheus.Histogram
	commands   *prometheus.CounterVec
	reconnects *prometheus.CounterVec
}

// New builds the collectors and registers them, with the Go runtime and
// process collectors, in a fresh registry.
func New(cfg Config) (*Metrics, error) {
	if cfg.Snapshot == nil {
		return nil, errors.New("metrics: Config.Snapshot is required")
	}
	ready := cfg.Ready
	if ready == nil {
		ready = func() []string { return nil }
	}
	m := &Metrics{
		reg:   prometheus.NewRegistry(),
		ready: ready,
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "events_received_total",
			Help: "CyTube events received, by channel and event name (\"unknown\" for events without a schema); replays included.",
		}, []string{"channel", "event"}),
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "published_total",
			Help: "Publishes to NATS by subject pattern (channel token replaced by *) and result: ok, duplicate (JetStream already had it), retry (one attempt failed, will be repeated), error (given up).",
		}, []string{"subject", "result"}),
		publishDur: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "publish_duration_seconds",
			Help:    "Time from the start of a publish to its final result (JetStream acknowledgement and retries included).",
			Buckets: prometheus.ExponentialBucketsRange(0.0001, 10, 11),
		}),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "commands_total",
			Help: "Commands answered, by channel, action and result code (OK or the CommandResult error code).",
		}, []string{"channel", "action", "code"}),
		reconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "reconnects_total",
			Help: "Times a channel lost (or could not get) its CyTube connection and waits to retry, by reason class.",
		}, []string{"channel", "reason"}),
	}
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Name: "build_info",
		Help:        "Always 1; the version label is the connector's version.",
		ConstLabels: prometheus.Labels{"version": cfg.Version},
	})
	buildInfo.Set(1)
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.events, m.published, m.publishDur, m.commands, m.reconnects, buildInfo,
		newSnapshotCollector(cfg.States, cfg.Snapshot, ready),
	} {
		if err := m.reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Registry returns the private registry, for gathering in tests or
// adding collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// EventIn counts one CyTube event. event must come from a bounded set
// (use LabelUnknown for anything else).
func (m *Metrics) EventIn(channel, event string) {
	m.events.WithLabelValues(channel, event).Inc()
}

// Published counts one publish result; final results (everything but
// ResultRetry) also observe d in the latency histogram. subject must be a
// pattern from a bounded set, not a subject with user-controlled tokens.
func (m *Metrics) Published(subject, result string, d time.Duration) {
	m.published.WithLabelValues(subject, result).Inc()
	if result != ResultRetry {
		m.publishDur.Observe(d.Seconds())
	}
}

// Command counts one answered command. action and code must come from
// bounded sets (use LabelUnknown for an action nobody modelled).
func (m *Metrics) Command(channel, action, code string) {
	m.commands.WithLabelValues(channel, action, code).Inc()
}

// Reconnect counts one lost or failed connection of channel, by reason
// class (a short fixed word such as transport or kicked).
func (m *Metrics) Reconnect(channel, reason string) {
	m.reconnects.WithLabelValues(channel, reason).Inc()
}

// snapshotCollector turns the caller's Snapshot into const metrics at
// scrape time.
type snapshotCollector struct {
	states   []string
	snapshot func() Snapshot
	ready    func() []string

	nats, readyDesc, state, queue *prometheus.Desc
	unknown, invalid, unmodelled  *prometheus.Desc
	replays, badFrames, oversize  *prometheus.Desc
}

func newSnapshotCollector(states []string, snapshot func() Snapshot, ready func() []string) *snapshotCollector {
	name := func(n string) string { return prometheus.BuildFQName(Namespace, "", n) }
	return &snapshotCollector{
		states: states, snapshot: snapshot, ready: ready,
		nats:       prometheus.NewDesc(name("nats_connected"), "1 while the NATS connection is up, else 0.", nil, nil),
		readyDesc:  prometheus.NewDesc(name("ready"), "1 when /readyz answers 200 (NATS connected, every channel joined and logged in), else 0.", nil, nil),
		state:      prometheus.NewDesc(name("connection_state"), "1 for the channel's current CyTube connection state, 0 for the other states.", []string{"channel", "state"}, nil),
		queue:      prometheus.NewDesc(name("send_queue_depth"), "Commands waiting to be paced and sent, by channel and lane (chat, queue, other).", []string{"channel", "lane"}, nil),
		unknown:    prometheus.NewDesc(name("events_unknown_total"), "CyTube events without a schema, published as JSON on the unknown subject.", nil, nil),
		invalid:    prometheus.NewDesc(name("events_invalid_total"), "CyTube events that did not fit their schema, published as JSON on the invalid subject.", nil, nil),
		unmodelled: prometheus.NewDesc(name("unmodelled_keys_total"), "Payload keys CyTube sent that the schema has no field for (left out of the raw message).", nil, nil),
		replays:    prometheus.NewDesc(name("replays_skipped_total"), "Chat history replayed by CyTube on a rejoin and not published again.", nil, nil),
		badFrames:  prometheus.NewDesc(name("bad_frames_total"), "Websocket frames from CyTube that did not parse, published on the invalid subject.", nil, nil),
		oversize:   prometheus.NewDesc(name("events_oversize_total"), "Events larger than the NATS server's max payload, replaced by a notice on the invalid subject.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *snapshotCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.nats, c.readyDesc, c.state, c.queue, c.unknown, c.invalid, c.unmodelled, c.replays, c.badFrames, c.oversize} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *snapshotCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.snapshot()
	ch <- prometheus.MustNewConstMetric(c.nats, prometheus.GaugeValue, boolValue(s.NATSConnected))
	ch <- prometheus.MustNewConstMetric(c.readyDesc, prometheus.GaugeValue, boolValue(len(c.ready()) == 0))
	for _, chn := range s.Channels {
		for _, st := range c.states {
			ch <- prometheus.MustNewConstMetric(c.state, prometheus.GaugeValue, boolValue(st == chn.State), chn.Name, st)
		}
		for lane, n := range chn.Queue {
			ch <- prometheus.MustNewConstMetric(c.queue, prometheus.GaugeValue, float64(n), chn.Name, lane)
		}
	}
	for _, v := range []struct {
		d *prometheus.Desc
		n uint64
	}{
		{c.unknown, s.Counters.Unknown},
		{c.invalid, s.Counters.Invalid},
		{c.unmodelled, s.Counters.Unmodelled},
		{c.replays, s.Counters.ReplaysSkipped},
		{c.badFrames, s.Counters.BadFrames},
		{c.oversize, s.Counters.Oversize},
	} {
		ch <- prometheus.MustNewConstMetric(v.d, prometheus.CounterValue, float64(v.n))
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
