package service_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/cytube/raw"

	"google.golang.org/protobuf/proto"

	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/perf"
	"github.com/roseybot/cytube-connector/internal/service"
)

// BenchmarkTranslate measures one CyTube event through service.Translate
// (event id, raw proto, subject, normalized proto) plus the protobuf
// marshalling of every envelope's Data into a reused buffer, as
// bus.Publisher does. Chat events carry the content key the session sets.
func BenchmarkTranslate(b *testing.B) {
	info := service.ChannelInfo{
		Name: "testchan", Source: "cytube://127.0.0.1/testchan", Scope: bus.Scope{Platform: "cytube", Channel: "testchan"},
		OwnName: "bot", Rank: func(string) (float64, bool) { return 2, true },
	}
	for _, f := range perf.Frames() {
		ev := cytube.Event{
			Name: f.Event, Arg: json.RawMessage(f.Arg()), Args: []json.RawMessage{f.Arg()}, Received: time.Unix(1795735139, 0),
			Conn: 1, Seq: 42, SocketID: "Xy9nq2BvJ1kLmN0pQrSt", Channel: "testchan",
		}
		if f.Event == "chatMsg" {
			ev.Key = "9f86d081884c7d659a2feaa0c55ad015"
		}
		b.Run(f.Name, func(b *testing.B) {
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				// The session's one decode, then the translation.
				ev.Msg, ev.Unmodelled, ev.Err = raw.Decode(ev.Name, ev.Arg)
				out := service.Translate(info, ev)
				if out.Err != nil {
					b.Fatal(out.Err)
				}
				for _, env := range out.Envelopes {
					var err error
					if buf, err = (proto.MarshalOptions{}).MarshalAppend(buf[:0], env.Data); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
