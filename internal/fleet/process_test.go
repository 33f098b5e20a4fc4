package fleet_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"

	"github.com/roseybot/cytube-connector/internal/bus/bustest"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
	"github.com/roseybot/cytube-connector/internal/fleet"
)

// buildConnector builds cmd/cytube-connector into a temporary directory.
func buildConnector(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller information")
	}
	root := filepath.Join(filepath.Dir(file), "..", "..")
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the connector: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "cytube-connector")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", bin, "./cmd/cytube-connector")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/cytube-connector: %v\n%s", err, out)
	}
	return bin
}

// connector is one cytube-connector process.
type connector struct {
	id   string
	cmd  *exec.Cmd
	done chan struct{}
	out  *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func startConnector(t *testing.T, bin, configPath, id string) *connector {
	t.Helper()
	c := &connector{id: id, cmd: exec.Command(bin, "run"), done: make(chan struct{}), out: &lockedBuffer{}}
	c.cmd.Dir = t.TempDir() // no stray .env
	c.cmd.Env = []string{"CONNECTOR_CONFIG=" + configPath, "FLEET_INSTANCE_ID=" + id, "HOME=" + c.cmd.Dir}
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		c.signal(syscall.SIGKILL)
		<-c.done
		if t.Failed() {
			t.Logf("--- output of %s ---\n%s", id, c.out.String())
		}
	})
	return c
}

func (c *connector) signal(sig os.Signal) {
	select {
	case <-c.done:
	default:
		_ = c.cmd.Process.Signal(sig)
	}
}

// stopGracefully sends SIGTERM and waits for a clean exit.
func (c *connector) stopGracefully(t *testing.T) {
	t.Helper()
	c.signal(syscall.SIGTERM)
	select {
	case <-c.done:
		if code := c.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("%s exited with %d after SIGTERM", c.id, code)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("%s did not exit within 20s of SIGTERM", c.id)
	}
}

// loginSpan is one login of the bot account in one channel, from the
// test server's records.
type loginSpan struct {
	channel   string
	conn      int
	at, until time.Time // until is zero while logged in
}

// logins joins the server's login records with the channel each
// connection joined.
func logins(srv *cytubetest.Server, account string) []loginSpan {
	chanOf := map[int]string{}
	for _, f := range srv.Received() {
		rest, ok := strings.CutPrefix(f.Text, `42["joinChannel",`)
		if !ok {
			continue
		}
		var v struct {
			Name string `json:"name"`
		}
		if json.Unmarshal([]byte(strings.TrimSuffix(rest, "]")), &v) == nil {
			chanOf[f.Conn] = strings.ToLower(v.Name)
		}
	}
	var out []loginSpan
	for _, l := range srv.Logins() {
		if strings.EqualFold(l.Name, account) {
			out = append(out, loginSpan{channel: chanOf[l.Conn], conn: l.Conn, at: l.At, until: l.Until})
		}
	}
	return out
}

// checkStream reads the fleet's stream: every fl- line CyTube delivered is
// stored once, and the channels the victim owned have one LEASE_HANDOVER
// gap each, the others none.
func checkStream(t *testing.T, js jetstream.JetStream, cyt *cytubetest.Server, before map[string]string, victim string) {
	t.Helper()
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
	stored, gaps := map[string]int{}, map[string][]string{}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasPrefix(m.Subject, "rosey.platform.cytube.") && strings.HasSuffix(m.Subject, ".chat"):
			cm := &cytubev1.ChatMsg{}
			if proto.Unmarshal(m.Data, cm) == nil && strings.HasPrefix(cm.GetMsg(), "fl-") {
				stored[cm.GetMsg()]++
			}
		case strings.HasPrefix(m.Subject, "rosey.events.cytube.") && strings.HasSuffix(m.Subject, ".gap"):
			g := &eventsv1.Gap{}
			if err := proto.Unmarshal(m.Data, g); err != nil {
				t.Fatal(err)
			}
			gaps[g.GetChannel()] = append(gaps[g.GetChannel()], strings.TrimPrefix(g.GetReason().String(), "GAP_REASON_"))
		}
	}
	delivered := map[string]bool{}
	for _, f := range cyt.Sent() {
		var frame []json.RawMessage
		if !strings.HasPrefix(f.Text, `42["chatMsg",`) || json.Unmarshal([]byte(f.Text[2:]), &frame) != nil || len(frame) < 2 {
			continue
		}
		var m struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal(frame[1], &m) == nil && strings.HasPrefix(m.Msg, "fl-") {
			delivered[m.Msg] = true
		}
	}
	dups := 0
	for text := range delivered {
		if n := stored[text]; n != 1 {
			dups += max(n-1, 0)
			t.Errorf("%s delivered, stored %d times", text, n)
		}
	}
	for ch, owner := range before {
		want := ""
		if owner == victim {
			want = "LEASE_HANDOVER"
		}
		if got := strings.Join(gaps[ch], " "); got != want {
			t.Errorf("channel %s (owned by %s before the kill): gaps %q, want %q", ch, owner, got, want)
		}
	}
	t.Logf("SIGKILL hand-over: %d lines delivered, %d stored, %d duplicated, gaps %v", len(delivered), len(stored), dups, gaps)
}

// liveChannels returns the channels the account is logged in to now.
func liveChannels(srv *cytubetest.Server, account string) map[string]int {
	live := map[string]int{}
	for _, l := range logins(srv, account) {
		if l.until.IsZero() {
			live[l.channel]++
		}
	}
	return live
}

// TestFleetOfThreeProcessesSurvivesKill is the fleet's end-to-end test:
// three connector processes share six channels through a real
// nats-server (Debian's, which has no per-message TTL); one is killed
// with SIGKILL and its channels come back on the others within the lease
// TTL plus backoff, while the CyTube test server confirms that the account
// was never logged in twice at once in a channel. The processes store
// into one JetStream stream with a 100 ms duplicate window while chat goes
// on: every line CyTube delivered is stored once, and each channel that
// changed hands has exactly one LEASE_HANDOVER gap, the others none.
func TestFleetOfThreeProcessesSurvivesKill(t *testing.T) {
	const (
		ttl      = 3 * time.Second
		account  = "fleetbot"
		password = "fleet-pw"
	)
	channels := []string{"fleet0", "fleet1", "fleet2", "fleet3", "fleet4", "fleet5"}
	bin := buildConnector(t)

	natsProc := bustest.RunProcess(t, "", "-js")
	cyt, err := cytubetest.New(cytubetest.Options{Accounts: map[string]cytubetest.Account{account: {Password: password, Rank: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cyt.Close() })

	var cfg strings.Builder
	cfg.WriteString("channels:\n")
	for _, ch := range channels {
		fmt.Fprintf(&cfg, "  - host: %q\n    secure: false\n    channel: %s\n    username: %s\n    password: %s\n", cyt.Addr(), ch, account, password)
	}
	fmt.Fprintf(&cfg, "nats:\n  url: %s\n  jetstream: true\n  duplicate_window: 100ms\nsubjects:\n  mode: channel\nlog:\n  level: debug\nfleet:\n  enabled: true\n  bucket: FLEET_TEST\n  lease_ttl: %s\n", natsProc.URL(), ttl)
	configPath := filepath.Join(t.TempDir(), "connector.yaml")
	if err := os.WriteFile(configPath, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	procs := map[string]*connector{}
	for _, id := range []string{"p0", "p1", "p2"} {
		procs[id] = startConnector(t, bin, configPath, id)
	}

	nc, err := nats.Connect(natsProc.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	owners := func() map[string]string {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		out := map[string]string{}
		kv, err := js.KeyValue(ctx, "FLEET_TEST")
		if err != nil {
			return out
		}
		for _, ch := range channels {
			if e, err := kv.Get(ctx, fleet.Key(ch)); err == nil {
				if l, err := fleet.ParseLease(e.Value()); err == nil {
					out[ch] = l.Owner
				}
			}
		}
		return out
	}
	allServed := func(among ...string) func() bool {
		return func() bool {
			o, live := owners(), liveChannels(cyt, account)
			for _, ch := range channels {
				if !slices.Contains(among, o[ch]) || live[ch] != 1 {
					return false
				}
			}
			return true
		}
	}

	waitUntil(t, 30*time.Second, "every channel leased and logged in", allServed("p0", "p1", "p2"))
	var seenMu sync.Mutex
	seen := map[string]bool{}
	sub, err := nc.Subscribe("rosey.platform.cytube.*.chat", func(m *nats.Msg) {
		cm := &cytubev1.ChatMsg{}
		if proto.Unmarshal(m.Data, cm) == nil {
			seenMu.Lock()
			seen[cm.GetMsg()] = true
			seenMu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	seq := 0
	chatRound := func() []string {
		var round []string
		for _, ch := range channels {
			seq++
			text := fmt.Sprintf("fl-%s-%03d", ch, seq)
			cyt.FakeChatIn(ch, "alice", text)
			round = append(round, text)
		}
		return round
	}
	published := func(round []string) func() bool {
		return func() bool {
			seenMu.Lock()
			defer seenMu.Unlock()
			for _, text := range round {
				if !seen[text] {
					return false
				}
			}
			return true
		}
	}
	for range 3 {
		chatRound()
	}
	waitUntil(t, 15*time.Second, "the first lines stored", published(chatRound()))
	time.Sleep(1500 * time.Millisecond) // the checkpoints follow within 1 s
	before := owners()
	counts := map[string]int{}
	for _, id := range before {
		counts[id]++
	}
	ids := []string{"p0", "p1", "p2"}
	sort.Slice(ids, func(i, j int) bool { return counts[ids[i]] > counts[ids[j]] })
	victim, survivors := ids[0], ids[1:]
	t.Logf("owners before the kill: %v; killing %s", before, victim)

	procs[victim].signal(syscall.SIGKILL)
	<-procs[victim].done
	chatRound() // into the gap: CyTube replays it as history
	took := waitUntil(t, ttl+ttl/3+15*time.Second, "the victim's channels back on the survivors", allServed(survivors...))
	t.Logf("owners after the kill: %v (all served again %v after SIGKILL; lease TTL %v)", owners(), took, ttl)
	waitUntil(t, 15*time.Second, "the last lines stored", published(chatRound()))
	time.Sleep(500 * time.Millisecond)
	checkStream(t, js, cyt, before, victim)

	// Never two logins of the account at once in one channel: CyTube
	// would have kicked one ("Duplicate login"), and the login records
	// of each channel must not overlap.
	for _, f := range cyt.Sent() {
		if strings.Contains(f.Text, "Duplicate login") {
			t.Errorf("the server kicked a duplicate login: conn %d %s", f.Conn, f.Text)
		}
	}
	spans := map[string][]loginSpan{}
	for _, l := range logins(cyt, account) {
		spans[l.channel] = append(spans[l.channel], l)
	}
	for ch, ls := range spans {
		sort.Slice(ls, func(i, j int) bool { return ls[i].at.Before(ls[j].at) })
		for i := 1; i < len(ls); i++ {
			prev := ls[i-1]
			if prev.until.IsZero() || prev.until.After(ls[i].at) {
				t.Errorf("%s: login on conn %d (from %v) overlaps conn %d (from %v until %v)",
					ch, ls[i].conn, ls[i].at.Format(time.StampMilli), prev.conn, prev.at.Format(time.StampMilli), prev.until.Format(time.StampMilli))
			}
		}
	}
	for _, id := range survivors {
		procs[id].stopGracefully(t)
	}
}
