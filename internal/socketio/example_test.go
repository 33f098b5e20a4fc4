package socketio_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/roseybot/cytube-connector/internal/socketio"
)

func ExampleURL() {
	fmt.Println(socketio.URL("cytube.example:1337", false))
	fmt.Println(socketio.URL("cytube.example", true))
	// Output:
	// ws://cytube.example:1337/socket.io/?EIO=4&transport=websocket
	// wss://cytube.example/socket.io/?EIO=4&transport=websocket
}

// One connection from dial to end. Reconnecting means dialling a new Conn
// (after a backoff) and replaying what the session needs, such as
// joinChannel and login on CyTube.
func ExampleDial() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	c, err := socketio.Dial(ctx, socketio.URL("127.0.0.1:1337", false), socketio.Options{
		Header: http.Header{"User-Agent": {"cytube-connector"}},
		OnBadFrame: func(frame []byte, err error) {
			slog.Warn("unusable frame", "err", err, "size", len(frame))
		},
	})
	var refused *socketio.ConnectError
	switch {
	case errors.As(err, &refused):
		fmt.Println("refused:", refused.Message) // e.g. "Rate limit exceeded": back off
		return
	case err != nil:
		fmt.Println("dial:", err)
		return
	}
	defer c.Close()

	if err := c.Emit(ctx, "joinChannel", map[string]string{"name": "mychannel"}); err != nil {
		fmt.Println("emit:", err)
		return
	}
	for {
		ev, err := c.Next(ctx)
		var ce *socketio.CloseError
		if errors.As(err, &ce) {
			fmt.Println("connection ended:", ce.Reason) // ReasonServerDisconnect after a kick
			return
		}
		if err != nil {
			fmt.Println("next:", err) // ctx ended
			return
		}
		if ev.Name == "chatMsg" && len(ev.Args) == 1 {
			var msg struct {
				Username string `json:"username"`
				Msg      string `json:"msg"`
			}
			if json.Unmarshal(ev.Args[0], &msg) == nil {
				fmt.Printf("<%s> %s\n", msg.Username, msg.Msg)
			}
		}
	}
}
