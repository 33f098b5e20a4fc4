package config

import (
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"
)

// Defaults used by Default and DefaultChannel.
const (
	DefaultHost             = "cytu.be"
	DefaultEmbeddedHost     = "127.0.0.1"
	DefaultEmbeddedPort     = 4222
	DefaultStream           = "ROSEY_CYTUBE"
	DefaultStreamMaxAge     = 24 * time.Hour
	DefaultDuplicateWindow  = 2 * time.Minute
	DefaultReconnectBufSize = 8 << 20
	// DefaultFleetBucket is the JetStream key-value bucket holding the
	// fleet's channel leases.
	DefaultFleetBucket = "ROSEY_CYTUBE_LEASES"
	// DefaultFleetLeaseTTL is how long a channel lease lives without
	// renewal.
	DefaultFleetLeaseTTL = 15 * time.Second
	// RandomPort as NATS_EMBEDDED_PORT lets the embedded server pick any
	// free port (useful in tests).
	RandomPort = -1
)

// SubjectMode chooses the NATS subject layout.
type SubjectMode string

// Subject modes.
const (
	// SubjectModeAuto uses SubjectModeSeed with exactly one channel and
	// SubjectModeChannel otherwise.
	SubjectModeAuto SubjectMode = "auto"
	// SubjectModeSeed uses the seed's subjects (rosey.platform.cytube.chat,
	// rosey.events.message); it works with one channel only.
	SubjectModeSeed SubjectMode = "seed"
	// SubjectModeChannel puts the channel into every subject, so several
	// channels can share one NATS server.
	SubjectModeChannel SubjectMode = "channel"
)

// Encoding is the payload encoding of published events.
type Encoding string

// Payload encodings.
const (
	EncodingProtobuf Encoding = "protobuf"
	EncodingJSON     Encoding = "json"
)

// Log levels and formats accepted by Log.
const (
	LevelDebug = "debug"
	LevelInfo  = "info"
	LevelWarn  = "warn"
	LevelError = "error"

	FormatText = "text"
	FormatJSON = "json"
)

// Config is the whole connector configuration. Build it with Default and
// the layering functions, then call Validate.
type Config struct {
	// Channels to join: one from the environment, any number from a file.
	Channels []Channel
	NATS     NATS
	Log      Log
	Metrics  Metrics
	Subjects Subjects
	Fleet    Fleet
	Tracing  Tracing

	// file is the config file the channels and options were read from,
	// and channelsFromFile says whether it listed channels; Validate
	// uses both to name settings the way the user wrote them.
	file             string
	channelsFromFile bool
}

// Channel is one CyTube channel to join.
type Channel struct {
	// Host is the CyTube web server, a host name or host:port without
	// scheme or path; default cytu.be.
	Host string
	// Secure selects https (true, the default) or http for the web server.
	Secure bool
	// Channel is the channel name, ^[\w-]{1,30}$.
	Channel string
	// Username is the account to log in as; empty joins anonymously and
	// read-only.
	Username string
	// Password of the account; requires Username.
	Password Secret
	// ChannelPassword opens a password-protected channel.
	ChannelPassword Secret
	// SocketURL, when set, is the socket server (ws, wss, http or https)
	// to connect to instead of asking /socketconfig/<channel>.json.
	SocketURL string
	// TLSCAFile is a PEM file of CAs to trust for a self-hosted CyTube.
	TLSCAFile string
	// MaxChatLength is the server's max-chat-message-length: longer chat
	// lines and PMs are refused (TOO_LONG) instead of being cut by CyTube.
	// Default 320, CyTube's; 1-1000 (CyTube caps it at 1000); 0 is the
	// default.
	MaxChatLength int
	// PollMaxOptions is the server's poll.max-options. Default 50; 0 is
	// the default.
	PollMaxOptions int
}

// NATS configures the connection to NATS, or the embedded server.
type NATS struct {
	// URL of the server(s), comma-separated; "" starts an embedded
	// server on EmbeddedHost:EmbeddedPort.
	URL string
	// Token authenticates with a server token.
	Token Secret
	// User and Password authenticate with a user/password pair.
	User     string
	Password Secret
	// NKeySeedFile is a file holding an NKey user seed.
	NKeySeedFile string
	// CredsFile is a decentralized-auth .creds file.
	CredsFile string
	// TLSCAFile, TLSCertFile and TLSKeyFile are PEM files for TLS.
	TLSCAFile, TLSCertFile, TLSKeyFile string
	// EmbeddedHost and EmbeddedPort are where the embedded server
	// listens; RandomPort picks a free port.
	EmbeddedHost string
	EmbeddedPort int
	// DataDir is the embedded server's JetStream store; "" lets the bus
	// choose a directory under the user's cache directory.
	DataDir string
	// JetStream publishes into Stream with acknowledgements and
	// de-duplication instead of core NATS fire-and-forget.
	JetStream bool
	// Stream is the JetStream stream name.
	Stream string
	// StreamMaxAge bounds how long the stream keeps events; 0 keeps them
	// until other limits apply.
	StreamMaxAge time.Duration
	// DuplicateWindow is how long the stream remembers Nats-Msg-Id values.
	DuplicateWindow time.Duration
	// ReconnectBufSize bounds bytes buffered while reconnecting; negative
	// disables buffering.
	ReconnectBufSize int
}

// Log configures the process logger.
type Log struct {
	// Level is debug, info, warn or error.
	Level string
	// Format is text or json.
	Format string
}

// Metrics configures the metrics HTTP listener.
type Metrics struct {
	// Addr is host:port to serve metrics on; "" turns metrics off.
	Addr string
}

// Tracing configures the export of spans (internal/otlp). Only traces a
// command's traceparent marks sampled are exported.
type Tracing struct {
	// OTLPEndpoint is the URL spans are POSTed to (OTLP/HTTP, JSON), e.g.
	// http://127.0.0.1:4318/v1/traces; "" turns export off.
	OTLPEndpoint string
	// ServiceName is the service.name of the exported spans.
	ServiceName string
	// Headers are sent with every export request (e.g. an API key);
	// their values are secrets.
	Headers map[string]Secret
}

// Subjects configures the NATS subjects and payloads.
type Subjects struct {
	Mode     SubjectMode
	Encoding Encoding
}

// Fleet configures several connector processes sharing one channel list:
// each channel is run by exactly one process at a time, which holds its
// lease in a JetStream key-value bucket (see docs/fleet.md).
type Fleet struct {
	// Enabled turns fleet mode on. Off, the process runs every configured
	// channel.
	Enabled bool
	// Bucket is the key-value bucket holding the leases; every process
	// of a fleet must use the same one.
	Bucket string
	// LeaseTTL is how long a lease lives without renewal: the longest a
	// channel stays unserved after its process died.
	LeaseTTL time.Duration
	// InstanceID names this process in the leases; "" picks
	// <hostname>-<pid>-<random> when the fleet starts.
	InstanceID string
}

// Default returns the built-in defaults: no channels yet (FromEnv adds
// one from CYTUBE_*), an embedded NATS server on 127.0.0.1:4222 with
// JetStream, info-level text logs, metrics off, automatic subjects and
// protobuf payloads.
func Default() Config {
	return Config{
		NATS: NATS{
			EmbeddedHost:     DefaultEmbeddedHost,
			EmbeddedPort:     DefaultEmbeddedPort,
			JetStream:        true,
			Stream:           DefaultStream,
			StreamMaxAge:     DefaultStreamMaxAge,
			DuplicateWindow:  DefaultDuplicateWindow,
			ReconnectBufSize: DefaultReconnectBufSize,
		},
		Log:      Log{Level: LevelInfo, Format: FormatText},
		Subjects: Subjects{Mode: SubjectModeAuto, Encoding: EncodingProtobuf},
		Fleet:    Fleet{Bucket: DefaultFleetBucket, LeaseTTL: DefaultFleetLeaseTTL},
	}
}

// DefaultChannel returns a channel with the default host and https, and
// no name yet.
func DefaultChannel() Channel {
	return Channel{Host: DefaultHost, Secure: true, MaxChatLength: DefaultMaxChatLength, PollMaxOptions: DefaultPollMaxOptions}
}

// CyTube 3.86's defaults for max-chat-message-length and poll.max-options
// (src/config.js:74, 110-112).
const (
	DefaultMaxChatLength  = 320
	DefaultPollMaxOptions = 50
)

// File returns the path of the config file that was loaded, or "".
func (c Config) File() string { return c.file }

// EffectiveSubjectMode resolves SubjectModeAuto: seed subjects for exactly
// one channel, channel-qualified subjects otherwise.
func (c Config) EffectiveSubjectMode() SubjectMode {
	if c.Subjects.Mode != SubjectModeAuto && c.Subjects.Mode != "" {
		return c.Subjects.Mode
	}
	if len(c.Channels) == 1 {
		return SubjectModeSeed
	}
	return SubjectModeChannel
}

// Embedded reports whether the connector should start its own NATS
// server, which it does when no NATS URL is given.
func (n NATS) Embedded() bool { return n.URL == "" }

// SlogLevel returns Level as a slog.Level; unknown levels give Info
// (Validate rejects them first).
func (l Log) SlogLevel() slog.Level {
	switch strings.ToLower(l.Level) {
	case LevelDebug:
		return slog.LevelDebug
	case LevelWarn, "warning":
		return slog.LevelWarn
	case LevelError:
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

// BaseURL returns the CyTube web server's URL, such as https://cytu.be or
// http://localhost:8080.
func (ch Channel) BaseURL() string {
	scheme := "https"
	if !ch.Secure {
		scheme = "http"
	}
	return scheme + "://" + ch.Host
}

// LogValue implements slog.LogValuer: where the channel is and who logs
// in, without secrets.
func (ch Channel) LogValue() slog.Value {
	user := ch.Username
	if user == "" {
		user = "anonymous (read-only)"
	}
	attrs := []slog.Attr{
		slog.String("url", ch.BaseURL()),
		slog.String("channel", ch.Channel),
		slog.String("username", user),
		slog.Bool("password_set", ch.Password.IsSet()),
		slog.Bool("channel_password_set", ch.ChannelPassword.IsSet()),
	}
	if ch.SocketURL != "" {
		attrs = append(attrs, slog.String("socket_url", ch.SocketURL))
	}
	return slog.GroupValue(attrs...)
}

// LogValue implements slog.LogValuer: a summary of the NATS settings
// without secrets.
func (n NATS) LogValue() slog.Value {
	var attrs []slog.Attr
	if n.Embedded() {
		attrs = append(attrs, slog.String("embedded", net.JoinHostPort(n.EmbeddedHost, strconv.Itoa(n.EmbeddedPort))))
		if n.DataDir != "" {
			attrs = append(attrs, slog.String("data_dir", n.DataDir))
		}
	} else {
		attrs = append(attrs, slog.String("url", n.URL))
	}
	attrs = append(attrs,
		slog.String("auth", n.authKind()),
		slog.Bool("tls", n.TLSCAFile != "" || n.TLSCertFile != ""),
		slog.Bool("jetstream", n.JetStream),
	)
	if n.JetStream {
		attrs = append(attrs, slog.String("stream", n.Stream))
	}
	return slog.GroupValue(attrs...)
}

func (n NATS) authKind() string {
	var kinds []string
	if n.Token.IsSet() {
		kinds = append(kinds, "token")
	}
	if n.User != "" {
		kinds = append(kinds, "user")
	}
	if n.NKeySeedFile != "" {
		kinds = append(kinds, "nkey")
	}
	if n.CredsFile != "" {
		kinds = append(kinds, "creds")
	}
	if len(kinds) == 0 {
		return "none"
	}
	return strings.Join(kinds, "+")
}

// LogValue implements slog.LogValuer: a safe summary of the whole
// configuration, fit to log at start-up.
func (c Config) LogValue() slog.Value {
	chans := make([]string, len(c.Channels))
	for i, ch := range c.Channels {
		user := ch.Username
		if user == "" {
			user = "anonymous"
		}
		chans[i] = ch.BaseURL() + "/r/" + ch.Channel + " as " + user
	}
	attrs := []slog.Attr{
		slog.Any("channels", chans),
		{Key: "nats", Value: c.NATS.LogValue()},
		slog.String("log_level", c.Log.Level),
		slog.String("log_format", c.Log.Format),
		slog.String("subject_mode", string(c.EffectiveSubjectMode())),
		slog.String("encoding", string(c.Subjects.Encoding)),
		slog.String("metrics_addr", c.Metrics.Addr),
		slog.Bool("fleet", c.Fleet.Enabled),
		slog.String("otlp_endpoint", c.Tracing.OTLPEndpoint),
	}
	if c.file != "" {
		attrs = append(attrs, slog.String("config_file", c.file))
	}
	return slog.GroupValue(attrs...)
}
