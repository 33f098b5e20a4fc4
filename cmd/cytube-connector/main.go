package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit codes.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitNoResponder = 3
	exitInterrupted = 130
)

const progName = "cytube-connector"

// cli is the process environment every subcommand works with; main fills it
// from the real process.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	lookupEnv      func(string) (string, bool)
	// environ lists the environment (os.Environ); nil: unknown settings
	// in the environment are not looked for.
	environ func() []string
	// exit ends the process at once (second signal); os.Exit in main.
	exit func(code int)
}

func main() {
	c := &cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, lookupEnv: os.LookupEnv, environ: os.Environ, exit: os.Exit}
	stop := startProfiles()
	code := c.main(os.Args[1:])
	stop()
	os.Exit(code)
}

const topUsage = `cytube-connector bridges a CyTube channel and NATS.

Usage:
  cytube-connector [run] [flags]                  run the connector (the default command)
  cytube-connector monitor [flags]                print the events on NATS, one line each
  cytube-connector send [flags] <action> [json|text]
                                                  send a command and print its CommandResult
  cytube-connector demo [flags]                   run an offline demo: embedded NATS, a test
                                                  CyTube server, the connector and a monitor
  cytube-connector version                        print version and build information

Run "cytube-connector <command> -h" for the flags of a command.

The connector reads its settings from flags, the environment (CYTUBE_CHANNEL,
CYTUBE_USERNAME, CYTUBE_PASSWORD, NATS_URL, ...), a .env file in the working
directory and an optional YAML file (-config or CONNECTOR_CONFIG); see
docs/configuration.md. Without NATS_URL it starts an embedded NATS server on
127.0.0.1:4222.

Exit codes: 0 ok, 1 error or command not ok, 2 bad usage or configuration,
3 no connector answered (send), 130 second interrupt.
`

// main runs the command line args and returns the exit code.
func (c *cli) main(args []string) int {
	cmd := "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	} else if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help":
			fmt.Fprint(c.stdout, topUsage)
			return exitOK
		}
	}
	switch cmd {
	case "run":
		return c.run(args)
	case "monitor":
		return c.monitor(args)
	case "send":
		return c.send(args)
	case "demo":
		return c.demo(args)
	case "version":
		return c.version(args)
	case "help":
		if len(args) > 0 {
			return c.main([]string{args[0], "-h"})
		}
		fmt.Fprint(c.stdout, topUsage)
		return exitOK
	}
	fmt.Fprintf(c.stderr, "%s: unknown command %q; the commands are run, monitor, send, demo and version (see %s -h)\n", progName, cmd, progName)
	return exitUsage
}

// command describes a subcommand's usage for its -h output.
type command struct {
	name     string
	synopsis string // after "cytube-connector "
	about    string // paragraphs printed before the flags
}

// newFlagSet returns a flag set that reports errors but leaves usage
// printing to parse.
func (c *cli) newFlagSet(cmd command) *flag.FlagSet {
	fs := flag.NewFlagSet(progName+" "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {}
	return fs
}

// parse parses args into fs. It returns ok=false and the exit code when
// the process should stop: -h prints the usage to stdout (exit 0), a bad
// flag says so on stderr (exit 2).
func (c *cli) parse(fs *flag.FlagSet, cmd command, args []string) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, true
	case errors.Is(err, flag.ErrHelp):
		c.printUsage(c.stdout, fs, cmd)
		return exitOK, false
	default:
		// The flag package has already printed the error.
		fmt.Fprintf(c.stderr, "see %s %s -h\n", progName, cmd.name)
		return exitUsage, false
	}
}

func (c *cli) printUsage(w io.Writer, fs *flag.FlagSet, cmd command) {
	fmt.Fprintf(w, "Usage: %s %s\n\n%s\n", progName, cmd.synopsis, strings.TrimSpace(cmd.about))
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(c.stderr)
}

// usageError prints a one-line usage problem and returns exitUsage.
func (c *cli) usageError(cmd command, format string, args ...any) int {
	fmt.Fprintf(c.stderr, "%s %s: %s (see %s %s -h)\n", progName, cmd.name, fmt.Sprintf(format, args...), progName, cmd.name)
	return exitUsage
}

// fail prints err as one line and returns exitError.
func (c *cli) fail(err error) int {
	fmt.Fprintf(c.stderr, "%s: %s\n", progName, oneLine(err.Error()))
	return exitError
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// signalContext returns a context cancelled by the first SIGINT or
// SIGTERM. A second signal ends the process at once with code 130. stop
// releases the signal handlers and the watching goroutine.
func (c *cli) signalContext(parent context.Context, log *slog.Logger) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case sig := <-sigs:
			log.Info("signal received; shutting down (send it again to exit at once)", "signal", sig.String())
			cancel()
		case <-done:
			return
		}
		select {
		case sig := <-sigs:
			fmt.Fprintf(c.stderr, "%s: second %s, exiting without a clean shutdown\n", progName, sig)
			c.exit(exitInterrupted)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		<-finished
		cancel()
	}
}

// stderrLogger is the logger of the helper commands (monitor, send): text
// on stderr, warnings and errors only unless level says otherwise.
func stderrLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
