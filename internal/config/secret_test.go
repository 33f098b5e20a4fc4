package config_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/roseybot/cytube-connector/internal/config"
)

const plain = "hunter2-very-secret"

type holder struct {
	Name  string
	Pass  config.Secret
	Inner struct{ Token config.Secret }
	List  []config.Secret
	Map   map[string]config.Secret
	Ptr   *config.Secret
}

func newHolder() holder {
	s := config.Secret(plain)
	h := holder{Name: "bot", Pass: s, List: []config.Secret{s}, Map: map[string]config.Secret{"k": s}, Ptr: &s}
	h.Inner.Token = s
	return h
}

func TestSecretFmt(t *testing.T) {
	s := config.Secret(plain)
	h := newHolder()
	cfg := config.Default()
	cfg.Channels = []config.Channel{{Host: "cytu.be", Channel: "c", Username: "u", Password: s, ChannelPassword: s}}
	cfg.NATS.Token = s
	cfg.NATS.Password = s
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%-20v"} {
		for name, arg := range map[string]any{"secret": s, "holder": h, "&holder": &h, "config": cfg, "&config": &cfg, "channels": cfg.Channels} {
			out := fmt.Sprintf(verb, arg)
			if strings.Contains(out, plain) || strings.Contains(out, fmt.Sprintf("%x", plain)) {
				t.Errorf("Sprintf(%q, %s) = %q, leaks the secret", verb, name, out)
			}
		}
	}
	for verb, want := range map[string]string{
		"%v": "[redacted]", "%s": "[redacted]", "%q": `"[redacted]"`, "%#v": `config.Secret("[redacted]")`,
	} {
		if got := fmt.Sprintf(verb, s); got != want {
			t.Errorf("Sprintf(%q, secret) = %q, want %q", verb, got, want)
		}
	}
	if got := fmt.Sprint(s, s.String(), s.GoString()); strings.Contains(got, plain) {
		t.Errorf("Sprint leaks: %q", got)
	}
	if got := fmt.Sprintf("%v|%q", config.Secret(""), config.Secret("")); got != `|""` {
		t.Errorf("empty secret prints %q, want %q", got, `|""`)
	}
	if got := s.Reveal(); got != plain {
		t.Errorf("Reveal() = %q, want %q", got, plain)
	}
	if !s.IsSet() || config.Secret("").IsSet() {
		t.Errorf("IsSet wrong")
	}
}

func TestSecretJSONAndText(t *testing.T) {
	h := newHolder()
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), plain) {
		t.Errorf("json.Marshal(holder) = %s, leaks the secret", b)
	}
	if !strings.Contains(string(b), `"Pass":"[redacted]"`) {
		t.Errorf("json.Marshal(holder) = %s, want \"Pass\":\"[redacted]\"", b)
	}
	b, _ = json.Marshal(config.Secret(""))
	if string(b) != `""` {
		t.Errorf("json.Marshal(empty) = %s, want \"\"", b)
	}
	txt, _ := config.Secret(plain).MarshalText()
	if string(txt) != "[redacted]" {
		t.Errorf("MarshalText = %q", txt)
	}
	cfg := config.Default()
	cfg.Channels = []config.Channel{{Password: config.Secret(plain)}}
	cfg.NATS.Token = config.Secret(plain)
	b, _ = json.Marshal(cfg)
	if strings.Contains(string(b), plain) {
		t.Errorf("json.Marshal(config) leaks: %s", b)
	}
}

func TestSecretSlog(t *testing.T) {
	s := config.Secret(plain)
	h := newHolder()
	cfg := config.Default()
	cfg.Channels = []config.Channel{{Host: "cytu.be", Secure: true, Channel: "chan", Username: "bot", Password: s, ChannelPassword: s}}
	cfg.NATS.Token = s
	cfg.NATS.User = "u"
	cfg.NATS.Password = s
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		var hd slog.Handler = slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
		if format == "json" {
			hd = slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
		}
		log := slog.New(hd)
		log.Info("secret", "pw", s)
		log.Info("any", slog.Any("holder", h), slog.Any("ptr", &h))
		log.Info("config", "cfg", cfg, "channel", cfg.Channels[0], "nats", cfg.NATS)
		log.With("pw", s).WithGroup("g").Info("group", "pw", s)
		out := buf.String()
		if strings.Contains(out, plain) {
			t.Errorf("%s handler output leaks the secret:\n%s", format, out)
		}
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("%s handler output has no [redacted]:\n%s", format, out)
		}
		if !strings.Contains(out, "chan") || !strings.Contains(out, "password_set") {
			t.Errorf("%s handler output lacks the config summary:\n%s", format, out)
		}
	}
}
