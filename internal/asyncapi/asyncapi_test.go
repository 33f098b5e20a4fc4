package asyncapi

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"gopkg.in/yaml.v3"

	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/crosslang"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/cytube/raw"
	"github.com/roseybot/cytube-connector/internal/mapping"
	"github.com/roseybot/cytube-connector/internal/service"
)

func root(t *testing.T) string { return crosslang.RepoRoot(t) }

// TestDocumentIsCurrent: the committed document is what Build writes from
// the committed schemas (CI's checkgenerate also regenerates both).
func TestDocumentIsCurrent(t *testing.T) {
	got, err := Build(os.DirFS(filepath.Join(root(t), "gen", "jsonschema")))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(root(t), Path))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run make generate and commit it", Path)
	}
}

// TestDocumentCoversTheTables: every subject the code builds is a channel
// address of the document, with the message the code sends there.
func TestDocumentCoversTheTables(t *testing.T) {
	doc := load(t)
	addr := map[string][]string{}
	for _, ch := range doc.Channels {
		if ch.Address == nil {
			continue
		}
		for _, m := range ch.Messages {
			addr[*ch.Address] = append(addr[*ch.Address], m.Ref[strings.LastIndex(m.Ref, "/")+1:])
		}
	}
	want := func(subject string, msg protoreflect.FullName) {
		t.Helper()
		for _, m := range addr[subject] {
			if m == string(msg) {
				return
			}
		}
		t.Errorf("no channel %s carrying %s (has %v)", subject, msg, addr[subject])
	}
	for _, l := range layouts {
		for _, ev := range mapping.Events() {
			suffix, _ := mapping.RawSubject(ev)
			name, _ := raw.MessageName(ev)
			want(l.scope.Raw(suffix), name)
		}
		for _, k := range mapping.Kinds() {
			want(l.scope.Normalized(k.Kind), k.Message)
		}
		for _, a := range mapping.Actions() {
			m, _ := mapping.NewCommand(a)
			want(l.scope.Command(a), m.ProtoReflect().Descriptor().FullName())
		}
		want(l.scope.Status(), "rosey.events.v1.ConnectorStatus")
		want(l.scope.Errors(), "rosey.events.v1.ErrorEvent")
	}
	if n := len(doc.Channels); n < 2*(len(mapping.Actions())+len(mapping.Kinds())) {
		t.Errorf("only %d channels", n)
	}
}

type docShape struct {
	Channels map[string]struct {
		Address  *string `yaml:"address"`
		Messages map[string]struct {
			Ref string `yaml:"$ref"`
		} `yaml:"messages"`
	} `yaml:"channels"`
}

func load(t *testing.T) docShape {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root(t), Path))
	if err != nil {
		t.Fatal(err)
	}
	var d docShape
	if err := yaml.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// sample is one message the validator checks against the document.
type sample struct {
	Source  string            `json:"source"`
	Subject string            `json:"subject,omitempty"`
	Type    string            `json:"type"`
	Headers map[string]string `json:"headers,omitempty"`
	JSON    json.RawMessage   `json:"json"`
}

// TestDocumentValidates parses the document with the AsyncAPI parser from
// npm, then checks every contract golden against it (internal/contract/
// testdata/golden: real CyTube traffic through the connector's pipeline):
// its subject is a channel of the document carrying its message, in seed
// and in channel mode; its headers fit the message's headers schema; its
// body, in both JSON forms (the golden's and the connector's, zero values
// included), fits the payload schema and the bundled JSON Schema.
func TestDocumentValidates(t *testing.T) {
	crosslang.InstallTools(t)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node (>= 20) is required: %v", err)
	}
	samples := goldenSamples(t)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, s := range samples {
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "samples.jsonl")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := root(t)
	out, stderr, err := crosslang.Run(t, 3*time.Minute, r, nil, nil, node,
		filepath.Join(r, "internal", "tools", "node", "validate-asyncapi.mjs"),
		filepath.Join(r, Path), file, filepath.Join(r, "gen", "jsonschema"))
	t.Logf("validator:\n%s%s", out, stderr)
	if err != nil {
		t.Fatalf("the document or the goldens do not validate: %v", err)
	}
	if !bytes.Contains(out, []byte("samples: ")) {
		t.Fatalf("validator checked no samples")
	}
}

// TestValidatorRejects: the validator fails a document that does not
// parse and a sample that does not fit, so a green TestDocumentValidates
// means something.
func TestValidatorRejects(t *testing.T) {
	crosslang.InstallTools(t)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node (>= 20) is required: %v", err)
	}
	r := root(t)
	good, err := os.ReadFile(filepath.Join(r, Path))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, bytes.Replace(good, []byte("action: send"), []byte("action: sent"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(r, "internal", "tools", "node", "validate-asyncapi.mjs")
	if out, _, err := crosslang.Run(t, time.Minute, r, nil, nil, node, script, bad); err == nil {
		t.Errorf("a document with action: sent validated:\n%s", out)
	}
	samples := filepath.Join(dir, "samples.jsonl")
	lines := `{"source":"t","subject":"rosey.platform.cytube.chat","type":"cytube.v1.ChatMsg","json":{"username":7}}` + "\n" +
		`{"source":"t","subject":"rosey.platform.cytube.pm","type":"cytube.v1.ChatMsg","json":{}}` + "\n"
	if err := os.WriteFile(samples, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := crosslang.Run(t, time.Minute, r, nil, nil, node, script, filepath.Join(r, Path), samples, filepath.Join(r, "gen", "jsonschema"))
	if err == nil {
		t.Errorf("bad samples validated:\n%s", out)
	}
	for _, want := range []string{"payload", "no channel of the document carries cytube.v1.ChatMsg on rosey.platform.cytube.pm"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("validator output lacks %q:\n%s", want, out)
		}
	}
}

// channelMode rewrites a seed-mode subject to the channel-mode subject of
// channel c.
func channelMode(subject, c string) string {
	seed := bus.Scope{Platform: mapping.Platform}
	chm := bus.Scope{Platform: mapping.Platform, Channel: c}
	if rest, ok := strings.CutPrefix(subject, seed.Normalized("")); ok {
		return chm.Normalized(rest)
	}
	if rest, ok := strings.CutPrefix(subject, seed.Raw("")); ok {
		return chm.Raw(rest)
	}
	return subject
}

func goldenSamples(t *testing.T) []sample {
	t.Helper()
	golden := filepath.Join(root(t), "internal", "contract", "testdata", "golden")
	var out []sample
	add := func(src, subject, typ string, headers map[string]string, body json.RawMessage, binpb string) {
		out = append(out, sample{Source: src, Subject: subject, Type: typ, Headers: headers, JSON: body})
		if subject != "" {
			out = append(out, sample{Source: src + " (channel mode)", Subject: channelMode(subject, "goldentest"), Type: typ, JSON: body})
		}
		if binpb == "" {
			return
		}
		mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(typ))
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		b, err := os.ReadFile(binpb)
		if err != nil {
			t.Fatal(err)
		}
		m := mt.New().Interface()
		if err := proto.Unmarshal(b, m); err != nil {
			t.Fatalf("%s: %v", binpb, err)
		}
		j, err := bus.JSONOptions.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sample{Source: src + " (connector JSON)", Subject: subject, Type: typ, JSON: j})
	}
	files, _ := filepath.Glob(filepath.Join(golden, "events", "*", "*.json"))
	for _, f := range files {
		var g struct {
			Envelopes []struct {
				Subject string            `json:"subject"`
				Headers map[string]string `json:"headers"`
				Type    string            `json:"type"`
				Binpb   string            `json:"binpb"`
				Message json.RawMessage   `json:"message"`
			} `json:"envelopes"`
		}
		readJSON(t, f, &g)
		for _, e := range g.Envelopes {
			e.Headers[bus.HeaderTraceparent] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"
			add(rel(t, f), e.Subject, e.Type, e.Headers, e.Message, filepath.Join(filepath.Dir(f), e.Binpb))
		}
	}
	files, _ = filepath.Glob(filepath.Join(golden, "commands", "*.json"))
	for _, f := range files {
		var g struct {
			Subject string          `json:"subject"`
			Type    string          `json:"type"`
			Binpb   string          `json:"binpb"`
			Message json.RawMessage `json:"message"`
		}
		readJSON(t, f, &g)
		add(rel(t, f), g.Subject, g.Type, nil, g.Message, filepath.Join(filepath.Dir(f), g.Binpb))
	}
	files, _ = filepath.Glob(filepath.Join(golden, "refusals", "*.json"))
	for _, f := range files {
		var g struct {
			Subject string          `json:"subject"`
			Body    json.RawMessage `json:"body"`
			Type    string          `json:"type"`
			Binpb   string          `json:"binpb"`
			Message json.RawMessage `json:"message"`
		}
		readJSON(t, f, &g)
		add(rel(t, f), "", g.Type, nil, g.Message, filepath.Join(filepath.Dir(f), g.Binpb))
		action := g.Subject[strings.LastIndex(g.Subject, ".")+1:]
		if m, ok := mapping.NewCommand(action); ok && len(g.Body) > 0 {
			if err := protojson.Unmarshal(g.Body, m); err == nil {
				add(rel(t, f)+" body", g.Subject, string(m.ProtoReflect().Descriptor().FullName()), nil, g.Body, "")
			}
		}
	}
	// What cannot be typed is published as JSON (service.Translate).
	for _, ev := range []cytube.Event{
		{Name: "futureEvent", Args: []json.RawMessage{json.RawMessage(`{"a":1}`)}, Err: raw.ErrUnknownEvent},
		{Name: "chatMsg", Args: []json.RawMessage{json.RawMessage(`{"msg":7}`)}, Err: &raw.DecodeError{Event: "chatMsg", Path: "msg", Msg: "want a string"}},
	} {
		tr := service.Translate(service.ChannelInfo{Name: "c", Source: "cytube://h/c", Scope: bus.Scope{Platform: mapping.Platform}}, ev)
		for _, e := range tr.Envelopes {
			typ := InvalidEvent
			if strings.HasSuffix(e.Subject, "."+mapping.UnknownSubject) {
				typ = UnknownEvent
			}
			add("service.Translate "+ev.Name, e.Subject, typ, nil, e.RawJSON, "")
		}
	}
	if len(out) < 2000 {
		t.Fatalf("only %d samples from %s", len(out), golden)
	}
	return out
}

func readJSON(t *testing.T, f string, v any) {
	t.Helper()
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", f, err)
	}
}

func rel(t *testing.T, f string) string {
	r, err := filepath.Rel(root(t), f)
	if err != nil {
		return f
	}
	return r
}

// TestServicesNameTheDocument: the id and path the micro services'
// metadata carry are this document's.
func TestServicesNameTheDocument(t *testing.T) {
	if want := ID + " (" + Path + ")"; bus.AsyncAPIDocument != want {
		t.Errorf("bus.AsyncAPIDocument = %q, want %q", bus.AsyncAPIDocument, want)
	}
}
