package connectortest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/state"
)

// Request is one command sent over NATS.
type Request struct {
	// Subject, or Scope.Command(Action) when empty.
	Subject string
	Action  string
	Body    []byte
	// ContentType is the request's Content-Type (JSON when empty).
	ContentType string
	// Deadline, when set, goes into Rosey-Deadline-Ms; the reply is then
	// awaited for Deadline + 5 s, otherwise for 10 s.
	Deadline time.Duration
	// Wait overrides how long the reply is awaited.
	Wait        time.Duration
	Correlation string
}

// Reply is a command's result, the reply message and how long it took.
type Reply struct {
	*commandsv1.CommandResult
	Msg  *nats.Msg
	Took time.Duration
}

func (c *Connector) msg(r Request) (*nats.Msg, time.Duration) {
	subject := r.Subject
	if subject == "" {
		subject = c.Scope.Command(r.Action)
	}
	ct := r.ContentType
	if ct == "" {
		ct = bus.ContentTypeJSON
	}
	m := &nats.Msg{Subject: subject, Data: r.Body, Header: nats.Header{}}
	m.Header.Set(bus.HeaderContentType, ct)
	wait := 10 * time.Second
	if r.Deadline > 0 {
		m.Header.Set(bus.HeaderDeadlineMs, fmt.Sprint(r.Deadline.Milliseconds()))
		wait = r.Deadline + 5*time.Second
	}
	if r.Wait > 0 {
		wait = r.Wait
	}
	if r.Correlation != "" {
		m.Header.Set(bus.HeaderCorrelationID, r.Correlation)
	}
	return m, wait
}

// RequestMsg sends r and returns the reply or the request error.
func (c *Connector) RequestMsg(r Request) (*nats.Msg, error) {
	m, wait := c.msg(r)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	return c.Conn().RequestMsgWithContext(ctx, m)
}

// Send sends r and decodes the CommandResult (JSON when the request or
// the reply says so); any failure fails the test.
func (c *Connector) Send(r Request) Reply {
	c.T.Helper()
	start := time.Now()
	resp, err := c.RequestMsg(r)
	if err != nil {
		m, _ := c.msg(r)
		c.T.Fatalf("request %s: %v", m.Subject, err)
	}
	return c.reply(r, resp, start)
}

// Publish sends r at once, so commands reach the connector in the order
// of these calls, and returns a function that waits for the result.
func (c *Connector) Publish(r Request) func() Reply {
	c.T.Helper()
	nc := c.Conn()
	m, wait := c.msg(r)
	m.Reply = nc.NewRespInbox()
	replies := make(chan *nats.Msg, 1)
	sub, err := nc.ChanSubscribe(m.Reply, replies)
	if err != nil {
		c.T.Fatal(err)
	}
	start := time.Now()
	if err := nc.PublishMsg(m); err != nil {
		c.T.Fatalf("publish %s: %v", m.Subject, err)
	}
	return func() Reply {
		c.T.Helper()
		defer func() { _ = sub.Unsubscribe() }()
		select {
		case resp := <-replies:
			return c.reply(r, resp, start)
		case <-time.After(wait):
			c.T.Fatalf("request %s: no reply within %s", m.Subject, wait)
			return Reply{}
		}
	}
}

func (c *Connector) reply(r Request, resp *nats.Msg, start time.Time) Reply {
	c.T.Helper()
	res, err := DecodeResult(resp, r.ContentType == "" || r.ContentType == bus.ContentTypeJSON)
	if err != nil {
		c.T.Fatalf("result of %s (%q): %v", r.Subject+r.Action, resp.Data, err)
	}
	return Reply{res, resp, time.Since(start)}
}

// DecodeResult decodes a command reply, as JSON when its Content-Type or
// asJSON says so.
func DecodeResult(resp *nats.Msg, asJSON bool) (*commandsv1.CommandResult, error) {
	res := &commandsv1.CommandResult{}
	var err error
	if asJSON || strings.HasPrefix(resp.Header.Get(bus.HeaderContentType), bus.ContentTypeJSON) {
		err = protojson.Unmarshal(resp.Data, res)
	} else {
		err = proto.Unmarshal(resp.Data, res)
	}
	return res, err
}

// JSON sends one JSON command (body: a string, []byte or a value to
// marshal) with no deadline header and returns its result.
func (c *Connector) JSON(action string, body any) *commandsv1.CommandResult {
	c.T.Helper()
	var data []byte
	switch b := body.(type) {
	case string:
		data = []byte(b)
	case []byte:
		data = b
	default:
		var err error
		if data, err = json.Marshal(body); err != nil {
			c.T.Fatal(err)
		}
	}
	return c.Send(Request{Action: action, Body: data}).CommandResult
}

// Proto sends one protobuf command with no deadline header and returns
// its result.
func (c *Connector) Proto(action string, m proto.Message) *commandsv1.CommandResult {
	c.T.Helper()
	data, err := proto.Marshal(m)
	if err != nil {
		c.T.Fatal(err)
	}
	return c.Send(Request{Action: action, Body: data, ContentType: bus.ContentTypeProtobuf}).CommandResult
}

// Query asks one state aspect of the first channel (protobuf); ok is false
// for an error reply (the channel not joined yet).
func (c *Connector) Query(a state.Aspect, into proto.Message) bool {
	c.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := c.Conn().RequestWithContext(ctx, c.Scope.Raw("state."+string(a)), nil)
	if err != nil {
		c.T.Fatalf("query %s: %v", a, err)
	}
	if m.Header.Get("Nats-Service-Error-Code") != "" {
		return false
	}
	if err := proto.Unmarshal(m.Data, into); err != nil {
		c.T.Fatalf("query %s: %v", a, err)
	}
	return true
}
