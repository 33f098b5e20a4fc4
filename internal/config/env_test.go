package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/config"
)

func mapLookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// base is Default plus the channel FromEnv creates when no channel is
// configured.
func base() config.Config {
	c := config.Default()
	c.Channels = []config.Channel{config.DefaultChannel()}
	return c
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFromEnvEachVariable(t *testing.T) {
	dir := t.TempDir()
	pwFile := writeFile(t, dir, "pw", "file-pass\n")
	tokFile := writeFile(t, dir, "tok", "file-token\r\n")
	natsPwFile := writeFile(t, dir, "npw", "nats-file-pass")
	tests := []struct {
		name, value string
		want        func(c *config.Config)
	}{
		{"CYTUBE_HOST", "localhost:8080", func(c *config.Config) { c.Channels[0].Host = "localhost:8080" }},
		{"CYTUBE_HOST", " cytu.be ", func(c *config.Config) { c.Channels[0].Host = "cytu.be" }},
		{"CYTUBE_SECURE", "false", func(c *config.Config) { c.Channels[0].Secure = false }},
		{"CYTUBE_SECURE", "0", func(c *config.Config) { c.Channels[0].Secure = false }},
		{"CYTUBE_SECURE", "no", func(c *config.Config) { c.Channels[0].Secure = false }},
		{"CYTUBE_SECURE", "OFF", func(c *config.Config) { c.Channels[0].Secure = false }},
		{"CYTUBE_SECURE", "yes", func(c *config.Config) {}},
		{"CYTUBE_SECURE", "1", func(c *config.Config) {}},
		{"CYTUBE_SECURE", "True", func(c *config.Config) {}},
		{"CYTUBE_CHANNEL", "mychannel", func(c *config.Config) { c.Channels[0].Channel = "mychannel" }},
		{"CYTUBE_USERNAME", "RoseyBot", func(c *config.Config) { c.Channels[0].Username = "RoseyBot" }},
		{"CYTUBE_PASSWORD", " p w ", func(c *config.Config) { c.Channels[0].Password = " p w " }},
		{"CYTUBE_PASSWORD_FILE", pwFile, func(c *config.Config) { c.Channels[0].Password = "file-pass" }},
		{"CYTUBE_CHANNEL_PASSWORD", "chanpw", func(c *config.Config) { c.Channels[0].ChannelPassword = "chanpw" }},
		{"CYTUBE_SOCKET_URL", "wss://cytu.be:10443", func(c *config.Config) { c.Channels[0].SocketURL = "wss://cytu.be:10443" }},
		{"CYTUBE_TLS_CA_FILE", "/etc/ca.pem", func(c *config.Config) { c.Channels[0].TLSCAFile = "/etc/ca.pem" }},
		{"NATS_URL", "nats://a:4222,nats://b:4222", func(c *config.Config) { c.NATS.URL = "nats://a:4222,nats://b:4222" }},
		{"NATS_TOKEN", "tok", func(c *config.Config) { c.NATS.Token = "tok" }},
		{"NATS_TOKEN_FILE", tokFile, func(c *config.Config) { c.NATS.Token = "file-token" }},
		{"NATS_USER", "svc", func(c *config.Config) { c.NATS.User = "svc" }},
		{"NATS_PASSWORD", "npw", func(c *config.Config) { c.NATS.Password = "npw" }},
		{"NATS_PASSWORD_FILE", natsPwFile, func(c *config.Config) { c.NATS.Password = "nats-file-pass" }},
		{"NATS_NKEY_SEED_FILE", "/k.nk", func(c *config.Config) { c.NATS.NKeySeedFile = "/k.nk" }},
		{"NATS_CREDS_FILE", "/u.creds", func(c *config.Config) { c.NATS.CredsFile = "/u.creds" }},
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", " http://c:4318/x ", func(c *config.Config) { c.Tracing.OTLPEndpoint = "http://c:4318/x" }},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/", func(c *config.Config) { c.Tracing.OTLPEndpoint = "http://c:4318/v1/traces" }},
		{"OTEL_SERVICE_NAME", "bridge", func(c *config.Config) { c.Tracing.ServiceName = "bridge" }},
		{"OTEL_EXPORTER_OTLP_HEADERS", "api-key=s3cret, x-team = rosey", func(c *config.Config) {
			c.Tracing.Headers = map[string]config.Secret{"api-key": "s3cret", "x-team": "rosey"}
		}},
		{"NATS_TLS_CA_FILE", "/ca.pem", func(c *config.Config) { c.NATS.TLSCAFile = "/ca.pem" }},
		{"NATS_TLS_CERT_FILE", "/c.pem", func(c *config.Config) { c.NATS.TLSCertFile = "/c.pem" }},
		{"NATS_TLS_KEY_FILE", "/k.pem", func(c *config.Config) { c.NATS.TLSKeyFile = "/k.pem" }},
		{"NATS_EMBEDDED_HOST", "0.0.0.0", func(c *config.Config) { c.NATS.EmbeddedHost = "0.0.0.0" }},
		{"NATS_EMBEDDED_PORT", "4333", func(c *config.Config) { c.NATS.EmbeddedPort = 4333 }},
		{"NATS_EMBEDDED_PORT", "-1", func(c *config.Config) { c.NATS.EmbeddedPort = config.RandomPort }},
		{"NATS_DATA_DIR", "/var/lib/x", func(c *config.Config) { c.NATS.DataDir = "/var/lib/x" }},
		{"NATS_JETSTREAM", "false", func(c *config.Config) { c.NATS.JetStream = false }},
		{"NATS_STREAM", "EVENTS", func(c *config.Config) { c.NATS.Stream = "EVENTS" }},
		{"NATS_STREAM_MAX_AGE", "72h", func(c *config.Config) { c.NATS.StreamMaxAge = 72 * time.Hour }},
		{"NATS_DUPLICATE_WINDOW", "30s", func(c *config.Config) { c.NATS.DuplicateWindow = 30 * time.Second }},
		{"NATS_RECONNECT_BUF_SIZE", "1024", func(c *config.Config) { c.NATS.ReconnectBufSize = 1024 }},
		{"LOG_LEVEL", "DEBUG", func(c *config.Config) { c.Log.Level = "debug" }},
		{"LOG_LEVEL", "warning", func(c *config.Config) { c.Log.Level = "warn" }},
		{"LOG_FORMAT", "JSON", func(c *config.Config) { c.Log.Format = "json" }},
		{"METRICS_ADDR", "127.0.0.1:9090", func(c *config.Config) { c.Metrics.Addr = "127.0.0.1:9090" }},
		{"SUBJECT_MODE", "channel", func(c *config.Config) { c.Subjects.Mode = config.SubjectModeChannel }},
		{"PAYLOAD_ENCODING", "json", func(c *config.Config) { c.Subjects.Encoding = config.EncodingJSON }},
		{"CYTUBE_HOST", "", func(c *config.Config) {}}, // empty counts as unset
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			got, err := config.FromEnv(mapLookup(map[string]string{tt.name: tt.value}), config.Default())
			if err != nil {
				t.Fatalf("FromEnv(%s=%q) error: %v", tt.name, tt.value, err)
			}
			want := base()
			tt.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("FromEnv(%s=%q)\n got %+v\nwant %+v", tt.name, tt.value, got, want)
			}
			if got.Channels[0].Password.Reveal() != want.Channels[0].Password.Reveal() || got.NATS.Token.Reveal() != want.NATS.Token.Reveal() {
				t.Errorf("FromEnv(%s=%q): secrets differ", tt.name, tt.value)
			}
		})
	}
}

func TestFromEnvBadValues(t *testing.T) {
	dir := t.TempDir()
	empty := writeFile(t, dir, "empty", "\n")
	tests := []struct {
		env     map[string]string
		setting string
		issue   string
	}{
		{map[string]string{"CYTUBE_SECURE": "maybe"}, "CYTUBE_SECURE", "not true or false"},
		{map[string]string{"NATS_JETSTREAM": "2"}, "NATS_JETSTREAM", "not true or false"},
		{map[string]string{"NATS_EMBEDDED_PORT": "http"}, "NATS_EMBEDDED_PORT", "not a whole number"},
		{map[string]string{"NATS_RECONNECT_BUF_SIZE": "8MB"}, "NATS_RECONNECT_BUF_SIZE", "not a whole number"},
		{map[string]string{"NATS_STREAM_MAX_AGE": "1 day"}, "NATS_STREAM_MAX_AGE", "not a duration"},
		{map[string]string{"NATS_DUPLICATE_WINDOW": "x"}, "NATS_DUPLICATE_WINDOW", "not a duration"},
		{map[string]string{"CYTUBE_PASSWORD": "a", "CYTUBE_PASSWORD_FILE": "/x"}, "CYTUBE_PASSWORD", "both set"},
		{map[string]string{"CYTUBE_PASSWORD_FILE": filepath.Join(dir, "missing")}, "CYTUBE_PASSWORD_FILE", "cannot be read"},
		{map[string]string{"NATS_TOKEN_FILE": empty}, "NATS_TOKEN_FILE", "is empty"},
		{map[string]string{"CONNECTOR_CONFIG": filepath.Join(dir, "c.toml")}, "CONNECTOR_CONFIG", "not a .yaml"},
		{map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "api-key"}, "OTEL_EXPORTER_OTLP_HEADERS", "key=value"},
	}
	for _, tt := range tests {
		_, err := config.FromEnv(mapLookup(tt.env), config.Default())
		p := onlyProblem(t, err)
		if p.Setting != tt.setting || !strings.Contains(p.Issue, tt.issue) || p.Fix == "" {
			t.Errorf("FromEnv(%v) problem = %+v, want setting %s, issue containing %q and a fix", tt.env, p, tt.setting, tt.issue)
		}
	}
	_, err := config.FromEnv(mapLookup(map[string]string{"CONNECTOR_CONFIG": filepath.Join(dir, "missing.yaml")}), config.Default())
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("FromEnv with a missing CONNECTOR_CONFIG: err = %v, want os.ErrNotExist", err)
	}
}

func onlyProblem(t *testing.T, err error) config.Problem {
	t.Helper()
	var ve *config.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want *config.ValidationError", err)
	}
	if len(ve.Problems) != 1 {
		t.Fatalf("problems = %v, want exactly one", ve.Problems)
	}
	return ve.Problems[0]
}

func TestFromEnvKeepsBaseChannel(t *testing.T) {
	b := config.Default()
	b.Channels = []config.Channel{{Host: "example.org", Secure: false, Channel: "keep", Username: "u"}}
	got, err := config.FromEnv(mapLookup(map[string]string{"CYTUBE_USERNAME": "other"}), b)
	if err != nil {
		t.Fatal(err)
	}
	want := config.Channel{Host: "example.org", Secure: false, Channel: "keep", Username: "other"}
	if !reflect.DeepEqual(got.Channels, []config.Channel{want}) {
		t.Errorf("channels = %+v, want %+v", got.Channels, want)
	}
	if b.Channels[0].Username != "u" {
		t.Errorf("FromEnv modified base: %+v", b.Channels[0])
	}
}

func TestEnvLookup(t *testing.T) {
	real := mapLookup(map[string]string{"A": "real", "B": ""})
	l := config.EnvLookup(real, map[string]string{"A": "dot", "B": "dot", "C": "dot"})
	for name, want := range map[string]string{"A": "real", "B": "dot", "C": "dot", "D": ""} {
		if got, _ := l(name); got != want {
			t.Errorf("lookup(%s) = %q, want %q", name, got, want)
		}
	}
	if v, ok := config.EnvLookup(nil, nil)("A"); ok || v != "" {
		t.Errorf("empty lookup = %q, %v", v, ok)
	}
}
