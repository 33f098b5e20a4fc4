package service_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
	"github.com/roseybot/cytube-connector/internal/service"
)

// Distinctive secrets: none is a substring of anything the connector
// would print for another reason.
const (
	secCyTubePW      = "Cytube-Pw-7Hq2Zx"
	secWrongCyTubePW = "Wrong-Cytube-Pw-3Kd9"
	secChannelPW     = "Chan-Pw-5Rt8Lm"
	secNATSPW        = "Nats-Pw-9Vb4Qs"
	secWrongNATSPW   = "Wrong-Nats-Pw-2Jf6"
	secNATSToken     = "Nats-Token-6Wy1Pc"
	secWrongToken    = "Wrong-Nats-Token-8Ux3"
)

// monitorText renders every recorded message the way a monitor would:
// subject, headers, and the payload as protojson (by ce-dataschema) or
// as its JSON.
func monitorText(t *testing.T, msgs []*nats.Msg) string {
	t.Helper()
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString(m.Subject)
		for k, v := range m.Header {
			b.WriteString(" " + k + "=" + strings.Join(v, ","))
		}
		b.WriteString(" ")
		if m.Header.Get("Content-Type") == "application/protobuf" {
			mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(m.Header.Get("ce-dataschema")))
			if err != nil {
				t.Errorf("%s: no type %q", m.Subject, m.Header.Get("ce-dataschema"))
				continue
			}
			pm := mt.New().Interface()
			if err := proto.Unmarshal(m.Data, pm); err != nil {
				t.Errorf("%s: %v", m.Subject, err)
				continue
			}
			js, err := protojson.Marshal(pm)
			if err != nil {
				t.Errorf("%s: protojson: %v", m.Subject, err)
			}
			b.Write(js)
		} else {
			b.Write(m.Data)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// assertNoSecret fails when any secret, or a trivially encoded form of
// it, appears in text.
func assertNoSecret(t *testing.T, where, text string, secrets ...string) {
	t.Helper()
	if text == "" {
		t.Errorf("%s: nothing captured", where)
	}
	for _, s := range secrets {
		for _, form := range []string{s, strings.ToLower(s), url.QueryEscape(s)} {
			if strings.Contains(text, form) {
				i := strings.Index(text, form)
				t.Errorf("%s leaks a secret (%q) near: %q", where, form, text[max(0, i-200):min(len(text), i+len(form)+50)])
			}
		}
	}
}

// TestSecretsNeverLeak runs full connectors against an authenticated
// nats-server (user/password and token) and a CyTube account in a
// password-protected channel, with the logger at debug, including a
// failed CyTube login and failed NATS authentication, and checks that no
// secret reaches the logs, the published events (decoded like monitor
// does), Run's errors or status reasons.
func TestSecretsNeverLeak(t *testing.T) {
	all := []string{secCyTubePW, secWrongCyTubePW, secChannelPW, secNATSPW, secWrongNATSPW, secNATSToken, secWrongToken}
	for _, variant := range []string{"user-password", "token"} {
		t.Run(variant, func(t *testing.T) {
			var srv *server.Server
			var client []nats.Option
			var auth, wrongAuth func(c *config.Config)
			if variant == "token" {
				srv = bustest.RunServer(t, func(o *server.Options) { o.Authorization = secNATSToken })
				client = []nats.Option{nats.Token(secNATSToken)}
				auth = func(c *config.Config) { c.NATS.Token = secNATSToken }
				wrongAuth = func(c *config.Config) { c.NATS.Token = secWrongToken }
			} else {
				srv = bustest.RunServer(t, func(o *server.Options) { o.Username, o.Password = "connector", secNATSPW })
				client = []nats.Option{nats.UserInfo("connector", secNATSPW)}
				auth = func(c *config.Config) { c.NATS.User, c.NATS.Password = "connector", secNATSPW }
				wrongAuth = func(c *config.Config) { c.NATS.User, c.NATS.Password = "connector", secWrongNATSPW }
			}
			cyt := cytubetest.Options{
				Accounts:        map[string]cytubetest.Account{"bot": {Password: secCyTubePW, Rank: 3}},
				ChannelPassword: secChannelPW,
			}
			withSecrets := func(pw string, natsAuth func(*config.Config)) func(*config.Config) {
				return func(c *config.Config) {
					natsAuth(c)
					c.Channels[0].Password = config.Secret(pw)
					c.Channels[0].ChannelPassword = secChannelPW
					c.Log.Level = "debug"
				}
			}
			logs := new(logBuffer)
			var runErrs []string

			// A good run: events, a command, a refused command.
			func() {
				var stop func() error
				e := newXEnv(t, xopts{envOpts: envOpts{cytube: cyt}, nats: srv, clientOpts: client, logs: logs, stop: &stop, cfg: withSecrets(secCyTubePW, auth)})
				e.ready(seed, 1)
				e.cyt.AddFakeUser("alice", 1)
				e.cyt.FakeChat("alice", "hello "+variant)
				e.waitSubject("rosey.events.message", 1)
				if res, _ := e.request("rosey.platform.cytube.send.chat", `{"message":"from the bot"}`, 5*time.Second); !res.GetOk() {
					t.Errorf("chat = %v", res)
				}
				if res, _ := e.request("rosey.platform.cytube.send.pm", `{"username":"no body","message":"x"}`, 5*time.Second); res.GetOk() {
					t.Errorf("bad pm accepted")
				}
				e.cyt.DropAll()
				e.ready(seed, 2)
				msgs := e.Rec.Msgs()
				text := monitorText(t, msgs)
				assertNoSecret(t, "published events", text, all...)
				for _, m := range e.on(seed.Status()) {
					assertNoSecret(t, "status reason", decodeAs(t, m, &eventsv1.ConnectorStatus{}).GetReason()+" ", all...)
				}
				if err := stop(); err != nil {
					runErrs = append(runErrs, err.Error())
				}
			}()

			// A failed CyTube login: the session stops with a reason.
			func() {
				var stop func() error
				e := newXEnv(t, xopts{envOpts: envOpts{cytube: cyt}, nats: srv, clientOpts: client, logs: logs, stop: &stop, cfg: withSecrets(secWrongCyTubePW, auth)})
				var reason string
				e.until("stopped status", func() bool {
					for _, m := range e.on(seed.Status()) {
						if s := decodeAs(t, m, &eventsv1.ConnectorStatus{}); s.GetState() == eventsv1.ConnectorState_CONNECTOR_STATE_STOPPED {
							reason = s.GetReason()
							return true
						}
					}
					return false
				})
				if reason == "" {
					t.Errorf("failed login has no reason")
				}
				assertNoSecret(t, "failed-login reason", reason, all...)
				msgs := e.Rec.Msgs()
				assertNoSecret(t, "failed-login events", monitorText(t, msgs), all...)
				if err := stop(); err != nil {
					runErrs = append(runErrs, err.Error())
				}
			}()

			// Failed NATS authentication: Run fails at once.
			cfg := config.Default()
			ch := config.DefaultChannel()
			ch.Host, ch.Secure, ch.Channel, ch.Username = "127.0.0.1:1", false, "testchan", "bot"
			cfg.Channels = []config.Channel{ch}
			cfg.NATS.URL = srv.ClientURL()
			withSecrets(secCyTubePW, wrongAuth)(&cfg)
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			svc, err := service.New(cfg, service.Options{Logger: newDebugLogger(logs)})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			runErr := svc.Run(ctx)
			if runErr == nil {
				t.Fatal("Run with wrong NATS credentials succeeded")
			}
			t.Logf("NATS auth failure: %v", runErr)
			assertNoSecret(t, "NATS auth error", runErr.Error(), all...)
			// The configuration printed every way a program might print it.
			assertNoSecret(t, "printed config", sprintAll(cfg), all...)

			if len(runErrs) == 0 {
				t.Errorf("the failed CyTube login did not end Run with an error")
			}
			t.Logf("Run errors: %q", runErrs)
			assertNoSecret(t, "Run errors", strings.Join(runErrs, "\n"), all...)
			text := logs.String()
			assertNoSecret(t, "logs", text, all...)
			for _, want := range []string{`"level":"DEBUG"`, "login"} {
				if !strings.Contains(text, want) {
					t.Errorf("logs lack %q: the capture is not complete", want)
				}
			}
		})
	}
}

func newDebugLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// sprintAll formats v with the verbs and encoders a program could use.
func sprintAll(v any) string {
	js, _ := json.Marshal(v)
	var b strings.Builder
	b.Write(js)
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		b.WriteString(fmt.Sprintf(f, v))
	}
	var lb logBuffer
	newDebugLogger(&lb).Info("config", "cfg", v)
	b.WriteString(lb.String())
	return b.String()
}

// --- TLS: CyTube over wss with a private CA -------------------------------

// testCA makes a CA and a server certificate for 127.0.0.1 signed by it.
func testCA(t *testing.T) (caPEM []byte, cert tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cytube-connector test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// tlsFront terminates TLS on 127.0.0.1 and forwards each connection to
// backend (the Go CyTube server), like a reverse proxy in front of a
// self-hosted CyTube. It returns the front's address.
func tlsFront(t *testing.T, cert tls.Certificate, backend string) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", backend)
			if err != nil {
				c.Close()
				continue
			}
			track(c)
			track(b)
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(b, c); b.Close() }()
			go func() { defer wg.Done(); _, _ = io.Copy(c, b); c.Close() }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// TestCyTubeTLSVerifiedByDefault: a wss CyTube with a certificate from a
// private CA is refused by default (the reason names the certificate)
// and accepted once config.Channel.TLSCAFile names the CA.
func TestCyTubeTLSVerifiedByDefault(t *testing.T) {
	caPEM, cert := testCA(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, trust := range []bool{false, true} {
		name := map[bool]string{false: "default roots refuse", true: "configured CA accepted"}[trust]
		t.Run(name, func(t *testing.T) {
			var front string
			e := newXEnv(t, xopts{cfg: func(c *config.Config) {
				// The CyTube server exists before cfg runs; put TLS in front.
				c.Channels[0].SocketURL = "wss://" + front
				if trust {
					c.Channels[0].TLSCAFile = caFile
				}
			}, beforeCfg: func(e *env) { front = tlsFront(t, cert, e.cyt.Addr()) }})
			if trust {
				e.ready(seed, 1)
				if len(e.cyt.Logins()) == 0 {
					t.Errorf("no login through TLS")
				}
				e.chatArrives("over wss")
				return
			}
			var reason string
			e.until("reconnecting with a certificate error", func() bool {
				for _, m := range e.on(seed.Status()) {
					s := decodeAs(t, m, &eventsv1.ConnectorStatus{})
					if s.GetState() == eventsv1.ConnectorState_CONNECTOR_STATE_RECONNECTING {
						reason = s.GetReason()
						return true
					}
				}
				return false
			})
			if !strings.Contains(reason, "certificate") {
				t.Errorf("reason %q does not name the certificate", reason)
			}
			if n := len(e.cyt.Logins()); n != 0 {
				t.Errorf("%d logins through an untrusted certificate", n)
			}
		})
	}
}

// An unusable CyTube CA bundle stops the start with an error that names
// it, instead of failing every TLS handshake of every reconnect (config
// validation refuses it too, with exit 2; this is the service's own check).
func TestCyTubeCAFileUnusable(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bad, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	ch := config.DefaultChannel()
	ch.Channel, ch.TLSCAFile = "mychan", bad
	cfg.Channels = []config.Channel{ch}
	_, err := service.New(cfg, service.Options{})
	if err == nil || !strings.Contains(err.Error(), "holds no PEM certificate") || !strings.Contains(err.Error(), bad) {
		t.Errorf("New with an unusable CA file = %v, want an error naming it", err)
	}
}

// --- The NATS permission example of docs/security.md ----------------------

// securityDocConf returns the nats-server config block of docs/security.md
// (the fenced block after the "nats-permissions" marker).
func securityDocConf(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	doc, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "docs", "security.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- nats-permissions -->\\s*```[a-z]*\\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/security.md has no nats-permissions block")
	}
	return string(m[1])
}

// TestNATSPermissionExample starts nats-server with the documented
// accounts and permissions, runs the connector as its user, and checks
// that a bot can send commands and read events but cannot publish
// events, read other bots' commands or answer as the connector.
func TestNATSPermissionExample(t *testing.T) {
	for _, js := range []bool{false, true} {
		t.Run(map[bool]string{false: "core", true: "jetstream"}[js], func(t *testing.T) { testNATSPermissions(t, js) })
	}
}

func testNATSPermissions(t *testing.T, jetstream bool) {
	var args []string
	if jetstream {
		args = append(args, "-js")
	}
	proc := bustest.RunProcess(t, securityDocConf(t), args...)
	asMonitor := []nats.Option{nats.UserInfo("monitor", "monitor-secret-change-me")}
	logs := new(logBuffer)
	t.Cleanup(func() {
		if strings.Contains(strings.ToLower(logs.String()), "permissions violation") {
			t.Errorf("the connector hit a permission violation:\n%s", logs.String())
		}
	})
	e := newXEnv(t, xopts{natsURL: proc.URL(), logs: logs, clientOpts: asMonitor, envOpts: envOpts{jetstream: jetstream}, cfg: func(c *config.Config) {
		c.NATS.User, c.NATS.Password = "connector", "connector-secret-change-me"
	}})
	e.ready(seed, 1)
	if jetstream {
		e.cyt.FakeChat("alice", "stored under permissions")
		e.waitSubject("rosey.events.message", 1)
		if f := e.svc.Stats().PublishFailed.Load(); f != 0 {
			t.Errorf("%d publishes failed under the connector's permissions", f)
		}
	}

	violations := make(chan error, 16)
	bot, err := nats.Connect(proc.URL(), nats.UserInfo("bot", "bot-secret-change-me"),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { violations <- err }))
	if err != nil {
		t.Fatal(err)
	}
	defer bot.Close()

	// Allowed: read events and send a command.
	events := make(chan *nats.Msg, 64)
	if _, err := bot.ChanSubscribe("rosey.events.>", events); err != nil {
		t.Fatal(err)
	}
	if err := bot.Flush(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := bot.RequestWithContext(ctx, "rosey.platform.cytube.send.chat", []byte{})
	if err != nil {
		t.Fatalf("bot command: %v", err)
	}
	res := &commandsv1.CommandResult{}
	if err := proto.Unmarshal(resp.Data, res); err != nil || res.GetCode() != commandsv1.ErrorCode_ERROR_CODE_INVALID {
		t.Errorf("empty chat result = %v %v (want INVALID from the connector)", res, err)
	}
	msg := &nats.Msg{Subject: "rosey.platform.cytube.send.chat", Header: nats.Header{"Content-Type": {"application/json"}}, Data: []byte(`{"message":"bot says hi"}`)}
	resp, err = bot.RequestMsgWithContext(ctx, msg)
	if err != nil {
		t.Fatalf("bot chat: %v", err)
	}
	if err := protojson.Unmarshal(resp.Data, res); err != nil || !res.GetOk() {
		t.Errorf("bot chat = %v %v", res, err)
	}
	select {
	case <-events:
	case <-time.After(10 * time.Second):
		t.Errorf("bot got no event")
	}

	// Refused: publishing an event, snooping on commands.
	forged := make(chan *nats.Msg, 4)
	if _, err := e.nc.ChanSubscribe("rosey.events.forged", forged); err != nil {
		t.Fatal(err)
	}
	if err := e.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := bot.Publish("rosey.events.forged", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := bot.SubscribeSync("rosey.platform.cytube.send.>"); err != nil {
		t.Fatal(err)
	}
	_ = bot.Flush()
	want := map[string]bool{"publish": false, "subscription": false}
	deadline := time.After(5 * time.Second)
	for !want["publish"] || !want["subscription"] {
		select {
		case err := <-violations:
			if !errors.Is(err, nats.ErrPermissionViolation) {
				t.Errorf("unexpected async error %v", err)
			}
			s := strings.ToLower(err.Error())
			for k := range want {
				if strings.Contains(s, k) {
					want[k] = true
				}
			}
		case <-deadline:
			t.Fatalf("permission violations seen: %v", want)
		}
	}
	select {
	case m := <-forged:
		t.Errorf("forged event delivered: %s", m.Data)
	case <-time.After(300 * time.Millisecond):
	}
}
