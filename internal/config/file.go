package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// fileConfig is the YAML layout of a config file. Pointers tell "not
// given" (keep the lower layer) from a zero value.
type fileConfig struct {
	Channels []fileChannel `yaml:"channels"`
	NATS     *fileNATS     `yaml:"nats"`
	Log      *struct {
		Level  *string `yaml:"level"`
		Format *string `yaml:"format"`
	} `yaml:"log"`
	Metrics *struct {
		Addr *string `yaml:"addr"`
	} `yaml:"metrics"`
	Tracing *struct {
		OTLPEndpoint *string `yaml:"otlp_endpoint"`
		ServiceName  *string `yaml:"service_name"`
	} `yaml:"tracing"`
	Subjects *struct {
		Mode     *string `yaml:"mode"`
		Encoding *string `yaml:"encoding"`
	} `yaml:"subjects"`
	Fleet *struct {
		Enabled    *bool   `yaml:"enabled"`
		Bucket     *string `yaml:"bucket"`
		LeaseTTL   *string `yaml:"lease_ttl"`
		InstanceID *string `yaml:"instance_id"`
	} `yaml:"fleet"`
}

type fileChannel struct {
	Host                string  `yaml:"host"`
	Secure              *bool   `yaml:"secure"`
	Channel             string  `yaml:"channel"`
	Username            string  `yaml:"username"`
	Password            *string `yaml:"password"`
	PasswordEnv         string  `yaml:"password_env"`
	PasswordFile        string  `yaml:"password_file"`
	ChannelPassword     *string `yaml:"channel_password"`
	ChannelPasswordEnv  string  `yaml:"channel_password_env"`
	ChannelPasswordFile string  `yaml:"channel_password_file"`
	SocketURL           string  `yaml:"socket_url"`
	TLSCAFile           string  `yaml:"tls_ca_file"`
	MaxChatLength       *int    `yaml:"max_chat_length"`
	PollMaxOptions      *int    `yaml:"poll_max_options"`
}

type fileNATS struct {
	URL              *string `yaml:"url"`
	Token            *string `yaml:"token"`
	TokenEnv         string  `yaml:"token_env"`
	TokenFile        string  `yaml:"token_file"`
	User             *string `yaml:"user"`
	Password         *string `yaml:"password"`
	PasswordEnv      string  `yaml:"password_env"`
	PasswordFile     string  `yaml:"password_file"`
	NKeySeedFile     *string `yaml:"nkey_seed_file"`
	CredsFile        *string `yaml:"creds_file"`
	TLSCAFile        *string `yaml:"tls_ca_file"`
	TLSCertFile      *string `yaml:"tls_cert_file"`
	TLSKeyFile       *string `yaml:"tls_key_file"`
	EmbeddedHost     *string `yaml:"embedded_host"`
	EmbeddedPort     *int    `yaml:"embedded_port"`
	DataDir          *string `yaml:"data_dir"`
	JetStream        *bool   `yaml:"jetstream"`
	Stream           *string `yaml:"stream"`
	StreamMaxAge     *string `yaml:"stream_max_age"`
	DuplicateWindow  *string `yaml:"duplicate_window"`
	ReconnectBufSize *int    `yaml:"reconnect_buf_size"`
}

// Load reads the YAML config file at path on top of Default, resolving
// password_env and token_env keys through the process environment.
func Load(path string) (Config, error) {
	return LoadFile(path, os.LookupEnv, Default())
}

// LoadFile reads the YAML (or JSON) config file at path and applies it on
// top of base. Keys missing from the file keep base's values; a channels
// list replaces base's channels, each entry starting from DefaultChannel.
// Unknown keys are an error, to catch typos.
//
// Secrets may be written in the file (password: ...), read from an
// environment variable through lookup (password_env: NAME) or from a file
// (password_file: PATH); the same holds for channel_password and for the
// NATS token and password. Relative paths in the file are relative to the
// file's directory.
//
// Every error is a *FileError. Problems with keys and values, and YAML
// syntax errors, are a *ValidationError inside it (file and line named); a
// missing or unreadable file is returned wrapped.
func LoadFile(path string, lookup func(string) (string, bool), base Config) (Config, error) {
	cfg, err := loadFile(path, lookup, base)
	if err != nil {
		return base, &FileError{Path: path, Err: err}
	}
	return cfg, nil
}

// FileError is a problem of the config file (LoadFile). The rest of the
// configuration is not checked after one: its settings may be in the file.
type FileError struct {
	Path string
	Err  error // often a *ValidationError
}

func (e *FileError) Error() string { return e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

func loadFile(path string, lookup func(string) (string, bool), base Config) (Config, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if !oneOf(ext, ".yaml", ".yml", ".json") {
		return base, &ValidationError{Problems: []Problem{{
			Setting: "CONNECTOR_CONFIG",
			Issue:   fmt.Sprintf("names %s, which is not a .yaml, .yml or .json file", path),
			Fix:     "write the config file in YAML (TOML is not supported) and give it a .yaml extension",
		}}}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return base, fmt.Errorf("read config file: %w", err)
	}
	var fc fileConfig
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		return base, yamlError(path, err)
	}
	l := fileLoader{path: path, dir: filepath.Dir(path), lookup: lookup}
	cfg := l.apply(fc, base)
	if err := l.ps.err(); err != nil {
		return base, err
	}
	return cfg, nil
}

type fileLoader struct {
	path, dir string
	lookup    func(string) (string, bool)
	ps        problems
}

func (l *fileLoader) key(k string) string { return k + " in " + l.path }

// rel makes a relative path from the file relative to the file's folder.
func (l *fileLoader) rel(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(l.dir, p)
}

// secret resolves a secret given inline, by environment variable name or
// by file; key is the inline key (e.g. channels[0].password).
func (l *fileLoader) secret(key string, inline *string, envName, file string, dst *Secret) {
	given := 0
	for _, set := range []bool{inline != nil, envName != "", file != ""} {
		if set {
			given++
		}
	}
	if given > 1 {
		l.ps.add(l.key(key), "is given more than one way", "use only one of "+key+", "+key+"_env and "+key+"_file")
		return
	}
	switch {
	case inline != nil:
		*dst = Secret(*inline)
	case envName != "":
		v, ok := l.lookup(envName)
		if !ok || v == "" {
			l.ps.add(l.key(key+"_env"), fmt.Sprintf("names %s, which is not set", envName),
				"set "+envName+" in the environment or in the .env file")
			return
		}
		*dst = Secret(v)
	case file != "":
		s, err := readSecretFile(l.rel(file))
		if err != nil {
			l.ps.add(l.key(key+"_file"), err.Error(), "fix the path or the file's permissions")
			return
		}
		*dst = s
	}
}

func (l *fileLoader) duration(key string, v *string, dst *time.Duration) {
	if v == nil {
		return
	}
	d, err := time.ParseDuration(strings.TrimSpace(*v))
	if err != nil {
		l.ps.add(l.key(key), fmt.Sprintf("is %q, which is not a duration", *v), "use a Go duration such as 90s, 2m or 24h")
		return
	}
	*dst = d
}

func setStr(dst *string, v *string) {
	if v != nil {
		*dst = strings.TrimSpace(*v)
	}
}

func (l *fileLoader) apply(fc fileConfig, base Config) Config {
	cfg := base
	cfg.file = l.path
	if fc.Channels != nil {
		cfg.channelsFromFile = true
		cfg.Channels = make([]Channel, len(fc.Channels))
		for i, fch := range fc.Channels {
			cfg.Channels[i] = l.channel(i, fch)
		}
	}
	if n := fc.NATS; n != nil {
		c := &cfg.NATS
		setStr(&c.URL, n.URL)
		l.secret("nats.token", n.Token, n.TokenEnv, n.TokenFile, &c.Token)
		setStr(&c.User, n.User)
		l.secret("nats.password", n.Password, n.PasswordEnv, n.PasswordFile, &c.Password)
		for _, f := range []struct {
			dst *string
			v   *string
		}{
			{&c.NKeySeedFile, n.NKeySeedFile}, {&c.CredsFile, n.CredsFile}, {&c.TLSCAFile, n.TLSCAFile},
			{&c.TLSCertFile, n.TLSCertFile}, {&c.TLSKeyFile, n.TLSKeyFile}, {&c.DataDir, n.DataDir},
		} {
			if f.v != nil {
				*f.dst = l.rel(strings.TrimSpace(*f.v))
			}
		}
		setStr(&c.EmbeddedHost, n.EmbeddedHost)
		if n.EmbeddedPort != nil {
			c.EmbeddedPort = *n.EmbeddedPort
		}
		if n.JetStream != nil {
			c.JetStream = *n.JetStream
		}
		setStr(&c.Stream, n.Stream)
		l.duration("nats.stream_max_age", n.StreamMaxAge, &c.StreamMaxAge)
		l.duration("nats.duplicate_window", n.DuplicateWindow, &c.DuplicateWindow)
		if n.ReconnectBufSize != nil {
			c.ReconnectBufSize = *n.ReconnectBufSize
		}
	}
	if fc.Log != nil {
		if fc.Log.Level != nil {
			cfg.Log.Level = normalizeLevel(*fc.Log.Level)
		}
		if fc.Log.Format != nil {
			cfg.Log.Format = strings.ToLower(strings.TrimSpace(*fc.Log.Format))
		}
	}
	if fc.Metrics != nil {
		setStr(&cfg.Metrics.Addr, fc.Metrics.Addr)
	}
	if fc.Tracing != nil {
		setStr(&cfg.Tracing.OTLPEndpoint, fc.Tracing.OTLPEndpoint)
		setStr(&cfg.Tracing.ServiceName, fc.Tracing.ServiceName)
	}
	if s := fc.Subjects; s != nil {
		if s.Mode != nil {
			cfg.Subjects.Mode = SubjectMode(strings.ToLower(strings.TrimSpace(*s.Mode)))
		}
		if s.Encoding != nil {
			cfg.Subjects.Encoding = Encoding(strings.ToLower(strings.TrimSpace(*s.Encoding)))
		}
	}
	if f := fc.Fleet; f != nil {
		if f.Enabled != nil {
			cfg.Fleet.Enabled = *f.Enabled
		}
		setStr(&cfg.Fleet.Bucket, f.Bucket)
		l.duration("fleet.lease_ttl", f.LeaseTTL, &cfg.Fleet.LeaseTTL)
		setStr(&cfg.Fleet.InstanceID, f.InstanceID)
	}
	return cfg
}

func (l *fileLoader) channel(i int, fch fileChannel) Channel {
	ch := DefaultChannel()
	if fch.Host != "" {
		ch.Host = strings.TrimSpace(fch.Host)
	}
	if fch.Secure != nil {
		ch.Secure = *fch.Secure
	}
	ch.Channel = strings.TrimSpace(fch.Channel)
	ch.Username = strings.TrimSpace(fch.Username)
	prefix := fmt.Sprintf("channels[%d].", i)
	l.secret(prefix+"password", fch.Password, fch.PasswordEnv, fch.PasswordFile, &ch.Password)
	l.secret(prefix+"channel_password", fch.ChannelPassword, fch.ChannelPasswordEnv, fch.ChannelPasswordFile, &ch.ChannelPassword)
	ch.SocketURL = strings.TrimSpace(fch.SocketURL)
	ch.TLSCAFile = l.rel(strings.TrimSpace(fch.TLSCAFile))
	if fch.MaxChatLength != nil {
		ch.MaxChatLength = *fch.MaxChatLength
	}
	if fch.PollMaxOptions != nil {
		ch.PollMaxOptions = *fch.PollMaxOptions
	}
	return ch
}
