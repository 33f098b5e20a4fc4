package bus_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
)

// connectOK connects with cfg, checks a request round trip and closes.
func connectOK(t *testing.T, cfg bus.ClientConfig) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	log, buf := newLogger()
	nc, err := bus.Connect(ctx, cfg, log)
	if err != nil {
		t.Fatalf("Connect(%v): %v", cfg, err)
	}
	defer nc.Close()
	sub, err := nc.Subscribe("ping", func(m *nats.Msg) { _ = m.Respond([]byte("pong")) })
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	resp, err := nc.RequestWithContext(ctx, "ping", nil)
	if err != nil || string(resp.Data) != "pong" {
		t.Fatalf("request over %v: got %v, %v; want pong", cfg, resp, err)
	}
	if !strings.Contains(buf.String(), "nats connected") {
		t.Errorf("log lacks connect line:\n%s", buf.String())
	}
}

func TestConnectToken(t *testing.T) {
	srv := bustest.RunServer(t, func(o *server.Options) { o.Authorization = "t0ken-xyz" })
	connectOK(t, bus.ClientConfig{URL: srv.ClientURL(), Token: "t0ken-xyz"})
	connectOK(t, bus.ClientConfig{URL: "nats://t0ken-xyz@" + srv.Addr().String()})

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := bus.Connect(ctx, bus.ClientConfig{URL: srv.ClientURL(), Token: "wrong-t0ken"}, nil)
	if !errors.Is(err, nats.ErrAuthorization) {
		t.Fatalf("Connect with wrong token: got %v, want nats.ErrAuthorization", err)
	}
	if strings.Contains(err.Error(), "wrong-t0ken") {
		t.Errorf("error leaks the token: %v", err)
	}
}

func TestConnectUserPassword(t *testing.T) {
	srv := bustest.RunServer(t, func(o *server.Options) { o.Username, o.Password = "alice", "pa55word" })
	connectOK(t, bus.ClientConfig{URL: srv.ClientURL(), User: "alice", Password: "pa55word"})
	connectOK(t, bus.ClientConfig{URL: "nats://alice:pa55word@" + srv.Addr().String()})
}

func TestConnectNKey(t *testing.T) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	seed, err := kp.Seed()
	if err != nil {
		t.Fatal(err)
	}
	seedFile := filepath.Join(t.TempDir(), "user.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := bustest.RunServer(t, func(o *server.Options) { o.Nkeys = []*server.NkeyUser{{Nkey: pub}} })
	connectOK(t, bus.ClientConfig{URL: srv.ClientURL(), NKeySeedFile: seedFile})

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := bus.Connect(ctx, bus.ClientConfig{URL: srv.ClientURL()}, nil); !errors.Is(err, nats.ErrAuthorization) {
		t.Fatalf("Connect without nkey to nkey server: got %v, want nats.ErrAuthorization", err)
	}
}

// testPKI is a CA with a server certificate for 127.0.0.1 and a client
// certificate, written as PEM files.
type testPKI struct {
	caFile, serverCert, serverKey, clientCert, clientKey string
	caPool                                               *x509.CertPool
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "bus test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	p := testPKI{caFile: filepath.Join(dir, "ca.pem"), caPool: x509.NewCertPool()}
	p.caPool.AddCert(caCert)
	writePEM(t, p.caFile, "CERTIFICATE", caDER)

	leaf := func(name string, serial int64, usage x509.ExtKeyUsage) (certFile, keyFile string) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: name},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
		writePEM(t, certFile, "CERTIFICATE", der)
		writePEM(t, keyFile, "EC PRIVATE KEY", keyDER)
		return certFile, keyFile
	}
	p.serverCert, p.serverKey = leaf("server", 2, x509.ExtKeyUsageServerAuth)
	p.clientCert, p.clientKey = leaf("client", 3, x509.ExtKeyUsageClientAuth)
	return p
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestConnectTLS(t *testing.T) {
	pki := newTestPKI(t)
	cert, err := tls.LoadX509KeyPair(pki.serverCert, pki.serverKey)
	if err != nil {
		t.Fatal(err)
	}
	srv := bustest.RunServer(t, func(o *server.Options) {
		o.TLS, o.TLSVerify = true, true
		o.TLSTimeout = 5
		o.TLSConfig = &tls.Config{
			Certificates: []tls.Certificate{cert},
			ClientCAs:    pki.caPool,
			ClientAuth:   tls.RequireAndVerifyClientCert,
			MinVersion:   tls.VersionTLS12,
		}
	})
	connectOK(t, bus.ClientConfig{
		URL: "tls://" + srv.Addr().String(),
		TLS: bus.TLSConfig{CAFile: pki.caFile, CertFile: pki.clientCert, KeyFile: pki.clientKey},
	})

	// Without the CA the server certificate must be rejected.
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	nc, err := bus.Connect(ctx, bus.ClientConfig{
		URL: "tls://" + srv.Addr().String(),
		TLS: bus.TLSConfig{CertFile: pki.clientCert, KeyFile: pki.clientKey},
	}, nil)
	if err == nil {
		nc.Close()
		t.Fatal("Connect without the test CA succeeded, want a certificate error")
	}
}

func TestConnectConfigErrors(t *testing.T) {
	tests := []bus.ClientConfig{
		{Token: "a", User: "b", Password: "c"},
		{Password: "only"},
		{TLS: bus.TLSConfig{CertFile: "c.pem"}},
		{NKeySeedFile: filepath.Join(t.TempDir(), "missing.nk")},
	}
	for _, cfg := range tests {
		_, err := bus.Connect(t.Context(), cfg, nil)
		if !errors.Is(err, bus.ErrInvalidConfig) {
			t.Errorf("Connect(%v) = %v, want ErrInvalidConfig", cfg, err)
		}
	}
}

func TestConnectNeverLeaksSecrets(t *testing.T) {
	const secret = "hunter2-v3ry-secret"
	srv := bustest.RunServer(t, func(o *server.Options) { o.Username, o.Password = "alice", "right-password" })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		cfg  bus.ClientConfig
	}{
		{"password in URL, nothing listening", bus.ClientConfig{URL: "nats://alice:" + secret + "@" + closedAddr, ReconnectWait: 100 * time.Millisecond}},
		{"token in URL, nothing listening", bus.ClientConfig{URL: "nats://" + secret + "@" + closedAddr, ReconnectWait: 100 * time.Millisecond}},
		{"wrong password in URL", bus.ClientConfig{URL: "nats://alice:" + secret + "@" + srv.Addr().String()}},
		{"wrong password field", bus.ClientConfig{URL: srv.ClientURL(), User: "alice", Password: secret}},
		{"unparsable URL", bus.ClientConfig{URL: "nats://alice:" + secret + "@ho st:4222"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
			defer cancel()
			log, buf := newLogger()
			nc, err := bus.Connect(ctx, c.cfg, log)
			if err == nil {
				nc.Close()
				t.Fatal("Connect succeeded, want error")
			}
			log.Info("config", "cfg", c.cfg)
			text := buf.String() + "\n" + err.Error() + "\n" + fmt.Sprintf("%v %+v %#v %s", c.cfg, c.cfg, c.cfg, c.cfg)
			if strings.Contains(text, secret) {
				t.Errorf("secret leaked:\n%s", text)
			}
			if !strings.Contains(text, "REDACTED") && strings.Contains(c.cfg.URL, secret) {
				t.Errorf("expected the redacted URL somewhere:\n%s", text)
			}
		})
	}
}

// TestConnectSurvivesServerCrash kills a real nats-server process with
// SIGKILL, restarts it on the same port and checks that the connection
// logs one line per state change and that subscriptions work again.
func TestConnectSurvivesServerCrash(t *testing.T) {
	proc := bustest.RunProcess(t, "")
	log, buf := newLogger()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	nc, err := bus.Connect(ctx, bus.ClientConfig{
		URL:             proc.URL(),
		ReconnectWait:   50 * time.Millisecond,
		ReconnectJitter: 10 * time.Millisecond,
	}, log)
	if err != nil {
		t.Fatalf("Connect(%s): %v", proc.URL(), err)
	}
	defer nc.Close()
	got := make(chan string, 10)
	if _, err := nc.Subscribe("crash.test", func(m *nats.Msg) { got <- string(m.Data) }); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}

	proc.Kill()
	waitLog(t, buf, "nats disconnected")
	proc.Restart()
	waitLog(t, buf, "nats reconnected")
	eventually(t, 10*time.Second, "status CONNECTED", func() bool { return nc.Status() == nats.CONNECTED })

	if err := nc.Publish("crash.test", []byte("after restart")); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if m != "after restart" {
			t.Fatalf("got %q, want %q", m, "after restart")
		}
	case <-ctx.Done():
		t.Fatal("subscription did not resume after the restart")
	}
	nc.Close()
	waitLog(t, buf, "nats connection closed")
	logs := buf.String()
	for _, line := range []string{"nats disconnected", "nats reconnected", "nats connection closed"} {
		if n := strings.Count(logs, line); n != 1 {
			t.Errorf("log has %d %q lines, want 1:\n%s", n, line, logs)
		}
	}
}

// TestConnectNotNATS: a NATS_URL that points at something that accepts the
// connection but does not speak NATS (an HTTP server waits for a request;
// another server greets with something other than INFO) fails with a hint
// instead of a bare i/o timeout.
func TestConnectNotNATS(t *testing.T) {
	for name, greeting := range map[string]string{"silent": "", "other greeting": "HTTP/1.1 400 Bad Request\r\n\r\n"} {
		t.Run(name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			done := make(chan struct{})
			defer func() { <-done }()
			go func() {
				defer close(done)
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					if greeting != "" {
						_, _ = c.Write([]byte(greeting))
					}
					defer c.Close()
				}
			}()
			_, err = bus.Connect(t.Context(), bus.ClientConfig{URL: "nats://" + ln.Addr().String()}, nil)
			ln.Close()
			if err == nil || !strings.Contains(err.Error(), "sent no NATS greeting: is NATS_URL a NATS client port") {
				t.Errorf("Connect to a server that is not NATS = %v, want the hint", err)
			}
		})
	}
}
