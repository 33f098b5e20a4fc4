package contract

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/connectortest"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
)

const (
	botPassword = "golden-bot-pw"
	envChannel  = "goldentest"
)

// seed is the single-channel scope the connector uses in these tests.
var seed = bus.Scope{Platform: "cytube"}

// env is one connector run against a real nats-server and the Go CyTube
// test server, with a subscriber recording everything published.
type env struct {
	*connectortest.Connector
	cyt *cytubetest.Server
	seq int // for settle's markers
}

// newEnv starts NATS, the CyTube test server (accounts bot rank 3,
// userbot rank 1, modbot rank 3) and a connector logged in as user.
// Everything stops in t.Cleanup.
func newEnv(t *testing.T, user string) *env {
	t.Helper()
	c := connectortest.Start(t, connectortest.Options{
		CyTube: cytubetest.Options{Accounts: map[string]cytubetest.Account{
			"bot":     {Password: botPassword, Rank: 3},
			"userbot": {Password: botPassword, Rank: 1},
			"modbot":  {Password: botPassword, Rank: 3},
		}},
		Channels: []string{envChannel}, Username: user, Password: botPassword,
		Version: "0.0.0-contract",
		// Pacing well above what the tests send, so every command goes out
		// at once and refusals come from the server, not from our own pacing.
		Session: func(c *cytube.Config) { c.Pace = connectortest.FastPace() },
	})
	e := &env{Connector: c, cyt: c.CyTube}
	// Any logged-in status.
	e.Ready(1)
	return e
}

func (e *env) count(subject string) int { return e.Count(subject) }

// waitFor waits until cond, which may read the CyTube server's state.
func (e *env) waitFor(what string, cond func() bool) {
	e.T.Helper()
	e.WaitFor(what, 10*time.Second, cond)
}

// until waits until cond, which reads only what NATS delivered.
func (e *env) until(what string, cond func() bool) {
	e.T.Helper()
	e.Until(what, cond)
}

// settle returns once the connector has applied and published every
// event the test server sent before it: it sends a chat line of its own
// and waits for it on NATS, since the connector handles a connection's
// events in order. Counting an event of the kind just caused is not
// enough: an earlier one still on its way can stand in for it (that let
// a vote reach the connector between a poll's closePoll and its newPoll,
// and the connector refused it as having no poll to vote in).
func (e *env) settle() {
	e.T.Helper()
	e.seq++
	marker := fmt.Sprintf("settle #%d", e.seq)
	e.cyt.FakeChat("alice", marker)
	e.until(fmt.Sprintf("%q on NATS", marker), func() bool {
		return slices.ContainsFunc(e.On(seed.Raw("chat")), func(m *nats.Msg) bool { return bytes.Contains(m.Data, []byte(marker)) })
	})
}

// request sends one command body and returns the CommandResult. isJSON
// picks the Content-Type; the reply comes in the same encoding.
func (e *env) request(action string, body []byte, isJSON bool, deadline time.Duration, correlation string) *commandsv1.CommandResult {
	e.T.Helper()
	ct := bus.ContentTypeProtobuf
	if isJSON {
		ct = bus.ContentTypeJSON
	}
	return e.Send(connectortest.Request{Action: action, Body: body, ContentType: ct, Deadline: deadline, Correlation: correlation}).CommandResult
}
