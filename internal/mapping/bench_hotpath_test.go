package mapping

import (
	"encoding/json"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/roseybot/cytube-connector/internal/cytube/raw"
	"github.com/roseybot/cytube-connector/internal/perf"
)

// benchContext is what the service passes to Normalize: a channel name and
// a rank lookup that finds the user.
var benchContext = Context{Channel: "testchan", OwnName: "bot", Rank: func(string) (float64, bool) { return 2, true }}

// BenchmarkDecode measures CyTube JSON → raw proto for each hot-path
// frame through Decode (fast path where there is one).
func BenchmarkDecode(b *testing.B) {
	for _, f := range perf.Frames() {
		arg := json.RawMessage(f.Arg())
		b.Run(f.Name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(arg)))
			for b.Loop() {
				if _, _, err := raw.Decode(f.Event, arg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNormalize measures raw proto → normalized proto.
func BenchmarkNormalize(b *testing.B) {
	for _, f := range perf.Frames() {
		m, _, err := raw.Decode(f.Event, f.Arg())
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := Normalize(m, benchContext); !ok {
			continue // media and playlist events have no normalized form
		}
		b.Run(f.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Normalize(m, benchContext)
			}
		})
	}
}

// BenchmarkHotPath measures event argument → raw proto → normalized proto
// → protobuf bytes of both, marshalled into a reused buffer the way
// bus.Publisher does. Add BenchmarkDecodePacket (internal/socketio) for
// the frame parse in front of it.
func BenchmarkHotPath(b *testing.B) {
	for _, f := range perf.Frames() {
		arg := json.RawMessage(f.Arg())
		b.Run(f.Name, func(b *testing.B) {
			var buf []byte
			b.ReportAllocs()
			b.SetBytes(int64(len(arg)))
			for b.Loop() {
				m, _, err := raw.Decode(f.Event, arg)
				if err != nil {
					b.Fatal(err)
				}
				if buf, err = (proto.MarshalOptions{}).MarshalAppend(buf[:0], m); err != nil {
					b.Fatal(err)
				}
				if n, ok := Normalize(m, benchContext); ok {
					if buf, err = (proto.MarshalOptions{}).MarshalAppend(buf[:0], n.Message); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
