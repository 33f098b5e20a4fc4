package contract

import (
	"context"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/cytube"
)

// newEnvModerator logs modbot (rank 3) into e's channel with a plain
// cytube.Session and returns a function that sends a chat line as it.
func newEnvModerator(t *testing.T, e *env) func(line string) {
	t.Helper()
	mod, err := cytube.New(cytube.Config{Host: e.cyt.Addr(), Channel: envChannel, Username: "modbot", Password: botPassword, ConnEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mod.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	e.waitFor("moderator ready", func() bool { return mod.State() == cytube.StateReady })
	return func(line string) {
		t.Helper()
		sctx, scancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer scancel()
		if _, err := mod.Send(sctx, cytube.Request{Event: "chatMsg", Arg: map[string]any{"msg": line}}); err != nil {
			t.Fatalf("moderator %q: %v", line, err)
		}
	}
}
