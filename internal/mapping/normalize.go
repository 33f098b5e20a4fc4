package mapping

import (
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Platform is the platform name this mapping produces.
const Platform = "cytube"

// Normalized kinds, the suffixes of rosey.events.<kind>.
const (
	KindMessage        = "message"
	KindPrivateMessage = "private_message"
	KindUserJoin       = "user.join"
	KindUserLeave      = "user.leave"
	KindUserUpdate     = "user.update"
	KindChatCleared    = "chat.cleared"
)

// KindInfo describes one normalized kind: the message its subject carries
// and the CyTube events Normalize makes it from. The AsyncAPI document
// (internal/asyncapi) and docs/subjects.md are written from Kinds.
type KindInfo struct {
	Kind    string
	Message protoreflect.FullName
	From    []string
}

// Kinds lists every normalized kind, in the order of docs/subjects.md.
func Kinds() []KindInfo {
	return []KindInfo{
		{KindMessage, "rosey.events.v1.Message", []string{"chatMsg"}},
		{KindPrivateMessage, "rosey.events.v1.PrivateMessage", []string{"pm"}},
		{KindUserJoin, "rosey.events.v1.UserJoin", []string{"addUser"}},
		{KindUserLeave, "rosey.events.v1.UserLeave", []string{"userLeave"}},
		{KindUserUpdate, "rosey.events.v1.UserUpdate", []string{"setUserRank", "setUserMeta", "setAFK"}},
		{KindChatCleared, "rosey.events.v1.ChatCleared", []string{"clearchat"}},
	}
}

// Context is what Normalize needs beyond the raw message.
type Context struct {
	Channel string
	// Self marks our own message (chatMsg/pm echo) or our own join.
	Self bool
	// History marks a chat message replayed from CyTube's chat buffer.
	History bool
	// OwnName is the connector's user name, to flag its own join.
	OwnName string
	// Rank looks up a user's current rank; nil or false when unknown.
	Rank func(name string) (float64, bool)
}

// Normalized is a platform-neutral event and the kind that names its subject.
type Normalized struct {
	Kind    string
	Message proto.Message
}

// Normalize returns the platform-neutral event for a raw CyTube message,
// or false when the event has no generic meaning (media, playlist, polls
// and the rest stay raw).
func Normalize(raw proto.Message, c Context) (Normalized, bool) {
	switch m := raw.(type) {
	case *cytubev1.ChatMsg:
		return Normalized{KindMessage, normalizeChat(m, c)}, true
	case *cytubev1.Pm:
		return Normalized{KindPrivateMessage, &eventsv1.PrivateMessage{
			Platform:  Platform,
			Channel:   c.Channel,
			From:      c.user(m.GetUsername()),
			To:        m.GetTo(),
			Text:      PlainText(m.GetMsg()),
			Html:      m.GetMsg(),
			Timestamp: epochMillis(m.GetTime()),
			IsSelf:    c.Self,
		}}, true
	case *cytubev1.AddUser:
		rank := m.GetRank()
		return Normalized{KindUserJoin, &eventsv1.UserJoin{
			Platform: Platform,
			Channel:  c.Channel,
			User:     &eventsv1.User{Name: m.GetName(), Rank: &rank},
			Afk:      m.GetMeta().GetAfk(),
			Muted:    m.GetMeta().GetMuted(),
			IsSelf:   c.OwnName != "" && strings.EqualFold(m.GetName(), c.OwnName),
		}}, true
	case *cytubev1.UserLeave:
		return Normalized{KindUserLeave, &eventsv1.UserLeave{Platform: Platform, Channel: c.Channel, Name: m.GetName()}}, true
	case *cytubev1.SetUserRank:
		rank := m.GetRank()
		return Normalized{KindUserUpdate, &eventsv1.UserUpdate{Platform: Platform, Channel: c.Channel, Name: m.GetName(), Rank: &rank}}, true
	case *cytubev1.SetUserMeta:
		u := &eventsv1.UserUpdate{Platform: Platform, Channel: c.Channel, Name: m.GetName()}
		if meta := m.GetMeta(); meta != nil {
			afk, muted := meta.GetAfk(), meta.GetMuted()
			u.Afk, u.Muted = &afk, &muted
			// Only moderators see smuted; a plain view leaves it unknown.
			if meta.GetSmuted() || meta.GetIp() != "" || len(meta.GetAliases()) > 0 {
				smuted := meta.GetSmuted()
				u.Smuted = &smuted
			}
		}
		return Normalized{KindUserUpdate, u}, true
	case *cytubev1.SetAFK:
		afk := m.GetAfk()
		return Normalized{KindUserUpdate, &eventsv1.UserUpdate{Platform: Platform, Channel: c.Channel, Name: m.GetName(), Afk: &afk}}, true
	case *cytubev1.Clearchat:
		return Normalized{KindChatCleared, &eventsv1.ChatCleared{Platform: Platform, Channel: c.Channel, ClearedBy: m.GetClearedBy()}}, true
	}
	return Normalized{}, false
}

func (c Context) user(name string) *eventsv1.User {
	u := &eventsv1.User{Name: name}
	if c.Rank != nil {
		if r, ok := c.Rank(name); ok {
			u.Rank = &r
		}
	}
	return u
}

func epochMillis(ms int64) *timestamppb.Timestamp {
	if ms == 0 {
		return nil
	}
	return &timestamppb.Timestamp{Seconds: ms / 1000, Nanos: int32(ms%1000) * 1e6}
}

// flags reads CyTube's chat meta (protocol reference §3, chatMsg).
func flags(username string, meta *cytubev1.ChatMeta) []eventsv1.MessageFlag {
	var out []eventsv1.MessageFlag
	add := func(f eventsv1.MessageFlag) {
		for _, have := range out {
			if have == f {
				return
			}
		}
		out = append(out, f)
	}
	if systemName(username) {
		add(eventsv1.MessageFlag_MESSAGE_FLAG_SYSTEM)
	}
	if meta.GetAction() {
		add(eventsv1.MessageFlag_MESSAGE_FLAG_ACTION)
	}
	if meta.GetShadow() {
		add(eventsv1.MessageFlag_MESSAGE_FLAG_SHADOW)
	}
	for _, class := range strings.Fields(meta.GetAddClass()) {
		switch class {
		case "action":
			add(eventsv1.MessageFlag_MESSAGE_FLAG_ACTION)
		case "spoiler":
			add(eventsv1.MessageFlag_MESSAGE_FLAG_SPOILER)
		case "greentext":
			add(eventsv1.MessageFlag_MESSAGE_FLAG_GREENTEXT)
		case "shout":
			add(eventsv1.MessageFlag_MESSAGE_FLAG_SHOUT)
		case "server-whisper":
			add(eventsv1.MessageFlag_MESSAGE_FLAG_WHISPER)
		case "drink":
			add(eventsv1.MessageFlag_MESSAGE_FLAG_DRINK)
		}
	}
	return out
}

// systemName reports a chat sender that is CyTube itself. Account and guest
// names match ^[\w-]{1,20}$ (src/utilities.js:10-12, checked on login and
// registration), so a name in brackets is never a person: CyTube uses
// "[server]" for moderator notices (src/channel/chat.js:414-434) and
// "[voteskip]" when a voteskip passes (src/channel/voteskip.js:93-104).
func systemName(name string) bool {
	return len(name) >= 2 && name[0] == '[' && name[len(name)-1] == ']'
}
