// Package bustest runs real NATS servers for tests: an in-process
// nats-server on a random port (RunServer) and the nats-server binary as
// an OS process (RunProcess) for faults only a process can show, such as
// kill -9 and a restart on the same port. Everything is torn down by
// t.Cleanup. A missing binary fails the test; it never skips.
package bustest

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Option adjusts the server options before RunServer starts the server,
// for example to require a token or TLS.
type Option func(*server.Options)

// RunServer starts an in-process nats-server on 127.0.0.1 and a random
// port, with JetStream storing in t.TempDir(), and shuts it down (waiting)
// in t.Cleanup. Server logs are off.
func RunServer(t testing.TB, opts ...Option) *server.Server {
	t.Helper()
	o := &server.Options{
		Host:      "127.0.0.1",
		Port:      server.RANDOM_PORT,
		JetStream: true,
		StoreDir:  t.TempDir(),
		NoLog:     true,
		NoSigs:    true,
	}
	for _, opt := range opts {
		opt(o)
	}
	srv, err := server.NewServer(o)
	if err != nil {
		t.Fatalf("bustest: new nats-server: %v", err)
	}
	srv.Start()
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatalf("bustest: nats-server not ready within 10s")
	}
	return srv
}

// Connect connects to srv with opts and closes the connection in
// t.Cleanup.
func Connect(t testing.TB, srv *server.Server, opts ...nats.Option) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(srv.ClientURL(), opts...)
	if err != nil {
		t.Fatalf("bustest: connect %s: %v", srv.ClientURL(), err)
	}
	t.Cleanup(nc.Close)
	return nc
}
