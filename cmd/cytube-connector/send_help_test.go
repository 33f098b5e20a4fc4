package main

import (
	"strings"
	"testing"
	"time"
)

// TestSendActionHelp: "send <action> -h" lists the action's fields, nested
// ones and enum values included, without contacting NATS.
func TestSendActionHelp(t *testing.T) {
	for action, want := range map[string][]string{
		"kick":        {"rosey.commands.v1.KickCommand", "username", "reason"},
		"media_queue": {"media", "    type", "MEDIA_POSITION_NEXT"},
		"voteskip":    {"(none: send an empty body)"},
	} {
		r := run(t, 10*time.Second, nil, "send", action, "-h")
		if r.code != 0 {
			t.Fatalf("send %s -h: %v", action, r)
		}
		for _, w := range want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("send %s -h lacks %q:\n%s", action, w, r.stdout)
			}
		}
	}
	if r := run(t, 10*time.Second, nil, "send", "-h"); r.code != 0 || !strings.Contains(r.stdout+r.stderr, "send <action> -h") {
		t.Errorf("send -h does not point at the per-action help: %v", r)
	}
}
