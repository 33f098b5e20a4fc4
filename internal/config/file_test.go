package config_test

import (
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/config"
)

func TestLoadFileSeveralChannels(t *testing.T) {
	path := filepath.Join("testdata", "channels.yaml")
	env := mapLookup(map[string]string{"ROSEY_LOUNGE_PASSWORD": "lounge-pass", "NATS_SVC_PASSWORD": "nats-pass"})
	cfg, err := config.LoadFile(path, env, config.Default())
	if err != nil {
		t.Fatalf("LoadFile(%s): %v", path, err)
	}
	ca := filepath.Join("testdata", "certs", "ca.pem")
	wantChannels := []config.Channel{
		{Host: "cytu.be", Secure: true, Channel: "lounge", Username: "RoseyBot", Password: "lounge-pass", MaxChatLength: 320, PollMaxOptions: 50},
		{Host: "localhost:8080", Secure: false, Channel: "dev-room", Username: "DevBot", Password: "dev-pass",
			ChannelPassword: "letmein", SocketURL: "http://localhost:1337", TLSCAFile: ca, MaxChatLength: 1000, PollMaxOptions: 10},
		{Host: "cytu.be", Secure: true, Channel: "readonly_watch", MaxChatLength: 320, PollMaxOptions: 50},
	}
	if !reflect.DeepEqual(cfg.Channels, wantChannels) {
		t.Errorf("channels\n got %+v\nwant %+v", cfg.Channels, wantChannels)
	}
	for i := range wantChannels {
		if g, w := cfg.Channels[i].Password.Reveal(), wantChannels[i].Password.Reveal(); g != w {
			t.Errorf("channels[%d].Password = %q, want %q", i, g, w)
		}
	}
	wantNATS := config.Default().NATS
	wantNATS.URL = "nats://127.0.0.1:4222, nats://127.0.0.2:4222"
	wantNATS.User = "connector"
	wantNATS.Password = "nats-pass"
	wantNATS.TLSCAFile = ca
	wantNATS.Stream = "CYTUBE_EVENTS"
	wantNATS.StreamMaxAge = 48 * time.Hour
	wantNATS.DuplicateWindow = 5 * time.Minute
	wantNATS.ReconnectBufSize = 1 << 20
	if !reflect.DeepEqual(cfg.NATS, wantNATS) {
		t.Errorf("nats\n got %+v\nwant %+v", cfg.NATS, wantNATS)
	}
	if cfg.Log != (config.Log{Level: "debug", Format: "json"}) || cfg.Metrics.Addr != "127.0.0.1:9090" ||
		cfg.Subjects != (config.Subjects{Mode: config.SubjectModeChannel, Encoding: config.EncodingJSON}) {
		t.Errorf("log/metrics/subjects = %+v %+v %+v", cfg.Log, cfg.Metrics, cfg.Subjects)
	}
	if cfg.File() != path {
		t.Errorf("File() = %q, want %q", cfg.File(), path)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate() = %v, want nil", err)
	}
	if got := cfg.EffectiveSubjectMode(); got != config.SubjectModeChannel {
		t.Errorf("EffectiveSubjectMode() = %q", got)
	}
}

func TestLoadUsesProcessEnvironment(t *testing.T) {
	t.Setenv("ROSEY_LOUNGE_PASSWORD", "from-process")
	t.Setenv("NATS_SVC_PASSWORD", "x")
	cfg, err := config.Load(filepath.Join("testdata", "channels.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Channels[0].Password.Reveal(); got != "from-process" {
		t.Errorf("password = %q, want from-process", got)
	}
}

func TestFromEnvWithConfigFile(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "one.yml", "channels:\n  - channel: filechan\n    username: fileuser\nlog:\n  level: warn\n")
	env := map[string]string{"CONNECTOR_CONFIG": path, "CYTUBE_USERNAME": "envuser", "LOG_FORMAT": "json"}
	cfg, err := config.FromEnv(mapLookup(env), config.Default())
	if err != nil {
		t.Fatal(err)
	}
	want := config.Channel{Host: "cytu.be", Secure: true, Channel: "filechan", Username: "envuser", MaxChatLength: 320, PollMaxOptions: 50}
	if !reflect.DeepEqual(cfg.Channels, []config.Channel{want}) || cfg.Log.Level != "warn" || cfg.Log.Format != "json" {
		t.Errorf("cfg = %+v, want env over file over defaults", cfg)
	}
	// Several channels in the file: per-channel variables are ambiguous.
	env["CONNECTOR_CONFIG"] = filepath.Join("testdata", "channels.yaml")
	env["ROSEY_LOUNGE_PASSWORD"], env["NATS_SVC_PASSWORD"] = "a", "b"
	_, err = config.FromEnv(mapLookup(env), config.Default())
	p := onlyProblem(t, err)
	if p.Setting != "CYTUBE_USERNAME" || !strings.Contains(p.Issue, "3 channels") || !strings.Contains(p.Fix, "per channel") {
		t.Errorf("problem = %+v", p)
	}
}

func TestLoadFileProblems(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, yaml string
		setting    string
		issue      string
	}{
		{"env unset", "channels:\n  - channel: a\n    username: u\n    password_env: NOPE\n",
			"channels[0].password_env in %s", "names NOPE, which is not set"},
		{"two ways", "channels:\n  - channel: a\n    password: x\n    password_env: Y\n",
			"channels[0].password in %s", "more than one way"},
		{"missing file", "nats:\n  token_file: nothere\n", "nats.token_file in %s", "cannot be read"},
		{"bad duration", "nats:\n  stream_max_age: forever\n", "nats.stream_max_age in %s", "not a duration"},
		{"bad window", "nats:\n  duplicate_window: 1x\n", "nats.duplicate_window in %s", "not a duration"},
	}
	for _, tt := range tests {
		path := writeFile(t, dir, "c.yaml", tt.yaml)
		_, err := config.LoadFile(path, mapLookup(nil), config.Default())
		p := onlyProblem(t, err)
		want := strings.ReplaceAll(tt.setting, "%s", path)
		if p.Setting != want || !strings.Contains(p.Issue, tt.issue) || p.Fix == "" {
			t.Errorf("%s: problem = %+v, want setting %q and issue %q", tt.name, p, want, tt.issue)
		}
	}
}

func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := config.Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want fs.ErrNotExist", err)
	}
	typo := writeFile(t, dir, "typo.yaml", "chanels:\n  - channel: a\n")
	if _, err := config.Load(typo); err == nil || !strings.Contains(err.Error(), "chanels") {
		t.Errorf("Load(unknown key) = %v, want an error naming the key", err)
	}
	badType := writeFile(t, dir, "bad.yaml", "nats:\n  embedded_port: many\n")
	if _, err := config.Load(badType); err == nil || !strings.Contains(err.Error(), badType) {
		t.Errorf("Load(bad type) = %v, want an error naming the file", err)
	}
	empty := writeFile(t, dir, "empty.yaml", "")
	cfg, err := config.Load(empty)
	if err != nil || len(cfg.Channels) != 0 || cfg.NATS != config.Default().NATS {
		t.Errorf("Load(empty) = %+v, %v; want defaults", cfg, err)
	}
	js := writeFile(t, dir, "c.json", `{"channels":[{"channel":"j"}],"nats":{"embedded_port":5000,"jetstream":false}}`)
	cfg, err = config.Load(js)
	if err != nil || cfg.Channels[0].Channel != "j" || cfg.NATS.EmbeddedPort != 5000 || cfg.NATS.JetStream {
		t.Errorf("Load(json) = %+v, %v", cfg, err)
	}
	toml := writeFile(t, dir, "c.toml", "")
	p := onlyProblem(t, func() error { _, err := config.Load(toml); return err }())
	if p.Setting != "CONNECTOR_CONFIG" || !strings.Contains(p.Fix, "YAML") {
		t.Errorf("Load(toml) problem = %+v", p)
	}
}

func TestLoadFileSecretsAllWays(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "tok", "file-token\n")
	writeFile(t, dir, "cpw", "chan-file\n")
	path := writeFile(t, dir, "c.yaml", `
channels:
  - channel: a
    channel_password_file: cpw
  - channel: b
    channel_password_env: CPW
nats:
  token_file: tok
  user: u
  password: inline-pass
  nkey_seed_file: /abs/seed.nk
  creds_file: rel.creds
  tls_cert_file: c.pem
  tls_key_file: k.pem
  embedded_host: 0.0.0.0
  data_dir: data
`)
	cfg, err := config.LoadFile(path, mapLookup(map[string]string{"CPW": "chan-env"}), config.Default())
	if err != nil {
		t.Fatal(err)
	}
	n := cfg.NATS
	checks := map[string][2]string{
		"channels[0].channel_password": {cfg.Channels[0].ChannelPassword.Reveal(), "chan-file"},
		"channels[1].channel_password": {cfg.Channels[1].ChannelPassword.Reveal(), "chan-env"},
		"nats.token":                   {n.Token.Reveal(), "file-token"},
		"nats.password":                {n.Password.Reveal(), "inline-pass"},
		"nats.nkey_seed_file":          {n.NKeySeedFile, "/abs/seed.nk"},
		"nats.creds_file":              {n.CredsFile, filepath.Join(dir, "rel.creds")},
		"nats.tls_cert_file":           {n.TLSCertFile, filepath.Join(dir, "c.pem")},
		"nats.tls_key_file":            {n.TLSKeyFile, filepath.Join(dir, "k.pem")},
		"nats.embedded_host":           {n.EmbeddedHost, "0.0.0.0"},
		"nats.data_dir":                {n.DataDir, filepath.Join(dir, "data")},
	}
	for key, gw := range checks {
		if gw[0] != gw[1] {
			t.Errorf("%s = %q, want %q", key, gw[0], gw[1])
		}
	}
}
