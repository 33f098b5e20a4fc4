package mapping

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"unicode/utf16"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
)

// MaxChatLength is CyTube's chat and PM limit in UTF-16 code units; longer
// text would be cut silently by the server, so it is refused here.
const MaxChatLength = 320

// CommandError is a command refused before anything was sent.
type CommandError struct {
	Code   commandsv1.ErrorCode
	Action string
	Field  string
	Msg    string
}

func (e *CommandError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Action, e.Field, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Action, e.Msg)
}

func invalid(action, field, format string, args ...any) *CommandError {
	return &CommandError{Code: commandsv1.ErrorCode_ERROR_CODE_INVALID, Action: action, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Request is a validated command turned into one CyTube event.
type Request struct {
	Action string
	Event  string
	// Arg is the event's argument; nil sends none.
	Arg any
	// WantLocked is set for playlist_lock: CyTube only toggles, so the
	// caller sends the event only when the lock differs from this.
	WantLocked *bool
}

type action struct {
	newMsg func() proto.Message
	build  func(action string, m proto.Message) (Request, error)
}

var (
	userName = regexp.MustCompile(`^[\w-]{1,20}$`)
	mediaTyp = regexp.MustCompile(`^[a-z]{2}$`)
)

// actions is every send action, the suffix of rosey.platform.cytube.send.<action>.
var actions = map[string]action{
	"chat": {func() proto.Message { return new(commandsv1.ChatCommand) }, func(a string, m proto.Message) (Request, error) {
		c := m.(*commandsv1.ChatCommand)
		text, err := chatText(a, "message", c.GetMessage())
		if err != nil {
			return Request{}, err
		}
		return Request{Event: "chatMsg", Arg: map[string]any{"msg": text, "meta": map[string]any{}}}, nil
	}},
	"pm": {func() proto.Message { return new(commandsv1.PmCommand) }, func(a string, m proto.Message) (Request, error) {
		c := m.(*commandsv1.PmCommand)
		if err := name(a, "username", c.GetUsername()); err != nil {
			return Request{}, err
		}
		text, err := chatText(a, "message", c.GetMessage())
		if err != nil {
			return Request{}, err
		}
		return Request{Event: "pm", Arg: map[string]any{"to": c.GetUsername(), "msg": text, "meta": map[string]any{}}}, nil
	}},
	"media_queue": {func() proto.Message { return new(commandsv1.MediaQueueCommand) }, func(a string, m proto.Message) (Request, error) {
		c := m.(*commandsv1.MediaQueueCommand)
		md := c.GetMedia()
		if md == nil {
			return Request{}, invalid(a, "media", "is required: {\"type\": \"yt\", \"id\": \"...\"}")
		}
		if !mediaTyp.MatchString(md.GetType()) {
			return Request{}, invalid(a, "media.type", "must be CyTube's two-letter media type (yt, vi, dm, cm, cu, hl, rt, fi...), got %q", md.GetType())
		}
		id := strings.TrimSpace(md.GetId())
		if id == "" || len(id) > 2000 {
			return Request{}, invalid(a, "media.id", "must be 1-2000 characters")
		}
		pos := "end"
		if c.GetPosition() == commandsv1.MediaPosition_MEDIA_POSITION_NEXT {
			pos = "next"
		}
		arg := map[string]any{"id": id, "type": md.GetType(), "pos": pos, "temp": c.GetTemp()}
		if md.Title != nil {
			arg["title"] = md.GetTitle()
		}
		if md.Duration != nil {
			if d := md.GetDuration(); d < 0 || math.IsNaN(d) || math.IsInf(d, 0) {
				return Request{}, invalid(a, "media.duration", "must be a non-negative number of seconds")
			}
			arg["duration"] = md.GetDuration()
		}
		return Request{Event: "queue", Arg: arg}, nil
	}},
	"media_delete": {func() proto.Message { return new(commandsv1.MediaDeleteCommand) }, func(a string, m proto.Message) (Request, error) {
		uid := m.(*commandsv1.MediaDeleteCommand).GetUid()
		if uid < 0 {
			return Request{}, invalid(a, "uid", "must be >= 0")
		}
		return Request{Event: "delete", Arg: uid}, nil
	}},
	"media_move": {func() proto.Message { return new(commandsv1.MediaMoveCommand) }, func(a string, m proto.Message) (Request, error) {
		c := m.(*commandsv1.MediaMoveCommand)
		if c.GetUid() < 0 {
			return Request{}, invalid(a, "uid", "must be >= 0")
		}
		var after any
		switch x := c.GetAfter().(type) {
		case *commandsv1.MediaMoveCommand_AfterUid:
			if x.AfterUid < 0 || x.AfterUid == c.GetUid() {
				return Request{}, invalid(a, "after_uid", "must be >= 0 and differ from uid")
			}
			after = x.AfterUid
		case *commandsv1.MediaMoveCommand_Prepend:
			after = "prepend"
		case *commandsv1.MediaMoveCommand_Append:
			after = "append"
		default:
			return Request{}, invalid(a, "after", "set one of after_uid, prepend, append")
		}
		return Request{Event: "moveMedia", Arg: map[string]any{"from": c.GetUid(), "after": after}}, nil
	}},
	"media_jump": {func() proto.Message { return new(commandsv1.MediaJumpCommand) }, func(a string, m proto.Message) (Request, error) {
		uid := m.(*commandsv1.MediaJumpCommand).GetUid()
		if uid < 0 {
			return Request{}, invalid(a, "uid", "must be >= 0")
		}
		return Request{Event: "jumpTo", Arg: uid}, nil
	}},
	"media_next": {func() proto.Message { return new(commandsv1.MediaNextCommand) }, noArg("playNext")},
	"media_set_temp": {func() proto.Message { return new(commandsv1.MediaSetTempCommand) }, func(a string, m proto.Message) (Request, error) {
		c := m.(*commandsv1.MediaSetTempCommand)
		if c.GetUid() < 0 {
			return Request{}, invalid(a, "uid", "must be >= 0")
		}
		return Request{Event: "setTemp", Arg: map[string]any{"uid": c.GetUid(), "temp": c.GetTemp()}}, nil
	}},
	"playlist_lock": {func() proto.Message { return new(commandsv1.PlaylistLockCommand) }, func(a string, m proto.Message) (Request, error) {
		locked := m.(*commandsv1.PlaylistLockCommand).GetLocked()
		return Request{Event: "togglePlaylistLock", WantLocked: &locked}, nil
	}},
	"playlist_shuffle": {func() proto.Message { return new(commandsv1.PlaylistShuffleCommand) }, noArg("shufflePlaylist")},
	"playlist_clear":   {func() proto.Message { return new(commandsv1.PlaylistClearCommand) }, noArg("clearPlaylist")},
	"playlist_request": {func() proto.Message { return new(commandsv1.RequestPlaylistCommand) }, noArg("requestPlaylist")},
	"poll_open": {func() proto.Message { return new(commandsv1.PollOpenCommand) }, func(a string, m proto.Message) (Request, error) {
		c := m.(*commandsv1.PollOpenCommand)
		title := strings.TrimSpace(c.GetTitle())
		if title == "" || utf16Len(title) > 255 {
			return Request{}, invalid(a, "title", "must be 1-255 characters")
		}
		if n := len(c.GetOptions()); n < 1 || n > 50 {
			return Request{}, invalid(a, "options", "must hold 1-50 options (CyTube's limit is 50), got %d", n)
		}
		for i, o := range c.GetOptions() {
			if strings.TrimSpace(o) == "" || utf16Len(o) > 255 {
				return Request{}, invalid(a, fmt.Sprintf("options[%d]", i), "must be 1-255 characters")
			}
		}
		arg := map[string]any{"title": title, "opts": c.GetOptions(), "obscured": c.GetObscured()}
		if c.TimeoutSeconds != nil {
			if t := c.GetTimeoutSeconds(); t <= 0 || t > 86400 || math.IsNaN(t) {
				return Request{}, invalid(a, "timeout_seconds", "must be in (0, 86400]")
			}
			arg["timeout"] = c.GetTimeoutSeconds()
		}
		if c.GetRetainVotes() {
			arg["retainVotes"] = true
		}
		return Request{Event: "newPoll", Arg: arg}, nil
	}},
	"poll_vote": {func() proto.Message { return new(commandsv1.PollVoteCommand) }, func(a string, m proto.Message) (Request, error) {
		opt := m.(*commandsv1.PollVoteCommand).GetOption()
		if opt < 0 || opt >= 50 {
			return Request{}, invalid(a, "option", "must be an option index in [0, 50)")
		}
		return Request{Event: "vote", Arg: map[string]any{"option": opt}}, nil
	}},
	"poll_close": {func() proto.Message { return new(commandsv1.PollCloseCommand) }, noArg("closePoll")},
	"voteskip":   {func() proto.Message { return new(commandsv1.VoteskipCommand) }, noArg("voteskip")},
	"leader": {func() proto.Message { return new(commandsv1.LeaderCommand) }, func(a string, m proto.Message) (Request, error) {
		n := m.(*commandsv1.LeaderCommand).GetName()
		if n != "" {
			if err := name(a, "name", n); err != nil {
				return Request{}, err
			}
		}
		return Request{Event: "assignLeader", Arg: map[string]any{"name": n}}, nil
	}},
	"motd": {func() proto.Message { return new(commandsv1.MotdCommand) }, func(a string, m proto.Message) (Request, error) {
		motd := m.(*commandsv1.MotdCommand).GetMotd()
		if len(motd) > 20000 {
			return Request{}, &CommandError{Code: commandsv1.ErrorCode_ERROR_CODE_TOO_LONG, Action: a, Field: "motd", Msg: "must be at most 20000 bytes"}
		}
		return Request{Event: "setMotd", Arg: map[string]any{"motd": motd}}, nil
	}},
	"channel_rank": {func() proto.Message { return new(commandsv1.ChannelRankCommand) }, func(a string, m proto.Message) (Request, error) {
		c := m.(*commandsv1.ChannelRankCommand)
		if err := name(a, "username", c.GetUsername()); err != nil {
			return Request{}, err
		}
		if r := c.GetRank(); r < 0 || r > 255 || math.IsNaN(r) {
			return Request{}, invalid(a, "rank", "must be a rank between 0 and 255")
		}
		return Request{Event: "setChannelRank", Arg: map[string]any{"name": c.GetUsername(), "rank": c.GetRank()}}, nil
	}},
	"kick": {func() proto.Message { return new(commandsv1.KickCommand) }, func(a string, m proto.Message) (Request, error) {
		c := m.(*commandsv1.KickCommand)
		return chatCommand(a, "/kick", c.GetUsername(), c.GetReason())
	}},
	"ban": {func() proto.Message { return new(commandsv1.BanCommand) }, func(a string, m proto.Message) (Request, error) {
		c := m.(*commandsv1.BanCommand)
		cmd := "/ban"
		if c.GetIp() {
			cmd = "/ipban"
		}
		return chatCommand(a, cmd, c.GetUsername(), c.GetReason())
	}},
	"mute": {func() proto.Message { return new(commandsv1.MuteCommand) }, func(a string, m proto.Message) (Request, error) {
		c := m.(*commandsv1.MuteCommand)
		cmd := "/mute"
		if c.GetShadow() {
			cmd = "/smute"
		}
		return chatCommand(a, cmd, c.GetUsername(), "")
	}},
	"unmute": {func() proto.Message { return new(commandsv1.UnmuteCommand) }, func(a string, m proto.Message) (Request, error) {
		return chatCommand(a, "/unmute", m.(*commandsv1.UnmuteCommand).GetUsername(), "")
	}},
	"clear_chat": {func() proto.Message { return new(commandsv1.ClearChatCommand) }, func(string, proto.Message) (Request, error) {
		return Request{Event: "chatMsg", Arg: map[string]any{"msg": "/clear", "meta": map[string]any{}}}, nil
	}},
	"afk": {func() proto.Message { return new(commandsv1.AfkCommand) }, func(string, proto.Message) (Request, error) {
		return Request{Event: "chatMsg", Arg: map[string]any{"msg": "/afk", "meta": map[string]any{}}}, nil
	}},
}

func noArg(event string) func(string, proto.Message) (Request, error) {
	return func(string, proto.Message) (Request, error) { return Request{Event: event}, nil }
}

func name(a, field, v string) error {
	if !userName.MatchString(v) {
		return invalid(a, field, "must be a CyTube user name (1-20 characters from a-z, A-Z, 0-9, - and _), got %q", v)
	}
	return nil
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// chatText applies the chat text rule: trimmed, not blank, at most 320
// UTF-16 code units (CyTube counts in JavaScript string units).
func chatText(a, field, s string) (string, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", invalid(a, field, "must not be empty")
	}
	if n := utf16Len(t); n > MaxChatLength {
		return "", &CommandError{Code: commandsv1.ErrorCode_ERROR_CODE_TOO_LONG, Action: a, Field: field,
			Msg: fmt.Sprintf("is %d characters; CyTube allows %d and would cut the rest silently", n, MaxChatLength)}
	}
	return t, nil
}

// chatCommand builds a moderation chat command (/kick NAME reason).
func chatCommand(a, cmd, user, reason string) (Request, error) {
	if err := name(a, "username", user); err != nil {
		return Request{}, err
	}
	msg := cmd + " " + user
	if r := strings.Join(strings.Fields(reason), " "); r != "" {
		msg += " " + r
	}
	if _, err := chatText(a, "reason", msg); err != nil {
		return Request{}, err
	}
	return Request{Event: "chatMsg", Arg: map[string]any{"msg": msg, "meta": map[string]any{}}}, nil
}

// Actions lists the send actions, sorted.
func Actions() []string {
	out := make([]string, 0, len(actions))
	for k := range actions {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// NewCommand returns an empty command message for action.
func NewCommand(action string) (proto.Message, bool) {
	a, ok := actions[action]
	if !ok {
		return nil, false
	}
	return a.newMsg(), true
}

// DecodeCommand reads a command body: protobuf, or JSON (protojson, also
// accepting the seed's {"text": ...} for chat) when isJSON.
func DecodeCommand(action string, body []byte, isJSON bool) (proto.Message, error) {
	a, ok := actions[action]
	if !ok {
		return nil, &CommandError{Code: commandsv1.ErrorCode_ERROR_CODE_UNKNOWN_ACTION, Action: action,
			Msg: "unknown action; known: " + strings.Join(Actions(), ", ")}
	}
	m := a.newMsg()
	if isJSON {
		body = seedJSON(action, body)
		if err := protojson.Unmarshal(body, m); err != nil {
			return nil, invalid(action, "", "body is not a valid %s JSON document: %v", m.ProtoReflect().Descriptor().FullName(), err)
		}
		return m, nil
	}
	if err := proto.Unmarshal(body, m); err != nil {
		return nil, invalid(action, "", "body is not a valid %s protobuf message: %v", m.ProtoReflect().Descriptor().FullName(), err)
	}
	return m, nil
}

// seedJSON accepts the seed's alternative chat key "text".
func seedJSON(action string, body []byte) []byte {
	if action != "chat" || !bytes.Contains(body, []byte(`"text"`)) {
		return body
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	if _, has := m["message"]; has {
		delete(m, "text")
	} else if t, ok := m["text"]; ok {
		m["message"] = t
		delete(m, "text")
	}
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}

// BuildRequest validates a decoded command and returns the CyTube event.
func BuildRequest(action string, m proto.Message) (Request, error) {
	a, ok := actions[action]
	if !ok {
		return Request{}, &CommandError{Code: commandsv1.ErrorCode_ERROR_CODE_UNKNOWN_ACTION, Action: action, Msg: "unknown action"}
	}
	r, err := a.build(action, m)
	if err != nil {
		return Request{}, err
	}
	r.Action = action
	return r, nil
}

// SendMessageRequest turns the platform-neutral SendMessage into a chat or
// PM request. Routing (platform, channel) is the caller's job.
func SendMessageRequest(m *commandsv1.SendMessage) (Request, error) {
	if m.To != nil {
		return BuildRequest("pm", &commandsv1.PmCommand{Username: m.GetTo(), Message: m.GetText()})
	}
	return BuildRequest("chat", &commandsv1.ChatCommand{Message: m.GetText()})
}

// IsCommandError reports a *CommandError and returns it.
func IsCommandError(err error) (*CommandError, bool) {
	var ce *CommandError
	ok := errors.As(err, &ce)
	return ce, ok
}
