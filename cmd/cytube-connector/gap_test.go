package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
)

// TestSIGKILLGapAndNoDuplicates kills a connector process with SIGKILL,
// lets chat happen while none runs, and starts a second process, with a
// JetStream duplicate window (100 ms) far shorter than the pause: the
// stream holds every line CyTube delivered exactly once, and one
// CONNECTOR_RESTART gap saying the first process stopped without a clean
// shutdown, stored before the lines from inside it.
func TestSIGKILLGapAndNoDuplicates(t *testing.T) {
	const bot, pw = "roseybot", "sigkill-test-pw"
	cyt, err := cytubetest.New(cytubetest.Options{Channel: "lounge", Accounts: map[string]cytubetest.Account{bot: {Password: pw, Rank: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cyt.Close() })
	ns := bustest.RunServer(t)
	nc := bustest.Connect(t, ns)
	var mu sync.Mutex
	seen := map[string]int{}
	sub, err := nc.Subscribe("rosey.platform.cytube.chat", func(m *nats.Msg) {
		cm := &cytubev1.ChatMsg{}
		if proto.Unmarshal(m.Data, cm) == nil {
			mu.Lock()
			seen[cm.GetMsg()]++
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	waitSeen := func(text string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			mu.Lock()
			n := seen[text]
			mu.Unlock()
			if n > 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%q never published", text)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	start := func() (stop func(sig syscall.Signal)) {
		t.Helper()
		p := startReady(t, ctx, map[string]string{
			"CYTUBE_CHANNEL": "lounge", "CYTUBE_HOST": cyt.Addr(), "CYTUBE_SECURE": "false",
			"CYTUBE_USERNAME": bot, "CYTUBE_PASSWORD": pw,
			"NATS_URL": ns.ClientURL(), "NATS_DUPLICATE_WINDOW": "100ms", "LOG_FORMAT": "json",
		})
		return func(sig syscall.Signal) {
			_ = p.cmd.Process.Signal(sig)
			select {
			case <-p.exited:
			case <-time.After(20 * time.Second):
				t.Fatalf("the connector did not exit on %v\n%s", sig, p.stderr)
			}
		}
	}

	stopA := start()
	for i := range 5 {
		cyt.FakeChat("alice", fmt.Sprintf("k-%d", i))
	}
	waitSeen("k-4")
	time.Sleep(1500 * time.Millisecond) // the checkpoint follows within 1 s
	stopA(syscall.SIGKILL)
	for i := 5; i < 8; i++ {
		cyt.FakeChat("alice", fmt.Sprintf("k-%d", i))
	}
	time.Sleep(300 * time.Millisecond) // past the duplicate window
	stopB := start()
	cyt.FakeChat("alice", "k-8")
	waitSeen("k-8")
	stopB(syscall.SIGTERM)

	js, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	info, err := js.StreamInfo("ROSEY_CYTUBE")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	var order []string
	var gaps []*eventsv1.Gap
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := js.GetMsg("ROSEY_CYTUBE", seq)
		if err != nil {
			t.Fatal(err)
		}
		switch m.Subject {
		case "rosey.platform.cytube.chat":
			cm := &cytubev1.ChatMsg{}
			if proto.Unmarshal(m.Data, cm) == nil && strings.HasPrefix(cm.GetMsg(), "k-") {
				stored[cm.GetMsg()]++
				order = append(order, cm.GetMsg())
			}
		case "rosey.events.gap":
			g := &eventsv1.Gap{}
			if err := proto.Unmarshal(m.Data, g); err != nil {
				t.Fatal(err)
			}
			gaps = append(gaps, g)
			order = append(order, "GAP")
		}
	}
	dups := 0
	for i := range 9 {
		text := fmt.Sprintf("k-%d", i)
		if n := stored[text]; n != 1 {
			dups += max(n-1, 0)
			t.Errorf("%s stored %d times, want 1", text, n)
		}
	}
	if len(gaps) != 1 || gaps[0].GetReason() != eventsv1.GapReason_GAP_REASON_CONNECTOR_RESTART ||
		!strings.Contains(gaps[0].GetDetail(), "without a clean shutdown") {
		t.Errorf("gaps = %v, want one CONNECTOR_RESTART after an unclean stop", gaps)
	}
	if want := "k-0 k-1 k-2 k-3 k-4 GAP k-5 k-6 k-7 k-8"; strings.Join(order, " ") != want {
		t.Errorf("stream order %q, want %q", strings.Join(order, " "), want)
	}
	t.Logf("SIGKILL and restart: 9 delivered, %d stored, %d duplicated, %d gap(s): %v", len(stored), dups, len(gaps), gaps)
}

// TestSecondSignalExits130: a second signal during a slow shutdown (NATS
// gone, so the STOPPED status waits its 5 s) ends the process at once with
// code 130 and says so.
func TestSecondSignalExits130(t *testing.T) {
	const bot, pw = "roseybot", "signal-test-pw"
	cyt, err := cytubetest.New(cytubetest.Options{Channel: "lounge", Accounts: map[string]cytubetest.Account{bot: {Password: pw, Rank: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cyt.Close() })
	ns := bustest.RunServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p := startReady(t, ctx, map[string]string{
		"CYTUBE_CHANNEL": "lounge", "CYTUBE_HOST": cyt.Addr(), "CYTUBE_SECURE": "false",
		"CYTUBE_USERNAME": bot, "CYTUBE_PASSWORD": pw, "NATS_URL": ns.ClientURL(),
	})
	cmd, stderr, exited := p.cmd, p.stderr, p.exited
	ns.Shutdown() // the shutdown now waits for NATS
	_ = cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(500 * time.Millisecond)
	select {
	case <-exited:
		t.Fatalf("exited on the first signal already (%v); the test needs a slow shutdown\n%s", cmd.ProcessState, stderr)
	default:
	}
	sent := time.Now()
	_ = cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-exited:
	case <-time.After(3 * time.Second):
		t.Fatalf("still running 3 s after the second signal\n%s", stderr)
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit code %d, want 130\n%s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "second interrupt, exiting without a clean shutdown") {
		t.Errorf("stderr does not say why:\n%s", stderr)
	}
	t.Logf("exited %v after the second signal", time.Since(sent).Round(time.Millisecond))
}
