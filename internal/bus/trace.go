package bus

import (
	"encoding/hex"
	"math/rand/v2"
	"time"

	"google.golang.org/protobuf/proto"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
)

// HeaderTraceparent is the W3C Trace Context header
// (https://www.w3.org/TR/trace-context/#traceparent-header): every event
// the connector publishes carries one, a command's result carries the
// command's trace, and the event that confirmed a command (its echo)
// carries a child of it.
const HeaderTraceparent = "traceparent"

// TraceContext is a W3C trace context: the trace, the span (parent-id of
// whatever it is sent with) and the trace flags. The zero value is no
// trace.
type TraceContext struct {
	TraceID [16]byte
	SpanID  [8]byte
	Flags   byte
}

// IsValid reports a trace context with non-zero ids.
func (t TraceContext) IsValid() bool {
	return t.TraceID != [16]byte{} && t.SpanID != [8]byte{}
}

// ParseTraceparent reads a traceparent header value: version 00 (or a
// later one, whose first four fields are read as 00's), lower-case hex,
// non-zero ids. ok is false for anything else; such a header is ignored,
// as the W3C recommendation says, and a new trace is started.
func ParseTraceparent(s string) (t TraceContext, ok bool) {
	// 00-<32 hex>-<16 hex>-<2 hex>
	if len(s) < 55 || s[2] != '-' || s[35] != '-' || s[52] != '-' || (len(s) > 55 && s[55] != '-') {
		return TraceContext{}, false
	}
	if s[:2] == "ff" || !lowerHex(s[:2]) || (s[:2] == "00" && len(s) != 55) {
		return TraceContext{}, false
	}
	var flags [1]byte
	if !lowerHex(s[3:35]) || !lowerHex(s[36:52]) || !lowerHex(s[53:55]) {
		return TraceContext{}, false
	}
	_, _ = hex.Decode(t.TraceID[:], []byte(s[3:35]))
	_, _ = hex.Decode(t.SpanID[:], []byte(s[36:52]))
	_, _ = hex.Decode(flags[:], []byte(s[53:55]))
	t.Flags = flags[0]
	return t, t.IsValid()
}

func lowerHex(s string) bool {
	for i := range len(s) {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// NewTrace starts a trace: random ids, not sampled (the connector records
// no spans itself).
func NewTrace() TraceContext {
	var t TraceContext
	putRandom(t.TraceID[:])
	putRandom(t.SpanID[:])
	return t
}

// Child is a new span of the same trace, with the same flags.
func (t TraceContext) Child() TraceContext {
	putRandom(t.SpanID[:])
	return t
}

// putRandom fills b with random bytes, never all zero.
func putRandom(b []byte) {
	for {
		for i := 0; i < len(b); i += 8 {
			v := rand.Uint64()
			for j := i; j < min(i+8, len(b)); j++ {
				b[j] = byte(v)
				v >>= 8
			}
		}
		for _, c := range b {
			if c != 0 {
				return
			}
		}
	}
}

// String is the traceparent header value, version 00.
func (t TraceContext) String() string {
	var b [55]byte
	b[0], b[1], b[2] = '0', '0', '-'
	hex.Encode(b[3:35], t.TraceID[:])
	b[35] = '-'
	hex.Encode(b[36:52], t.SpanID[:])
	b[52] = '-'
	hex.Encode(b[53:55], []byte{t.Flags})
	return string(b[:])
}

// Sampled reports the W3C sampled flag: the caller records this trace.
func (t TraceContext) Sampled() bool { return t.Flags&1 != 0 }

// SpanKind is an OpenTelemetry span kind, numbered as in OTLP.
type SpanKind int

// The span kinds the connector records.
const (
	SpanKindServer   SpanKind = 2 // a command's handling
	SpanKindProducer SpanKind = 4 // an event published because of a command
)

// Span is one finished span of a sampled trace, for export (internal/otlp).
type Span struct {
	Name  string
	Kind  SpanKind
	Trace TraceContext // the span's own ids and flags
	// Parent is the parent span's id; zero for a root span.
	Parent     [8]byte
	Start, End time.Time
	Attrs      [][2]string
	// Error is the failure, "" when it succeeded.
	Error string
}

// commandSpan is the span of one command's handling.
func commandSpan(req CommandRequest, parent [8]byte, arrived time.Time, reply proto.Message, err error, isOK func(proto.Message) bool) Span {
	s := Span{
		Name: req.Action + " process", Kind: SpanKindServer, Trace: req.Trace, Parent: parent,
		Start: arrived, End: time.Now(),
		Attrs: [][2]string{
			{"messaging.system", "nats"},
			{"messaging.operation.type", "process"},
			{"messaging.destination.name", req.Subject},
			{"rosey.action", req.Action},
			{"rosey.platform", req.Scope.Platform},
		},
	}
	if req.Scope.Channel != "" {
		s.Attrs = append(s.Attrs, [2]string{"rosey.channel", req.Scope.Channel})
	}
	switch {
	case err != nil:
		s.Error = ErrorCodeName(CodeOf(err)) + ": " + err.Error()
	case reply != nil && isOK != nil && !isOK(reply):
		s.Error = "not ok"
		if m, ok := reply.(interface {
			GetCode() commandsv1.ErrorCode
			GetReason() string
		}); ok {
			s.Error = ErrorCodeName(m.GetCode()) + ": " + m.GetReason()
		}
	}
	return s
}
