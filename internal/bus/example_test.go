package bus_test

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/roseybot/cytube-connector/internal/bus"
)

func ExampleScope() {
	seed := bus.Scope{Platform: "cytube"}
	fmt.Println(seed.Raw("user.join"))
	fmt.Println(seed.Normalized("message"))
	fmt.Println(seed.Command("chat"))

	ch := bus.Scope{Platform: "cytube", Channel: "lobby"}
	fmt.Println(ch.Raw("chat"))
	fmt.Println(ch.CommandWildcard())
	// Output:
	// rosey.platform.cytube.user.join
	// rosey.events.message
	// rosey.platform.cytube.send.chat
	// rosey.platform.cytube.lobby.chat
	// rosey.platform.cytube.lobby.send.>
}

// ExampleNewCommandService wires a handler that sends chat lines.
func ExampleNewCommandService() {
	ctx := context.Background()
	nc, err := bus.Connect(ctx, bus.ClientConfig{URL: "nats://127.0.0.1:4222"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer nc.Close()
	svc, err := bus.NewCommandService(ctx, nc, bus.CommandServiceConfig{
		Version: "0.1.0",
		Scopes:  []bus.Scope{{Platform: "cytube"}},
		Timeout: 5 * time.Second,
		Handler: bus.CommandHandlerFunc(func(ctx context.Context, req bus.CommandRequest) (proto.Message, error) {
			// Decode req.Data (req.ContentType says JSON or protobuf; the
			// connector uses mapping.DecodeBody), act on req.Action, return
			// a result.
			return nil, nil
		}),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = svc.Stop() }()
}
