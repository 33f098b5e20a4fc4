package config

import (
	"errors"
	"flag"
	"fmt"
	"strings"
)

// Flags holds the command-line flags registered by BindFlags. Only flags
// given on the command line are applied, so unset flags never hide the
// environment or the config file.
type Flags struct {
	fs *flag.FlagSet

	host, channel, username, passwordFile string
	secure                                bool
	natsURL, natsTokenFile                string
	logLevel, logFormat, metricsAddr      string
	configPath, subjectMode, encoding     string
	embeddedPort                          int
	dataDir                               string
	jetStream                             bool
}

// BindFlags registers the connector's flags on fs and returns them; parse
// fs, then call Apply (or Resolve). There is deliberately no -password
// flag: command lines are visible to every local user through ps, so
// secrets are read from files (-password-file, -nats-token-file) or the
// environment.
func BindFlags(fs *flag.FlagSet) *Flags {
	d, dc := Default(), DefaultChannel()
	f := &Flags{fs: fs}
	fs.StringVar(&f.host, "host", dc.Host, "CyTube host name, or host:port (env CYTUBE_HOST)")
	fs.StringVar(&f.channel, "channel", "", "CyTube channel name (env CYTUBE_CHANNEL)")
	fs.StringVar(&f.username, "username", "", "CyTube user name; empty joins anonymously, read-only (env CYTUBE_USERNAME)")
	fs.StringVar(&f.passwordFile, "password-file", "", "file holding the CyTube password (env CYTUBE_PASSWORD_FILE)")
	fs.BoolVar(&f.secure, "secure", dc.Secure, "use https to reach CyTube; -secure=false for plain http (env CYTUBE_SECURE)")
	fs.StringVar(&f.natsURL, "nats-url", "", "NATS server URL(s), comma-separated; empty starts an embedded server (env NATS_URL)")
	fs.StringVar(&f.natsTokenFile, "nats-token-file", "", "file holding the NATS token (env NATS_TOKEN_FILE)")
	fs.StringVar(&f.logLevel, "log-level", d.Log.Level, "debug, info, warn or error (env LOG_LEVEL)")
	fs.StringVar(&f.logFormat, "log-format", d.Log.Format, "text or json (env LOG_FORMAT)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "host:port to serve metrics on; empty turns them off (env METRICS_ADDR)")
	fs.StringVar(&f.configPath, "config", "", "YAML config file listing channels and options (env CONNECTOR_CONFIG)")
	fs.StringVar(&f.subjectMode, "subject-mode", string(d.Subjects.Mode), "auto, seed or channel (env SUBJECT_MODE)")
	fs.StringVar(&f.encoding, "encoding", string(d.Subjects.Encoding), "payload encoding, protobuf or json (env PAYLOAD_ENCODING)")
	fs.IntVar(&f.embeddedPort, "embedded-port", d.NATS.EmbeddedPort, "port of the embedded NATS server; -1 picks a free port (env NATS_EMBEDDED_PORT)")
	fs.StringVar(&f.dataDir, "data-dir", "", "JetStream directory of the embedded NATS server (env NATS_DATA_DIR)")
	fs.BoolVar(&f.jetStream, "jetstream", d.NATS.JetStream, "publish through JetStream with acks and de-duplication (env NATS_JETSTREAM)")
	return f
}

// ConfigPath returns the -config flag's value, or "" when it was not
// given.
func (f *Flags) ConfigPath() string {
	if f == nil {
		return ""
	}
	return f.configPath
}

// Apply sets the flags given on the command line on top of c. Channel
// flags (-host, -channel, -username, -password-file, -secure) describe
// one channel and are a problem when c lists several. The -config flag is
// not applied here; Resolve reads that file under the other layers.
func (f *Flags) Apply(c Config) (Config, error) {
	if f == nil {
		return c, nil
	}
	given := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	var ps problems
	cfg := c
	channelFlags := []string{"host", "channel", "username", "password-file", "secure"}
	touchesChannel := false
	for _, name := range channelFlags {
		touchesChannel = touchesChannel || given[name]
	}
	switch {
	case touchesChannel && len(c.Channels) > 1:
		for _, name := range channelFlags {
			if given[name] {
				ps.add("-"+name, fmt.Sprintf("is given, but %d channels are configured", len(c.Channels)),
					"set it per channel in the config file, or drop the flag")
			}
		}
	case touchesChannel:
		ch := DefaultChannel()
		if len(c.Channels) == 1 {
			ch = c.Channels[0]
		}
		if given["host"] {
			ch.Host = strings.TrimSpace(f.host)
		}
		if given["channel"] {
			ch.Channel = strings.TrimSpace(f.channel)
		}
		if given["username"] {
			ch.Username = strings.TrimSpace(f.username)
		}
		if given["secure"] {
			ch.Secure = f.secure
		}
		if given["password-file"] {
			s, err := readSecretFile(f.passwordFile)
			if err != nil {
				ps.add("-password-file", err.Error(), "fix the path or the file's permissions")
			}
			ch.Password = s
		}
		cfg.Channels = []Channel{ch}
	}
	if given["nats-url"] {
		cfg.NATS.URL = strings.TrimSpace(f.natsURL)
	}
	if given["nats-token-file"] {
		s, err := readSecretFile(f.natsTokenFile)
		if err != nil {
			ps.add("-nats-token-file", err.Error(), "fix the path or the file's permissions")
		}
		cfg.NATS.Token = s
	}
	if given["embedded-port"] {
		cfg.NATS.EmbeddedPort = f.embeddedPort
	}
	if given["data-dir"] {
		cfg.NATS.DataDir = strings.TrimSpace(f.dataDir)
	}
	if given["jetstream"] {
		cfg.NATS.JetStream = f.jetStream
	}
	if given["log-level"] {
		cfg.Log.Level = normalizeLevel(f.logLevel)
	}
	if given["log-format"] {
		cfg.Log.Format = strings.ToLower(strings.TrimSpace(f.logFormat))
	}
	if given["metrics-addr"] {
		cfg.Metrics.Addr = strings.TrimSpace(f.metricsAddr)
	}
	if given["subject-mode"] {
		cfg.Subjects.Mode = SubjectMode(strings.ToLower(strings.TrimSpace(f.subjectMode)))
	}
	if given["encoding"] {
		cfg.Subjects.Encoding = Encoding(strings.ToLower(strings.TrimSpace(f.encoding)))
	}
	if err := ps.err(); err != nil {
		return c, err
	}
	return cfg, nil
}

// Resolve builds the configuration from every layer, lowest precedence
// first: Default, the config file (-config, else CONNECTOR_CONFIG), the
// .env values in dotenv, the real environment env (usually os.LookupEnv)
// and the flags given on the command line. flags may be nil. The result
// is not validated; call Validate.
func Resolve(env func(string) (string, bool), dotenv map[string]string, flags *Flags) (Config, error) {
	lookup := EnvLookup(env, dotenv)
	cfg := Default()
	if path := flags.ConfigPath(); path != "" {
		var err error
		if cfg, err = LoadFile(path, lookup, cfg); err != nil {
			return cfg, err
		}
		inner := lookup
		lookup = func(name string) (string, bool) {
			if name == "CONNECTOR_CONFIG" {
				return "", false
			}
			return inner(name)
		}
	}
	cfg, envErr := FromEnv(lookup, cfg)
	var ve *ValidationError
	var fe *FileError
	if envErr != nil && (!errors.As(envErr, &ve) || errors.As(envErr, &fe)) {
		return cfg, envErr
	}
	applied, flagErr := flags.Apply(cfg)
	if flagErr == nil {
		cfg = applied
	}
	return cfg, JoinProblems(envErr, flagErr)
}

// JoinProblems merges the problems of *ValidationErrors into one, so that
// every problem is reported at once; an error of another kind is returned
// as it is. nil when every err is nil.
func JoinProblems(errs ...error) error {
	var all problems
	for _, err := range errs {
		if err == nil {
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		all = append(all, ve.Problems...)
	}
	return all.err()
}
