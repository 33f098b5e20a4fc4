package cytube_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
)

// TestReplayedCaptures drives the session with the server side of real
// CyTube sessions, frame for frame, and checks the states it reaches and
// the frames it answers with.
func TestReplayedCaptures(t *testing.T) {
	tests := []struct {
		capture, label string
		cfg            cytube.Config
		// want is the sequence of states (with reason substrings) that must
		// appear in order.
		want []string
		// terminal is the error Run must stop with, if any.
		terminal string
		// replies are frames the client must have sent.
		replies []string
	}{
		{"handshake-wire", "raw", cytube.Config{Username: "RawGuest"},
			[]string{"connecting", "joining", "logging_in", "ready", "reconnecting"}, "", []string{"40", `42["joinChannel",{"name":"goldentest"}]`, `42["login",{"name":"RawGuest"}]`}},
		{"kick-wire", "raw", cytube.Config{Username: "KickWire"},
			[]string{"ready", "reconnecting(cytube: kicked: checking transport)"}, "", []string{"40", `42["login",{"name":"KickWire"}]`}},
		{"nopong-wire", "nopong", cytube.Config{Username: "NoPong"},
			[]string{"joining", "reconnecting"}, "", []string{"40", "3"}},
		{"restart", "owner", cytube.Config{Username: "goldowner", Password: "pw-goldowner-123"},
			[]string{"ready", "reconnecting", "ready"}, "", []string{`42["login",{"name":"goldowner","pw":"pw-goldowner-123"}]`}},
		{"duplicate-login", "userA", cytube.Config{Username: "golduser2", Password: "pw-golduser2-123"},
			[]string{"ready", "stopped(cytube: kicked: Duplicate login)"}, "Duplicate login", nil},
		{"join-guest", "guest1", cytube.Config{Username: "GuestOne"},
			[]string{"joining", "logging_in", "ready"}, "", []string{`42["login",{"name":"GuestOne"}]`}},
		{"join-registered", "user", cytube.Config{Username: "golduser", Password: "pw-golduser-123"},
			[]string{"joining", "logging_in", "ready"}, "", nil},
		{"join-anonymous", "anon1", cytube.Config{},
			[]string{"joining", "ready"}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.capture, func(t *testing.T) {
			// The captures are cytubetest's test data, read from the source
			// tree (nothing embeds them).
			capture, err := os.ReadFile(filepath.Join("cytubetest", "testdata", tt.capture+".jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			srv := newServer(t, cytubetest.Options{Channel: "goldentest", ReplayWait: 300 * time.Millisecond})
			replay, err := srv.ServeReplay(capture, tt.label)
			if err != nil {
				t.Fatal(err)
			}
			cfg := tt.cfg
			cfg.Channel = "goldentest"
			h := start(t, srv, cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if err := replay.Wait(ctx); err != nil {
				t.Fatalf("replay did not finish: %v; states %v", err, h.stateNames())
			}
			h.waitFor("states "+strings.Join(tt.want, ","), func() bool { return inOrder(h.stateNames(), tt.want) })
			if tt.terminal != "" {
				select {
				case err := <-h.done:
					h.done <- err
					var ke *cytube.KickedError
					if !errors.As(err, &ke) || ke.Reason != tt.terminal {
						t.Errorf("Run = %v, want kick %q", err, tt.terminal)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("Run did not stop")
				}
			}
			var sent []string
			for _, f := range srv.Received() {
				sent = append(sent, f.Text)
				if f.Text == "2" {
					t.Errorf("client sent a ping")
				}
			}
			for _, want := range tt.replies {
				if !contains(sent, want) {
					t.Errorf("client never sent %s; sent %v", want, sent)
				}
			}
			if m := replay.Missing(); len(m) > 0 {
				t.Logf("capture frames the client had no reason to send: %v", m)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// inOrder reports whether want appears as a subsequence of got, where an
// entry "state(reason)" matches a state with that reason prefix.
func inOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && (g == want[i] || strings.HasPrefix(g, strings.TrimSuffix(want[i], ")"))) {
			i++
		}
	}
	return i == len(want)
}
