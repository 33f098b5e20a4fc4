package mapping

// rawSubjects gives every modelled CyTube event its subject suffix under
// rosey.platform.cytube (or rosey.platform.cytube.<channel>). The first
// group is the seed's, kept exactly; the rest are grouped by domain so
// that a subscriber can take, say, every user event with `user.>`.
// docs/subjects.md lists the same table; a test keeps them in step.
var rawSubjects = map[string]string{
	// The seed's subjects.
	"chatMsg":           "chat",
	"addUser":           "user.join",
	"userLeave":         "user.leave",
	"changeMedia":       "media.change",
	"queue":             "media.queue",
	"delete":            "media.queue",
	"playlist":          "playlist.update",
	"setPlaylistLocked": "playlist.update",

	"pm": "pm",

	"userlist":       "user.list",
	"usercount":      "user.count",
	"setUserRank":    "user.rank",
	"setUserMeta":    "user.meta",
	"setAFK":         "user.afk",
	"setLeader":      "user.leader",
	"setUserProfile": "user.profile",

	"mediaUpdate":       "media.update",
	"setCurrent":        "media.current",
	"queueFail":         "media.queue_fail",
	"queueWarn":         "media.queue_warn",
	"voteskip":          "media.voteskip",
	"clearVoteskipVote": "media.voteskip_clear",
	"searchResults":     "media.search_results",

	"moveVideo":       "playlist.move",
	"setTemp":         "playlist.temp",
	"setPlaylistMeta": "playlist.meta",
	"listPlaylists":   "playlist.saved",

	"newPoll":    "poll.open",
	"updatePoll": "poll.update",
	"closePoll":  "poll.close",

	"channelOpts":          "channel.options",
	"setPermissions":       "channel.permissions",
	"setMotd":              "channel.motd",
	"channelCSSJS":         "channel.cssjs",
	"channelNotRegistered": "channel.not_registered",
	"channelRanks":         "channel.ranks",
	"channelRankFail":      "channel.rank_fail",
	"readChanLog":          "channel.log",
	"drinkCount":           "channel.drink_count",
	"clearchat":            "channel.chat_cleared",

	"emoteList":   "emote.list",
	"updateEmote": "emote.update",
	"removeEmote": "emote.remove",
	"renameEmote": "emote.rename",

	"chatFilters":      "filter.list",
	"updateChatFilter": "filter.update",
	"deleteChatFilter": "filter.delete",
	"addFilterSuccess": "filter.added",

	"banlist":       "ban.list",
	"banlistRemove": "ban.remove",

	"rank":               "session.rank",
	"login":              "session.login",
	"kick":               "session.kick",
	"partitionChange":    "session.partition_change",
	"needPassword":       "session.need_password",
	"cancelNeedPassword": "session.cancel_need_password",

	"errorMsg":          "notice.error",
	"cooldown":          "notice.cooldown",
	"noflood":           "notice.noflood",
	"spamFiltered":      "notice.spam_filtered",
	"announcement":      "notice.announcement",
	"validationError":   "notice.validation_error",
	"validationPassed":  "notice.validation_passed",
	"costanza":          "notice.costanza",
	"warnLargeChandump": "notice.large_chandump",
}

// Subjects for what the mapping cannot type.
const (
	// UnknownSubject carries events CyTube sent that we do not model yet,
	// as CyTube's JSON ({"event": name, "args": [...]}).
	UnknownSubject = "unknown"
	// InvalidSubject carries modelled events whose payload did not fit the
	// schema (wrong JSON types, invalid UTF-8...), as CyTube's JSON.
	InvalidSubject = "invalid"
	// GapSubject carries gap events, raw (rosey.platform.cytube.gap) and
	// normalized (rosey.events.gap): an interval in which the connector
	// was not in the channel (internal/service/gaps.go).
	GapSubject = "gap"
)

// RawSubject returns the subject suffix of a CyTube event, and false for
// events we do not model.
func RawSubject(event string) (string, bool) {
	s, ok := rawSubjects[event]
	return s, ok
}

// Events lists every modelled CyTube event name.
func Events() []string {
	out := make([]string, 0, len(rawSubjects))
	for k := range rawSubjects {
		out = append(out, k)
	}
	return out
}
