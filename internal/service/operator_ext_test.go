package service_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/roseybot/cytube-connector/internal/bus/bustest"
	"github.com/roseybot/cytube-connector/internal/config"
)

// operatorMode is a nats-server configuration in operator (JWT) mode: an
// operator, a system account and one application account with JetStream,
// preloaded into the memory resolver, and .creds files for its users.
type operatorMode struct {
	conf string
	dir  string
	acct nkeys.KeyPair
}

func newOperatorMode(t *testing.T) *operatorMode {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	okp, err := nkeys.CreateOperator()
	must(err)
	opub, err := okp.PublicKey()
	must(err)
	account := func(name string, js bool) (nkeys.KeyPair, string, string) {
		kp, err := nkeys.CreateAccount()
		must(err)
		pub, err := kp.PublicKey()
		must(err)
		ac := jwt.NewAccountClaims(pub)
		ac.Name = name
		if js {
			ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
		}
		token, err := ac.Encode(okp)
		must(err)
		return kp, pub, token
	}
	_, sysPub, sysJWT := account("SYS", false)
	oc := jwt.NewOperatorClaims(opub)
	oc.Name = "rosey-test"
	oc.SystemAccount = sysPub
	opJWT, err := oc.Encode(okp)
	must(err)
	akp, appPub, appJWT := account("ROSEY", true)
	conf := fmt.Sprintf("operator: %s\nsystem_account: %s\nresolver: MEMORY\nresolver_preload: {\n  %s: %s\n  %s: %s\n}\n",
		opJWT, sysPub, sysPub, sysJWT, appPub, appJWT)
	return &operatorMode{conf: conf, dir: t.TempDir(), acct: akp}
}

// creds writes a .creds file for a new user of the application account.
func (o *operatorMode) creds(t *testing.T, name string) string {
	t.Helper()
	ukp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	upub, _ := ukp.PublicKey()
	uc := jwt.NewUserClaims(upub)
	uc.Name = name
	token, err := uc.Encode(o.acct)
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := ukp.Seed()
	file, err := jwt.FormatUserConfig(token, seed)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(o.dir, name+".creds")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestNATSOperatorModeCreds runs the connector against nats-server (the
// binary) in operator mode, authenticated by a .creds file (a user JWT
// and its NKey seed, NATS_CREDS_FILE), with JetStream: it joins, stores
// events and answers commands, a client without credentials is refused,
// and neither the JWT nor the seed appears in its logs.
func TestNATSOperatorModeCreds(t *testing.T) {
	op := newOperatorMode(t)
	proc := bustest.RunProcess(t, op.conf, "-js")
	if _, err := nats.Connect(proc.URL()); err == nil || !strings.Contains(strings.ToLower(err.Error()), "authorization") {
		t.Fatalf("a client without credentials connected (%v): the server is not in operator mode", err)
	}
	connector := op.creds(t, "connector")
	logs := new(logBuffer)
	e := newXEnv(t, xopts{natsURL: proc.URL(), logs: logs, clientOpts: []nats.Option{nats.UserCredentials(op.creds(t, "monitor"))},
		envOpts: envOpts{jetstream: true}, cfg: func(c *config.Config) { c.NATS.CredsFile = connector }})
	e.ready(seed, 1)
	e.cyt.FakeChat("alice", "stored under operator mode")
	e.waitSubject("rosey.events.message", 1)
	if f := e.svc.Stats().PublishFailed.Load(); f != 0 {
		t.Errorf("%d publishes failed", f)
	}
	raw, err := os.ReadFile(connector)
	if err != nil {
		t.Fatal(err)
	}
	token, err := jwt.ParseDecoratedJWT(raw)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := jwt.ParseDecoratedNKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	seedText, _ := kp.Seed()
	for what, secret := range map[string]string{"user JWT": token, "seed": string(seedText)} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the %s appears in the connector's logs", what)
		}
	}
}
