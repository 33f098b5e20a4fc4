package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/cytube/raw"

	"google.golang.org/protobuf/proto"

	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/mapping"
	"github.com/roseybot/cytube-connector/internal/service"
)

// goldenChannel is the fixed channel the event goldens are translated for
// (seed scope: rosey.platform.cytube.<event>, rosey.events.<kind>).
var goldenChannel = service.ChannelInfo{
	Name:    "goldentest",
	Source:  "cytube://localhost/goldentest",
	Scope:   bus.Scope{Platform: mapping.Platform},
	OwnName: "goldenbot",
	Rank:    func(string) (float64, bool) { return 0, false },
}

// goldenReceived replaces the read time of every frame; events that carry
// their own time (chatMsg, pm) use that instead.
var goldenReceived = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

// eventGolden is testdata/golden/events/<event>/<hash>.json.
type eventGolden struct {
	Event      string           `json:"event"`
	Frame      string           `json:"frame"`
	Captures   []string         `json:"captures"`
	Error      string           `json:"error,omitempty"`
	Unmodelled []string         `json:"unmodelled,omitempty"`
	Envelopes  []envelopeGolden `json:"envelopes"`
}

// envelopeGolden is one published NATS message.
type envelopeGolden struct {
	Subject string            `json:"subject"`
	Headers map[string]string `json:"headers"`
	// Type, Binpb and Message describe a protobuf body: its full name, the
	// .binpb file beside the golden, and its proto3 JSON.
	Type    string          `json:"type,omitempty"`
	Binpb   string          `json:"binpb,omitempty"`
	Message json.RawMessage `json:"message,omitempty"`
	// JSON is the body of an event without a proto model.
	JSON json.RawMessage `json:"json,omitempty"`
}

// goldenEvent turns a captured frame into the cytube.Event the session
// would deliver: the capture's event and args are the decoded Socket.IO
// packet, decoded once as the session does. Volatile fields are fixed.
func goldenEvent(fr *capturedFrame) cytube.Event {
	ev := cytube.Event{
		Name: fr.Event, Args: fr.Args, Received: goldenReceived,
		Conn: 1, Seq: 1, SocketID: "goldensid", Channel: goldenChannel.Name,
	}
	if len(fr.Args) > 0 {
		ev.Arg = fr.Args[0]
	}
	ev.Msg, ev.Unmodelled, ev.Err = raw.Decode(ev.Name, ev.Arg)
	return ev
}

func eventGoldenPath(fr *capturedFrame) string {
	return filepath.Join(goldenDir, "events", fr.Event, fr.Hash+".json")
}

// TestEventGoldens feeds every distinct captured server→client event frame
// through service.Translate and the real bus.Publisher (to a real NATS
// server) and compares subjects, headers and bodies with the goldens.
func TestEventGoldens(t *testing.T) {
	frames := loadCaptures(t)
	if *update {
		if err := os.RemoveAll(filepath.Join(goldenDir, "events")); err != nil {
			t.Fatal(err)
		}
	}
	srv := bustest.RunServer(t)
	nc := bustest.Connect(t, srv)
	sub, err := nc.SubscribeSync("rosey.>")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	pub, err := bus.NewPublisher(nc, bus.PublisherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	for _, fr := range frames {
		out := service.Translate(goldenChannel, goldenEvent(fr))
		g := eventGolden{Event: fr.Event, Frame: fr.Frame, Captures: fr.Captures, Unmodelled: out.Unmodelled}
		if out.Err != nil {
			g.Error = out.Err.Error()
		}
		type binGolden struct {
			path string
			msg  proto.Message
		}
		var bins []binGolden
		for i, env := range out.Envelopes {
			if env.Data == nil {
				err = pub.PublishJSON(ctx, env)
			} else {
				err = pub.Publish(ctx, env)
			}
			if err != nil {
				t.Fatalf("%s %s: publish %s: %v", fr.Event, fr.Hash, env.Subject, err)
			}
			m, err := sub.NextMsg(5 * time.Second)
			if err != nil {
				t.Fatalf("%s %s: receive %s: %v", fr.Event, fr.Hash, env.Subject, err)
			}
			eg := envelopeGolden{Subject: m.Subject, Headers: map[string]string{}}
			for k, v := range m.Header {
				eg.Headers[k] = strings.Join(v, ", ")
			}
			// A new trace per event: random, so recorded by its shape.
			if _, ok := bus.ParseTraceparent(eg.Headers[bus.HeaderTraceparent]); !ok {
				t.Errorf("%s %s: %s: traceparent %q is not a valid W3C traceparent", fr.Event, fr.Hash, env.Subject, eg.Headers[bus.HeaderTraceparent])
			}
			eg.Headers[bus.HeaderTraceparent] = "00-<random trace-id>-<random span-id>-00"
			if env.Data == nil {
				eg.JSON = m.Data
			} else {
				// What consumers get is the published bytes: decode them.
				mt, err := messageType(m.Header.Get(bus.HeaderDataSchema))
				if err != nil {
					t.Fatalf("%s %s: %v", fr.Event, fr.Hash, err)
				}
				got := mt.New().Interface()
				if err := proto.Unmarshal(m.Data, got); err != nil {
					t.Fatalf("%s %s: published body does not decode: %v", fr.Event, fr.Hash, err)
				}
				if !proto.Equal(got, env.Data) {
					t.Errorf("%s %s: published body decodes to something else than Translate's message", fr.Event, fr.Hash)
				}
				eg.Type = string(mt.Descriptor().FullName())
				eg.Binpb = fmt.Sprintf("%s.%d.binpb", fr.Hash, i)
				eg.Message = protoJSON(t, got)
				bins = append(bins, binGolden{filepath.Join(goldenDir, "events", fr.Event, eg.Binpb), got})
			}
			g.Envelopes = append(g.Envelopes, eg)
		}
		checkJSONGolden(t, eventGoldenPath(fr), encodeJSON(t, g))
		for _, b := range bins {
			checkBinGolden(t, b.path, b.msg)
		}
	}
	t.Logf("%d distinct event frames checked", len(frames))
}

// TestCoverageGate fails when a captured event has no mapping or no
// golden, when a captured frame does not fit its schema, and when a golden
// file has no captured frame behind it (a deleted capture or a stray
// file).
func TestCoverageGate(t *testing.T) {
	frames := loadCaptures(t)
	byEvent := map[string][]*capturedFrame{}
	want := map[string]bool{} // golden files that must exist, relative to golden/events
	for _, fr := range frames {
		byEvent[fr.Event] = append(byEvent[fr.Event], fr)
		want[path.Join(fr.Event, fr.Hash+".json")] = true
	}
	names := make([]string, 0, len(byEvent))
	for n := range byEvent {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("%d distinct server→client events in the captures: %s", len(names), strings.Join(names, " "))
	if len(names) < 50 {
		t.Errorf("only %d distinct events in the captures; a capture file is missing?", len(names))
	}

	for _, n := range names {
		if _, ok := mapping.RawSubject(n); !ok {
			fr := byEvent[n][0]
			t.Errorf("captured event %q (%d distinct frames, e.g. in %s) has no mapping: add it to internal/mapping (subjects.go and the proto)", n, len(byEvent[n]), fr.Captures[0])
		}
	}
	for _, fr := range frames {
		out := service.Translate(goldenChannel, goldenEvent(fr))
		if out.Err != nil && !errors.Is(out.Err, raw.ErrUnknownEvent) {
			t.Errorf("captured %s frame %s (in %s) does not fit its schema: %v", fr.Event, fr.Hash, fr.Captures[0], out.Err)
		}
	}

	// Every golden must exist ...
	have := map[string]bool{}
	for _, f := range listFiles(t, filepath.Join(goldenDir, "events")) {
		have[f] = true
	}
	for f := range want {
		if !have[f] {
			t.Errorf("no golden testdata/golden/events/%s for a captured frame: run `make golden`", f)
		}
	}
	// ... its binary payloads too, and nothing else may be there.
	for f := range have {
		if !strings.HasSuffix(f, ".json") {
			continue
		}
		if !want[f] {
			t.Errorf("golden testdata/golden/events/%s has no captured frame behind it (capture deleted or changed?)", f)
			continue
		}
		b, err := os.ReadFile(filepath.Join(goldenDir, "events", filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		var g eventGolden
		if err := json.Unmarshal(b, &g); err != nil {
			t.Errorf("golden %s: %v", f, err)
			continue
		}
		for _, e := range g.Envelopes {
			if e.Binpb != "" {
				want[path.Join(path.Dir(f), e.Binpb)] = true
			}
		}
	}
	for f := range have {
		if !want[f] {
			t.Errorf("golden testdata/golden/events/%s belongs to no captured frame", f)
		}
	}
	for f := range want {
		if !have[f] && !strings.HasSuffix(f, ".json") {
			t.Errorf("binary golden testdata/golden/events/%s is missing: run `make golden`", f)
		}
	}
}

// refusalKinds are the refusals CyTube sends to commands; each has a
// golden in testdata/golden/refusals.
var refusalKinds = []string{"cooldown", "errorMsg", "kick", "noflood", "queueFail", "spamFiltered"}

// TestCommandCoverageGate fails when a send action or a refusal kind has
// no golden, or a golden belongs to no action or refusal.
func TestCommandCoverageGate(t *testing.T) {
	frames := loadCaptures(t)
	captured := map[string]bool{}
	for _, fr := range frames {
		captured[fr.Event] = true
	}
	want := map[string]bool{}
	for _, a := range mapping.Actions() {
		want["commands/"+a+".json"], want["commands/"+a+".binpb"] = true, true
	}
	for _, k := range refusalKinds {
		if !captured[k] {
			t.Errorf("refusal %q is not in the captures", k)
		}
		want["refusals/"+k+".json"], want["refusals/"+k+".binpb"] = true, true
	}
	have := map[string]bool{}
	for _, dir := range []string{"commands", "refusals"} {
		for _, f := range listFiles(t, filepath.Join(goldenDir, dir)) {
			have[dir+"/"+f] = true
		}
	}
	for f := range want {
		if !have[f] {
			t.Errorf("golden testdata/golden/%s is missing: run `make golden`", f)
		}
	}
	for f := range have {
		if !want[f] {
			t.Errorf("golden testdata/golden/%s belongs to no send action or refusal", f)
		}
	}
}
