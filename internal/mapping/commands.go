package mapping

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf16"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/jsonscan"
)

// Limits are what a CyTube server configures and the connector checks
// commands against, so that nothing is cut or refused by the server
// silently. DefaultLimits are CyTube's defaults.
type Limits struct {
	// ChatLength is max-chat-message-length: CyTube cuts chat lines and
	// PMs to it, in UTF-16 units, without a word (src/chat.js:165, 251).
	ChatLength int
	// PollOptions is poll.max-options (src/channel/poll.js:133-135).
	PollOptions int
}

// DefaultLimits are CyTube 3.86's defaults (src/config.js:74, 110-112).
var DefaultLimits = Limits{ChatLength: 320, PollOptions: 50}

// MaxChatLength is CyTube's default chat and PM limit in UTF-16 code units.
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

// Request is a validated command turned into one CyTube event, built
// once by cytube's constructors (the frame's argument encoded, the fields
// the session's rules read recorded): proto → validated → frame.
type Request struct {
	Action string
	cytube.Request
	// WantLocked is set for playlist_lock: CyTube only toggles, so the
	// caller sends the event only when the lock differs from this.
	WantLocked *bool
	// First, when set, is sent and answered before the command: unban
	// asks for the ban list, which the session checks it against and
	// finds a name's id in.
	First *cytube.Request
}

type action struct {
	newMsg func() proto.Message
	build  func(action string, m proto.Message, lim Limits) (Request, error)
}

var (
	userName = regexp.MustCompile(`^[\w-]{1,20}$`)
	mediaTyp = regexp.MustCompile(`^[a-z]{2}$`)
)

// actions is every send action, the suffix of rosey.platform.cytube.send.<action>.
var actions = map[string]action{
	"chat": {func() proto.Message { return new(commandsv1.ChatCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		c := m.(*commandsv1.ChatCommand)
		text, err := chatText(lim, a, "message", c.GetMessage())
		if err != nil {
			return Request{}, err
		}
		if c.GetModflair() {
			return send(cytube.ChatFlair(text)), nil
		}
		return send(cytube.Chat(text)), nil
	}},
	"pm": {func() proto.Message { return new(commandsv1.PmCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		c := m.(*commandsv1.PmCommand)
		if err := name(a, "username", c.GetUsername()); err != nil {
			return Request{}, err
		}
		text, err := chatText(lim, a, "message", c.GetMessage())
		if err != nil {
			return Request{}, err
		}
		return send(cytube.PM(c.GetUsername(), text)), nil
	}},
	"media_queue": {func() proto.Message { return new(commandsv1.MediaQueueCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
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
		qm := cytube.QueueMedia{ID: id, Type: md.GetType(), Title: md.Title}
		if md.Duration != nil {
			if d := md.GetDuration(); d < 0 || math.IsNaN(d) || math.IsInf(d, 0) {
				return Request{}, invalid(a, "media.duration", "must be a non-negative number of seconds")
			}
			qm.Duration = md.Duration
		}
		next := c.GetPosition() == commandsv1.MediaPosition_MEDIA_POSITION_NEXT
		return send(cytube.Queue(qm, next, c.GetTemp())), nil
	}},
	"media_delete": {func() proto.Message { return new(commandsv1.MediaDeleteCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		uid := m.(*commandsv1.MediaDeleteCommand).GetUid()
		if uid < 0 {
			return Request{}, invalid(a, "uid", "must be >= 0")
		}
		return send(cytube.Delete(uid)), nil
	}},
	"media_move": {func() proto.Message { return new(commandsv1.MediaMoveCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		c := m.(*commandsv1.MediaMoveCommand)
		if c.GetUid() < 0 {
			return Request{}, invalid(a, "uid", "must be >= 0")
		}
		switch x := c.GetAfter().(type) {
		case *commandsv1.MediaMoveCommand_AfterUid:
			if x.AfterUid < 0 || x.AfterUid == c.GetUid() {
				return Request{}, invalid(a, "after_uid", "must be >= 0 and differ from uid")
			}
			return send(cytube.MoveAfter(c.GetUid(), x.AfterUid)), nil
		case *commandsv1.MediaMoveCommand_Prepend:
			return send(cytube.MoveTo(c.GetUid(), true)), nil
		case *commandsv1.MediaMoveCommand_Append:
			return send(cytube.MoveTo(c.GetUid(), false)), nil
		}
		return Request{}, invalid(a, "after", "set one of after_uid, prepend, append")
	}},
	"media_jump": {func() proto.Message { return new(commandsv1.MediaJumpCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		uid := m.(*commandsv1.MediaJumpCommand).GetUid()
		if uid < 0 {
			return Request{}, invalid(a, "uid", "must be >= 0")
		}
		return send(cytube.Jump(uid)), nil
	}},
	"media_next": {func() proto.Message { return new(commandsv1.MediaNextCommand) }, noArg("playNext")},
	"media_set_temp": {func() proto.Message { return new(commandsv1.MediaSetTempCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		c := m.(*commandsv1.MediaSetTempCommand)
		if c.GetUid() < 0 {
			return Request{}, invalid(a, "uid", "must be >= 0")
		}
		return send(cytube.SetTemp(c.GetUid(), c.GetTemp())), nil
	}},
	"playlist_lock": {func() proto.Message { return new(commandsv1.PlaylistLockCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		locked := m.(*commandsv1.PlaylistLockCommand).GetLocked()
		return Request{Request: cytube.NoArg("togglePlaylistLock"), WantLocked: &locked}, nil
	}},
	"playlist_shuffle": {func() proto.Message { return new(commandsv1.PlaylistShuffleCommand) }, noArg("shufflePlaylist")},
	"playlist_clear":   {func() proto.Message { return new(commandsv1.PlaylistClearCommand) }, noArg("clearPlaylist")},
	"playlist_request": {func() proto.Message { return new(commandsv1.RequestPlaylistCommand) }, noArg("requestPlaylist")},
	"poll_open": {func() proto.Message { return new(commandsv1.PollOpenCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		c := m.(*commandsv1.PollOpenCommand)
		title := strings.TrimSpace(c.GetTitle())
		if title == "" || utf16Len(title) > 255 {
			return Request{}, invalid(a, "title", "must be 1-255 characters")
		}
		if n := len(c.GetOptions()); n < 1 || n > lim.PollOptions {
			return Request{}, invalid(a, "options", "must hold 1-%d options (the server's poll.max-options), got %d", lim.PollOptions, n)
		}
		for i, o := range c.GetOptions() {
			if strings.TrimSpace(o) == "" || utf16Len(o) > 255 {
				return Request{}, invalid(a, fmt.Sprintf("options[%d]", i), "must be 1-255 characters")
			}
		}
		p := cytube.NewPollArgs{Title: title, Options: c.GetOptions(), Obscured: c.GetObscured(), RetainVotes: c.GetRetainVotes()}
		if c.TimeoutSeconds != nil {
			// CyTube refuses a timeout outside [1, 86400] (src/channel/poll.js:176-184).
			if t := c.GetTimeoutSeconds(); t < 1 || t > 86400 || math.IsNaN(t) {
				return Request{}, invalid(a, "timeout_seconds", "must be in [1, 86400] seconds (CyTube's range)")
			}
			p.Timeout = c.TimeoutSeconds
		}
		return send(cytube.NewPoll(p)), nil
	}},
	"poll_vote": {func() proto.Message { return new(commandsv1.PollVoteCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		opt := m.(*commandsv1.PollVoteCommand).GetOption()
		if opt < 0 || opt >= 50 {
			return Request{}, invalid(a, "option", "must be an option index in [0, 50)")
		}
		return send(cytube.Vote(int(opt))), nil
	}},
	"poll_close": {func() proto.Message { return new(commandsv1.PollCloseCommand) }, noArg("closePoll")},
	"voteskip":   {func() proto.Message { return new(commandsv1.VoteskipCommand) }, noArg("voteskip")},
	"leader": {func() proto.Message { return new(commandsv1.LeaderCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		n := m.(*commandsv1.LeaderCommand).GetName()
		if n != "" {
			if err := name(a, "name", n); err != nil {
				return Request{}, err
			}
		}
		return send(cytube.AssignLeader(n)), nil
	}},
	"motd": {func() proto.Message { return new(commandsv1.MotdCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		motd := m.(*commandsv1.MotdCommand).GetMotd()
		// CyTube cuts the MOTD to 20000 UTF-16 units without a word
		// (src/channel/customization.js:150).
		if n := utf16Len(motd); n > 20000 {
			return Request{}, &CommandError{Code: commandsv1.ErrorCode_ERROR_CODE_TOO_LONG, Action: a, Field: "motd", Msg: fmt.Sprintf("is %d characters; CyTube keeps 20000 and would cut the rest silently", n)}
		}
		return send(cytube.SetMotd(motd)), nil
	}},
	"channel_rank": {func() proto.Message { return new(commandsv1.ChannelRankCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		c := m.(*commandsv1.ChannelRankCommand)
		if err := name(a, "username", c.GetUsername()); err != nil {
			return Request{}, err
		}
		if r := c.GetRank(); r < 0 || r > 255 || math.IsNaN(r) {
			return Request{}, invalid(a, "rank", "must be a rank between 0 and 255")
		}
		return send(cytube.SetChannelRank(c.GetUsername(), c.GetRank())), nil
	}},
	"kick": {func() proto.Message { return new(commandsv1.KickCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		c := m.(*commandsv1.KickCommand)
		return chatCommand(lim, a, "/kick", c.GetUsername(), c.GetReason())
	}},
	"ban": {func() proto.Message { return new(commandsv1.BanCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		c := m.(*commandsv1.BanCommand)
		cmd, reason := "/ban", c.GetReason()
		if c.GetRange() != commandsv1.IpRange_IP_RANGE_UNSPECIFIED && !c.GetIp() {
			return Request{}, invalid(a, "range", "widens an IP ban: set ip too")
		}
		if c.GetIp() {
			cmd = "/ipban"
			// CyTube takes a first word "range" or "wrange" as the range
			// flag, which widens the ban (src/channel/kickban.js:251-259).
			if f := strings.Fields(reason); len(f) > 0 && (f[0] == "range" || f[0] == "wrange") {
				return Request{}, invalid(a, "reason", "must not start with %q: CyTube would take it as the IP range flag and ban a whole range (set range instead)", f[0])
			}
			switch c.GetRange() {
			case commandsv1.IpRange_IP_RANGE_RANGE:
				reason = strings.TrimSpace("range " + reason)
			case commandsv1.IpRange_IP_RANGE_WIDE:
				reason = strings.TrimSpace("wrange " + reason)
			}
		}
		return chatCommand(lim, a, cmd, c.GetUsername(), reason)
	}},
	"mute": {func() proto.Message { return new(commandsv1.MuteCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		c := m.(*commandsv1.MuteCommand)
		cmd := "/mute"
		if c.GetShadow() {
			cmd = "/smute"
		}
		return chatCommand(lim, a, cmd, c.GetUsername(), "")
	}},
	"unmute": {func() proto.Message { return new(commandsv1.UnmuteCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		return chatCommand(lim, a, "/unmute", m.(*commandsv1.UnmuteCommand).GetUsername(), "")
	}},
	"clear_chat": {func() proto.Message { return new(commandsv1.ClearChatCommand) }, func(string, proto.Message, Limits) (Request, error) {
		return send(cytube.Chat("/clear")), nil
	}},
	"afk": {func() proto.Message { return new(commandsv1.AfkCommand) }, func(string, proto.Message, Limits) (Request, error) {
		return send(cytube.Chat("/afk")), nil
	}},
	"kick_anons": {func() proto.Message { return new(commandsv1.KickAnonsCommand) }, func(string, proto.Message, Limits) (Request, error) {
		return send(cytube.Chat("/kickanons")), nil
	}},
	"playlist_clean": {func() proto.Message { return new(commandsv1.PlaylistCleanCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		switch t := m.(*commandsv1.PlaylistCleanCommand).GetTarget().(type) {
		case *commandsv1.PlaylistCleanCommand_Username:
			// CyTube matches an unanchored, case-sensitive regular
			// expression against the queuer's name (src/channel/
			// playlist.js:1220-1265): anchored and case-insensitive, the
			// name means only that user.
			if err := name(a, "username", t.Username); err != nil {
				return Request{}, err
			}
			return send(cytube.Chat("/clean -i ^" + t.Username + "$")), nil
		case *commandsv1.PlaylistCleanCommand_Title:
			title := strings.TrimSpace(t.Title)
			if title == "" {
				return Request{}, invalid(a, "title", "must not be blank")
			}
			if _, err := regexp.Compile("(?i)" + title); err != nil {
				return Request{}, invalid(a, "title", "is not a regular expression: %v", err)
			}
			text, err := chatText(lim, a, "title", "/cleantitle -i "+title)
			if err != nil {
				return Request{}, err
			}
			return send(cytube.Chat(text)), nil
		}
		return Request{}, invalid(a, "", "set username or title")
	}},
	"ban_list": {func() proto.Message { return new(commandsv1.BanListCommand) }, noArg("requestBanlist")},
	"unban": {func() proto.Message { return new(commandsv1.UnbanCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		c := m.(*commandsv1.UnbanCommand)
		switch {
		case c.GetId() < 0:
			return Request{}, invalid(a, "id", "must be a ban id (> 0)")
		case c.GetId() == 0 && c.GetUsername() == "":
			return Request{}, invalid(a, "", "set id (from ban_list) or username")
		case c.GetUsername() != "":
			if err := name(a, "username", c.GetUsername()); err != nil {
				return Request{}, err
			}
		}
		banlist := cytube.NoArg("requestBanlist")
		return Request{Request: cytube.Unban(c.GetId(), c.GetUsername()), First: &banlist}, nil
	}},
	"options_set": {func() proto.Message { return new(commandsv1.OptionsSetCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		opts := plainFields(m.(*commandsv1.OptionsSetCommand).GetOptions())
		if len(opts) == 0 {
			return Request{}, invalid(a, "options", "must set at least one option")
		}
		return send(cytube.SetOptions(opts)), nil
	}},
	"permissions_set": {func() proto.Message { return new(commandsv1.PermissionsSetCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		perms := m.(*commandsv1.PermissionsSetCommand).GetPermissions()
		if len(perms) == 0 {
			return Request{}, invalid(a, "permissions", "must name at least one permission")
		}
		for k, v := range perms {
			if v < -1 || v > 255 || math.IsNaN(v) {
				return Request{}, invalid(a, "permissions."+k, "must be a rank between -1 and 255")
			}
		}
		return send(cytube.SetPermissions(perms)), nil
	}},
	"css_set": {func() proto.Message { return new(commandsv1.CssSetCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		css := m.(*commandsv1.CssSetCommand).GetCss()
		if err := maxLen(a, "css", css, maxCustomLength); err != nil {
			return Request{}, err
		}
		return send(cytube.SetCSS(css)), nil
	}},
	"js_set": {func() proto.Message { return new(commandsv1.JsSetCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		js := m.(*commandsv1.JsSetCommand).GetJs()
		if err := maxLen(a, "js", js, maxCustomLength); err != nil {
			return Request{}, err
		}
		return send(cytube.SetJS(js)), nil
	}},
	"emote_set": {func() proto.Message { return new(commandsv1.EmoteSetCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		c := m.(*commandsv1.EmoteSetCommand)
		if err := nonBlank(a, "name", c.GetName()); err != nil {
			return Request{}, err
		}
		if err := nonBlank(a, "image", c.GetImage()); err != nil {
			return Request{}, err
		}
		return send(cytube.UpdateEmote(c.GetName(), c.GetImage())), nil
	}},
	"emote_rename": {func() proto.Message { return new(commandsv1.EmoteRenameCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		c := m.(*commandsv1.EmoteRenameCommand)
		if err := nonBlank(a, "old", c.GetOld()); err != nil {
			return Request{}, err
		}
		if err := nonBlank(a, "name", c.GetName()); err != nil {
			return Request{}, err
		}
		return send(cytube.RenameEmote(c.GetOld(), c.GetName())), nil
	}},
	"emote_remove": {func() proto.Message { return new(commandsv1.EmoteRemoveCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		n := m.(*commandsv1.EmoteRemoveCommand).GetName()
		if err := nonBlank(a, "name", n); err != nil {
			return Request{}, err
		}
		return send(cytube.RemoveEmote(n)), nil
	}},
	"filter_add": {func() proto.Message { return new(commandsv1.FilterCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		f, err := filterOf(a, m.(*commandsv1.FilterCommand))
		if err != nil {
			return Request{}, err
		}
		return send(cytube.AddFilter(f)), nil
	}},
	"filter_update": {func() proto.Message { return new(commandsv1.FilterCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		f, err := filterOf(a, m.(*commandsv1.FilterCommand))
		if err != nil {
			return Request{}, err
		}
		return send(cytube.UpdateFilter(f)), nil
	}},
	"filter_remove": {func() proto.Message { return new(commandsv1.FilterRemoveCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		n := m.(*commandsv1.FilterRemoveCommand).GetName()
		if err := nonBlank(a, "name", n); err != nil {
			return Request{}, err
		}
		return send(cytube.RemoveFilter(n)), nil
	}},
	"filter_list": {func() proto.Message { return new(commandsv1.FilterListCommand) }, noArg("requestChatFilters")},
	"rank_list":   {func() proto.Message { return new(commandsv1.RankListCommand) }, noArg("requestChannelRanks")},
	"channel_log": {func() proto.Message { return new(commandsv1.ChannelLogCommand) }, noArg("readChanLog")},
	"media_seek": {func() proto.Message { return new(commandsv1.MediaSeekCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		c := m.(*commandsv1.MediaSeekCommand)
		if t := c.GetTime(); t < 0 || math.IsNaN(t) || math.IsInf(t, 0) {
			return Request{}, invalid(a, "time", "must be a position >= 0 in seconds")
		}
		// The current media's id and type are filled in by the session
		// when it sends.
		return send(cytube.Seek(c.GetTime(), c.GetPaused())), nil
	}},
	"media_search": {func() proto.Message { return new(commandsv1.MediaSearchCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		c := m.(*commandsv1.MediaSearchCommand)
		src := c.GetSource()
		switch src {
		case "":
			src = "library"
		case "library", "yt":
		default:
			return Request{}, invalid(a, "source", "must be \"library\" or \"yt\", got %q", src)
		}
		return send(cytube.SearchMedia(c.GetQuery(), src)), nil
	}},
	"user_playlists": {func() proto.Message { return new(commandsv1.UserPlaylistsCommand) }, noArg("listPlaylists")},
	"user_playlist_save": {func() proto.Message { return new(commandsv1.UserPlaylistSaveCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		n := m.(*commandsv1.UserPlaylistSaveCommand).GetName()
		if err := nonBlank(a, "name", n); err != nil {
			return Request{}, err
		}
		return send(cytube.ClonePlaylist(n)), nil
	}},
	"user_playlist_queue": {func() proto.Message { return new(commandsv1.UserPlaylistQueueCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		c := m.(*commandsv1.UserPlaylistQueueCommand)
		if err := nonBlank(a, "name", c.GetName()); err != nil {
			return Request{}, err
		}
		next := c.GetPosition() == commandsv1.MediaPosition_MEDIA_POSITION_NEXT
		return send(cytube.QueuePlaylist(c.GetName(), next, c.GetTemp())), nil
	}},
	"user_playlist_delete": {func() proto.Message { return new(commandsv1.UserPlaylistDeleteCommand) }, func(a string, m proto.Message, lim Limits) (Request, error) {
		n := m.(*commandsv1.UserPlaylistDeleteCommand).GetName()
		if err := nonBlank(a, "name", n); err != nil {
			return Request{}, err
		}
		return send(cytube.DeletePlaylist(n)), nil
	}},
}

// maxCustomLength is what CyTube keeps of custom CSS and JS
// (src/channel/customization.js).
const maxCustomLength = 20000

func maxLen(a, field, v string, n int) error {
	if l := utf16Len(v); l > n {
		return &CommandError{Code: commandsv1.ErrorCode_ERROR_CODE_TOO_LONG, Action: a, Field: field, Msg: fmt.Sprintf("is %d characters; CyTube keeps %d", l, n)}
	}
	return nil
}

func nonBlank(a, field, v string) error {
	if strings.TrimSpace(v) == "" {
		return invalid(a, field, "must not be blank")
	}
	return nil
}

// filterOf validates a chat filter.
func filterOf(a string, c *commandsv1.FilterCommand) (cytube.Filter, error) {
	if err := nonBlank(a, "name", c.GetName()); err != nil {
		return cytube.Filter{}, err
	}
	if c.GetSource() == "" {
		return cytube.Filter{}, invalid(a, "source", "must not be empty")
	}
	flags := c.GetFlags()
	if flags == "" {
		flags = "g"
	}
	for _, f := range flags {
		if !strings.ContainsRune("gimsuy", f) {
			return cytube.Filter{}, invalid(a, "flags", "must be regular expression flags from \"gimsuy\", got %q", c.GetFlags())
		}
	}
	return cytube.Filter{Name: c.GetName(), Source: c.GetSource(), Flags: flags, Replace: c.GetReplace(), Active: c.GetActive(), FilterLinks: c.GetFilterlinks()}, nil
}

// plainFields is a message's set fields as plain JSON values under their
// JSON names (CyTube's keys), numbers as numbers: protojson would write
// int64 as strings.
func plainFields(m proto.Message) map[string]any {
	if m == nil {
		return nil
	}
	out := map[string]any{}
	m.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch fd.Kind() {
		case protoreflect.MessageKind:
			out[fd.JSONName()] = plainFields(v.Message().Interface())
		case protoreflect.Int64Kind, protoreflect.Int32Kind, protoreflect.Sint64Kind, protoreflect.Sint32Kind:
			out[fd.JSONName()] = v.Int()
		default:
			out[fd.JSONName()] = v.Interface()
		}
		return true
	})
	return out
}

func noArg(event string) func(string, proto.Message, Limits) (Request, error) {
	return func(string, proto.Message, Limits) (Request, error) { return send(cytube.NoArg(event)), nil }
}

func send(r cytube.Request) Request { return Request{Request: r} }

func name(a, field, v string) error {
	if !userName.MatchString(v) {
		return invalid(a, field, "must be a CyTube user name (1-20 characters from a-z, A-Z, 0-9, - and _), got %q", v)
	}
	return nil
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// chatText applies the chat text rule: trimmed, not blank, at most 320
// UTF-16 code units (CyTube counts in JavaScript string units).
func chatText(lim Limits, a, field, s string) (string, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", invalid(a, field, "must not be empty")
	}
	if n := utf16Len(t); n > lim.ChatLength {
		return "", &CommandError{Code: commandsv1.ErrorCode_ERROR_CODE_TOO_LONG, Action: a, Field: field,
			Msg: fmt.Sprintf("is %d characters; CyTube allows %d and would cut the rest silently", n, lim.ChatLength)}
	}
	return t, nil
}

// chatCommand builds a moderation chat command (/kick NAME reason).
func chatCommand(lim Limits, a, cmd, user, reason string) (Request, error) {
	if err := name(a, "username", user); err != nil {
		return Request{}, err
	}
	msg := cmd + " " + user
	if r := strings.Join(strings.Fields(reason), " "); r != "" {
		msg += " " + r
	}
	if _, err := chatText(lim, a, "reason", msg); err != nil {
		return Request{}, err
	}
	return send(cytube.Chat(msg)), nil
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

// DecodeCommand reads a command body with DecodeBody (also accepting the
// seed's {"text": ...} for chat) and returns the fields it ignored.
func DecodeCommand(action string, body []byte, isJSON bool) (proto.Message, []string, error) {
	a, ok := actions[action]
	if !ok {
		return nil, nil, &CommandError{Code: commandsv1.ErrorCode_ERROR_CODE_UNKNOWN_ACTION, Action: action,
			Msg: "unknown action; known: " + strings.Join(Actions(), ", ")}
	}
	m := a.newMsg()
	if isJSON {
		body = seedJSON(action, body)
	}
	ignored, err := DecodeBody(body, isJSON, m)
	if err != nil {
		return nil, nil, invalid(action, "", "%v", err)
	}
	return m, ignored, nil
}

// DecodeBody is the one decoder of command bodies: protobuf, or protojson
// when isJSON. Its policy for fields this connector does not know is
// forward compatible: they are ignored, so a newer client can talk to an
// older connector, and returned (JSON names, or "#N" for protobuf field
// numbers) so that a refusal can name them: a misspelt field then shows.
func DecodeBody(body []byte, isJSON bool, m proto.Message) (ignored []string, err error) {
	name := m.ProtoReflect().Descriptor().FullName()
	if !isJSON {
		if err := proto.Unmarshal(body, m); err != nil {
			return nil, fmt.Errorf("body is not a valid %s protobuf message: %w", name, err)
		}
		return unknownNumbers(m.ProtoReflect().GetUnknown()), nil
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(body, m); err != nil {
		return nil, fmt.Errorf("body is not a valid %s JSON document: %w", name, err)
	}
	return unknownKeys(body, m.ProtoReflect().Descriptor()), nil
}

// unknownKeys lists the top-level keys of a JSON object that name no
// field of md (by JSON or proto name), sorted.
func unknownKeys(body []byte, md protoreflect.MessageDescriptor) []string {
	known := func(k string) bool {
		return md.Fields().ByJSONName(k) != nil || md.Fields().ByName(protoreflect.Name(k)) != nil
	}
	var out []string
	// One scan of the top-level keys, no values decoded (protojson already
	// accepted the body, so it is valid JSON).
	if jsonscan.Members(body, 0, func(key []byte, _, _ int) bool {
		if k := string(key); !known(k) && !slices.Contains(out, k) {
			out = append(out, k)
		}
		return true
	}) < 0 {
		// A key with an escape: let encoding/json read the keys.
		out = out[:0]
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) != nil {
			return nil
		}
		for k := range obj {
			if !known(k) {
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// unknownNumbers lists the field numbers in a message's unknown bytes.
func unknownNumbers(b []byte) []string {
	var out []string
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			break
		}
		b = b[n:]
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			break
		}
		b = b[m:]
		out = append(out, fmt.Sprintf("#%d", num))
	}
	return out
}

// WithIgnored adds the ignored fields to a refusal's text, so that a
// misspelt field name shows where a required field is missing.
func WithIgnored(err error, ignored []string) error {
	ce, ok := IsCommandError(err)
	if !ok || len(ignored) == 0 {
		return err
	}
	c := *ce
	c.Msg += fmt.Sprintf(" (fields this connector does not know were ignored: %s)", strings.Join(ignored, ", "))
	return &c
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

// BuildRequest validates a decoded command against CyTube's default
// limits and returns the CyTube event.
func BuildRequest(action string, m proto.Message) (Request, error) {
	return BuildRequestWith(DefaultLimits, action, m)
}

// BuildRequestWith is BuildRequest against a server's limits.
func BuildRequestWith(lim Limits, action string, m proto.Message) (Request, error) {
	a, ok := actions[action]
	if !ok {
		return Request{}, &CommandError{Code: commandsv1.ErrorCode_ERROR_CODE_UNKNOWN_ACTION, Action: action, Msg: "unknown action"}
	}
	r, err := a.build(action, m, lim)
	if err != nil {
		return Request{}, err
	}
	r.Action = action
	return r, nil
}

// SendMessageRequest turns the platform-neutral SendMessage into a chat or
// PM request. Routing (platform, channel) is the caller's job.
func SendMessageRequest(lim Limits, m *commandsv1.SendMessage) (Request, error) {
	if m.To != nil {
		return BuildRequestWith(lim, "pm", &commandsv1.PmCommand{Username: m.GetTo(), Message: m.GetText()})
	}
	return BuildRequestWith(lim, "chat", &commandsv1.ChatCommand{Message: m.GetText()})
}

// SetResultData puts what CyTube answered a command with into the result,
// for the commands that return data (ban_list, rank_list, channel_log,
// media_search, user_playlists, options_set, filter_list); msg is the decoded event
// that confirmed the command.
func SetResultData(res *commandsv1.CommandResult, msg proto.Message) {
	switch m := msg.(type) {
	case *cytubev1.Banlist:
		res.Data = &commandsv1.CommandResult_Banlist{Banlist: m}
	case *cytubev1.ChannelRanks:
		res.Data = &commandsv1.CommandResult_ChannelRanks{ChannelRanks: m}
	case *cytubev1.ReadChanLog:
		res.Data = &commandsv1.CommandResult_ChannelLog{ChannelLog: m}
	case *cytubev1.SearchResults:
		res.Data = &commandsv1.CommandResult_SearchResults{SearchResults: m}
	case *cytubev1.ListPlaylists:
		res.Data = &commandsv1.CommandResult_UserPlaylists{UserPlaylists: m}
	case *cytubev1.ChannelOpts:
		res.Data = &commandsv1.CommandResult_ChannelOptions{ChannelOptions: m}
	case *cytubev1.ChatFilters:
		res.Data = &commandsv1.CommandResult_ChatFilters{ChatFilters: m}
	}
}

// IsCommandError reports a *CommandError and returns it.
func IsCommandError(err error) (*CommandError, bool) {
	var ce *CommandError
	ok := errors.As(err, &ce)
	return ce, ok
}
