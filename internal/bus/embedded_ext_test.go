package bus_test

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/roseybot/cytube-connector/internal/bus"
)

func startEmbedded(t *testing.T, port int) (*bus.Embedded, *logBuffer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	log, buf := newLogger()
	e, err := bus.StartEmbedded(ctx, bus.EmbeddedConfig{Port: port, StoreDir: t.TempDir()}, log)
	if err != nil {
		t.Fatalf("StartEmbedded(port %d): %v", port, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := e.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return e, buf
}

func TestEmbeddedServesJetStream(t *testing.T) {
	e, logs := startEmbedded(t, bus.RandomPort)
	if !strings.HasPrefix(e.ClientURL(), "nats://127.0.0.1:") {
		t.Fatalf("ClientURL() = %q, want nats://127.0.0.1:<port>", e.ClientURL())
	}
	nc, err := nats.Connect(e.ClientURL())
	if err != nil {
		t.Fatalf("connect %s: %v", e.ClientURL(), err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := js.AccountInfo(ctx); err != nil {
		t.Fatalf("JetStream account info on embedded server: %v", err)
	}
	// nats-server's own notices come through slog, at Debug.
	if !strings.Contains(logs.String(), `level=DEBUG msg="Starting nats-server" component=nats-server`) {
		t.Errorf("nats-server startup notice not logged through slog at DEBUG:\n%s", logs.String())
	}
}

func TestEmbeddedPortInUse(t *testing.T) {
	first, _ := startEmbedded(t, bus.RandomPort)
	u, err := url.Parse(first.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	port := u.Port()
	portNum, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	log, _ := newLogger()
	second, err := bus.StartEmbedded(ctx, bus.EmbeddedConfig{Port: portNum, StoreDir: t.TempDir()}, log)
	if err == nil {
		_ = second.Shutdown(ctx)
		t.Fatalf("second StartEmbedded on port %d succeeded, want error", portNum)
	}
	if !errors.Is(err, bus.ErrAddrInUse) {
		t.Errorf("error %v does not wrap ErrAddrInUse", err)
	}
	want := "embedded NATS cannot listen on 127.0.0.1:" + port + ": address already in use; another NATS server " +
		"(or a second connector) is probably running there — set NATS_URL=nats://127.0.0.1:" + port +
		" to use it, or NATS_EMBEDDED_PORT to pick another port"
	if err.Error() != want {
		t.Errorf("error text:\n got %q\nwant %q", err.Error(), want)
	}
}
