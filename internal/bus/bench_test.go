package bus_test

import (
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
)

// BenchmarkPublishCore measures the core-NATS hot path: marshal, headers,
// write. Nobody subscribes, so the server discards the messages.
func BenchmarkPublishCore(b *testing.B) {
	srv := bustest.RunServer(b)
	nc := bustest.Connect(b, srv)
	p, err := bus.NewPublisher(nc, bus.PublisherOptions{})
	if err != nil {
		b.Fatal(err)
	}
	e := testEnvelope(wrapperspb.String("a typical chat line of moderate length"))
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Publish(b.Context(), e); err != nil {
			b.Fatal(err)
		}
	}
}
