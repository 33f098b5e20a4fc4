package config

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Problem is one thing wrong with the configuration.
type Problem struct {
	// Setting names the setting the way the user gives it: an environment
	// variable (CYTUBE_CHANNEL), a flag (-password-file) or a file key
	// (channels[1].channel in connector.yaml).
	Setting string
	// Issue says what is wrong, phrased to follow Setting.
	Issue string
	// Fix says how to put it right.
	Fix string
}

// String returns the problem as one line: "SETTING ISSUE: FIX".
func (p Problem) String() string { return p.Setting + " " + p.Issue + ": " + p.Fix }

// ValidationError lists every problem found, in a stable order.
type ValidationError struct {
	Problems []Problem
}

// Error returns all problems, one per line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("invalid configuration: ")
		b.WriteString(e.Problems[0].String())
		return b.String()
	}
	fmt.Fprintf(&b, "invalid configuration (%d problems):", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

// problems collects Problems; err returns nil when there are none.
type problems []Problem

func (ps *problems) add(setting, issue, fix string) {
	*ps = append(*ps, Problem{Setting: setting, Issue: issue, Fix: fix})
}

func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps}
}

var (
	channelNameRE = regexp.MustCompile(`^[\w-]{1,30}$`)
	// reservedChannels are bus.ReservedChannels (checked by a test): seed
	// subjects use these tokens where channel subjects name the channel.
	reservedChannels = []string{"send", "status", "error"}
	userNameRE       = regexp.MustCompile(`^[\w-]{1,20}$`)
	hostLabelRE      = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$`)
	streamNameRE     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
)

// global names a non-channel setting: its environment variable, plus the
// file key when a config file was loaded.
func (c Config) global(env, key string) string {
	if c.file == "" {
		return env
	}
	return env + " / " + key + " in " + c.file
}

// chanSetting names a per-channel setting.
func (c Config) chanSetting(i int, env, key string) string {
	switch {
	case len(c.Channels) <= 1 && !c.channelsFromFile:
		return env
	case len(c.Channels) == 1 && c.file != "":
		return env + " / channels[0]." + key + " in " + c.file
	}
	s := "channels[" + strconv.Itoa(i) + "]." + key
	if c.file != "" {
		s += " in " + c.file
	}
	return s
}

// Validate checks every setting and returns a *ValidationError listing
// each problem, or nil. It reads the files named by the configuration to
// check that they exist and are readable.
func (c Config) Validate() error {
	var ps problems
	c.validateChannels(&ps)
	c.validateNATS(&ps)
	c.validateRest(&ps)
	c.validateFleet(&ps)
	return ps.err()
}

func (c Config) validateChannels(ps *problems) {
	if len(c.Channels) == 0 {
		ps.add("CYTUBE_CHANNEL", "is not set",
			"set it to the channel name, e.g. CYTUBE_CHANNEL=mychannel, or list channels in a CONNECTOR_CONFIG file")
		return
	}
	seen := make(map[string]int)
	for i, ch := range c.Channels {
		c.validateChannel(ps, i, ch)
		if ch.Channel == "" {
			continue
		}
		key := strings.ToLower(ch.Host) + "/" + strings.ToLower(ch.Channel)
		if j, dup := seen[key]; dup {
			ps.add(c.chanSetting(i, "CYTUBE_CHANNEL", "channel"),
				fmt.Sprintf("repeats channels[%d] (%s on %s; CyTube channel names ignore case)", j, ch.Channel, ch.Host),
				"remove one of the two entries")
			continue
		}
		seen[key] = i
	}
}

func (c Config) validateChannel(ps *problems, i int, ch Channel) {
	set := func(env, key string) string { return c.chanSetting(i, env, key) }
	if issue, fix := checkHost(ch.Host); issue != "" {
		s := set("CYTUBE_HOST", "host")
		ps.add(s, issue, strings.ReplaceAll(fix, "SETTING", s))
	}
	switch {
	case ch.Channel == "":
		if len(c.Channels) == 1 && !c.channelsFromFile {
			ps.add("CYTUBE_CHANNEL", "is not set", "set it to the channel name, e.g. CYTUBE_CHANNEL=mychannel")
		} else {
			ps.add(set("CYTUBE_CHANNEL", "channel"), "is not set", "give the channel name, e.g. channel: mychannel")
		}
	case !channelNameRE.MatchString(ch.Channel):
		ps.add(set("CYTUBE_CHANNEL", "channel"), fmt.Sprintf("is %q, which is not a CyTube channel name", ch.Channel),
			"use 1 to 30 letters, digits, _ or -, as in the channel's URL https://cytu.be/r/<name>")
	}
	if slices.Contains(reservedChannels, strings.ToLower(ch.Channel)) && c.EffectiveSubjectMode() == SubjectModeChannel {
		ps.add(set("CYTUBE_CHANNEL", "channel"),
			fmt.Sprintf("is %q, a word the connector's subjects reserve (rosey.platform.cytube.%s... are its own subjects), so it cannot name this channel's subjects in channel subject mode", ch.Channel, strings.ToLower(ch.Channel)),
			"serve this channel from a connector of its own with SUBJECT_MODE=seed (or auto), whose subjects carry no channel name")
	}
	if ch.Username != "" && !userNameRE.MatchString(ch.Username) {
		ps.add(set("CYTUBE_USERNAME", "username"), fmt.Sprintf("is %q, which is not a CyTube user name", ch.Username),
			"use 1 to 20 letters, digits, _ or -")
	}
	if ch.Password.IsSet() && ch.Username == "" {
		ps.add(set("CYTUBE_PASSWORD", "password"), "is set but the user name is empty",
			"set "+set("CYTUBE_USERNAME", "username")+" to the account the password belongs to, or remove the password to join anonymously (read-only)")
	}
	if ch.SocketURL != "" {
		u, err := url.Parse(ch.SocketURL)
		switch {
		case err != nil || u.Host == "" || !oneOf(u.Scheme, "ws", "wss", "http", "https"):
			ps.add(set("CYTUBE_SOCKET_URL", "socket_url"), fmt.Sprintf("is %q, which is not a ws://, wss://, http:// or https:// URL", ch.SocketURL),
				"give the socket server's URL, e.g. https://cytu.be:10443, or leave it empty to ask /socketconfig/<channel>.json")
		case u.User != nil:
			ps.add(set("CYTUBE_SOCKET_URL", "socket_url"), "contains credentials",
				"remove the user:password@ part; the connector logs in with CYTUBE_USERNAME and CYTUBE_PASSWORD")
		}
	}
	checkCAFile(ps, set("CYTUBE_TLS_CA_FILE", "tls_ca_file"), ch.TLSCAFile)
	if ch.MaxChatLength < 0 || ch.MaxChatLength > 1000 {
		ps.add(set("CYTUBE_MAX_CHAT_LENGTH", "max_chat_length"), fmt.Sprintf("is %d, outside 1-1000", ch.MaxChatLength),
			"use the server's max-chat-message-length (CyTube's default 320; it caps the setting at 1000)")
	}
	if ch.PollMaxOptions < 0 {
		ps.add(set("CYTUBE_POLL_MAX_OPTIONS", "poll_max_options"), fmt.Sprintf("is %d; a poll needs at least one option", ch.PollMaxOptions),
			"use the server's poll.max-options (CyTube's default 50)")
	}
}

// checkCAFile is checkFile for a CA bundle, which must also hold at least
// one PEM certificate: an unusable bundle would otherwise fail every TLS
// handshake, forever.
func checkCAFile(ps *problems, setting, path string) {
	n := len(*ps)
	checkFile(ps, setting, path)
	if path == "" || len(*ps) > n {
		return
	}
	pem, err := os.ReadFile(path)
	if err == nil && !x509.NewCertPool().AppendCertsFromPEM(pem) {
		ps.add(setting, fmt.Sprintf("names %s, which holds no PEM certificate", path), "give a PEM file with the CA certificate(s) (-----BEGIN CERTIFICATE-----)")
	}
}

// checkHost returns what is wrong with a CyTube host and how to fix it;
// SETTING in the fix stands for the setting's name.
func checkHost(h string) (issue, fix string) {
	const fixHost = "set SETTING=cytu.be, or host:port for a self-hosted CyTube such as localhost:8080"
	switch {
	case h == "":
		return "is empty", fixHost
	case strings.Contains(h, "://"):
		scheme := h[:strings.Index(h, "://")]
		return fmt.Sprintf("must be a host name like cytu.be (without %s://), got %q", scheme, h),
			"drop the scheme, e.g. SETTING=" + hostOf(h) + "; choose http or https with CYTUBE_SECURE"
	case strings.ContainsAny(h, "/?#@ "):
		return fmt.Sprintf("must be a host name or host:port without a path, got %q", h), fixHost
	}
	name := h
	if strings.Contains(h, ":") {
		hn, port, err := net.SplitHostPort(h)
		if err != nil {
			return fmt.Sprintf("is %q, which is not host or host:port", h),
				"write an IPv6 address in brackets, e.g. [::1]:8080, or " + fixHost
		}
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return fmt.Sprintf("has port %q, which is not a number from 1 to 65535", port), fixHost
		}
		if net.ParseIP(hn) != nil {
			return "", ""
		}
		name = hn
	}
	if !validHostName(name) {
		return fmt.Sprintf("is %q, which is not a valid host name", h), fixHost
	}
	return "", ""
}

// hostOf returns the host[:port] part of a URL the user gave as a host.
func hostOf(s string) string {
	if u, err := url.Parse(s); err == nil && u.Host != "" {
		return u.Host
	}
	return DefaultHost
}

func validHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	if net.ParseIP(s) != nil {
		return true
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if len(label) > 63 || !hostLabelRE.MatchString(label) {
			return false
		}
	}
	return true
}

func oneOf(s string, options ...string) bool {
	for _, o := range options {
		if s == o {
			return true
		}
	}
	return false
}

// checkFile adds a problem when path is set but is not a readable file.
func checkFile(ps *problems, setting, path string) {
	if path == "" {
		return
	}
	fi, err := os.Stat(path)
	if err == nil && fi.IsDir() {
		ps.add(setting, fmt.Sprintf("names %s, which is a directory", path), "name the file itself")
		return
	}
	if err == nil {
		var f *os.File
		f, err = os.Open(path)
		if err == nil {
			_ = f.Close()
			return
		}
	}
	switch {
	case errors.Is(err, os.ErrNotExist):
		ps.add(setting, fmt.Sprintf("names %s, which does not exist", path), "fix the path or create the file")
	case errors.Is(err, os.ErrPermission):
		ps.add(setting, fmt.Sprintf("names %s, which this user cannot read", path),
			"make the file readable by the user the connector runs as")
	default:
		ps.add(setting, fmt.Sprintf("names %s, which cannot be read (%v)", path, err), "fix the path or the file")
	}
}

func (c Config) validateNATS(ps *problems) {
	n := c.NATS
	set := c.global
	if n.URL != "" {
		checkNATSURL(ps, set("NATS_URL", "nats.url"), n.URL)
	} else {
		if n.EmbeddedHost == "" || (net.ParseIP(n.EmbeddedHost) == nil && !validHostName(n.EmbeddedHost)) {
			ps.add(set("NATS_EMBEDDED_HOST", "nats.embedded_host"), fmt.Sprintf("is %q, which is not a host name or IP address", n.EmbeddedHost),
				"set it to the address the embedded server listens on, e.g. NATS_EMBEDDED_HOST=127.0.0.1")
		}
		if n.EmbeddedPort != RandomPort && (n.EmbeddedPort < 1 || n.EmbeddedPort > 65535) {
			ps.add(set("NATS_EMBEDDED_PORT", "nats.embedded_port"), fmt.Sprintf("is %d, which is not a port", n.EmbeddedPort),
				"use a number from 1 to 65535 (default 4222), or -1 for any free port")
		}
	}
	if n.Token.IsSet() && (n.User != "" || n.Password.IsSet()) {
		ps.add(set("NATS_TOKEN", "nats.token"), "is set together with NATS_USER/NATS_PASSWORD",
			"use either a token or a user and password, not both")
	}
	if n.Password.IsSet() && n.User == "" {
		ps.add(set("NATS_PASSWORD", "nats.password"), "is set but NATS_USER is empty", "set NATS_USER to the user the password belongs to")
	}
	if n.User != "" && !n.Password.IsSet() {
		ps.add(set("NATS_USER", "nats.user"), "is set but NATS_PASSWORD is empty", "set NATS_PASSWORD, or unset NATS_USER")
	}
	if n.NKeySeedFile != "" && n.CredsFile != "" {
		ps.add(set("NATS_NKEY_SEED_FILE", "nats.nkey_seed_file"), "is set together with NATS_CREDS_FILE",
			"use one of them: a .creds file already holds the seed")
	}
	checkFile(ps, set("NATS_NKEY_SEED_FILE", "nats.nkey_seed_file"), n.NKeySeedFile)
	checkFile(ps, set("NATS_CREDS_FILE", "nats.creds_file"), n.CredsFile)
	checkCAFile(ps, set("NATS_TLS_CA_FILE", "nats.tls_ca_file"), n.TLSCAFile)
	checkFile(ps, set("NATS_TLS_CERT_FILE", "nats.tls_cert_file"), n.TLSCertFile)
	checkFile(ps, set("NATS_TLS_KEY_FILE", "nats.tls_key_file"), n.TLSKeyFile)
	if (n.TLSCertFile == "") != (n.TLSKeyFile == "") {
		ps.add(set("NATS_TLS_CERT_FILE", "nats.tls_cert_file"), "and NATS_TLS_KEY_FILE must be set together",
			"set both to present a client certificate, or neither")
	}
	if n.DataDir != "" {
		if fi, err := os.Stat(n.DataDir); err == nil && !fi.IsDir() {
			ps.add(set("NATS_DATA_DIR", "nats.data_dir"), fmt.Sprintf("names %s, which is a file", n.DataDir),
				"name a directory; it is created when missing")
		}
	}
	if n.JetStream {
		if !streamNameRE.MatchString(n.Stream) {
			ps.add(set("NATS_STREAM", "nats.stream"), fmt.Sprintf("is %q, which is not a JetStream stream name", n.Stream),
				"use letters, digits, _ or -, e.g. NATS_STREAM="+DefaultStream)
		}
		if n.StreamMaxAge < 0 {
			ps.add(set("NATS_STREAM_MAX_AGE", "nats.stream_max_age"), "is negative", "use a duration such as 24h, or 0 for no age limit")
		}
		switch {
		case n.DuplicateWindow <= 0:
			ps.add(set("NATS_DUPLICATE_WINDOW", "nats.duplicate_window"), "must be positive", "use a duration such as 2m")
		case n.StreamMaxAge > 0 && n.DuplicateWindow > n.StreamMaxAge:
			ps.add(set("NATS_DUPLICATE_WINDOW", "nats.duplicate_window"),
				fmt.Sprintf("(%v) is longer than NATS_STREAM_MAX_AGE (%v)", n.DuplicateWindow, n.StreamMaxAge),
				"make the window shorter than the stream's max age")
		}
	}
}

func checkNATSURL(ps *problems, setting, list string) {
	for _, raw := range strings.Split(list, ",") {
		raw = strings.TrimSpace(raw)
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || !oneOf(strings.ToLower(u.Scheme), "nats", "tls", "ws", "wss") {
			shown := raw
			if err == nil && u.User != nil {
				shown = u.Redacted()
			} else if err != nil {
				shown = "an unparsable URL"
			}
			ps.add(setting, fmt.Sprintf("has %q, which is not a nats://, tls://, ws:// or wss:// URL", shown),
				"use e.g. NATS_URL=nats://127.0.0.1:4222 (comma-separate several servers), or leave it empty to start an embedded server")
			continue
		}
		if u.User != nil {
			ps.add(setting, "contains credentials ("+u.Redacted()+")",
				"remove them from the URL and set NATS_USER and NATS_PASSWORD, or NATS_TOKEN, instead; URLs get logged")
		}
	}
}

func (c Config) validateRest(ps *problems) {
	set := c.global
	if !oneOf(c.Log.Level, LevelDebug, LevelInfo, LevelWarn, LevelError) {
		ps.add(set("LOG_LEVEL", "log.level"), fmt.Sprintf("is %q", c.Log.Level), "use debug, info, warn or error")
	}
	if !oneOf(c.Log.Format, FormatText, FormatJSON) {
		ps.add(set("LOG_FORMAT", "log.format"), fmt.Sprintf("is %q", c.Log.Format), "use text or json")
	}
	if a := c.Metrics.Addr; a != "" {
		_, port, err := net.SplitHostPort(a)
		p, perr := strconv.Atoi(port)
		if err != nil || perr != nil || p < 0 || p > 65535 {
			ps.add(set("METRICS_ADDR", "metrics.addr"), fmt.Sprintf("is %q, which is not host:port", a),
				"use e.g. METRICS_ADDR=127.0.0.1:9090, or leave it empty to turn metrics off")
		}
	}
	if e := c.Tracing.OTLPEndpoint; e != "" {
		if u, err := url.Parse(e); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ps.add(set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "tracing.otlp_endpoint"), fmt.Sprintf("is %q, which is not an http(s) URL", e),
				"use e.g. http://127.0.0.1:4318/v1/traces (OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 adds /v1/traces), or leave it empty to export nothing")
		}
	}
	switch c.Subjects.Mode {
	case SubjectModeAuto, SubjectModeChannel:
	case SubjectModeSeed:
		if len(c.Channels) > 1 {
			ps.add(set("SUBJECT_MODE", "subjects.mode"), fmt.Sprintf("is seed, which cannot tell %d channels apart", len(c.Channels)),
				"use SUBJECT_MODE=channel (or auto) with several channels")
		}
	default:
		ps.add(set("SUBJECT_MODE", "subjects.mode"), fmt.Sprintf("is %q", c.Subjects.Mode), "use auto, seed or channel")
	}
	if !oneOf(string(c.Subjects.Encoding), string(EncodingProtobuf), string(EncodingJSON)) {
		ps.add(set("PAYLOAD_ENCODING", "subjects.encoding"), fmt.Sprintf("is %q", c.Subjects.Encoding), "use protobuf or json")
	}
}
