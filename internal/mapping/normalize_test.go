package mapping

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoregistry"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/cytube/raw"
)

func TestNormalizeFlagsAndUsers(t *testing.T) {
	action := &cytubev1.ChatMsg{Username: "[server]", Msg: "x", Meta: &cytubev1.ChatMeta{AddClass: "server-whisper", Action: true, Shadow: true}, Time: 1500}
	n, _ := Normalize(action, Context{Channel: "c", Self: true, History: true, Rank: func(string) (float64, bool) { return 2, true }})
	m := n.Message.(*eventsv1.Message)
	if !m.GetIsSelf() || !m.GetIsHistory() || m.GetUser().GetRank() != 2 || m.GetTimestamp().AsTime().UnixMilli() != 1500 {
		t.Errorf("message = %v", m)
	}
	got := map[eventsv1.MessageFlag]bool{}
	for _, f := range m.GetFlags() {
		got[f] = true
	}
	for _, f := range []eventsv1.MessageFlag{eventsv1.MessageFlag_MESSAGE_FLAG_SYSTEM, eventsv1.MessageFlag_MESSAGE_FLAG_ACTION, eventsv1.MessageFlag_MESSAGE_FLAG_SHADOW, eventsv1.MessageFlag_MESSAGE_FLAG_WHISPER} {
		if !got[f] {
			t.Errorf("flag %v missing from %v", f, m.GetFlags())
		}
	}
	j, _ := Normalize(&cytubev1.AddUser{Name: "Bot", Rank: 3, Meta: &cytubev1.UserMeta{Afk: true}}, Context{OwnName: "bot"})
	if u := j.Message.(*eventsv1.UserJoin); !u.GetIsSelf() || !u.GetAfk() || u.GetUser().GetRank() != 3 || j.Kind != KindUserJoin {
		t.Errorf("join = %v", u)
	}
	for _, raw := range []proto.Message{&cytubev1.SetUserRank{Name: "a", Rank: 2}, &cytubev1.SetAFK{Name: "a", Afk: true}, &cytubev1.SetUserMeta{Name: "a", Meta: &cytubev1.UserMeta{Muted: true, Smuted: true}}} {
		n, ok := Normalize(raw, Context{})
		if u, isUpdate := n.Message.(*eventsv1.UserUpdate); !ok || !isUpdate || u.GetName() != "a" || n.Kind != KindUserUpdate {
			t.Errorf("Normalize(%v) = %v", raw, n)
		}
	}
	n, _ = Normalize(&cytubev1.SetUserMeta{Name: "a", Meta: &cytubev1.UserMeta{Muted: true, Smuted: true}}, Context{})
	if u := n.Message.(*eventsv1.UserUpdate); !u.GetMuted() || !u.GetSmuted() || u.Afk == nil {
		t.Errorf("meta update = %v", u)
	}
	if n, ok := Normalize(&cytubev1.Clearchat{ClearedBy: "mod"}, Context{}); !ok || n.Kind != KindChatCleared {
		t.Errorf("clearchat = %v", n)
	}
	if n, ok := Normalize(&cytubev1.Pm{Username: "a", To: "b", Msg: "&lt;3", Time: 1}, Context{Self: true}); !ok || n.Message.(*eventsv1.PrivateMessage).GetText() != "<3" {
		t.Errorf("pm = %v", n)
	}
	if _, ok := Normalize(&cytubev1.ChangeMedia{Title: "x"}, Context{}); ok {
		t.Error("media was normalized")
	}
}

// TestKindsMatchNormalize: every event Kinds names normalizes to its kind
// and message, and no other modelled event normalizes at all.
func TestKindsMatchNormalize(t *testing.T) {
	from := map[string]KindInfo{}
	for _, k := range Kinds() {
		for _, ev := range k.From {
			from[ev] = k
		}
	}
	for _, ev := range raw.Events() {
		name, _ := raw.MessageName(ev)
		mt, err := protoregistry.GlobalTypes.FindMessageByName(name)
		if err != nil {
			t.Fatalf("%s: %v", ev, err)
		}
		n, ok := Normalize(mt.New().Interface(), Context{Channel: "c"})
		k, want := from[ev]
		switch {
		case ok != want:
			t.Errorf("%s: normalized %v, Kinds says %v", ev, ok, want)
		case ok && (n.Kind != k.Kind || n.Message.ProtoReflect().Descriptor().FullName() != k.Message):
			t.Errorf("%s: normalized to %s %s, Kinds says %s %s", ev, n.Kind,
				n.Message.ProtoReflect().Descriptor().FullName(), k.Kind, k.Message)
		}
	}
}
