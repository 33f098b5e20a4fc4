package socketio

import (
	"testing"

	"github.com/roseybot/cytube-connector/internal/perf"
)

// BenchmarkDecodePacket measures the first step of the hot path: one
// websocket text frame to a Socket.IO event packet (name and raw args).
func BenchmarkDecodePacket(b *testing.B) {
	for _, f := range perf.Frames() {
		b.Run(f.Name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(f.Text)))
			for b.Loop() {
				p, err := decodePacket(f.Text)
				if err != nil || p.kind != kindEvent || p.name != f.Event {
					b.Fatalf("decodePacket: %+v, %v", p, err)
				}
			}
		})
	}
}
