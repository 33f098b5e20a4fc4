package asyncapi

import (
	"github.com/nats-io/nats.go/micro"

	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/state"
)

func str(desc string, extra ...any) map[string]any {
	m := map[string]any{"type": "string", "description": desc}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i].(string)] = extra[i+1]
	}
	return m
}

// traceparentPattern is W3C Trace Context's version-00 traceparent.
const traceparentPattern = "^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"

// headerSchemas adds the NATS header schemas (internal/bus/publish.go
// setHeaders, bus/command.go, state/state.go).
func (b *builder) headerSchemas() {
	contentType := str("`application/protobuf`, or `application/json` for protojson (PAYLOAD_ENCODING=json) and JSON-only events.",
		"enum", []string{bus.ContentTypeProtobuf, bus.ContentTypeJSON})
	b.compSchema[eventHeaders] = map[string]any{
		"type":        "object",
		"description": "CloudEvents 1.0 binary-mode headers, JetStream de-duplication and W3C trace context, set on every event.",
		"properties": map[string]any{
			bus.HeaderSpecVersion: str("CloudEvents version.", "const", bus.SpecVersion),
			bus.HeaderID: str("Event id: stable for one CyTube event (the same line replayed on a rejoin has the same id); " +
				"the normalized message's is the raw id plus `-<kind>`."),
			bus.HeaderSource:        str("`cytube://<host>/<channel>`.", "examples", []string{"cytube://cytu.be/mychannel"}),
			bus.HeaderType:          str("`cytube.<CyTube event>` for raw events, `rosey.events.<kind>` for normalized ones."),
			bus.HeaderTime:          str("When CyTube says the event happened (its own timestamp where it sends one), else when it arrived; RFC 3339.", "format", "date-time"),
			bus.HeaderDataSchema:    str("Full name of the body's protobuf message; absent on JSON-only events."),
			bus.HeaderCorrelationID: str("Shared by the raw and the normalized message of one CyTube event; a command's id on the events it caused is in `traceparent`."),
			bus.HeaderPlatform:      str("Always `cytube`.", "const", "cytube"),
			bus.HeaderChannel:       str("The CyTube channel."),
			bus.HeaderContentType:   contentType,
			bus.HeaderMsgID:         str("JetStream de-duplication key: the same as `ce-id`."),
			bus.HeaderTraceparent: str("W3C traceparent: the raw and normalized message of one event share it; an event a command caused "+
				"(its echo, the state change) carries a child span of the command's trace.", "pattern", traceparentPattern),
		},
		"required": []string{bus.HeaderSpecVersion, bus.HeaderID, bus.HeaderSource, bus.HeaderType, bus.HeaderTime,
			bus.HeaderContentType, bus.HeaderMsgID, bus.HeaderTraceparent},
	}
	b.compSchema[commandHeaders] = map[string]any{
		"type":        "object",
		"description": "Optional request headers of a command. Without Content-Type, a body that starts with `{` is read as JSON.",
		"properties": map[string]any{
			bus.HeaderContentType: contentType,
			bus.HeaderDeadlineMs:  str("The command's deadline in milliseconds (default 10 s, at most 2 min).", "pattern", "^[0-9]+$"),
			bus.HeaderTraceparent: str("W3C traceparent; the result carries a child span of it, and so do the events the command caused.", "pattern", traceparentPattern),
			bus.HeaderCorrelationID: str("Copied onto the ErrorEvent of a command sent without a reply subject " +
				"(else `ce-id`, else `Nats-Msg-Id`)."),
		},
	}
	b.compSchema[stateHeaders] = map[string]any{
		"type":        "object",
		"description": "Optional request headers of a state query. JSON is answered when Accept or Content-Type names application/json or the body starts with `{`.",
		"properties": map[string]any{
			state.HeaderAccept:    str("`application/json` for a protojson answer."),
			bus.HeaderContentType: contentType,
		},
	}
	b.compSchema[resultHeaders] = map[string]any{
		"type":        "object",
		"description": "Headers of a command result or state answer.",
		"properties": map[string]any{
			bus.HeaderContentType: contentType,
			bus.HeaderTraceparent: str("A child span of the request's traceparent, or a new trace when it had none.", "pattern", traceparentPattern),
			micro.ErrorHeader:     str("Set on failures: the reason (NATS micro convention)."),
			micro.ErrorCodeHeader: str("Set on failures: the ErrorCode name without its prefix, e.g. `RATE_LIMITED`, `NOT_FOUND`."),
		},
	}
}

// jsonOnlySchemas adds the payloads that have no proto: what the
// connector could not type is still published (internal/service/events.go
// Translate and onBadFrame, oversize.go).
func (b *builder) jsonOnlySchemas() {
	args := map[string]any{"type": "array", "description": "The event's arguments, verbatim as CyTube sent them."}
	b.compSchema[UnknownEvent] = map[string]any{
		"type":        "object",
		"description": "A CyTube event the connector does not model yet, verbatim.",
		"properties": map[string]any{
			"event": str("CyTube's event name."),
			"args":  args,
		},
		"required": []string{"event", "args"},
	}
	b.compSchema[InvalidEvent] = map[string]any{
		"description": "What did not fit: a modelled event whose payload did not match its schema (`ce-type: cytube.<event>`), " +
			"a frame that did not parse (`cytube.bad_frame`), or an event the NATS server refused as larger than its " +
			"max_payload (`cytube.oversize`).",
		"oneOf": []any{
			map[string]any{"type": "object", "title": "undecodable event", "required": []string{"event", "args", "error"},
				"properties": map[string]any{"event": str("CyTube's event name."), "args": args, "error": str("Where the payload did not fit.")}},
			map[string]any{"type": "object", "title": "bad frame", "required": []string{"error"}, "not": map[string]any{"required": []string{"event"}},
				"properties": map[string]any{
					"error":        str("Why the frame did not parse."),
					"frame":        str("The frame as received, when it is valid UTF-8."),
					"frame_base64": str("The frame, base64, when it is not valid UTF-8."),
				}},
			map[string]any{"type": "object", "title": "oversize", "required": []string{"event", "type", "subject", "bytes", "error"},
				"properties": map[string]any{
					"event":   str("CyTube's event name."),
					"type":    str("The ce-type the event would have had."),
					"subject": str("The subject it would have gone to."),
					"id":      str("Its ce-id; this notice's ce-id is that plus `-oversize`."),
					"bytes":   map[string]any{"type": "integer", "description": "Its encoded size."},
					"error":   str("What to do about it."),
				}},
		},
	}
}
