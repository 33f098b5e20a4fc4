package bus

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"github.com/nats-io/nuid"
)

// monitor answers the NATS micro protocol's discovery verbs ($SRV.PING,
// $SRV.INFO and $SRV.STATS, for all services, this name and this id) for
// the command service, with nats.go micro's own types, so `nats micro
// ls/info/stats` see it as a micro service.
//
// Why not micro.AddService: micro records a request's statistics when its
// handler returns, and the command handler must return as soon as a
// command has its place in line (so that the scope's next command is
// taken while this one waits for CyTube, in arrival order). Its STATS
// counted every command as a success of ~0 ms. Here a request counts when
// its result is known, with its real processing time and its error.
type monitor struct {
	id, name, version, description string
	metadata                       map[string]string
	started                        time.Time

	mu        sync.Mutex
	endpoints []*endpoint
	subs      []*nats.Subscription
}

// endpoint is one command subject and its statistics.
type endpoint struct {
	mon  *monitor
	info micro.EndpointInfo
	// guarded by monitor.mu:
	requests, errors int
	lastError        string
	processing       time.Duration
}

// The micro protocol's rules for a service's name and version
// (nats.go micro/service.go).
var (
	serviceName = regexp.MustCompile(`^[A-Za-z0-9\-_]+$`)
	semVer      = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
)

// checkIdentity applies them.
func checkIdentity(name, version string) error {
	if !serviceName.MatchString(name) {
		return fmt.Errorf("service name %q: use letters, digits, - and _", name)
	}
	if !semVer.MatchString(version) {
		return fmt.Errorf("version %q is not SemVer", version)
	}
	return nil
}

func newMonitor(name, version, description string, metadata map[string]string) *monitor {
	return &monitor{id: nuid.Next(), name: name, version: version, description: description,
		metadata: maps.Clone(metadata), started: time.Now().UTC()}
}

// add registers an endpoint; call before start.
func (m *monitor) add(name, subject, queueGroup string, metadata map[string]string) *endpoint {
	e := &endpoint{mon: m, info: micro.EndpointInfo{Name: name, Subject: subject, QueueGroup: queueGroup, Metadata: metadata}}
	m.endpoints = append(m.endpoints, e)
	return e
}

// record counts one finished request: took from its arrival to its
// answer, err its failure (nil for success).
func (m *monitor) record(e *endpoint, took time.Duration, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e.requests++
	e.processing += took
	if err != nil {
		e.errors++
		e.lastError = err.Error()
	}
}

func (m *monitor) identity() micro.ServiceIdentity {
	return micro.ServiceIdentity{Name: m.name, ID: m.id, Version: m.version, Metadata: maps.Clone(m.metadata)}
}

// Info is what $SRV.INFO answers.
func (m *monitor) Info() micro.Info {
	m.mu.Lock()
	defer m.mu.Unlock()
	eps := make([]micro.EndpointInfo, 0, len(m.endpoints))
	for _, e := range m.endpoints {
		info := e.info
		info.Metadata = maps.Clone(info.Metadata)
		eps = append(eps, info)
	}
	return micro.Info{ServiceIdentity: m.identity(), Type: micro.InfoResponseType, Description: m.description, Endpoints: eps}
}

// Stats is what $SRV.STATS answers.
func (m *monitor) Stats() micro.Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := micro.Stats{ServiceIdentity: m.identity(), Type: micro.StatsResponseType, Started: m.started,
		Endpoints: make([]*micro.EndpointStats, 0, len(m.endpoints))}
	for _, e := range m.endpoints {
		es := &micro.EndpointStats{Name: e.info.Name, Subject: e.info.Subject, QueueGroup: e.info.QueueGroup,
			NumRequests: e.requests, NumErrors: e.errors, LastError: e.lastError, ProcessingTime: e.processing}
		if e.requests > 0 {
			es.AverageProcessingTime = e.processing / time.Duration(e.requests)
		}
		st.Endpoints = append(st.Endpoints, es)
	}
	return st
}

// start subscribes the verbs.
func (m *monitor) start(nc *nats.Conn) error {
	answer := map[micro.Verb]func() any{
		micro.PingVerb:  func() any { return micro.Ping{ServiceIdentity: m.identity(), Type: micro.PingResponseType} },
		micro.InfoVerb:  func() any { return m.Info() },
		micro.StatsVerb: func() any { return m.Stats() },
	}
	for verb, f := range answer {
		for _, scope := range [][2]string{{"", ""}, {m.name, ""}, {m.name, m.id}} {
			subj, err := micro.ControlSubject(verb, scope[0], scope[1])
			if err != nil {
				return err
			}
			sub, err := nc.Subscribe(subj, func(msg *nats.Msg) {
				b, err := json.Marshal(f())
				if err != nil {
					return
				}
				_ = msg.Respond(b)
			})
			if err != nil {
				m.stop()
				return fmt.Errorf("subscribe %s: %w", subj, err)
			}
			m.mu.Lock()
			m.subs = append(m.subs, sub)
			m.mu.Unlock()
		}
	}
	return nil
}

// stop unsubscribes the verbs.
func (m *monitor) stop() error {
	m.mu.Lock()
	subs := m.subs
	m.subs = nil
	m.mu.Unlock()
	var errs []error
	for _, s := range subs {
		if err := s.Unsubscribe(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) && !errors.Is(err, nats.ErrBadSubscription) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
