package main

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
)

const secret = "supersecret-xyz"

func TestRunMissingChannel(t *testing.T) {
	r := run(t, 20*time.Second, map[string]string{
		"CYTUBE_USERNAME": "roseybot",
		"CYTUBE_PASSWORD": secret,
	}, "run")
	if r.code != 2 {
		t.Fatalf("want exit 2: %v", r)
	}
	if strings.Contains(r.stdout+r.stderr, secret) {
		t.Fatalf("the password leaked: %v", r)
	}
	msg := strings.TrimSpace(r.stderr)
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "CYTUBE_CHANNEL is not set") || !strings.Contains(msg, "CYTUBE_CHANNEL=") {
		t.Fatalf("want one line naming CYTUBE_CHANNEL and how to set it: %v", r)
	}
	if r.stdout != "" {
		t.Errorf("stdout should be empty: %q", r.stdout)
	}
}

// TestRunAllProblemsAtOnce: a value that does not parse does not hide the
// other settings' problems.
func TestRunAllProblemsAtOnce(t *testing.T) {
	r := run(t, 20*time.Second, map[string]string{
		"CYTUBE_CHANNEL": "lounge",
		"NATS_JETSTREAM": "maybe",
		"LOG_LEVEL":      "loud",
	}, "run")
	if r.code != 2 {
		t.Fatalf("want exit 2: %v", r)
	}
	for _, want := range []string{"invalid configuration (2 problems):", `NATS_JETSTREAM is "maybe"`, `LOG_LEVEL is "loud"`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q: %v", want, r)
		}
	}
}

func TestRunDefaultCommandIsRun(t *testing.T) {
	// No subcommand, only a flag: the same as run.
	r := run(t, 20*time.Second, map[string]string{"CYTUBE_PASSWORD": secret, "CYTUBE_USERNAME": "roseybot"}, "-log-level", "debug")
	if r.code != 2 || !strings.Contains(r.stderr, "CYTUBE_CHANNEL is not set") || strings.Contains(r.stderr, secret) {
		t.Fatalf("%v", r)
	}
}

func TestRunEmbeddedPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	r := run(t, 30*time.Second, map[string]string{
		"CYTUBE_CHANNEL":     "lounge",
		"CYTUBE_HOST":        "127.0.0.1:1",
		"CYTUBE_SECURE":      "false",
		"CYTUBE_USERNAME":    "roseybot",
		"CYTUBE_PASSWORD":    secret,
		"NATS_EMBEDDED_PORT": strconv.Itoa(port),
		"NATS_DATA_DIR":      t.TempDir(),
	}, "run")
	if r.code == 0 {
		t.Fatalf("want a non-zero exit: %v", r)
	}
	if strings.Contains(r.stdout+r.stderr, secret) {
		t.Fatalf("the password leaked: %v", r)
	}
	last := r.stderr[strings.LastIndex(strings.TrimSpace(r.stderr), "\n")+1:]
	for _, want := range []string{"address already in use", "NATS_URL=nats://127.0.0.1:" + strconv.Itoa(port), "NATS_EMBEDDED_PORT"} {
		if !strings.Contains(last, want) {
			t.Errorf("last stderr line lacks %q: %q\n%v", want, last, r)
		}
	}
}

// TestRunAndInterrupt runs the real connector against a CyTube test server
// with an embedded NATS server, then stops it with SIGINT: it must log in,
// shut down cleanly with exit 0 and never print the password, even at
// debug level.
func TestRunAndInterrupt(t *testing.T) {
	srv, err := cytubetest.New(cytubetest.Options{
		Channel:  "lounge",
		Accounts: map[string]cytubetest.Account{"roseybot": {Password: secret, Rank: 2}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	cmd, stdout, stderr := newProcess(t, ctx, map[string]string{
		"CYTUBE_CHANNEL":     "lounge",
		"CYTUBE_HOST":        srv.Addr(),
		"CYTUBE_SECURE":      "false",
		"CYTUBE_USERNAME":    "roseybot",
		"CYTUBE_PASSWORD":    secret,
		"NATS_EMBEDDED_PORT": "-1",
		"NATS_DATA_DIR":      t.TempDir(),
		"LOG_LEVEL":          "debug",
		"LOG_FORMAT":         "json",
	}, "run")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	loggedIn := func() bool {
		for _, l := range srv.Logins() {
			if l.Name == "roseybot" && !l.Guest {
				return true
			}
		}
		return false
	}
	for !loggedIn() {
		select {
		case err := <-done:
			t.Fatalf("the connector exited before logging in: %v\n%s\n%s", err, stdout, stderr)
		case <-ctx.Done():
			t.Fatalf("the connector did not log in\n%s", stderr)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("no exit after SIGINT\n%s", stderr)
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit %d after SIGINT, want 0\n%s", code, stderr)
	}
	if strings.Contains(stdout.String()+stderr.String(), secret) {
		t.Errorf("the password leaked into the output")
	}
	// JSON logs: every stderr line is a JSON object, the first is the config.
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if !strings.Contains(lines[0], `"msg":"config"`) {
		t.Errorf("first log line is not the config: %s", lines[0])
	}
	if !strings.Contains(stderr.String(), "signal received") {
		t.Errorf("no log line about the signal:\n%s", stderr)
	}
}
