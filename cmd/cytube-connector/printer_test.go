package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
)

// TestPrinterColumns: a subject longer than the column widens it for the
// lines after it too, so the type column stays aligned; a zero value is
// printed, not dropped.
func TestPrinterColumns(t *testing.T) {
	var out bytes.Buffer
	p := &printer{w: &out, now: func() time.Time { return time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC) }}
	data, err := proto.Marshal(&commandsv1.CommandResult{Ok: false})
	if err != nil {
		t.Fatal(err)
	}
	hdr := func() nats.Header {
		return nats.Header{bus.HeaderContentType: {bus.ContentTypeProtobuf}, bus.HeaderDataSchema: {"rosey.commands.v1.CommandResult"}, bus.HeaderType: {"rosey.commands.result"}}
	}
	long := "rosey.platform.cytube.a-rather-long-channel-name.playlist.meta"
	for _, subj := range []string{long, "rosey.events.message"} {
		if err := p.print(&nats.Msg{Subject: subj, Header: hdr(), Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %q", len(lines), out.String())
	}
	if a, b := strings.Index(lines[0], "rosey.commands.result"), strings.Index(lines[1], "rosey.commands.result"); a != b || a <= len("10:00:00.000 ")+len(long) {
		t.Errorf("type column at %d and %d:\n%s", a, b, out.String())
	}
	if !strings.Contains(lines[1], `"ok":false`) {
		t.Errorf("zero value dropped: %s", lines[1])
	}
}

// TestPrinterEmpty: an empty body says what it is.
func TestPrinterEmpty(t *testing.T) {
	for _, tc := range []struct {
		m    *nats.Msg
		want string
	}{
		{&nats.Msg{Subject: "rosey.platform.cytube.state.users", Reply: "_INBOX.x"}, "<state query>"},
		{&nats.Msg{Subject: "rosey.platform.cytube.send.playlist_get", Reply: "_INBOX.x"}, "<empty request>"},
		{&nats.Msg{Subject: "rosey.platform.cytube.voteskip"}, "<empty>"},
	} {
		var out bytes.Buffer
		p := &printer{w: &out}
		if err := p.print(tc.m); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(strings.TrimSpace(out.String()), tc.want) {
			t.Errorf("%s: %q, want it to end with %s", tc.m.Subject, out.String(), tc.want)
		}
	}
}

// TestPrinterCommandWithoutSchema: a protobuf command without
// ce-dataschema is decoded through the action its subject names.
func TestPrinterCommandWithoutSchema(t *testing.T) {
	data, err := proto.Marshal(&commandsv1.KickCommand{Username: "bob", Reason: "spam"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	p := &printer{w: &out}
	if err := p.print(&nats.Msg{Subject: "rosey.platform.cytube.send.kick", Header: nats.Header{bus.HeaderContentType: {bus.ContentTypeProtobuf}}, Data: data}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `{"username":"bob","reason":"spam"}`) {
		t.Errorf("printed %q", out.String())
	}
}
