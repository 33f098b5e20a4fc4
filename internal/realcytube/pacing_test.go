//go:build cytube

package realcytube

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/mapping"
)

// burst sends n chat lines at once (each its own request, published in
// order, all in flight together) and returns their results in send order.
func (c *connector) burst(t *testing.T, n int, deadline time.Duration, line func(i int) string) []result {
	t.Helper()
	waits := make([]func() result, n)
	for i := range n {
		waits[i] = c.request("chat", map[string]any{"message": line(i)}, deadline)
	}
	out := make([]result, n)
	for i, w := range waits {
		out[i] = w()
	}
	return out
}

// chatOrder returns the lines with prefix that the actor saw, in order.
func (a *actor) chatOrder(prefix string) []string {
	var got []string
	a.rec.mu.Lock()
	defer a.rec.mu.Unlock()
	for _, ev := range a.rec.evs {
		if ev.Name != "chatMsg" || ev.History {
			continue
		}
		var v struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal(ev.Arg, &v) == nil && strings.HasPrefix(v.Msg, prefix) {
			got = append(got, v.Msg)
		}
	}
	return got
}

func checkPaced(t *testing.T, c *connector, watcher *actor, prefix string, res []result) {
	t.Helper()
	for i, r := range res {
		if !r.GetOk() {
			t.Errorf("line %d: %s %q after %s", i, r.GetCode(), r.GetReason(), r.took)
		}
	}
	if n := c.count(c.rawSubject("cooldown")); n != 0 {
		t.Errorf("CyTube sent %d cooldowns: the pacing tripped its limiter", n)
	}
	var want []string
	for i := range res {
		want = append(want, fmt.Sprintf("%s %02d", prefix, i))
	}
	waitUntil(t, "every line at the watcher", 10*time.Second, func() bool { return len(watcher.chatOrder(prefix)) >= len(res) })
	if got := watcher.chatOrder(prefix); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("order at the watcher:\n got %v\nwant %v", got, want)
	}
}

// 40 lines at once under CyTube's MIN_ANTIFLOOD (burst 20, then 10/s):
// every line confirmed, no cooldown, in order.
func TestPacingFortyLinesAtOnce(t *testing.T) {
	ch := uniqueChannel(t, "pace")
	c := newConnector(t, ch, "golduser").ready()
	watcher := newActor(t, ch, "golduser2")
	res := c.burst(t, 40, 20*time.Second, func(i int) string { return fmt.Sprintf("forty %02d", i) })
	checkPaced(t, c, watcher, "forty", res)
}

// 10 lines at once as rank 1 under the channel's antiflood 4/1 (burst 4,
// then one per second, burst back after 4 quiet seconds): no cooldown,
// in order; then /me lines, which CyTube charges twice.
func TestPacingChannelAntiflood(t *testing.T) {
	ch := uniqueChannel(t, "antiflood")
	op := newActor(t, ch, "siteop")
	op.setOptions(t, map[string]any{"chat_antiflood": true, "chat_antiflood_params": map[string]any{"burst": 4, "sustained": 1}})
	c := newConnector(t, ch, "golduser").ready()
	waitUntil(t, "the connector sees the antiflood option", 10*time.Second, func() bool {
		v, _ := c.option("chat_antiflood")
		return v == true
	})
	res := c.burst(t, 10, 30*time.Second, func(i int) string { return fmt.Sprintf("flood %02d", i) })
	checkPaced(t, c, op, "flood", res)
	me := c.burst(t, 3, 30*time.Second, func(i int) string { return fmt.Sprintf("/me action %02d", i) })
	for i, r := range me {
		if !r.GetOk() {
			t.Errorf("/me line %d: %s %q", i, r.GetCode(), r.GetReason())
		}
	}
	if n := c.count(c.rawSubject("cooldown")); n != 0 {
		t.Errorf("CyTube sent %d cooldowns for /me lines (charged twice)", n)
	}
}

// A moderator (rank 2) is exempt from the channel's antiflood: 25 lines
// go out under MIN_ANTIFLOOD, quickly, with no cooldown.
func TestPacingModeratorIgnoresAntiflood(t *testing.T) {
	op := newActor(t, registered, "goldowner")
	op.setOptions(t, map[string]any{"chat_antiflood": true, "chat_antiflood_params": map[string]any{"burst": 4, "sustained": 1}})
	t.Cleanup(func() { op.setOptions(t, map[string]any{"chat_antiflood": false}) })
	c := newConnector(t, registered, "goldmod").ready()
	start := time.Now()
	res := c.burst(t, 25, 20*time.Second, func(i int) string { return fmt.Sprintf("mod %02d", i) })
	checkPaced(t, c, op, "mod", res)
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("25 moderator lines took %s: the channel antiflood was applied to rank 2", d)
	}
}

// option returns one channel option from the connector's state service
// (rosey.platform.cytube.<channel>.state.options, as JSON).
func (c *connector) option(key string) (any, bool) {
	c.t.Helper()
	subject := "rosey.platform.cytube." + c.scope.Channel + ".state.options"
	msg, err := c.nc.Request(subject, []byte(`{}`), 2*time.Second)
	if err != nil || msg.Header.Get("Nats-Service-Error") != "" {
		return nil, false
	}
	var rep struct {
		Options map[string]any `json:"options"`
	}
	if json.Unmarshal(msg.Data, &rep) != nil {
		return nil, false
	}
	v, ok := rep.Options[key]
	return v, ok
}

// unpaced makes the connector send as fast as CyTube answers, so that
// CyTube's own limiter refuses lines with `cooldown`.
func unpaced(_ *config.Channel, sc *cytube.Config) {
	if sc != nil {
		sc.Pace = &cytube.PaceLimits{ChatBurst: 1000, ChatPerSecond: 1000, QueueBurst: 1000, QueuePerSecond: 1000,
			ModQueueBurst: 1000, ModQueuePerSecond: 1000, PlaylistEvery: time.Millisecond, IgnoreChannelAntiflood: true}
	}
}

// When CyTube cools a line down anyway (here: pacing switched off), the
// line is sent again in its place: every line confirmed, in order. Under
// the channel's antiflood with sustained 3 CyTube's cooldown is 1000/3 ms,
// a fraction, which must decode (raw cooldown, not .invalid).
func TestUnexpectedCooldownKeepsOrder(t *testing.T) {
	ch := uniqueChannel(t, "cooldown")
	op := newActor(t, ch, "siteop")
	op.setOptions(t, map[string]any{"chat_antiflood": true, "chat_antiflood_params": map[string]any{"burst": 2, "sustained": 3}})
	c := newConnector(t, ch, "golduser", unpaced).ready()
	res := c.burst(t, 8, 20*time.Second, func(i int) string { return fmt.Sprintf("cool %02d", i) })
	for i, r := range res {
		if !r.GetOk() {
			t.Errorf("line %d: %s %q after %s", i, r.GetCode(), r.GetReason(), r.took)
		}
	}
	if n := c.count(c.rawSubject("cooldown")); n == 0 {
		t.Fatal("CyTube sent no cooldown: the test did not provoke its limiter")
	}
	if n := c.count(c.scope.Raw(mapping.InvalidSubject)); n != 0 {
		t.Errorf("%d events on .invalid (a fractional cooldown must decode)", n)
	}
	want := make([]string, 8)
	for i := range want {
		want[i] = fmt.Sprintf("cool %02d", i)
	}
	waitUntil(t, "every line at the watcher", 10*time.Second, func() bool { return len(op.chatOrder("cool")) >= 8 })
	if got := op.chatOrder("cool"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("order at the watcher:\n got %v\nwant %v", got, want)
	}
}
