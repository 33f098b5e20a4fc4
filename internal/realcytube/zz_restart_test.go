//go:build cytube

package realcytube

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/connectortest"
	"github.com/roseybot/cytube-connector/internal/cytube"
)

// kit runs one of the kit's scripts (start.sh, stop.sh) for the instance
// the suite runs against; `make test-cytube` says where it is.
func kit(t *testing.T, script string) {
	t.Helper()
	dir, instance := os.Getenv("CYTUBE_KIT"), os.Getenv("CYTUBE_KIT_DIR")
	if dir == "" || instance == "" {
		t.Fatal("CYTUBE_KIT and CYTUBE_KIT_DIR are not set: run `make test-cytube`, which restarts the kit's CyTube in this test")
	}
	args := []string{"--dir", instance}
	if script == "start.sh" {
		args = append(args, "--http", os.Getenv("CYTUBE_KIT_HTTP_PORT"), "--io", os.Getenv("CYTUBE_KIT_IO_PORT"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	name := filepath.Join(dir, script)
	if os.Geteuid() != 0 {
		// The kit runs as root, as make test-cytube starts it ($(SUDO)).
		args, name = append([]string{"-n", name}, args...), "sudo"
	}
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", script, args, err, out)
	}
}

// TestCyTubeRestartGapAndNoDuplicates restarts the real CyTube (the kit's
// stop.sh, CyTube's own clean shutdown that saves the channel with its
// chat buffer, then start.sh) under a connector in the registered
// channel, with a JetStream duplicate window of 100 ms: the lines CyTube
// restores and replays on the rejoin are not stored again, every line it
// delivered is stored once, and one gap is published before the first
// event after the restart.
func TestCyTubeRestartGapAndNoDuplicates(t *testing.T) {
	hdr := clientHeader()
	c := connectortest.Start(t, connectortest.Options{
		Host: kitHost(t), Channels: []string{registered}, Username: "goldmod", Password: passwords["goldmod"],
		Version: "0.0.0-realcytube",
		Config: func(cfg *config.Config) {
			cfg.Subjects.Mode = config.SubjectModeChannel
			cfg.NATS.JetStream = true
			cfg.NATS.DuplicateWindow = 100 * time.Millisecond
		},
		Session: func(sc *cytube.Config) {
			sc.Header = hdr
			sc.BackoffMin, sc.BackoffMax = 200*time.Millisecond, time.Second
		},
		IgnoreRunError: true, StopTimeout: 20 * time.Second,
	})
	conn := &connector{Connector: c, t: t, nc: c.Conn(), scope: c.Scope, channel: registered}
	conn.ready()
	tag := fmt.Sprintf("rs-%d-", os.Getpid())
	stored := func(text string) bool {
		for _, m := range conn.On(conn.scope.Raw("chat")) {
			cm := &cytubev1.ChatMsg{}
			if proto.Unmarshal(m.Data, cm) == nil && cm.GetMsg() == text {
				return true
			}
		}
		return false
	}
	a := newActorCancel(t, registered, "golduser")
	for i := range 3 {
		a.chat(t, fmt.Sprintf("%s%d", tag, i))
	}
	waitUntil(t, "the lines before the restart stored", 20*time.Second, func() bool { return stored(tag + "2") })
	a.stop()

	time.Sleep(300 * time.Millisecond) // past the duplicate window
	kit(t, "stop.sh")
	kit(t, "start.sh")
	waitUntil(t, "the connector back in the channel", 60*time.Second, func() bool {
		return conn.CountState(conn.scope, eventsv1.ConnectorState_CONNECTOR_STATE_LOGGED_IN) >= 2
	})
	b := newActorCancel(t, registered, "golduser")
	b.chat(t, tag+"3")
	waitUntil(t, "the line after the restart stored", 20*time.Second, func() bool { return stored(tag + "3") })
	b.stop()
	time.Sleep(1500 * time.Millisecond)

	js, err := jetstream.New(conn.nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, "ROSEY_CYTUBE")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lines, ids := map[string]int{}, map[string]int{}
	var order []string
	var gaps []*eventsv1.Gap
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		ids[m.Header.Get("Nats-Msg-Id")]++
		switch m.Subject {
		case conn.scope.Raw("chat"):
			cm := &cytubev1.ChatMsg{}
			if proto.Unmarshal(m.Data, cm) == nil && strings.HasPrefix(cm.GetMsg(), tag) {
				lines[cm.GetMsg()]++
				order = append(order, strings.TrimPrefix(cm.GetMsg(), tag))
			}
		case conn.scope.Normalized("gap"):
			g := &eventsv1.Gap{}
			if err := proto.Unmarshal(m.Data, g); err != nil {
				t.Fatal(err)
			}
			gaps = append(gaps, g)
			order = append(order, "GAP")
		}
	}
	dups := 0
	for i := range 4 {
		if n := lines[fmt.Sprintf("%s%d", tag, i)]; n != 1 {
			dups += max(n-1, 0)
			t.Errorf("line %d stored %d times, want 1", i, n)
		}
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("Nats-Msg-Id %s stored %d times", id, n)
		}
	}
	if len(gaps) != 1 {
		t.Errorf("%d gap events, want 1: %v", len(gaps), gaps)
	}
	if got, want := strings.Join(order, " "), "0 1 2 GAP 3"; got != want {
		t.Errorf("stream order %q, want %q", got, want)
	}
	t.Logf("real CyTube restart: 4 lines delivered, %d stored, %d duplicated, gaps %v", len(lines), dups, gaps)
}
