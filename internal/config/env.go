package config

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Environment variables for one channel, in the order the docs list them.
var channelEnv = []string{
	"CYTUBE_HOST", "CYTUBE_SECURE", "CYTUBE_CHANNEL", "CYTUBE_USERNAME",
	"CYTUBE_PASSWORD", "CYTUBE_PASSWORD_FILE", "CYTUBE_CHANNEL_PASSWORD",
	"CYTUBE_SOCKET_URL", "CYTUBE_TLS_CA_FILE", "CYTUBE_MAX_CHAT_LENGTH", "CYTUBE_POLL_MAX_OPTIONS",
}

// EnvLookup returns a lookup function for FromEnv that prefers the real
// environment env (usually os.LookupEnv) and falls back to the values
// read from a .env file. A variable set to the empty string in the real
// environment counts as unset, so the .env value is used.
func EnvLookup(env func(string) (string, bool), dotenv map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		if env != nil {
			if v, ok := env(name); ok && v != "" {
				return v, true
			}
		}
		v, ok := dotenv[name]
		return v, ok
	}
}

// envReader reads typed values through lookup, treating empty values as
// unset and collecting problems.
type envReader struct {
	lookup func(string) (string, bool)
	ps     problems
}

func (r *envReader) str(name string) (string, bool) {
	v, ok := r.lookup(name)
	if !ok || v == "" {
		return "", false
	}
	return v, true
}

func (r *envReader) trimmed(name string, dst *string) {
	if v, ok := r.str(name); ok {
		*dst = strings.TrimSpace(v)
	}
}

func (r *envReader) boolean(name string, dst *bool) {
	v, ok := r.str(name)
	if !ok {
		return
	}
	b, err := parseBool(v)
	if err != nil {
		r.ps.add(name, fmt.Sprintf("is %q, which is not true or false", v), "use true/false, 1/0, yes/no or on/off")
		return
	}
	*dst = b
}

func (r *envReader) integer(name string, dst *int, fix string) {
	v, ok := r.str(name)
	if !ok {
		return
	}
	i, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		r.ps.add(name, fmt.Sprintf("is %q, which is not a whole number", v), fix)
		return
	}
	*dst = i
}

func (r *envReader) duration(name string, dst *time.Duration) {
	v, ok := r.str(name)
	if !ok {
		return
	}
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		r.ps.add(name, fmt.Sprintf("is %q, which is not a duration", v), "use a Go duration such as 90s, 2m or 24h")
		return
	}
	*dst = d
}

// secret reads a secret from name or from the file named by fileName;
// setting both is a problem.
func (r *envReader) secret(name, fileName string, dst *Secret) {
	v, ok := r.str(name)
	path, fromFile := r.str(fileName)
	switch {
	case ok && fromFile:
		r.ps.add(name, "and "+fileName+" are both set", "keep only one of them")
	case ok:
		*dst = Secret(v)
	case fromFile:
		s, err := readSecretFile(path)
		if err != nil {
			r.ps.add(fileName, err.Error(), "fix the path or the file's permissions")
			return
		}
		*dst = s
	}
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on", "t", "y":
		return true, nil
	case "0", "false", "no", "off", "f", "n":
		return false, nil
	}
	return false, errors.New("not a boolean")
}

// readSecretFile reads a password or token from a file, dropping one
// trailing line ending. The error never contains the file's content.
func readSecretFile(path string) (Secret, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		cause := err
		var pe *os.PathError
		if errors.As(err, &pe) {
			cause = pe.Err // the path is already in the message
		}
		return "", fmt.Errorf("names %s, which cannot be read (%v)", path, cause)
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if s == "" {
		return "", fmt.Errorf("names %s, which is empty", path)
	}
	return Secret(s), nil
}

// FromEnv applies environment variables, read through lookup, on top of
// base and returns the result. Empty values count as unset. When
// CONNECTOR_CONFIG names a file, that file is applied to base first, so
// variables override it.
//
// The CYTUBE_* variables describe one channel: they fill in base's only
// channel, or create it. When base (or the file) lists several channels,
// setting a CYTUBE_* variable is a problem, since it is unclear which
// channel it means.
//
// Unparsable values are returned as a *ValidationError; FromEnv does not
// otherwise validate (see Config.Validate).
func FromEnv(lookup func(string) (string, bool), base Config) (Config, error) {
	r := &envReader{lookup: lookup}
	cfg := base
	cfg.Channels = slices.Clone(base.Channels)
	if path, ok := r.str("CONNECTOR_CONFIG"); ok {
		var err error
		if cfg, err = LoadFile(path, lookup, cfg); err != nil {
			return base, err
		}
	}
	r.applyChannel(&cfg)

	n := &cfg.NATS
	r.trimmed("NATS_URL", &n.URL)
	r.secret("NATS_TOKEN", "NATS_TOKEN_FILE", &n.Token)
	r.trimmed("NATS_USER", &n.User)
	r.secret("NATS_PASSWORD", "NATS_PASSWORD_FILE", &n.Password)
	r.trimmed("NATS_NKEY_SEED_FILE", &n.NKeySeedFile)
	r.trimmed("NATS_CREDS_FILE", &n.CredsFile)
	r.trimmed("NATS_TLS_CA_FILE", &n.TLSCAFile)
	r.trimmed("NATS_TLS_CERT_FILE", &n.TLSCertFile)
	r.trimmed("NATS_TLS_KEY_FILE", &n.TLSKeyFile)
	r.trimmed("NATS_EMBEDDED_HOST", &n.EmbeddedHost)
	r.integer("NATS_EMBEDDED_PORT", &n.EmbeddedPort, "use a port number such as 4222, or -1 for any free port")
	r.trimmed("NATS_DATA_DIR", &n.DataDir)
	r.boolean("NATS_JETSTREAM", &n.JetStream)
	r.trimmed("NATS_STREAM", &n.Stream)
	r.duration("NATS_STREAM_MAX_AGE", &n.StreamMaxAge)
	r.duration("NATS_DUPLICATE_WINDOW", &n.DuplicateWindow)
	r.integer("NATS_RECONNECT_BUF_SIZE", &n.ReconnectBufSize, "give a size in bytes, e.g. 8388608, or -1 to disable buffering")

	if v, ok := r.str("LOG_LEVEL"); ok {
		cfg.Log.Level = normalizeLevel(v)
	}
	if v, ok := r.str("LOG_FORMAT"); ok {
		cfg.Log.Format = strings.ToLower(strings.TrimSpace(v))
	}
	r.trimmed("METRICS_ADDR", &cfg.Metrics.Addr)
	// OpenTelemetry's own variable names (the SDK environment spec).
	if v, ok := r.str("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); ok {
		cfg.Tracing.OTLPEndpoint = strings.TrimSpace(v)
	} else if v, ok := r.str("OTEL_EXPORTER_OTLP_ENDPOINT"); ok {
		cfg.Tracing.OTLPEndpoint = strings.TrimRight(strings.TrimSpace(v), "/") + "/v1/traces"
	}
	r.trimmed("OTEL_SERVICE_NAME", &cfg.Tracing.ServiceName)
	if v, ok := r.str("OTEL_EXPORTER_OTLP_HEADERS"); ok {
		cfg.Tracing.Headers = map[string]Secret{}
		for kv := range strings.SplitSeq(v, ",") {
			k, val, found := strings.Cut(kv, "=")
			if k = strings.TrimSpace(k); !found || k == "" {
				r.ps.add("OTEL_EXPORTER_OTLP_HEADERS", "is not a list of key=value pairs", "use e.g. OTEL_EXPORTER_OTLP_HEADERS=api-key=secret,x-team=rosey")
				break
			}
			cfg.Tracing.Headers[k] = Secret(strings.TrimSpace(val))
		}
	}
	if v, ok := r.str("SUBJECT_MODE"); ok {
		cfg.Subjects.Mode = SubjectMode(strings.ToLower(strings.TrimSpace(v)))
	}
	if v, ok := r.str("PAYLOAD_ENCODING"); ok {
		cfg.Subjects.Encoding = Encoding(strings.ToLower(strings.TrimSpace(v)))
	}
	r.boolean("FLEET_ENABLED", &cfg.Fleet.Enabled)
	r.trimmed("FLEET_BUCKET", &cfg.Fleet.Bucket)
	r.duration("FLEET_LEASE_TTL", &cfg.Fleet.LeaseTTL)
	r.trimmed("FLEET_INSTANCE_ID", &cfg.Fleet.InstanceID)
	// With problems, cfg still has every value that could be read, so that
	// Validate can report the other settings' problems too.
	return cfg, r.ps.err()
}

func (r *envReader) applyChannel(cfg *Config) {
	if len(cfg.Channels) > 1 {
		where := "the configuration"
		if cfg.file != "" {
			where = cfg.file
		}
		for _, name := range channelEnv {
			if _, ok := r.str(name); ok {
				r.ps.add(name, fmt.Sprintf("is set, but %d channels are listed in %s", len(cfg.Channels), where),
					"set it per channel in that file, or unset "+name)
			}
		}
		return
	}
	ch := DefaultChannel()
	if len(cfg.Channels) == 1 {
		ch = cfg.Channels[0]
	}
	r.trimmed("CYTUBE_HOST", &ch.Host)
	r.boolean("CYTUBE_SECURE", &ch.Secure)
	r.trimmed("CYTUBE_CHANNEL", &ch.Channel)
	r.trimmed("CYTUBE_USERNAME", &ch.Username)
	r.secret("CYTUBE_PASSWORD", "CYTUBE_PASSWORD_FILE", &ch.Password)
	if v, ok := r.str("CYTUBE_CHANNEL_PASSWORD"); ok {
		ch.ChannelPassword = Secret(v)
	}
	r.trimmed("CYTUBE_SOCKET_URL", &ch.SocketURL)
	r.trimmed("CYTUBE_TLS_CA_FILE", &ch.TLSCAFile)
	r.integer("CYTUBE_MAX_CHAT_LENGTH", &ch.MaxChatLength, "use the server's max-chat-message-length, e.g. 320")
	r.integer("CYTUBE_POLL_MAX_OPTIONS", &ch.PollMaxOptions, "use the server's poll.max-options, e.g. 50")
	cfg.Channels = []Channel{ch}
}

func normalizeLevel(v string) string {
	l := strings.ToLower(strings.TrimSpace(v))
	if l == "warning" {
		return LevelWarn
	}
	return l
}
