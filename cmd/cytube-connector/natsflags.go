package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/config"
)

// natsFlags are the NATS client flags of the helper commands (monitor,
// send). Unset flags fall back to the connector's own settings, read from
// the environment and .env exactly as `run` reads them, so the helpers
// reach whatever server the connector uses.
type natsFlags struct {
	fs                                      *flag.FlagSet
	url, tokenFile, user, passwordFile      string
	credsFile, nkeyFile, ca, cert, key, env string
}

func bindNATSFlags(fs *flag.FlagSet) *natsFlags {
	f := &natsFlags{fs: fs}
	fs.StringVar(&f.url, "nats-url", "", "NATS server URL(s) (env NATS_URL; default: the connector's embedded server, nats://127.0.0.1:4222)")
	fs.StringVar(&f.tokenFile, "nats-token-file", "", "file holding the NATS token (env NATS_TOKEN or NATS_TOKEN_FILE)")
	fs.StringVar(&f.user, "nats-user", "", "NATS user name (env NATS_USER)")
	fs.StringVar(&f.passwordFile, "nats-password-file", "", "file holding the NATS password (env NATS_PASSWORD or NATS_PASSWORD_FILE)")
	fs.StringVar(&f.credsFile, "nats-creds", "", "NATS .creds file (env NATS_CREDS_FILE)")
	fs.StringVar(&f.nkeyFile, "nats-nkey-file", "", "file holding an NKey user seed (env NATS_NKEY_SEED_FILE)")
	fs.StringVar(&f.ca, "nats-tls-ca", "", "PEM file of CAs to trust (env NATS_TLS_CA_FILE)")
	fs.StringVar(&f.cert, "nats-tls-cert", "", "PEM client certificate (env NATS_TLS_CERT_FILE)")
	fs.StringVar(&f.key, "nats-tls-key", "", "PEM client key (env NATS_TLS_KEY_FILE)")
	fs.StringVar(&f.env, "env-file", ".env", "read NATS_* settings from this .env file too, if it exists")
	return f
}

// clientConfig combines the flags with the NATS_* settings of the
// environment and the .env file. Errors are the config package's
// (*config.ValidationError for bad values) or a file problem; none
// contains a secret.
func (f *natsFlags) clientConfig(lookupEnv func(string) (string, bool), name string) (bus.ClientConfig, error) {
	dotenv, err := config.LoadDotEnv(f.env)
	if err != nil {
		return bus.ClientConfig{}, err
	}
	// Only the NATS_* variables matter here; a broken CyTube setting must
	// not stop a monitor.
	lookup := config.EnvLookup(func(k string) (string, bool) {
		if !strings.HasPrefix(k, "NATS_") {
			return "", false
		}
		return lookupEnv(k)
	}, onlyNATS(dotenv))
	cfg, err := config.FromEnv(lookup, config.Default())
	if err != nil {
		return bus.ClientConfig{}, err
	}
	n := cfg.NATS
	given := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })

	cc := bus.ClientConfig{
		URL:          n.URL,
		Token:        n.Token.Reveal(),
		User:         n.User,
		Password:     n.Password.Reveal(),
		NKeySeedFile: n.NKeySeedFile,
		CredsFile:    n.CredsFile,
		TLS:          bus.TLSConfig{CAFile: n.TLSCAFile, CertFile: n.TLSCertFile, KeyFile: n.TLSKeyFile},
		Name:         name,
	}
	if cc.URL == "" && n.EmbeddedPort > 0 {
		// The connector runs an embedded server; talk to it.
		cc.URL = "nats://" + net.JoinHostPort(n.EmbeddedHost, strconv.Itoa(n.EmbeddedPort))
	}
	if given["nats-url"] {
		cc.URL = strings.TrimSpace(f.url)
	}
	if given["nats-token-file"] {
		if cc.Token, err = readSecret("-nats-token-file", f.tokenFile); err != nil {
			return cc, err
		}
	}
	if given["nats-user"] {
		cc.User = strings.TrimSpace(f.user)
	}
	if given["nats-password-file"] {
		if cc.Password, err = readSecret("-nats-password-file", f.passwordFile); err != nil {
			return cc, err
		}
	}
	if given["nats-creds"] {
		cc.CredsFile = f.credsFile
	}
	if given["nats-nkey-file"] {
		cc.NKeySeedFile = f.nkeyFile
	}
	if given["nats-tls-ca"] {
		cc.TLS.CAFile = f.ca
	}
	if given["nats-tls-cert"] {
		cc.TLS.CertFile = f.cert
	}
	if given["nats-tls-key"] {
		cc.TLS.KeyFile = f.key
	}
	return cc, nil
}

func onlyNATS(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if strings.HasPrefix(k, "NATS_") {
			out[k] = v
		}
	}
	return out
}

// readSecret reads a token or password file, dropping one trailing line
// ending. Its errors never contain the content.
func readSecret(flagName, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", flagName, err)
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if s == "" {
		return "", fmt.Errorf("%s: %s is empty", flagName, path)
	}
	return s, nil
}
