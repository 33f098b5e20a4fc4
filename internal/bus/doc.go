// Package bus is the connector's NATS side: it runs an optional embedded
// nats-server, connects clients, builds every subject, publishes events as
// CloudEvents and takes commands through a NATS micro service.
//
// What it does not know: nothing about CyTube or Socket.IO, and of the
// connector's generated proto types only the error vocabulary,
// rosey.commands.v1.ErrorCode (ErrorCodeName is its one mapping to the
// Nats-Service-Error-Code header). Payloads are handled as proto.Message
// through protobuf reflection, and subjects are built from a Scope (platform plus
// optional channel) so the same code serves any platform.
//
// Subjects. Scope builds them all; in single-channel seed mode (empty
// Channel) they are exactly the seed design's: rosey.platform.cytube.chat,
// rosey.platform.cytube.user.join (raw), rosey.events.message (normalized),
// rosey.platform.cytube.send.chat (commands). A channel inserts its token
// after the platform. Scope builders do not validate; use Scope.Validate
// and ValidatePath where names come from outside.
//
// Events. Publisher sends an Envelope with CloudEvents 1.0 binary-mode
// headers (ce-specversion, ce-id, ce-source, ce-type, ce-time,
// ce-dataschema = the proto full name, ce-correlationid, ce-platform,
// ce-channel), Content-Type (application/protobuf or application/json) and
// Nats-Msg-Id = ce-id. With JetStream it waits for the ack and retries
// timeouts with the same Nats-Msg-Id so the server drops duplicates;
// EnsureStream creates the stream.
//
// Commands. NewCommandService subscribes one wildcard endpoint per scope on
// <prefix>.send.> (and one per Route) in a queue group and calls a
// CommandHandler with a per-command deadline; errors travel in
// Nats-Service-Error and Nats-Service-Error-Code headers, the reply proto
// (for every failure too, see Failure) in the body, encoded like the
// request. It is a NATS micro service: monitor.go answers $SRV.PING, INFO
// and STATS itself, so that STATS count a command when its result is
// known (micro's own counted it when its handler returned, at once).
//
// Goroutines. The package starts none of its own except inside nats.go and
// nats-server: connection goroutines end with (*nats.Conn).Close, the
// embedded server's with (*Embedded).Shutdown, command handlers run on the
// subscription goroutines and end with the service's Stop or the
// connection's Close. Publisher and Scope are safe for concurrent use.
//
// Errors callers can branch on: ErrInvalidConfig, ErrInvalidToken,
// ErrInvalidEnvelope, *PublishError (wrapping the nats or jetstream cause),
// ErrAddrInUse, ErrStreamCapturesCommands, and for commands ErrRequestTooLarge,
// ErrBadDeadline and *RequestError. Credentials never appear in logs or
// errors (see RedactURL).
package bus
