package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// Client connection defaults.
const (
	// DefaultReconnectBufSize bounds how much outgoing data nats.go keeps
	// while reconnecting. Publishes beyond it fail with nats.ErrReconnectBufExceeded
	// instead of growing memory without limit; 8 MiB holds tens of thousands
	// of chat events, i.e. minutes of a busy channel.
	DefaultReconnectBufSize = 8 << 20
	// DefaultReconnectWait is the pause between reconnect attempts to the
	// same server, before jitter.
	DefaultReconnectWait = 2 * time.Second
	// DefaultReconnectJitter is the maximum random extra wait added to each
	// reconnect attempt, so a fleet does not reconnect in lockstep.
	DefaultReconnectJitter = time.Second
	// DefaultConnectTimeout bounds one dial and handshake.
	DefaultConnectTimeout = 5 * time.Second

	redacted = "REDACTED"
)

// ErrInvalidConfig is wrapped by errors about an unusable ClientConfig,
// EmbeddedConfig, PublisherOptions or CommandServiceConfig.
var ErrInvalidConfig = errors.New("invalid config")

// TLSConfig names PEM files for a TLS connection. All fields are optional:
// CAFile trusts a private CA, CertFile and KeyFile (both or neither)
// present a client certificate. Certificate verification cannot be turned
// off.
type TLSConfig struct {
	CAFile   string
	CertFile string
	KeyFile  string
}

func (t TLSConfig) enabled() bool { return t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" }

// ClientConfig describes how to reach a NATS server. Token, Password and
// the contents of the files are secrets; Connect never logs them and
// scrubs them from its errors, and ClientConfig's String, GoString and
// LogValue print them as REDACTED.
type ClientConfig struct {
	// URL of the server, or a comma-separated list; default
	// nats://127.0.0.1:4222. Credentials in the URL (nats://user:pass@host)
	// are accepted and redacted wherever the URL is shown.
	URL string
	// Token authenticates with a server token.
	Token string
	// User and Password authenticate with a user/password pair.
	User, Password string
	// NKeySeedFile is a file holding an NKey user seed (SU...).
	NKeySeedFile string
	// CredsFile is a decentralized-auth .creds file (JWT and seed).
	CredsFile string
	// TLS configures server verification and client certificates.
	TLS TLSConfig
	// Name is the connection name shown in server monitoring; default
	// "cytube-connector".
	Name string
	// ReconnectBufSize bounds data buffered while reconnecting; 0 means
	// DefaultReconnectBufSize, negative disables buffering (publishes
	// fail immediately while disconnected).
	ReconnectBufSize int
	// ReconnectWait and ReconnectJitter pace reconnects; 0 means the
	// defaults above.
	ReconnectWait, ReconnectJitter time.Duration
	// ConnectTimeout bounds one dial and handshake; 0 means 5s.
	ConnectTimeout time.Duration
}

// String prints the config with secrets replaced by REDACTED.
func (c ClientConfig) String() string {
	return fmt.Sprintf("bus.ClientConfig{URL:%s Token:%s User:%s Password:%s NKeySeedFile:%s CredsFile:%s TLS:%+v Name:%s}",
		RedactURL(c.URL), mask(c.Token), c.User, mask(c.Password), c.NKeySeedFile, c.CredsFile, c.TLS, c.Name)
}

// GoString keeps %#v from printing secrets.
func (c ClientConfig) GoString() string { return c.String() }

// LogValue keeps slog from printing secrets.
func (c ClientConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("url", RedactURL(c.URL)),
		slog.String("token", mask(c.Token)),
		slog.String("user", c.User),
		slog.String("password", mask(c.Password)),
		slog.String("nkey_seed_file", c.NKeySeedFile),
		slog.String("creds_file", c.CredsFile),
		slog.Bool("tls", c.TLS.enabled()),
		slog.String("name", c.Name),
	)
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// secrets lists the strings that must never appear in logs or errors.
func (c ClientConfig) secrets() []string {
	s := []string{c.Token, c.Password}
	for raw := range strings.SplitSeq(c.URL, ",") {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err == nil && u.User != nil {
			if p, ok := u.User.Password(); ok {
				s = append(s, p, url.QueryEscape(p), url.PathEscape(p))
			} else {
				// nats://token@host: the user part is a token.
				s = append(s, u.User.Username(), url.QueryEscape(u.User.Username()))
			}
		} else if i, j := strings.Index(raw, "://"), strings.LastIndex(raw, "@"); i >= 0 && j > i {
			// Unparsable URL: treat the whole userinfo as secret.
			s = append(s, raw[i+3:j])
		}
	}
	out := s[:0]
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// RedactURL returns u with any password replaced by REDACTED; a user part
// without a password is a NATS token and is redacted entirely. u may be a
// comma-separated list. Text that does not parse as a URL keeps only what
// precedes "://" and follows the last "@".
func RedactURL(u string) string {
	if !strings.Contains(u, "@") {
		return u
	}
	parts := strings.Split(u, ",")
	for i, raw := range parts {
		parts[i] = redactOne(raw)
	}
	return strings.Join(parts, ",")
}

func redactOne(raw string) string {
	if !strings.Contains(raw, "@") {
		return raw
	}
	if p, err := url.Parse(strings.TrimSpace(raw)); err == nil && p.User != nil {
		if _, ok := p.User.Password(); ok {
			p.User = url.UserPassword(p.User.Username(), redacted)
		} else {
			p.User = url.User(redacted)
		}
		return p.String()
	}
	i := strings.Index(raw, "://")
	j := strings.LastIndex(raw, "@")
	if i >= 0 && j > i {
		return raw[:i+3] + redacted + raw[j:]
	}
	return redacted + raw[j:]
}

// redactError hides secrets in an error's text while keeping errors.Is and
// errors.As working on the chain.
type redactError struct {
	msg string
	err error
}

func (e *redactError) Error() string { return e.msg }
func (e *redactError) Unwrap() error { return e.err }

func scrub(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := scrubString(msg, secrets)
	if clean == msg {
		return err
	}
	return &redactError{msg: clean, err: err}
}

func scrubString(s string, secrets []string) string {
	for _, sec := range secrets {
		s = strings.ReplaceAll(s, sec, redacted)
	}
	return s
}

// Connect dials NATS with cfg and returns the connection. It waits for the
// first connection: while no server answers (nats.ErrNoServers) it retries
// every ReconnectWait until ctx ends; authentication and configuration
// errors return at once. ctx bounds the whole wait; one attempt is bounded
// by ConnectTimeout. Once connected, the connection reconnects forever
// and logs one line per state change (disconnected, reconnected, closed)
// plus asynchronous errors such as slow consumers.
//
// The caller owns the connection and must Close (or Drain) it; nats.go's
// goroutines stop then. Errors never contain credentials.
func Connect(ctx context.Context, cfg ClientConfig, log *slog.Logger) (*nats.Conn, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	secrets := cfg.secrets()
	opts, err := cfg.options(log, secrets)
	if err != nil {
		return nil, scrub(err, secrets)
	}
	servers := cfg.URL
	if servers == "" {
		servers = "nats://" + DefaultEmbeddedHost + ":4222"
	}
	shown := RedactURL(servers)
	wait := cfg.ReconnectWait
	if wait <= 0 {
		wait = DefaultReconnectWait
	}
	for attempt := 1; ; attempt++ {
		nc, err := nats.Connect(servers, opts...)
		if err == nil {
			log.Info("nats connected", "url", nc.ConnectedUrlRedacted(), "server_id", nc.ConnectedServerId(), "attempt", attempt)
			return nc, nil
		}
		err = scrub(err, secrets)
		if !errors.Is(err, nats.ErrNoServers) {
			return nil, fmt.Errorf("nats connect to %s: %w%s", shown, err, notNATSHint(err))
		}
		// Warn once; repeating it every few seconds would drown the log.
		level := slog.LevelWarn
		if attempt > 1 {
			level = slog.LevelDebug
		}
		log.Log(ctx, level, "nats not reachable, retrying until it is", "url", shown, "attempt", attempt, "every", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("nats connect to %s: %w (last error: %w)", shown, ctx.Err(), err)
		case <-t.C:
		}
	}
}

// notNATSHint explains a connection that was accepted but did not speak
// NATS: nats.go waits for the server's INFO line and times out reading it
// (an HTTP server, the NATS monitoring port 8222), or reads something else
// first (ErrNoInfoReceived).
func notNATSHint(err error) string {
	var ne net.Error
	if (errors.As(err, &ne) && ne.Timeout()) || errors.Is(err, nats.ErrNoInfoReceived) {
		return " (the server accepted the connection but sent no NATS greeting: is NATS_URL a NATS client port, such as 4222, and not HTTP, the monitoring port 8222 or a proxy?)"
	}
	return ""
}

// options translates cfg into nats.go options, including the logging
// handlers.
func (cfg ClientConfig) options(log *slog.Logger, secrets []string) ([]nats.Option, error) {
	name := cfg.Name
	if name == "" {
		name = "cytube-connector"
	}
	buf := cfg.ReconnectBufSize
	if buf == 0 {
		buf = DefaultReconnectBufSize
	} else if buf < 0 {
		buf = -1 // nats.go: no buffering
	}
	wait := cfg.ReconnectWait
	if wait <= 0 {
		wait = DefaultReconnectWait
	}
	jitter := cfg.ReconnectJitter
	if jitter <= 0 {
		jitter = DefaultReconnectJitter
	}
	timeout := cfg.ConnectTimeout
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(wait),
		nats.ReconnectJitter(jitter, jitter),
		nats.ReconnectBufSize(buf),
		nats.Timeout(timeout),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			// err is nil for a deliberate Close; the closed handler reports that.
			if err != nil {
				log.Warn("nats disconnected", "url", RedactURL(nc.ConnectedUrlRedacted()), "err", scrub(err, secrets))
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted(), "server_id", nc.ConnectedServerId())
		}),
		nats.ClosedHandler(func(nc *nats.Conn) {
			if err := nc.LastError(); err != nil {
				log.Warn("nats connection closed", "err", scrub(err, secrets))
				return
			}
			log.Info("nats connection closed")
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			if sub != nil {
				log.Warn("nats async error", "subject", sub.Subject, "err", scrub(err, secrets))
				return
			}
			log.Warn("nats async error", "err", scrub(err, secrets))
		}),
	}

	var methods []string
	if cfg.Token != "" {
		methods = append(methods, "Token")
		opts = append(opts, nats.Token(cfg.Token))
	}
	if cfg.User != "" || cfg.Password != "" {
		if cfg.User == "" {
			return nil, fmt.Errorf("%w: Password without User", ErrInvalidConfig)
		}
		methods = append(methods, "User/Password")
		opts = append(opts, nats.UserInfo(cfg.User, cfg.Password))
	}
	if cfg.NKeySeedFile != "" {
		methods = append(methods, "NKeySeedFile")
		o, err := nats.NkeyOptionFromSeed(cfg.NKeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("%w: NKeySeedFile: %w", ErrInvalidConfig, err)
		}
		opts = append(opts, o)
	}
	if cfg.CredsFile != "" {
		methods = append(methods, "CredsFile")
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	}
	if len(methods) > 1 {
		return nil, fmt.Errorf("%w: choose one of %s", ErrInvalidConfig, strings.Join(methods, ", "))
	}
	if (cfg.TLS.CertFile == "") != (cfg.TLS.KeyFile == "") {
		return nil, fmt.Errorf("%w: TLS.CertFile and TLS.KeyFile must be set together", ErrInvalidConfig)
	}
	if cfg.TLS.CAFile != "" {
		opts = append(opts, nats.RootCAs(cfg.TLS.CAFile))
	}
	if cfg.TLS.CertFile != "" {
		opts = append(opts, nats.ClientCert(cfg.TLS.CertFile, cfg.TLS.KeyFile))
	}
	return opts, nil
}
