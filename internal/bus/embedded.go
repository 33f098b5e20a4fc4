package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Defaults for the embedded server.
const (
	DefaultEmbeddedHost = "127.0.0.1"
	DefaultEmbeddedPort = 4222
	// RandomPort asks the embedded server for any free port (tests).
	RandomPort = -1

	defaultReadyTimeout = 10 * time.Second
)

// ErrAddrInUse is wrapped by the error StartEmbedded returns when its
// address is already taken, usually by another NATS server or a second
// connector.
var ErrAddrInUse = errors.New("address already in use")

// EmbeddedConfig configures StartEmbedded. The zero value is usable: it
// listens on 127.0.0.1:4222 without auth and keeps JetStream data under the
// user's cache directory.
type EmbeddedConfig struct {
	// Host to listen on; default 127.0.0.1 (loopback only, since there is no
	// auth by default).
	Host string
	// Port to listen on; 0 means 4222, RandomPort (-1) picks a free port.
	Port int
	// StoreDir is the JetStream data directory. Default:
	// <os.UserCacheDir()>/cytube-connector/nats, or <os.TempDir()>/... when
	// there is no cache dir.
	StoreDir string
	// ServerName is reported in INFO and monitoring; default
	// "cytube-connector-embedded".
	ServerName string
	// ReadyTimeout bounds the wait for the server to accept clients;
	// default 10s. The ctx given to StartEmbedded can cut it shorter.
	ReadyTimeout time.Duration
	// MaxPayload is the largest message the server accepts, in bytes;
	// default DefaultEmbeddedMaxPayload. CyTube sends playlists and user
	// lists above nats-server's own 1 MiB default.
	MaxPayload int32
}

// DefaultEmbeddedMaxPayload is the embedded server's max_payload: 8 MiB,
// the largest size nats-server recommends, so a several-MB CyTube
// playlist is published whole.
const DefaultEmbeddedMaxPayload = 8 << 20

// Embedded is a nats-server running inside this process. Create it with
// StartEmbedded and stop it with Shutdown. Its methods are safe for
// concurrent use.
type Embedded struct {
	srv *server.Server
	log *slog.Logger
}

// StartEmbedded starts an in-process nats-server with JetStream enabled and
// waits until it accepts client connections (or ctx ends). Server logs go to
// log with the attribute component=nats-server; its notices are logged at
// Debug so a healthy server is quiet.
//
// When the address is taken the error wraps ErrAddrInUse and tells the user
// what to do instead.
func StartEmbedded(ctx context.Context, cfg EmbeddedConfig, log *slog.Logger) (*Embedded, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	host := cfg.Host
	if host == "" {
		host = DefaultEmbeddedHost
	}
	port := cfg.Port
	if port == 0 {
		port = DefaultEmbeddedPort
	}
	if port < RandomPort || port > 65535 {
		return nil, fmt.Errorf("embedded NATS port %d out of range", port)
	}
	storeDir := cfg.StoreDir
	if storeDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		storeDir = filepath.Join(base, "cytube-connector", "nats")
	}
	if err := os.MkdirAll(storeDir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded NATS store dir: %w", err)
	}
	name := cfg.ServerName
	if name == "" {
		name = "cytube-connector-embedded"
	}

	if port != RandomPort {
		// nats-server only logs a listen failure and never becomes ready;
		// probing first gives the user an error they can act on. The probe
		// races with other processes, which is acceptable: the server's own
		// failure is still reported below.
		if err := probeListen(host, port); err != nil {
			return nil, err
		}
	}

	maxPayload := cfg.MaxPayload
	if maxPayload <= 0 {
		maxPayload = DefaultEmbeddedMaxPayload
	}
	opts := &server.Options{
		ServerName: name,
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   storeDir,
		NoSigs:     true,
		MaxPayload: maxPayload,
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded NATS: %w", err)
	}
	srv.SetLoggerV2(&slogAdapter{log: log.With("component", "nats-server")}, false, false, false)
	srv.Start()

	timeout := cfg.ReadyTimeout
	if timeout <= 0 {
		timeout = defaultReadyTimeout
	}
	if err := waitReady(ctx, srv, timeout); err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("embedded NATS on %s: %w", net.JoinHostPort(host, strconv.Itoa(port)), err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		log.Warn("embedded NATS accepts connections from other hosts and has no auth", "host", host)
	}
	e := &Embedded{srv: srv, log: log}
	log.Info("embedded NATS started", "url", srv.ClientURL(), "store_dir", storeDir)
	return e, nil
}

// probeListen returns a descriptive error when host:port cannot be bound.
func probeListen(host string, port int) error {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("embedded NATS cannot listen on %s: %w; another NATS server (or a second connector) "+
				"is probably running there — set NATS_URL=nats://%s to use it, or NATS_EMBEDDED_PORT to pick another port",
				addr, ErrAddrInUse, addr)
		}
		return fmt.Errorf("embedded NATS cannot listen on %s: %w", addr, err)
	}
	if err := l.Close(); err != nil {
		return fmt.Errorf("embedded NATS port probe on %s: %w", addr, err)
	}
	return nil
}

// waitReady polls the server until it accepts clients, ctx ends or timeout
// passes.
func waitReady(ctx context.Context, srv *server.Server, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if srv.ReadyForConnections(50 * time.Millisecond) {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("waiting for readiness: %w", err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v (see nats-server log lines)", timeout)
		}
	}
}

// ClientURL returns the URL clients use to reach the server, such as
// nats://127.0.0.1:4222.
func (e *Embedded) ClientURL() string { return e.srv.ClientURL() }

// Shutdown stops the server, closing client connections, and waits until it
// has finished or ctx ends. When ctx ends first, the shutdown continues in
// the background and ctx's error is returned.
func (e *Embedded) Shutdown(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.srv.Shutdown()
		e.srv.WaitForShutdown()
	}()
	select {
	case <-done:
		e.log.Info("embedded NATS stopped")
		return nil
	case <-ctx.Done():
		return fmt.Errorf("embedded NATS shutdown: %w", ctx.Err())
	}
}

// slogAdapter implements server.Logger on top of slog. nats-server's notices
// describe routine startup, so they go to Debug; warnings and errors keep
// their level. Fatalf only logs: the library must never exit the process.
type slogAdapter struct{ log *slog.Logger }

func (a *slogAdapter) logf(level slog.Level, format string, v []any) {
	ctx := context.Background()
	if !a.log.Enabled(ctx, level) {
		return
	}
	a.log.Log(ctx, level, fmt.Sprintf(format, v...))
}

func (a *slogAdapter) Noticef(format string, v ...any) { a.logf(slog.LevelDebug, format, v) }
func (a *slogAdapter) Warnf(format string, v ...any)   { a.logf(slog.LevelWarn, format, v) }
func (a *slogAdapter) Fatalf(format string, v ...any)  { a.logf(slog.LevelError, format, v) }
func (a *slogAdapter) Errorf(format string, v ...any)  { a.logf(slog.LevelError, format, v) }
func (a *slogAdapter) Debugf(format string, v ...any)  { a.logf(slog.LevelDebug-4, format, v) }
func (a *slogAdapter) Tracef(format string, v ...any)  { a.logf(slog.LevelDebug-8, format, v) }
