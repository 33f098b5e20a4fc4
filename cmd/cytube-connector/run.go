package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/service"
)

var runCommand = command{
	name:     "run",
	synopsis: "[run] [flags]",
	about: `
Runs the connector until SIGINT or SIGTERM: joins the configured CyTube
channel(s), publishes their events on NATS and executes the commands sent to
rosey.platform.cytube.send.<action>.

Settings, lowest precedence first: built-in defaults, the YAML file named by
-config or CONNECTOR_CONFIG, a .env file in the working directory, the
environment, then these flags. Secrets are read from the environment or from
files (-password-file, -nats-token-file), never from the command line.
Without NATS_URL (-nats-url) the connector starts an embedded NATS server on
127.0.0.1:4222 (NATS_EMBEDDED_PORT, -embedded-port).

Main environment variables: CYTUBE_HOST, CYTUBE_CHANNEL, CYTUBE_USERNAME,
CYTUBE_PASSWORD (or CYTUBE_PASSWORD_FILE), NATS_URL, NATS_TOKEN, LOG_LEVEL,
LOG_FORMAT. docs/configuration.md lists them all.

A bad or missing setting exits with code 2 and one line per problem. The
first signal shuts down cleanly (exit 0); a second one exits at once (130).`,
}

func (c *cli) run(args []string) int {
	fs := c.newFlagSet(runCommand)
	flags := config.BindFlags(fs)
	if code, ok := c.parse(fs, runCommand, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return c.usageError(runCommand, "unexpected argument %q", fs.Arg(0))
	}
	cfg, unknown, ok := c.loadConfig(flags)
	if !ok {
		return exitUsage
	}

	log := newLogger(c.stderr, cfg.Log)
	for _, u := range unknown {
		// Not an error: other tools set NATS_* variables too.
		log.Warn("setting ignored: the connector reads no such variable", "name", u.Name, "did_you_mean", u.Suggestion)
	}
	slog.SetDefault(log)
	version := buildVersion()
	log.Info("config", "version", version.Main, "commit", version.Commit, "config", cfg)

	ctx, stop := c.signalContext(context.Background(), log)
	defer stop()
	svc, err := service.New(cfg, service.Options{Logger: log, Version: version.semver()})
	if err != nil {
		return c.fail(err)
	}
	if err := svc.Run(ctx); err != nil {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			// Asked to stop before it got going (NATS not reachable yet):
			// a clean stop, not a failure.
			log.Info("connector stopped before it was connected", "reason", err)
			return exitOK
		}
		log.Error("connector stopped", "err", err)
		return c.fail(err)
	}
	log.Info("connector stopped cleanly")
	return exitOK
}

// loadConfig resolves and validates the configuration exactly as
// internal/config intends. On a problem it prints one line per problem
// (never a secret: config's messages do not contain values of secrets)
// and returns false.
func (c *cli) loadConfig(flags *config.Flags) (config.Config, []config.Unknown, bool) {
	dotenv, err := config.LoadDotEnv(".env")
	if err != nil {
		fmt.Fprintf(c.stderr, "%s: %s\n", progName, oneLine(err.Error()))
		return config.Config{}, nil, false
	}
	asked := map[string]bool{}
	lookup := func(name string) (string, bool) {
		asked[name] = true
		return c.lookupEnv(name)
	}
	cfg, err := config.Resolve(lookup, dotenv, flags)
	var ve *config.ValidationError
	var fe *config.FileError
	if err == nil || (errors.As(err, &ve) && !errors.As(err, &fe)) {
		// Values that did not parse keep their defaults; the other
		// settings are still checked, so every problem shows at once
		// (not after a config file problem: its settings may be there).
		err = config.JoinProblems(err, cfg.Validate())
	}
	if err != nil {
		c.printConfigError(err)
		return config.Config{}, nil, false
	}
	var names []string
	if c.environ != nil {
		for _, kv := range c.environ() {
			if k, _, ok := strings.Cut(kv, "="); ok {
				names = append(names, k)
			}
		}
	}
	for k := range dotenv {
		names = append(names, k)
	}
	return cfg, config.UnknownSettings(names, func(n string) bool { return asked[n] }), true
}

// printConfigError prints a *config.ValidationError as one line per
// problem, other errors as one line.
func (c *cli) printConfigError(err error) {
	var ve *config.ValidationError
	if errors.As(err, &ve) && len(ve.Problems) > 0 {
		if len(ve.Problems) > 1 {
			fmt.Fprintf(c.stderr, "%s: invalid configuration (%d problems):\n", progName, len(ve.Problems))
		}
		for _, p := range ve.Problems {
			fmt.Fprintf(c.stderr, "%s: %s\n", progName, oneLine(p.String()))
		}
		return
	}
	fmt.Fprintf(c.stderr, "%s: %s\n", progName, oneLine(err.Error()))
}

// newLogger builds the process logger from the validated log settings.
// It is the only place a slog handler is configured for the connector.
func newLogger(w io.Writer, l config.Log) *slog.Logger {
	opts := &slog.HandlerOptions{Level: l.SlogLevel()}
	if l.Format == config.FormatJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
