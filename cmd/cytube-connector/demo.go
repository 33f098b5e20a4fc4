package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nuid"

	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
	"github.com/roseybot/cytube-connector/internal/mapping"
	"github.com/roseybot/cytube-connector/internal/service"
)

var demoCommand = command{
	name:     "demo",
	synopsis: "demo [flags]",
	about: `
Runs the whole pipeline on this machine, with no internet and no accounts:
an embedded NATS server on a free port (or -nats-port), a CyTube-compatible test server with
the channel "demo" and the account "roseybot", the connector logged in as
roseybot, and a monitor printing every event to stdout (the format of
"cytube-connector monitor"). Then it plays a short scene: alice and bob join,
alice chats, bob sends roseybot a PM, alice queues media and it changes, a
poll opens and closes, roseybot chats back through a NATS command (its
CommandResult is printed), and bob leaves.

Narration ("== alice joins ==") goes to stderr, so stdout is only the event
stream. With -stay the demo keeps running after the scene until Ctrl-C, and
you can use "monitor" and "send" with the -nats-url it prints.`,
}

const (
	demoChannel = "demo"
	demoBot     = "roseybot"
)

func (c *cli) demo(args []string) int {
	fs := c.newFlagSet(demoCommand)
	stay := fs.Bool("stay", false, "keep running after the scene until Ctrl-C")
	pause := fs.Duration("pause", time.Second, "pause between the steps of the scene")
	asJSON := fs.Bool("json", false, "print events as JSON objects, as monitor -json does")
	logLevel := fs.String("log-level", config.LevelWarn, "connector log level on stderr: debug, info, warn or error")
	natsPort := fs.Int("nats-port", 0, "port of the embedded NATS server on 127.0.0.1 (default: a free port), e.g. 4222 for clients that expect it")
	encoding := fs.String("encoding", string(config.EncodingProtobuf), "payload encoding of published events: protobuf or json (as PAYLOAD_ENCODING)")
	if code, ok := c.parse(fs, demoCommand, args); !ok {
		return code
	}
	if *natsPort < 0 || *natsPort > 65535 {
		return c.usageError(demoCommand, "-nats-port must be a port number (1-65535), or 0 for a free port")
	}
	if fs.NArg() > 0 {
		return c.usageError(demoCommand, "unexpected argument %q", fs.Arg(0))
	}
	if e := config.Encoding(*encoding); e != config.EncodingProtobuf && e != config.EncodingJSON {
		return c.usageError(demoCommand, "-encoding must be protobuf or json, not %q", *encoding)
	}
	if *pause < 0 {
		return c.usageError(demoCommand, "-pause must not be negative")
	}
	logCfg := config.Log{Level: *logLevel, Format: config.FormatText}
	log := newLogger(c.stderr, logCfg)

	ctx, stop := c.signalContext(context.Background(), log)
	defer stop()
	d := &demo{cli: c, log: log, pause: *pause, natsPort: bus.RandomPort, encoding: config.Encoding(*encoding), out: &lockedWriter{w: c.stdout}}
	if *natsPort > 0 {
		d.natsPort = *natsPort
	}
	d.printer = &printer{w: d.out, json: *asJSON}
	if err := d.run(ctx, logCfg, *stay); err != nil {
		return c.fail(err)
	}
	return exitOK
}

// demo is one run of the demo command. Its fields are set before run and
// not changed after.
type demo struct {
	cli   *cli
	log   *slog.Logger
	pause time.Duration
	// natsPort is the embedded server's (bus.RandomPort: a free one).
	natsPort int
	encoding config.Encoding
	out      io.Writer
	printer  *printer
}

func (d *demo) say(format string, args ...any) {
	fmt.Fprintf(d.cli.stderr, "== "+format+" ==\n", args...)
}

// wait pauses between scene steps; false when ctx ended.
func (d *demo) wait(ctx context.Context) bool {
	t := time.NewTimer(d.pause)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (d *demo) run(ctx context.Context, logCfg config.Log, stay bool) (err error) {
	dir, err := os.MkdirTemp("", "cytube-connector-demo-")
	if err != nil {
		return fmt.Errorf("demo: temp dir: %w", err)
	}
	defer func() { err = errors.Join(err, os.RemoveAll(dir)) }()

	emb, err := bus.StartEmbedded(ctx, bus.EmbeddedConfig{Port: d.natsPort, StoreDir: filepath.Join(dir, "nats"), ServerName: "cytube-connector-demo"}, d.log)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		err = errors.Join(err, emb.Shutdown(sctx))
	}()

	password, err := randomHex(16)
	if err != nil {
		return err
	}
	srv, err := cytubetest.New(cytubetest.Options{
		Channel:             demoChannel,
		Accounts:            map[string]cytubetest.Account{demoBot: {Password: password, Rank: 3}},
		MediaUpdateInterval: 5 * time.Second,
	})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, srv.Close()) }()

	cfg := config.Default()
	cfg.Channels = []config.Channel{{
		Host: srv.Addr(), Secure: false, Channel: demoChannel, Username: demoBot, Password: config.Secret(password),
	}}
	cfg.NATS.URL = emb.ClientURL()
	cfg.NATS.JetStream = true
	cfg.Subjects.Encoding = d.encoding
	cfg.Log = logCfg
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	d.log.Info("config", "config", cfg)

	nc, err := bus.Connect(ctx, bus.ClientConfig{URL: emb.ClientURL(), Name: progName + "-demo-monitor"}, d.log)
	if err != nil {
		return err
	}
	defer nc.Close()
	scope := bus.Scope{Platform: mapping.Platform}
	status, err := nc.SubscribeSync(scope.Status())
	if err != nil {
		return fmt.Errorf("demo: subscribe: %w", err)
	}
	w, err := watch(nc, defaultMonitorSubjects)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	printed := d.startPrinter(w)
	defer func() {
		// Everything published before this round trip has reached w.msgs.
		if ferr := nc.Flush(); ferr != nil {
			d.log.Warn("demo monitor flush", "err", ferr)
		}
		w.stop()
		err = errors.Join(err, printed())
	}()

	svc, err := service.New(cfg, service.Options{Logger: d.log, Version: buildVersion().semver()})
	if err != nil {
		return err
	}
	runCtx, stopService := context.WithCancel(ctx)
	defer stopService()
	runErr := make(chan error, 1)
	go func() { runErr <- svc.Run(runCtx) }()
	stopped := false
	defer func() {
		stopService()
		if !stopped {
			err = errors.Join(err, <-runErr)
		}
	}()

	fmt.Fprintf(d.cli.stderr, "demo: NATS at %s, CyTube test server at %s/r/%s; waiting for %s to log in\n", emb.ClientURL(), srv.URL(), demoChannel, demoBot)
	if err := waitLoggedIn(ctx, status, 20*time.Second); err != nil {
		return err
	}
	_ = status.Unsubscribe()

	// sceneErr is the service's error if it stopped during the scene.
	check := func() error {
		select {
		case e := <-runErr:
			stopped = true
			if e == nil {
				e = errors.New("the connector stopped")
			}
			return fmt.Errorf("demo: %w", e)
		default:
			return nil
		}
	}
	steps := []struct {
		title string
		do    func() error
	}{
		{"alice and bob join", func() error { srv.AddFakeUser("alice", 1); srv.AddFakeUser("bob", 1); return nil }},
		{"alice chats (with HTML)", func() error { srv.FakeChat("alice", "<b>hi</b> & see https://example.com"); return nil }},
		{"bob sends roseybot a PM", func() error { srv.FakePM("bob", demoBot, "psst, are you a bot?"); return nil }},
		{"alice queues a video; it starts playing", func() error {
			srv.Queue("alice", cytubetest.Media{ID: "https://example.com/big-buck-bunny.json", Title: "Big Buck Bunny", Seconds: 596}, false)
			return nil
		}},
		{"alice queues another; the media changes", func() error {
			srv.Queue("alice", cytubetest.Media{ID: "https://example.com/sintel.json", Title: "Sintel", Seconds: 888}, false)
			srv.ChangeMedia()
			return nil
		}},
		{"a poll opens", func() error { srv.OpenPoll("Which one next?", []string{"Big Buck Bunny", "Sintel"}); return nil }},
		{"the poll closes", func() error { srv.ClosePoll(); return nil }},
		{"roseybot chats back through NATS (send.chat)", func() error {
			return d.sendChat(ctx, nc, scope.Command("chat"), "hello alice and bob, I got that over NATS")
		}},
		{"bob leaves", func() error { srv.RemoveFakeUser("bob"); return nil }},
	}
	for _, st := range steps {
		d.say("%s", st.title)
		if err := st.do(); err != nil {
			return err
		}
		if !d.wait(ctx) {
			return check()
		}
		if err := check(); err != nil {
			return err
		}
	}
	if !stay {
		d.say("the end")
		return nil
	}
	d.say("the demo keeps running; Ctrl-C to stop")
	fmt.Fprintf(d.cli.stderr, "try: %s monitor -nats-url %s\n     %s send -nats-url %s chat \"hello\"\n", progName, emb.ClientURL(), progName, emb.ClientURL())
	select {
	case <-ctx.Done():
		return nil
	case e := <-runErr:
		stopped = true
		if e == nil {
			return nil
		}
		return fmt.Errorf("demo: %w", e)
	}
}

// startPrinter prints w's messages until the returned function is called;
// that function prints what is still queued and waits for the goroutine.
func (d *demo) startPrinter(w *watcher) func() error {
	done := make(chan struct{})
	result := make(chan error, 1)
	go func() {
		var werr error
		write := func(m *nats.Msg) {
			if werr == nil {
				werr = d.printer.print(m)
			}
		}
		for {
			select {
			case m := <-w.msgs:
				write(m)
			case <-done:
				for {
					select {
					case m := <-w.msgs:
						write(m)
					default:
						result <- werr
						return
					}
				}
			}
		}
	}()
	var once sync.Once
	return func() error {
		once.Do(func() { close(done) })
		return <-result
	}
}

// waitLoggedIn waits for the connector's status event saying it is logged
// in.
func waitLoggedIn(ctx context.Context, sub *nats.Subscription, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		m, err := sub.NextMsgWithContext(ctx)
		if err != nil {
			return fmt.Errorf("demo: the connector did not log in to the test server within %v: %w", timeout, err)
		}
		st := &eventsv1.ConnectorStatus{}
		if _, err := mapping.DecodeBody(m.Data, m.Header.Get(bus.HeaderContentType) == bus.ContentTypeJSON, st); err != nil {
			continue
		}
		if st.GetState() == eventsv1.ConnectorState_CONNECTOR_STATE_LOGGED_IN {
			return nil
		}
	}
}

// sendChat sends a chat command the way any NATS client would and prints
// the CommandResult as one line of the event stream.
func (d *demo) sendChat(ctx context.Context, nc *nats.Conn, subject, text string) error {
	msg := nats.NewMsg(subject)
	msg.Data = fmt.Appendf(nil, `{"message":%q}`, text)
	msg.Header.Set(bus.HeaderContentType, bus.ContentTypeJSON)
	msg.Header.Set(bus.HeaderDeadlineMs, strconv.Itoa(10_000))
	id := nuid.Next()
	msg.Header.Set(bus.HeaderID, id)
	ctx, cancel := context.WithTimeout(ctx, 12*time.Second)
	defer cancel()
	reply, err := nc.RequestMsgWithContext(ctx, msg)
	if err != nil {
		return fmt.Errorf("demo: send.chat request: %w", err)
	}
	data, note := decodePayload(reply.Header, reply.Data)
	payload := string(data)
	if data == nil {
		payload = note
	}
	if d.printer.json {
		_, err = fmt.Fprintf(d.out, `{"time":%q,"subject":%q,"reply":true,"data":%s}`+"\n", time.Now().UTC().Format(time.RFC3339Nano), subject, orNull(data))
	} else {
		_, err = fmt.Fprintf(d.out, "%s %-36s %-36s %-8s %s\n", time.Now().Format("15:04:05.000"), subject, "reply:rosey.commands.v1.CommandResult", short(id, 8), payload)
	}
	if err != nil {
		return fmt.Errorf("demo: write: %w", err)
	}
	if code := reply.Header.Get(headerServiceErrorCode); code != "" {
		d.log.Warn("the demo's chat command failed", "code", code, "reason", reply.Header.Get(headerServiceError))
	}
	return nil
}

func orNull(b []byte) []byte {
	if b == nil {
		return []byte("null")
	}
	return b
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("demo: random password: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// lockedWriter serializes writes from the printer goroutine and the scene.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
