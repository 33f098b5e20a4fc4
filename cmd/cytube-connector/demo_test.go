package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestDemo(t *testing.T) {
	r := run(t, 60*time.Second, nil, "demo", "-pause", "300ms")
	if r.code != 0 {
		t.Fatalf("demo failed: %v", r)
	}
	out := r.stdout
	for _, want := range []string{
		// The normalized chat message carries the text as plain text.
		`"text":"<b>hi</b> & see https://example.com"`,
		// The PM, raw and normalized.
		"rosey.platform.cytube.pm ",
		`"text":"psst, are you a bot?"`,
		// Joins.
		`rosey.events.user.join`,
		`"user":{"name":"alice"`,
		// Media and polls.
		"rosey.platform.cytube.media.change",
		`"title":"Big Buck Bunny"`,
		"rosey.platform.cytube.poll.open",
		"rosey.platform.cytube.poll.close",
		// The command sent back over NATS and its echo.
		`"ok":true`,
		`"text":"hello alice and bob, I got that over NATS"`,
		// The leave.
		"rosey.events.user.leave",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo stdout lacks %q", want)
		}
	}
	// Every stdout line is an event line: time, subject, then the rest.
	line := regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d{3} rosey\.[a-z_.]+ +\S+ +\S+ +(\{.*\}|<.*>)$`)
	for l := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		if !line.MatchString(l) {
			t.Errorf("stdout line is not an event line: %q", l)
		}
	}
	for _, want := range []string{"== alice and bob join ==", "== bob leaves =="} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("narration lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("%v", r)
	}
}

// TestDemoNATSPort: -nats-port puts the embedded server where a client
// that expects a fixed address (the TypeScript example) finds it.
func TestDemoNATSPort(t *testing.T) {
	addr := freeAddr(t)
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	r := run(t, 60*time.Second, nil, "demo", "-pause", "10ms", "-nats-port", port)
	if r.code != 0 {
		t.Fatalf("demo failed: %v", r)
	}
	if want := "NATS at nats://127.0.0.1:" + port; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
	if r := run(t, 10*time.Second, nil, "demo", "-nats-port", "70000"); r.code != 2 || !strings.Contains(r.stderr, "-nats-port") {
		t.Errorf("-nats-port 70000: %v", r)
	}
}

// TestDemoEncoding: -encoding json runs the scene with JSON bodies (what
// docs/examples/asyncapi-consumer reads); anything but protobuf or json is
// a usage error.
func TestDemoEncoding(t *testing.T) {
	r := run(t, 60*time.Second, nil, "demo", "-pause", "10ms", "-encoding", "json")
	if r.code != 0 || !strings.Contains(r.stdout, "rosey.events.message") {
		t.Fatalf("demo -encoding json: %v", r)
	}
	if r := run(t, 10*time.Second, nil, "demo", "-encoding", "xml"); r.code != 2 || !strings.Contains(r.stderr, "-encoding must be protobuf or json") {
		t.Errorf("-encoding xml: %v", r)
	}
}
