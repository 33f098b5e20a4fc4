//go:build cytube

package realcytube

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/service"
)

// One process, seven channels on one CyTube, all from one address: CyTube
// takes 5 connections, then one per 10 s (src/io/ioserver.js:92-108). The
// channels share one limiter, so the sixth and seventh wait with a status
// that says why, and CyTube never refuses a connection.
func TestConnectionsSharedPerServer(t *testing.T) {
	const n = 7
	statuses, mu := runChannels(t, n, nil)
	joined := func() map[string]bool {
		mu.Lock()
		defer mu.Unlock()
		out := map[string]bool{}
		for _, st := range *statuses {
			if st.GetState() == eventsv1.ConnectorState_CONNECTOR_STATE_JOINED || st.GetState() == eventsv1.ConnectorState_CONNECTOR_STATE_LOGGED_IN {
				out[st.GetChannel()] = true
			}
		}
		return out
	}
	waitUntil(t, "every channel joined", 45*time.Second, func() bool { return len(joined()) == n })

	mu.Lock()
	defer mu.Unlock()
	waited := 0
	for _, st := range *statuses {
		r := st.GetReason()
		if strings.Contains(r, "Rate limit exceeded") {
			t.Errorf("CyTube refused a connection: %s: %s", st.GetChannel(), r)
		}
		if st.GetState() == eventsv1.ConnectorState_CONNECTOR_STATE_RECONNECTING && strings.Contains(r, "connection rate limit") {
			waited++
		}
	}
	if waited < n-5 {
		t.Errorf("%d channels waited for the shared connection limiter, want at least %d", waited, n-5)
	}
}

// With CyTube's socket cap at 2 (ip-connection-limit; the kit's is 30),
// the third channel of a process waits for a slot with a status that says
// so, instead of being kicked with "Too many connections" in a loop.
func TestConnectionsSocketCap(t *testing.T) {
	statuses, mu := runChannels(t, 3, func(sc *cytube.Config) { sc.MaxSockets = 2 })
	waitUntil(t, "a channel waiting for a connection slot", 30*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, st := range *statuses {
			if st.GetState() == eventsv1.ConnectorState_CONNECTOR_STATE_RECONNECTING && strings.Contains(st.GetReason(), "ip-connection-limit is 2") {
				return true
			}
		}
		return false
	})
}

// runChannels runs one connector with n fresh channels, all from one
// client address, and collects every status it publishes.
func runChannels(t *testing.T, n int, adjust func(*cytube.Config)) (*[]*eventsv1.ConnectorStatus, *sync.Mutex) {
	t.Helper()
	srv := bustest.RunServer(t)
	nc := bustest.Connect(t, srv)
	var mu sync.Mutex
	var statuses []*eventsv1.ConnectorStatus
	sub, err := nc.Subscribe("rosey.platform.cytube.*.status", func(m *nats.Msg) {
		st := &eventsv1.ConnectorStatus{}
		if proto.Unmarshal(m.Data, st) == nil {
			mu.Lock()
			statuses = append(statuses, st)
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })

	cfg := config.Default()
	for range n {
		ch := config.DefaultChannel()
		ch.Host, ch.Secure, ch.Channel = kitHost(t), false, uniqueChannel(t, "conn")
		cfg.Channels = append(cfg.Channels, ch)
	}
	cfg.NATS.URL = srv.ClientURL()
	cfg.Subjects.Mode = config.SubjectModeChannel
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	hdr := clientHeader() // one address for every channel
	svc, err := service.New(cfg, service.Options{Session: func(sc *cytube.Config) {
		sc.Header = hdr
		if adjust != nil {
			adjust(sc)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return &statuses, &mu
}

// Guest logins: CyTube allows one per IP per guest-login-delay (the kit:
// 10 s). A second guest from the same address is refused with CyTube's
// words; the connector waits the delay CyTube names and logs in then.
func TestGuestLoginDelay(t *testing.T) {
	ch := uniqueChannel(t, "guests")
	hdr := clientHeader()
	newActorFrom(t, ch, uniqueName("Ga"), hdr)
	c := newConnector(t, ch, uniqueName("Gb"), func(_ *config.Channel, sc *cytube.Config) {
		if sc != nil {
			sc.Header = hdr
		}
	})
	c.waitStatus(eventsv1.ConnectorState_CONNECTOR_STATE_LOGGED_IN, 40*time.Second)
	saw := false
	for _, st := range c.statuses() {
		if strings.Contains(st.GetReason(), "Guest logins are restricted to one per IP address per 10 seconds.") {
			saw = true
		}
	}
	if !saw {
		t.Errorf("no status named CyTube's guest-login delay: %v", c.statuses())
	}
}

// md-3 at its limit: CyTube keeps the first 20000 UTF-16 units of a
// MOTD and cuts the rest without a word (src/channel/customization.js:150).
// The connector refuses a longer one (TOO_LONG) and counts units, not
// bytes: 20000 two-byte characters are set whole. The largest command,
// this one, stays far below CyTube's 1 MiB frame limit
// (maxHttpBufferSize), so no command can reach it.
func TestMotdLimit(t *testing.T) {
	c := newConnector(t, registered, "goldowner").ready()
	watcher := newActor(t, registered, "golduser2")
	c.cmd("motd", map[string]any{"motd": strings.Repeat("m", 20001)}).refused(t, "a motd of 20001 characters", commandsv1.ErrorCode_ERROR_CODE_TOO_LONG, quick)
	long := strings.Repeat("é", 20000)
	c.cmd("motd", map[string]any{"motd": long}).ok(t, "a motd of 20000 two-byte characters")
	waitUntil(t, "the whole motd at another user", 10*time.Second, func() bool { return watcher.s.Snapshot().Motd == long })
	c.cmd("motd", map[string]any{"motd": ""}).ok(t, "motd cleared")
}
