package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/config"
)

// valid returns a configuration that passes Validate.
func valid() config.Config {
	c := config.Default()
	ch := config.DefaultChannel()
	ch.Channel = "mychannel"
	ch.Username = "RoseyBot"
	ch.Password = "pw"
	c.Channels = []config.Channel{ch}
	return c
}

func TestValidateAcceptsGoodConfigs(t *testing.T) {
	dir := t.TempDir()
	pem, err := os.ReadFile(filepath.Join("testdata", "certs", "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	ca := writeFile(t, dir, "ca.pem", string(pem))
	tests := map[string]func(c *config.Config){
		"defaults":         func(c *config.Config) {},
		"anonymous":        func(c *config.Config) { c.Channels[0].Username, c.Channels[0].Password = "", "" },
		"self-hosted":      func(c *config.Config) { c.Channels[0].Host, c.Channels[0].Secure = "localhost:8080", false },
		"ipv4 host":        func(c *config.Config) { c.Channels[0].Host = "127.0.0.1:8080" },
		"ipv6 host":        func(c *config.Config) { c.Channels[0].Host = "[::1]:8080" },
		"socket url":       func(c *config.Config) { c.Channels[0].SocketURL = "wss://cytu.be:10443" },
		"ca file":          func(c *config.Config) { c.Channels[0].TLSCAFile = ca },
		"nats list":        func(c *config.Config) { c.NATS.URL = "nats://a:4222, tls://b:4222,ws://c:80,wss://d" },
		"nats user":        func(c *config.Config) { c.NATS.URL, c.NATS.User, c.NATS.Password = "nats://h:1", "u", "p" },
		"nats tls":         func(c *config.Config) { c.NATS.TLSCAFile, c.NATS.TLSCertFile, c.NATS.TLSKeyFile = ca, ca, ca },
		"random port":      func(c *config.Config) { c.NATS.EmbeddedPort = config.RandomPort },
		"no jetstream":     func(c *config.Config) { c.NATS.JetStream, c.NATS.Stream = false, "" },
		"unlimited age":    func(c *config.Config) { c.NATS.StreamMaxAge = 0 },
		"metrics":          func(c *config.Config) { c.Metrics.Addr = ":9090" },
		"seed mode":        func(c *config.Config) { c.Subjects.Mode = config.SubjectModeSeed },
		"json":             func(c *config.Config) { c.Subjects.Encoding, c.Log.Format, c.Log.Level = "json", "json", "debug" },
		"data dir new":     func(c *config.Config) { c.NATS.DataDir = filepath.Join(dir, "new") },
		"channel password": func(c *config.Config) { c.Channels[0].ChannelPassword = "x" },
		"same name 2 hosts": func(c *config.Config) {
			c.Channels = append(c.Channels, c.Channels[0])
			c.Channels[1].Host = "other.org"
		},
	}
	for name, mod := range tests {
		c := valid()
		mod(&c)
		if err := c.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v, want nil", name, err)
		}
	}
}

func TestValidateMessages(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "f", "x")
	tests := []struct {
		name    string
		mod     func(c *config.Config)
		setting string
		issue   string // substring of Issue
		fix     string // substring of Fix
	}{
		{"no channel", func(c *config.Config) { c.Channels[0].Channel = "" },
			"CYTUBE_CHANNEL", "is not set", "set it to the channel name, e.g. CYTUBE_CHANNEL=mychannel"},
		{"no channels at all", func(c *config.Config) { c.Channels = nil },
			"CYTUBE_CHANNEL", "is not set", "CYTUBE_CHANNEL=mychannel"},
		{"bad channel", func(c *config.Config) { c.Channels[0].Channel = "my channel" },
			"CYTUBE_CHANNEL", `"my channel", which is not a CyTube channel name`, "1 to 30 letters"},
		{"long channel", func(c *config.Config) { c.Channels[0].Channel = strings.Repeat("a", 31) },
			"CYTUBE_CHANNEL", "not a CyTube channel name", "1 to 30"},
		{"bad user", func(c *config.Config) { c.Channels[0].Username = strings.Repeat("u", 21) },
			"CYTUBE_USERNAME", "not a CyTube user name", "1 to 20"},
		{"password without user", func(c *config.Config) { c.Channels[0].Username = "" },
			"CYTUBE_PASSWORD", "user name is empty", "set CYTUBE_USERNAME"},
		{"https host", func(c *config.Config) { c.Channels[0].Host = "https://cytu.be" },
			"CYTUBE_HOST", "must be a host name like cytu.be (without https://)", "CYTUBE_HOST=cytu.be"},
		{"http host with port", func(c *config.Config) { c.Channels[0].Host = "http://localhost:8080/" },
			"CYTUBE_HOST", "(without http://)", "CYTUBE_HOST=localhost:8080"},
		{"path", func(c *config.Config) { c.Channels[0].Host = "cytu.be/r/x" },
			"CYTUBE_HOST", "without a path", "CYTUBE_HOST=cytu.be"},
		{"empty host", func(c *config.Config) { c.Channels[0].Host = "" },
			"CYTUBE_HOST", "is empty", "CYTUBE_HOST=cytu.be"},
		{"otlp endpoint without scheme", func(c *config.Config) { c.Tracing.OTLPEndpoint = "127.0.0.1:4318" },
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "not an http(s) URL", "http://127.0.0.1:4318/v1/traces"},
		{"bad port", func(c *config.Config) { c.Channels[0].Host = "cytu.be:99999" },
			"CYTUBE_HOST", `port "99999"`, "host:port"},
		{"bare ipv6", func(c *config.Config) { c.Channels[0].Host = "::1" },
			"CYTUBE_HOST", "not host or host:port", "brackets"},
		{"bad host chars", func(c *config.Config) { c.Channels[0].Host = "cy_tu-.be" },
			"CYTUBE_HOST", "not a valid host name", "CYTUBE_HOST=cytu.be"},
		{"bad socket url", func(c *config.Config) { c.Channels[0].SocketURL = "ftp://x" },
			"CYTUBE_SOCKET_URL", "not a ws://", "/socketconfig/"},
		{"socket url creds", func(c *config.Config) { c.Channels[0].SocketURL = "wss://a:b@x" },
			"CYTUBE_SOCKET_URL", "contains credentials", "remove the user:password@"},
		{"missing ca", func(c *config.Config) { c.Channels[0].TLSCAFile = filepath.Join(dir, "nope.pem") },
			"CYTUBE_TLS_CA_FILE", "does not exist", "fix the path"},
		{"ca is dir", func(c *config.Config) { c.Channels[0].TLSCAFile = dir },
			"CYTUBE_TLS_CA_FILE", "is a directory", "name the file"},
		{"ca not pem", func(c *config.Config) { c.Channels[0].TLSCAFile = file },
			"CYTUBE_TLS_CA_FILE", "holds no PEM certificate", "BEGIN CERTIFICATE"},
		{"chat length over CyTube's cap", func(c *config.Config) { c.Channels[0].MaxChatLength = 5000 },
			"CYTUBE_MAX_CHAT_LENGTH", "outside 1-1000", "max-chat-message-length"},
		{"no poll options", func(c *config.Config) { c.Channels[0].PollMaxOptions = -1 },
			"CYTUBE_POLL_MAX_OPTIONS", "at least one option", "poll.max-options"},
		{"nats ca not pem", func(c *config.Config) { c.NATS.URL, c.NATS.TLSCAFile = "tls://h:4222", file },
			"NATS_TLS_CA_FILE", "holds no PEM certificate", "BEGIN CERTIFICATE"},
		{"nats scheme", func(c *config.Config) { c.NATS.URL = "http://localhost:4222" },
			"NATS_URL", "not a nats://, tls://, ws:// or wss:// URL", "NATS_URL=nats://127.0.0.1:4222"},
		{"nats no scheme", func(c *config.Config) { c.NATS.URL = "localhost:4222" },
			"NATS_URL", "not a nats://", "comma-separate"},
		{"nats bad in list", func(c *config.Config) { c.NATS.URL = "nats://a:1,https://u:secret@b" },
			"NATS_URL", "https://u:xxxxx@b", "nats://"},
		{"nats creds", func(c *config.Config) { c.NATS.URL = "nats://u:secret@h:4222" },
			"NATS_URL", "contains credentials (nats://u:xxxxx@h:4222)", "NATS_USER and NATS_PASSWORD"},
		{"nats unparsable", func(c *config.Config) { c.NATS.URL = "nats://%zz" },
			"NATS_URL", "an unparsable URL", "nats://"},
		{"token and user", func(c *config.Config) { c.NATS.Token, c.NATS.User, c.NATS.Password = "t", "u", "p" },
			"NATS_TOKEN", "together with NATS_USER", "not both"},
		{"nats password only", func(c *config.Config) { c.NATS.Password = "p" },
			"NATS_PASSWORD", "NATS_USER is empty", "set NATS_USER"},
		{"nats user only", func(c *config.Config) { c.NATS.User = "u" },
			"NATS_USER", "NATS_PASSWORD is empty", "set NATS_PASSWORD"},
		{"seed and creds", func(c *config.Config) { c.NATS.NKeySeedFile, c.NATS.CredsFile = file, file },
			"NATS_NKEY_SEED_FILE", "together with NATS_CREDS_FILE", "one of them"},
		{"missing creds", func(c *config.Config) { c.NATS.CredsFile = filepath.Join(dir, "x.creds") },
			"NATS_CREDS_FILE", "does not exist", "fix the path"},
		{"cert without key", func(c *config.Config) { c.NATS.TLSCertFile = file },
			"NATS_TLS_CERT_FILE", "must be set together", "both"},
		{"data dir is file", func(c *config.Config) { c.NATS.DataDir = file },
			"NATS_DATA_DIR", "is a file", "name a directory"},
		{"embedded port", func(c *config.Config) { c.NATS.EmbeddedPort = 70000 },
			"NATS_EMBEDDED_PORT", "is 70000", "1 to 65535"},
		{"embedded host", func(c *config.Config) { c.NATS.EmbeddedHost = "" },
			"NATS_EMBEDDED_HOST", "not a host name", "NATS_EMBEDDED_HOST=127.0.0.1"},
		{"stream name", func(c *config.Config) { c.NATS.Stream = "a.b" },
			"NATS_STREAM", "not a JetStream stream name", "NATS_STREAM=ROSEY_CYTUBE"},
		{"max age", func(c *config.Config) { c.NATS.StreamMaxAge = -time.Second },
			"NATS_STREAM_MAX_AGE", "negative", "24h"},
		{"window zero", func(c *config.Config) { c.NATS.DuplicateWindow = 0 },
			"NATS_DUPLICATE_WINDOW", "positive", "2m"},
		{"window long", func(c *config.Config) { c.NATS.StreamMaxAge = time.Minute },
			"NATS_DUPLICATE_WINDOW", "longer than NATS_STREAM_MAX_AGE", "shorter"},
		{"log level", func(c *config.Config) { c.Log.Level = "verbose" },
			"LOG_LEVEL", `"verbose"`, "debug, info, warn or error"},
		{"log format", func(c *config.Config) { c.Log.Format = "xml" },
			"LOG_FORMAT", `"xml"`, "text or json"},
		{"metrics", func(c *config.Config) { c.Metrics.Addr = "9090" },
			"METRICS_ADDR", "not host:port", "METRICS_ADDR=127.0.0.1:9090"},
		{"subject mode", func(c *config.Config) { c.Subjects.Mode = "flat" },
			"SUBJECT_MODE", `"flat"`, "auto, seed or channel"},
		{"seed with two", func(c *config.Config) {
			c.Subjects.Mode = config.SubjectModeSeed
			c.Channels = append(c.Channels, c.Channels[0])
			c.Channels[1].Channel = "other"
		}, "SUBJECT_MODE", "cannot tell 2 channels apart", "SUBJECT_MODE=channel"},
		{"encoding", func(c *config.Config) { c.Subjects.Encoding = "xml" },
			"PAYLOAD_ENCODING", `"xml"`, "protobuf or json"},
	}
	for _, tt := range tests {
		c := valid()
		tt.mod(&c)
		p := onlyProblem(t, c.Validate())
		if p.Setting != tt.setting || !strings.Contains(p.Issue, tt.issue) || !strings.Contains(p.Fix, tt.fix) {
			t.Errorf("%s: problem\n got %+v\nwant setting %q, issue ~%q, fix ~%q", tt.name, p, tt.setting, tt.issue, tt.fix)
		}
		if line := p.String(); !strings.HasPrefix(line, tt.setting+" ") || strings.Contains(line, "\n") {
			t.Errorf("%s: line %q does not start with the setting or spans lines", tt.name, line)
		}
		if strings.Contains(p.String(), "secret") {
			t.Errorf("%s: line %q leaks a secret", tt.name, p.String())
		}
	}
}

func TestValidateUnreadableFile(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		// root reads any file; the permission branch then cannot be reached,
		// so check the generic message for a file that cannot be opened.
		c := valid()
		c.NATS.CredsFile = "\x00bad"
		p := onlyProblem(t, c.Validate())
		if p.Setting != "NATS_CREDS_FILE" || !strings.Contains(p.Issue, "cannot be read") {
			t.Errorf("problem = %+v", p)
		}
		return
	}
	f := writeFile(t, t.TempDir(), "locked", "x")
	if err := os.Chmod(f, 0); err != nil {
		t.Fatal(err)
	}
	c := valid()
	c.NATS.CredsFile = f
	p := onlyProblem(t, c.Validate())
	if p.Setting != "NATS_CREDS_FILE" || !strings.Contains(p.Issue, "cannot read") {
		t.Errorf("problem = %+v", p)
	}
}

func TestValidateFileChannelsAndDuplicates(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "c.yaml", `
channels:
  - channel: Lounge
  - channel: bad name
  - channel: lounge
    host: cytu.be
  - channel: ok
    password: pw
nats:
  url: http://x
`)
	cfg, err := config.LoadFile(path, mapLookup(nil), config.Default())
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.Validate()
	var ve *config.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate() = %v, want *ValidationError", err)
	}
	want := []string{
		"channels[1].channel in " + path,
		"channels[2].channel in " + path,
		"channels[3].password in " + path,
		"NATS_URL / nats.url in " + path,
	}
	if len(ve.Problems) != len(want) {
		t.Fatalf("problems = %v, want %d", ve.Problems, len(want))
	}
	for i, w := range want {
		if ve.Problems[i].Setting != w {
			t.Errorf("problem %d setting = %q, want %q", i, ve.Problems[i].Setting, w)
		}
	}
	if !strings.Contains(ve.Problems[1].Issue, "repeats channels[0]") || !strings.Contains(ve.Problems[1].Fix, "remove one") {
		t.Errorf("duplicate problem = %+v", ve.Problems[1])
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "invalid configuration (4 problems):\n  - channels[1].channel in ") || strings.Count(msg, "\n") != 4 {
		t.Errorf("Error() =\n%s", msg)
	}

	// One channel from a file is named both ways.
	one := writeFile(t, dir, "one.yaml", "channels:\n  - channel: a b\n")
	cfg, err = config.LoadFile(one, mapLookup(nil), config.Default())
	if err != nil {
		t.Fatal(err)
	}
	if p := onlyProblem(t, cfg.Validate()); p.Setting != "CYTUBE_CHANNEL / channels[0].channel in "+one {
		t.Errorf("setting = %q", p.Setting)
	}
	empty := writeFile(t, dir, "empty.yaml", "channels:\n  - channel: a\n  - username: u\n")
	cfg, _ = config.LoadFile(empty, mapLookup(nil), config.Default())
	if p := onlyProblem(t, cfg.Validate()); p.Setting != "channels[1].channel in "+empty || !strings.Contains(p.Fix, "channel: mychannel") {
		t.Errorf("problem = %+v", p)
	}
}

func TestValidationErrorSingleLine(t *testing.T) {
	c := valid()
	c.Channels[0].Channel = ""
	want := "invalid configuration: CYTUBE_CHANNEL is not set: set it to the channel name, e.g. CYTUBE_CHANNEL=mychannel"
	if err := c.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate() = %v, want %q", err, want)
	}
}

func TestHelpers(t *testing.T) {
	c := valid()
	if got := c.EffectiveSubjectMode(); got != config.SubjectModeSeed {
		t.Errorf("one channel auto = %q, want seed", got)
	}
	c.Channels = append(c.Channels, c.Channels[0])
	if got := c.EffectiveSubjectMode(); got != config.SubjectModeChannel {
		t.Errorf("two channels auto = %q, want channel", got)
	}
	c.Subjects.Mode = config.SubjectModeSeed
	if got := c.EffectiveSubjectMode(); got != config.SubjectModeSeed {
		t.Errorf("explicit = %q", got)
	}
	for level, want := range map[string]string{"debug": "DEBUG", "info": "INFO", "warn": "WARN", "warning": "WARN", "error": "ERROR", "": "INFO"} {
		if got := (config.Log{Level: level}).SlogLevel().String(); got != want {
			t.Errorf("SlogLevel(%q) = %s, want %s", level, got, want)
		}
	}
	ch := config.Channel{Host: "localhost:8080"}
	if got := ch.BaseURL(); got != "http://localhost:8080" {
		t.Errorf("BaseURL = %q", got)
	}
	if got := config.DefaultChannel().BaseURL(); got != "https://cytu.be" {
		t.Errorf("BaseURL = %q", got)
	}
	if !config.Default().NATS.Embedded() || (config.NATS{URL: "nats://x"}).Embedded() {
		t.Errorf("Embedded wrong")
	}
}
