package config_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/roseybot/cytube-connector/internal/config"
)

func TestConfigLogValue(t *testing.T) {
	c := valid()
	c.Channels = append(c.Channels, config.Channel{Host: "localhost:8080", Channel: "dev", SocketURL: "ws://localhost:1337"})
	c.Subjects.Mode = config.SubjectModeAuto
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("start", "config", c)
	var rec struct {
		Config struct {
			Channels    []string
			NATS        map[string]any `json:"nats"`
			SubjectMode string         `json:"subject_mode"`
			LogLevel    string         `json:"log_level"`
		} `json:"config"`
	}
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("%v in %s", err, buf.String())
	}
	want := []string{"https://cytu.be/r/mychannel as RoseyBot", "http://localhost:8080/r/dev as anonymous"}
	if strings.Join(rec.Config.Channels, "|") != strings.Join(want, "|") {
		t.Errorf("channels = %q, want %q", rec.Config.Channels, want)
	}
	if rec.Config.NATS["embedded"] != "127.0.0.1:4222" || rec.Config.NATS["auth"] != "none" || rec.Config.NATS["stream"] != config.DefaultStream {
		t.Errorf("nats = %v", rec.Config.NATS)
	}
	if rec.Config.SubjectMode != "channel" || rec.Config.LogLevel != "info" {
		t.Errorf("record = %+v", rec.Config)
	}

	c = valid()
	c.NATS.URL = "nats://h:4222"
	c.NATS.Token = "tok"
	c.NATS.User, c.NATS.NKeySeedFile, c.NATS.CredsFile = "u", "/s", "/c"
	c.NATS.JetStream = false
	c.NATS.DataDir = "/d"
	buf.Reset()
	slog.New(slog.NewTextHandler(&buf, nil)).Info("start", "nats", c.NATS, "config", c)
	out := buf.String()
	for _, want := range []string{"nats.url=nats://h:4222", "nats.auth=token+user+nkey+creds", "nats.jetstream=false"} {
		if !strings.Contains(out, want) {
			t.Errorf("log %q lacks %q", out, want)
		}
	}
	if strings.Contains(out, "tok ") || strings.Contains(out, "nats.stream=") {
		t.Errorf("log %q shows the token or a stream while JetStream is off", out)
	}

	c = valid()
	c.NATS.DataDir = "/var/lib/x"
	c, _ = config.FromEnv(mapLookup(nil), c)
	buf.Reset()
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "cfg", c)
	if !strings.Contains(buf.String(), "data_dir=/var/lib/x") {
		t.Errorf("log %q lacks the data dir", buf.String())
	}
	buf.Reset()
	fc, err := config.LoadFile(writeFile(t, t.TempDir(), "c.yaml", "log: {level: info}\n"), mapLookup(nil), config.Default())
	if err != nil {
		t.Fatal(err)
	}
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "cfg", fc)
	if !strings.Contains(buf.String(), "config_file=") {
		t.Errorf("log %q lacks the config file", buf.String())
	}
}
