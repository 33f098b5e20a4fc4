package bus

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/roseybot/cytube-connector/internal/bus/bustest"
)

// The answers nats-server gives (server/jetstream_api.go JSPubAckResponse,
// as the Debian 2.9 and Go 2.15 servers print them) and what they mean.
func TestParsePubAck(t *testing.T) {
	for _, tc := range []struct {
		data string
		hdr  nats.Header
		dup  bool
		err  error
	}{
		{data: `{"stream":"ROSEY_CYTUBE","seq":42}`},
		{data: `{"stream":"ROSEY_CYTUBE", "seq":1}`},
		{data: `{"stream":"ROSEY_CYTUBE", "domain":"hub", "seq":1}`},
		{data: `{"stream":"ROSEY_CYTUBE", "seq":1,"duplicate": true}`, dup: true},
		{data: `{"stream":"ROSEY_CYTUBE","domain":"hub","seq":42}`},
		{data: `{"stream":"ROSEY_CYTUBE","seq":42,"duplicate":true}`, dup: true},
		{data: `{"stream":"S", "seq":1, "duplicate": true}`, dup: true},
		{data: `{"stream":"S","seq":1,"duplicate":false}`},
		{data: `{"error":{"code":503,"err_code":10077,"description":"resource limits exceeded for account"}}`, err: jetstream.ErrJetStreamNotEnabled},
		{data: `{"stream":"S","error":{"code":400,"err_code":10071,"description":"wrong last sequence: 3"}}`},
		{data: ``, hdr: nats.Header{"Status": {"503"}}, err: nats.ErrNoResponders},
		{data: ``, err: jetstream.ErrInvalidJSAck},
		{data: `{"stream":"S"`, err: jetstream.ErrInvalidJSAck},
		{data: `{"seq":1}`, err: jetstream.ErrInvalidJSAck},
		{data: `[1]`, err: jetstream.ErrInvalidJSAck},
	} {
		got := parsePubAck(&nats.Msg{Data: []byte(tc.data), Header: tc.hdr})
		if got.dup != tc.dup {
			t.Errorf("%s: duplicate %v, want %v", tc.data, got.dup, tc.dup)
		}
		var apiErr *jetstream.APIError
		switch {
		case tc.err == jetstream.ErrJetStreamNotEnabled || (tc.err == nil && json.Valid([]byte(tc.data)) && len(tc.data) > 0 && containsError(tc.data)):
			if !errors.As(got.err, &apiErr) || apiErr.Code == 0 || apiErr.Description == "" {
				t.Errorf("%s: error %v, want the server's APIError", tc.data, got.err)
			}
		case tc.err != nil:
			if !errors.Is(got.err, tc.err) {
				t.Errorf("%s: error %v, want %v", tc.data, got.err, tc.err)
			}
		default:
			if got.err != nil {
				t.Errorf("%s: error %v", tc.data, got.err)
			}
		}
	}
}

func containsError(s string) bool {
	var v map[string]any
	return json.Unmarshal([]byte(s), &v) == nil && v["error"] != nil
}

// The usual acknowledgement is read without allocating.
func TestParsePubAckAllocs(t *testing.T) {
	for _, ack := range []string{
		`{"stream":"ROSEY_CYTUBE","seq":42}`,
		`{"stream":"ROSEY_CYTUBE", "seq":1}`,
		`{"stream":"ROSEY_CYTUBE", "domain":"hub", "seq":1}`,
		`{"stream":"ROSEY_CYTUBE", "seq":1,"duplicate": true}`,
	} {
		m := &nats.Msg{Data: []byte(ack)}
		if n := testing.AllocsPerRun(100, func() { parsePubAck(m) }); n != 0 {
			t.Errorf("%s: %v allocations per acknowledgement, want 0", ack, n)
		}
	}
}

// The acknowledgements of the servers the connector runs with (the
// nats-server on PATH, 2.9 on Debian, and the embedded one) are read on
// the fast path.
func TestServersAcksFast(t *testing.T) {
	for name, url := range map[string]string{
		"process":  bustest.RunProcess(t, "", "-js").URL(),
		"embedded": bustest.RunServer(t).ClientURL(),
	} {
		nc, err := nats.Connect(url)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "ROSEY_CYTUBE", Subjects: []string{"ack.>"}}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m := &nats.Msg{Subject: "ack.x", Data: []byte("x"), Header: nats.Header{jetstream.MsgIDHeader: {"one"}}}
		for i, dup := range []bool{false, true} {
			r, err := nc.RequestMsg(m, 5*time.Second)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got, ok := fastPubAck(r.Data)
			if !ok || got != dup {
				t.Errorf("%s: publish %d: %q not read on the fast path (duplicate %v, ok %v)", name, i, r.Data, got, ok)
			}
		}
	}
}

// FuzzParsePubAck: the fast path agrees with encoding/json on every input,
// and nothing panics.
func FuzzParsePubAck(f *testing.F) {
	for _, s := range []string{
		`{"stream":"ROSEY_CYTUBE","seq":42}`,
		`{"stream":"ROSEY_CYTUBE", "domain":"hub", "seq":1,"duplicate": true}`,
		`{"stream":"S","seq":1,"duplicate":true}`,
		`{"stream":"S\"duplicate\":true","seq":1}`,
		`{"stream":"S","seq":1,"error":{"code":1}}`,
		`{"error":{"code":503,"err_code":10077,"description":"x"}}`,
		``, `{}`, `{"stream":""}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := parsePubAck(&nats.Msg{Data: data})
		var resp struct {
			Error     *jetstream.APIError `json:"error"`
			Stream    string              `json:"stream"`
			Duplicate bool                `json:"duplicate"`
		}
		if len(data) == 0 || json.Unmarshal(data, &resp) != nil {
			if got.err == nil {
				t.Fatalf("%q: accepted, encoding/json refuses it", data)
			}
			return
		}
		switch {
		case resp.Error != nil:
			if got.err == nil {
				t.Fatalf("%q: accepted, it is an error", data)
			}
		case resp.Stream == "":
			if got.err == nil {
				t.Fatalf("%q: accepted without a stream", data)
			}
		default:
			if got.err != nil || got.dup != resp.Duplicate {
				t.Fatalf("%q: got %+v, encoding/json says duplicate %v", data, got, resp.Duplicate)
			}
		}
	})
}
