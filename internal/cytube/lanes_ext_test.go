package cytube_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
)

// TestSendBeforeRunAndAfterStop: a lane's goroutine starts with its first
// command, so a command queued before Run is sent once Run has joined and
// logged in, and one after Run returned is refused with ErrStopped.
func TestSendBeforeRunAndAfterStop(t *testing.T) {
	srv := newServer(t, cytubetest.Options{})
	sess, err := cytube.New(cytube.Config{
		Host: srv.Addr(), Channel: "testchan", Username: "bot", Password: "s3cret-pw", ConnEvery: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	sendCtx, cancelSend := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelSend()
	queued := make(chan struct{})
	result := make(chan error, 1)
	go func() {
		_, err := sess.Send(sendCtx, cytube.Request{Event: "chatMsg", Arg: map[string]any{"msg": "early bird"}, Queued: func() { close(queued) }})
		result <- err
	}()
	select {
	case <-queued:
	case <-time.After(5 * time.Second):
		t.Fatal("command not queued before Run")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sess.Run(ctx) }()
	select {
	case err := <-result:
		if err != nil {
			t.Errorf("Send queued before Run = %v, want confirmed", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("Send queued before Run was not answered")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if received(srv, `42["chatMsg",{"msg":"early bird"}]`) != 1 {
		t.Errorf("server received the early command %d times, want 1", received(srv, `42["chatMsg",{"msg":"early bird"}]`))
	}
	if _, err := sess.Send(context.Background(), cytube.Request{Event: "chatMsg", Arg: map[string]any{"msg": "late"}}); !errors.Is(err, cytube.ErrStopped) {
		t.Errorf("Send after Run = %v, want ErrStopped", err)
	}
}
