package service_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/encoding/protojson"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
)

// TestFaultCommandsDuringOutage sends chat commands while CyTube is down
// (restarting). Each gets DISCONNECTED or TIMEOUT within its deadline, and
// none is sent once CyTube is back: the server never receives them.
func TestFaultCommandsDuringOutage(t *testing.T) {
	e := newFaultEnv(t, faultOpts{})
	e.ready(1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	restarted := make(chan error, 1)
	go func() { restarted <- e.cyt.Restart(ctx, 2*time.Second) }()
	e.waitFor("connector to lose the server", 5*time.Second, func() bool { return e.cyt.Connections() == 0 })

	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			deadline := time.Duration(200+100*i) * time.Millisecond
			msg := &nats.Msg{Subject: "rosey.platform.cytube.send.chat", Data: fmt.Appendf(nil, `{"message":"outage-%d"}`, i), Header: nats.Header{}}
			msg.Header.Set("Content-Type", "application/json")
			msg.Header.Set(bus.HeaderDeadlineMs, fmt.Sprint(deadline.Milliseconds()))
			start := time.Now()
			rctx, rcancel := context.WithTimeout(ctx, deadline+3*time.Second)
			defer rcancel()
			resp, err := e.nc.RequestMsgWithContext(rctx, msg)
			took := time.Since(start)
			if err != nil {
				t.Errorf("command %d: %v", i, err)
				return
			}
			res := &commandsv1.CommandResult{}
			if err := protojson.Unmarshal(resp.Data, res); err != nil {
				t.Errorf("result %s: %v", resp.Data, err)
				return
			}
			if c := res.GetCode(); c != commandsv1.ErrorCode_ERROR_CODE_DISCONNECTED && c != commandsv1.ErrorCode_ERROR_CODE_TIMEOUT {
				t.Errorf("command %d = %v, want DISCONNECTED or TIMEOUT", i, res)
			}
			if took > deadline+500*time.Millisecond {
				t.Errorf("command %d answered after %v, deadline %v", i, took, deadline)
			}
		}()
	}
	wg.Wait()
	if err := <-restarted; err != nil {
		t.Fatal(err)
	}
	e.ready(2)
	e.cyt.FakeChat("alice", "back")
	e.until("chat after the outage", 5*time.Second, func() bool { return e.chatSeen("back") })
	time.Sleep(300 * time.Millisecond)
	for _, f := range e.cyt.Received() {
		if strings.Contains(f.Text, "outage-") {
			t.Errorf("an outdated command reached CyTube: %s", f.Text)
		}
	}
}
