package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	// Registered for their message types: the monitor finds a payload's
	// type by its ce-dataschema header in protoregistry.GlobalTypes.
	_ "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	_ "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	_ "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"

	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/mapping"
)

// defaultMonitorSubjects are the seed's two event trees: raw platform
// events and normalized events. Commands are not shown.
var defaultMonitorSubjects = []string{"rosey.platform.cytube.>", "rosey.events.>"}

var monitorCommand = command{
	name:     "monitor",
	synopsis: "monitor [flags]",
	about: `
Subscribes to ` + strings.Join(defaultMonitorSubjects, " and ") + ` and prints every
message as one line: time, subject, ce-type, the first 8 characters of
ce-correlationid, then the payload as compact JSON. Protobuf payloads are
decoded by their ce-dataschema header; JSON payloads are printed as they are.
With -json each line is a JSON object {"time", "subject", "headers", "data"}.

NATS settings default to the connector's own (NATS_URL, NATS_TOKEN, ... from
the environment or .env); without NATS_URL the monitor connects to the
connector's embedded server. It waits for NATS to come up.`,
}

// subjectList is a repeatable flag that also accepts comma-separated lists.
type subjectList []string

func (s *subjectList) String() string { return strings.Join(*s, ",") }

func (s *subjectList) Set(v string) error {
	for part := range strings.SplitSeq(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*s = append(*s, part)
		}
	}
	return nil
}

func (c *cli) monitor(args []string) int {
	fs := c.newFlagSet(monitorCommand)
	nf := bindNATSFlags(fs)
	var subjects subjectList
	fs.Var(&subjects, "subject", "subject to watch instead of the defaults; repeat it or give a comma-separated list")
	asJSON := fs.Bool("json", false, "print one JSON object per message: {time, subject, headers, data}")
	count := fs.Int("count", 0, "exit after this many messages (0: no limit)")
	timeout := fs.Duration("timeout", 0, "exit after this long (0: run until interrupted); with -count, not seeing enough messages is an error")
	verbose := fs.Bool("v", false, "log NATS connection details to stderr")
	if code, ok := c.parse(fs, monitorCommand, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return c.usageError(monitorCommand, "unexpected argument %q", fs.Arg(0))
	}
	if *count < 0 || *timeout < 0 {
		return c.usageError(monitorCommand, "-count and -timeout must not be negative")
	}
	if len(subjects) == 0 {
		subjects = defaultMonitorSubjects
	}
	cc, err := nf.clientConfig(c.lookupEnv, progName+"-monitor")
	if err != nil {
		c.printConfigError(err)
		return exitUsage
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := stderrLogger(c.stderr, level)

	ctx, stop := c.signalContext(context.Background(), log)
	defer stop()
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	nc, err := bus.Connect(ctx, cc, log)
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return exitOK // interrupted while waiting for NATS
		}
		return c.fail(err)
	}
	defer nc.Close()

	p := &printer{w: c.stdout, json: *asJSON}
	w, err := watch(nc, subjects)
	if err != nil {
		return c.fail(err)
	}
	defer w.stop()
	fmt.Fprintf(c.stderr, "monitoring %s on %s (Ctrl-C to stop)\n", strings.Join(subjects, ", "), nc.ConnectedUrlRedacted())

	seen := 0
	for {
		select {
		case m := <-w.msgs:
			if err := p.print(m); err != nil {
				return c.fail(fmt.Errorf("write: %w", err))
			}
			seen++
			if *count > 0 && seen >= *count {
				return exitOK
			}
		case <-ctx.Done():
			if *count > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				fmt.Fprintf(c.stderr, "%s: saw %d of %d messages within %v\n", progName, seen, *count, *timeout)
				return exitError
			}
			return exitOK
		}
	}
}

// watcher delivers the messages of several subscriptions on one channel,
// in the order the connection received them.
type watcher struct {
	subs []*nats.Subscription
	msgs chan *nats.Msg
}

// watch subscribes to subjects and flushes, so that every message
// published after it returns is seen.
func watch(nc *nats.Conn, subjects []string) (*watcher, error) {
	w := &watcher{msgs: make(chan *nats.Msg, 8192)}
	for _, s := range subjects {
		sub, err := nc.ChanSubscribe(s, w.msgs)
		if err != nil {
			w.stop()
			return nil, fmt.Errorf("subscribe %s: %w", s, err)
		}
		w.subs = append(w.subs, sub)
	}
	if err := nc.Flush(); err != nil {
		w.stop()
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	return w, nil
}

func (w *watcher) stop() {
	for _, s := range w.subs {
		_ = s.Unsubscribe()
	}
	w.subs = nil
}

// printer writes messages as lines. It is not safe for concurrent use.
type printer struct {
	w    io.Writer
	json bool
	// now is the clock for the time column; time.Now when nil.
	now func() time.Time

	// The subject and type columns are as wide as the widest seen so far
	// (at least minColumn), so that a long subject does not shift the
	// columns of its line only.
	mu           sync.Mutex
	subjW, typeW int
}

// minColumn is the least width of the subject and type columns.
const minColumn = 36

func (p *printer) print(m *nats.Msg) error {
	now := time.Now()
	if p.now != nil {
		now = p.now()
	}
	data, note := decodePayload(m.Header, m.Data)
	if data == nil && len(m.Data) > 0 && m.Header.Get(bus.HeaderDataSchema) == "" {
		// A command sent in protobuf without ce-dataschema: its subject
		// names the action, and so the message.
		if d, ok := decodeCommand(m.Subject, m.Data); ok {
			data, note = d, ""
		}
	}
	if note == noteEmpty {
		switch {
		case strings.Contains(m.Subject, ".state."):
			// rosey.platform.<platform>[.<channel>].state.<aspect>: an
			// empty body asks for the subject's channel (docs/state.md).
			note = "<state query>"
		case m.Reply != "":
			note = "<empty request>"
		}
	}
	var line []byte
	if p.json {
		obj := struct {
			Time       string            `json:"time"`
			Subject    string            `json:"subject"`
			Headers    map[string]string `json:"headers,omitempty"`
			Data       json.RawMessage   `json:"data,omitempty"`
			DataBase64 string            `json:"data_base64,omitempty"`
			Note       string            `json:"note,omitempty"`
		}{Time: now.UTC().Format(time.RFC3339Nano), Subject: m.Subject, Data: data, Note: note}
		if len(m.Header) > 0 {
			obj.Headers = make(map[string]string, len(m.Header))
			for k, v := range m.Header {
				obj.Headers[k] = strings.Join(v, ", ")
			}
		}
		if data == nil && len(m.Data) > 0 {
			obj.DataBase64 = base64.StdEncoding.EncodeToString(m.Data)
		}
		var err error
		if line, err = json.Marshal(obj); err != nil {
			return err
		}
	} else {
		payload := string(data)
		if data == nil {
			payload = note
		}
		typ := m.Header.Get(bus.HeaderType)
		if typ == "" {
			typ = "-"
		}
		corr := short(m.Header.Get(bus.HeaderCorrelationID), 8)
		if corr == "" {
			corr = "-"
		}
		p.mu.Lock()
		p.subjW = max(p.subjW, minColumn, len(m.Subject))
		p.typeW = max(p.typeW, minColumn, len(typ))
		subjW, typeW := p.subjW, p.typeW
		p.mu.Unlock()
		line = fmt.Appendf(nil, "%s %-*s %-*s %-8s %s", now.Format("15:04:05.000"), subjW, m.Subject, typeW, typ, corr, payload)
	}
	line = append(line, '\n')
	_, err := p.w.Write(line)
	return err
}

// decodeCommand decodes data as the command message of the action a
// command subject (….send.<action>) names.
func decodeCommand(subject string, data []byte) (json.RawMessage, bool) {
	i := strings.LastIndex(subject, ".send.")
	if i < 0 {
		return nil, false
	}
	m, ok := mapping.NewCommand(subject[i+len(".send."):])
	if !ok || proto.Unmarshal(data, m) != nil {
		return nil, false
	}
	j, note := protoJSON(m)
	return j, note == ""
}

// noteEmpty is the payload column of a message without data.
const noteEmpty = "<empty>"

// decodePayload returns the payload as compact JSON, or nil and a note
// saying why it cannot: protobuf is decoded through the type named by
// ce-dataschema, JSON is kept as it is.
func decodePayload(h nats.Header, data []byte) (json.RawMessage, string) {
	ct, _, _ := strings.Cut(h.Get(bus.HeaderContentType), ";")
	ct = strings.ToLower(strings.TrimSpace(ct))
	schema := h.Get(bus.HeaderDataSchema)
	switch {
	case ct == bus.ContentTypeJSON || (ct == "" && json.Valid(data) && len(bytes.TrimSpace(data)) > 0):
		return compactJSON(data)
	case schema != "":
		mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(schema))
		if err != nil {
			return nil, fmt.Sprintf("<%d bytes of %s, unknown schema %s: %s>", len(data), orDash(ct), schema, preview(data))
		}
		m := mt.New().Interface()
		if err := proto.Unmarshal(data, m); err != nil {
			return nil, fmt.Sprintf("<%d bytes that are not a valid %s: %v>", len(data), schema, err)
		}
		return protoJSON(m)
	case len(data) == 0:
		return nil, noteEmpty
	}
	return nil, fmt.Sprintf("<%d bytes of %s without ce-dataschema: %s>", len(data), orDash(ct), preview(data))
}

// protoJSON encodes m as compact single-line JSON.
func protoJSON(m proto.Message) (json.RawMessage, string) {
	b, err := bus.JSONOptions.Marshal(m)
	if err != nil {
		return nil, fmt.Sprintf("<cannot encode %s as JSON: %v>", proto.MessageName(m), err)
	}
	return compactJSON(b)
}

func compactJSON(b []byte) (json.RawMessage, string) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, fmt.Sprintf("<%d bytes of invalid JSON: %s>", len(b), preview(b))
	}
	return buf.Bytes(), ""
}

// preview shows short text as a quoted string and binary data as base64.
func preview(b []byte) string {
	const limit = 96
	if utf8.Valid(b) {
		s := string(b)
		if len(s) > limit {
			s = strings.ToValidUTF8(s[:limit], "") + "..."
		}
		return fmt.Sprintf("%q", s)
	}
	s := base64.StdEncoding.EncodeToString(b)
	if len(s) > limit {
		s = s[:limit] + "..."
	}
	return "base64 " + s
}

func orDash(s string) string {
	if s == "" {
		return "no content type"
	}
	return s
}
