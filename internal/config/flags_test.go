package config_test

import (
	"errors"
	"flag"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/roseybot/cytube-connector/internal/config"
)

func parse(t *testing.T, args ...string) *config.Flags {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := config.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("Parse(%q): %v", args, err)
	}
	return f
}

func TestFlagsApplyEachFlag(t *testing.T) {
	dir := t.TempDir()
	pw := writeFile(t, dir, "pw", "flag-pass\n")
	tok := writeFile(t, dir, "tok", "flag-token")
	tests := []struct {
		args []string
		want func(c *config.Config)
	}{
		{[]string{"-host", "localhost:8080"}, func(c *config.Config) { c.Channels[0].Host = "localhost:8080" }},
		{[]string{"-channel", "mine"}, func(c *config.Config) { c.Channels[0].Channel = "mine" }},
		{[]string{"-username", "bot"}, func(c *config.Config) { c.Channels[0].Username = "bot" }},
		{[]string{"-password-file", pw}, func(c *config.Config) { c.Channels[0].Password = "flag-pass" }},
		{[]string{"-secure=false"}, func(c *config.Config) { c.Channels[0].Secure = false }},
		{[]string{"-nats-url", "nats://h:1"}, func(c *config.Config) { c.NATS.URL = "nats://h:1" }},
		{[]string{"-nats-token-file", tok}, func(c *config.Config) { c.NATS.Token = "flag-token" }},
		{[]string{"-log-level", "Warning"}, func(c *config.Config) { c.Log.Level = "warn" }},
		{[]string{"-log-format", "json"}, func(c *config.Config) { c.Log.Format = "json" }},
		{[]string{"-metrics-addr", ":9090"}, func(c *config.Config) { c.Metrics.Addr = ":9090" }},
		{[]string{"-subject-mode", "channel"}, func(c *config.Config) { c.Subjects.Mode = config.SubjectModeChannel }},
		{[]string{"-encoding", "json"}, func(c *config.Config) { c.Subjects.Encoding = config.EncodingJSON }},
		{[]string{"-embedded-port", "5222"}, func(c *config.Config) { c.NATS.EmbeddedPort = 5222 }},
		{[]string{"-data-dir", "/d"}, func(c *config.Config) { c.NATS.DataDir = "/d" }},
		{[]string{"-jetstream=false"}, func(c *config.Config) { c.NATS.JetStream = false }},
		{nil, func(c *config.Config) {}},
	}
	for _, tt := range tests {
		got, err := parse(t, tt.args...).Apply(base())
		if err != nil {
			t.Fatalf("Apply(%q): %v", tt.args, err)
		}
		want := base()
		tt.want(&want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Apply(%q)\n got %+v\nwant %+v", tt.args, got, want)
		}
	}
	// Creates the channel when there is none yet.
	got, err := parse(t, "-channel", "c").Apply(config.Default())
	if err != nil || len(got.Channels) != 1 || got.Channels[0] != (config.Channel{Host: "cytu.be", Secure: true, Channel: "c", MaxChatLength: 320, PollMaxOptions: 50}) {
		t.Errorf("Apply on no channels = %+v, %v", got.Channels, err)
	}
	var none *config.Flags
	if got, err := none.Apply(base()); err != nil || !reflect.DeepEqual(got, base()) || none.ConfigPath() != "" {
		t.Errorf("nil Flags changed the config")
	}
}

func TestFlagsNoPasswordFlag(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	config.BindFlags(fs)
	if fs.Lookup("password") != nil {
		t.Errorf("a -password flag exists; passwords on the command line leak through ps")
	}
	if err := fs.Parse([]string{"-password", "x"}); err == nil {
		t.Errorf("Parse(-password x) succeeded, want an error")
	}
}

func TestFlagsProblems(t *testing.T) {
	dir := t.TempDir()
	two := config.Default()
	two.Channels = []config.Channel{{Channel: "a"}, {Channel: "b"}}
	_, err := parse(t, "-channel", "x", "-secure=false").Apply(two)
	var settings []string
	for _, p := range asValidation(t, err).Problems {
		settings = append(settings, p.Setting)
	}
	if !reflect.DeepEqual(settings, []string{"-channel", "-secure"}) {
		t.Errorf("settings = %q", settings)
	}
	p := onlyProblem(t, func() error {
		_, err := parse(t, "-password-file", filepath.Join(dir, "none")).Apply(base())
		return err
	}())
	if p.Setting != "-password-file" || !strings.Contains(p.Issue, "cannot be read") {
		t.Errorf("problem = %+v", p)
	}
	p = onlyProblem(t, func() error {
		_, err := parse(t, "-nats-token-file", filepath.Join(dir, "none")).Apply(base())
		return err
	}())
	if p.Setting != "-nats-token-file" {
		t.Errorf("problem = %+v", p)
	}
}

func asValidation(t *testing.T, err error) *config.ValidationError {
	t.Helper()
	var ve *config.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want *config.ValidationError", err)
	}
	return ve
}

func TestResolvePrecedence(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "c.yaml", `
channels:
  - channel: fromfile
    username: fileuser
    host: file.example
log:
  level: error
  format: json
metrics:
  addr: 127.0.0.1:1
subjects:
  encoding: json
`)
	other := writeFile(t, dir, "other.yaml", "log:\n  level: debug\n")
	dotenv := map[string]string{"CONNECTOR_CONFIG": file, "CYTUBE_USERNAME": "dotuser", "LOG_LEVEL": "warn", "CYTUBE_HOST": "dot.example", "METRICS_ADDR": "127.0.0.1:2"}
	env := mapLookup(map[string]string{"CYTUBE_HOST": "env.example", "METRICS_ADDR": "127.0.0.1:3"})

	cfg, err := config.Resolve(env, dotenv, parse(t, "-metrics-addr", "127.0.0.1:4"))
	if err != nil {
		t.Fatal(err)
	}
	ch := cfg.Channels[0]
	checks := map[string][2]string{
		"defaults (subject mode)":  {string(cfg.Subjects.Mode), "auto"},
		"file (channel)":           {ch.Channel, "fromfile"},
		"file (log format)":        {cfg.Log.Format, "json"},
		"file (encoding)":          {string(cfg.Subjects.Encoding), "json"},
		".env over file (user)":    {ch.Username, "dotuser"},
		".env over file (level)":   {cfg.Log.Level, "warn"},
		"env over .env (host)":     {ch.Host, "env.example"},
		"flag over env (metrics)":  {cfg.Metrics.Addr, "127.0.0.1:4"},
		"file named by .env":       {cfg.File(), file},
		"nats default (embedded)":  {cfg.NATS.EmbeddedHost, "127.0.0.1"},
		"nats default (stream)":    {cfg.NATS.Stream, config.DefaultStream},
		"secure default from file": {map[bool]string{true: "true", false: "false"}[ch.Secure], "true"},
	}
	for what, gw := range checks {
		if gw[0] != gw[1] {
			t.Errorf("%s: got %q, want %q", what, gw[0], gw[1])
		}
	}

	// -config beats CONNECTOR_CONFIG, and .env still beats the file.
	cfg, err = config.Resolve(env, dotenv, parse(t, "-config", other))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.File() != other || cfg.Log.Level != "warn" || cfg.Channels[0].Channel != "" {
		t.Errorf("with -config: file %q level %q channel %q", cfg.File(), cfg.Log.Level, cfg.Channels[0].Channel)
	}
	if _, err := config.Resolve(env, nil, parse(t, "-config", filepath.Join(dir, "none.yaml"))); err == nil {
		t.Errorf("Resolve with a missing -config file: nil error")
	}
	if _, err := config.Resolve(mapLookup(map[string]string{"CYTUBE_SECURE": "x"}), nil, nil); err == nil {
		t.Errorf("Resolve with a bad env value: nil error")
	}
}
