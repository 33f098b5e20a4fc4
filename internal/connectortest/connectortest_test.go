package connectortest_test

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	statev1 "github.com/roseybot/cytube-connector/gen/go/rosey/state/v1"
	"github.com/roseybot/cytube-connector/internal/connectortest"
	"github.com/roseybot/cytube-connector/internal/state"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConnectorRoundTrip(t *testing.T) {
	c := connectortest.Start(t, connectortest.Options{Password: "pw", WaitReady: true})
	if c.Scope.Channel != "" {
		t.Errorf("one channel should use the seed scope, got %v", c.Scope)
	}
	c.CyTube.FakeChat("alice", "hi there")
	msgs := c.WaitSubject("rosey.events.message", 1)
	if len(msgs) != 1 {
		t.Errorf("%d messages", len(msgs))
	}
	if res := c.JSON("chat", map[string]string{"message": "hello"}); !res.GetOk() {
		t.Errorf("chat = %v", res)
	}
	var self statev1.SelfReply
	if !c.Query(state.AspectSelf, &self) || self.GetName() != "bot" {
		t.Errorf("self = %v", &self)
	}
	wait := c.Publish(connectortest.Request{Action: "chat", Body: []byte(`{"message":"later"}`), Deadline: time.Second})
	if r := wait(); !r.GetOk() || r.Took <= 0 {
		t.Errorf("published chat = %v after %v", r.CommandResult, r.Took)
	}
	if err := c.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if err, returned := c.Wait(time.Second); !returned || err != nil {
		t.Errorf("Wait after Stop = %v, %v", err, returned)
	}
}
