package cytube

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// User is one entry of the channel's user list.
type User struct {
	Name    string
	Rank    float64
	AFK     bool
	Muted   bool
	Smuted  bool
	Image   string
	Text    string
	Aliases []string
	IP      string
}

// Media is a playlist item's media object.
type Media struct {
	ID       string
	Title    string
	Seconds  float64
	Duration string
	Type     string
	Meta     *structpb.Struct
}

// PlaylistItem is one entry of the playlist.
type PlaylistItem struct {
	UID     int64
	Temp    bool
	QueueBy string
	Media   Media
}

// Poll is the open poll. Counts are kept as CyTube sent them: numbers, or
// "?" strings for an obscured poll seen by a user who may not see results.
type Poll struct {
	Title     string
	Options   []string
	Counts    []*cytubev1.PollCount
	Initiator string
	Timestamp int64
}

// NowPlaying is the current media and the last known playback position.
type NowPlaying struct {
	Media       Media
	CurrentTime float64
	Paused      bool
	// UpdatedAt is when CurrentTime was reported (changeMedia/mediaUpdate).
	UpdatedAt time.Time
}

// Position estimates the playback position at t from the last report.
func (n NowPlaying) Position(t time.Time) float64 {
	if n.Paused || n.UpdatedAt.IsZero() {
		return n.CurrentTime
	}
	return n.CurrentTime + t.Sub(n.UpdatedAt).Seconds()
}

// Snapshot is a copy of the channel state a Session keeps from the join
// burst and the events after it. It is rebuilt from scratch on every
// connection, so it is correct after a reconnect.
type Snapshot struct {
	Channel     string
	Joined      bool
	OwnName     string
	OwnRank     float64
	Guest       bool
	Users       []User
	UserCount   int
	Leader      string
	Playlist    []PlaylistItem
	CurrentUID  int64
	HasCurrent  bool
	Locked      bool
	PlaylistLen int
	RawTime     float64
	NowPlaying  *NowPlaying
	Poll        *Poll
	Options     json.RawMessage
	Permissions map[string]float64
	Motd        string
	DrinkCount  int
	Emotes      int
}

// channelState is the live model. It is owned by the session's read loop;
// Session guards it with its mutex for snapshots and permission checks.
type channelState struct {
	Snapshot
	antiflood bool
	// antifloodLimit is chat_antiflood_params as CyTube passes it to the
	// chat limiter (src/channel/opts.js:288-317).
	antifloodLimit rateLimit
	// ownVote is the poll option this connection's vote counts for, -1
	// before one (CyTube ignores a second vote for it, pv-5); reset by a
	// new poll. votedSkip is set once a voteskip of this connection was
	// sent, until the media changes (vs-3).
	ownVote   int
	votedSkip bool
	// opts is the last channelOpts; Options holds the same as CyTube's JSON.
	opts *cytubev1.ChannelOpts
	// bans is the last banlist, less the bans removed since; bansKnown is
	// set once one arrived.
	bans      []*cytubev1.BanEntry
	bansKnown bool
	// emotes is the emote list (emoteList, then its updates); filters the
	// chat filters once a chatFilters arrived (filtersKnown), then their
	// updates; playlists the account's saved playlists once listPlaylists
	// arrived (playlistsKnown).
	emotes         []*cytubev1.Emote
	filters        []*cytubev1.ChatFilter
	filtersKnown   bool
	playlists      []*cytubev1.UserPlaylist
	playlistsKnown bool
	// css and js are the channel's custom CSS and JavaScript (channelCSSJS).
	css, js string
	// unregistered is set by channelNotRegistered.
	unregistered bool
}

func newChannelState(channel string) *channelState {
	return &channelState{Snapshot: Snapshot{Channel: channel, OwnRank: -1}, ownVote: -1}
}

func userFrom(name string, rank float64, p *cytubev1.UserProfile, m *cytubev1.UserMeta) User {
	return User{Name: name, Rank: rank, Image: p.GetImage(), Text: p.GetText(),
		AFK: m.GetAfk(), Muted: m.GetMuted(), Smuted: m.GetSmuted(), Aliases: m.GetAliases(), IP: m.GetIp()}
}

func mediaFrom(m *cytubev1.Media) Media {
	return Media{ID: m.GetId(), Title: m.GetTitle(), Seconds: m.GetSeconds(), Duration: m.GetDuration(), Type: m.GetType(), Meta: m.GetMeta()}
}

func itemFrom(it *cytubev1.PlaylistItem) PlaylistItem {
	return PlaylistItem{UID: it.GetUid(), Temp: it.GetTemp(), QueueBy: it.GetQueueby(), Media: mediaFrom(it.GetMedia())}
}

// after is where CyTube puts an item: after a uid, or "prepend" (and
// "append" for moveMedia requests).
type after struct {
	UID     int64
	Prepend bool
	Append  bool
}

func (c *channelState) userIndex(name string) int {
	for i, u := range c.Users {
		if strings.EqualFold(u.Name, name) {
			return i
		}
	}
	return -1
}

func (c *channelState) itemIndex(uid int64) int {
	for i, it := range c.Playlist {
		if it.UID == uid {
			return i
		}
	}
	return -1
}

// insertAfter places it after uid, at the front for prepend, at the end
// for append or an unknown uid.
func (c *channelState) insertAfter(it PlaylistItem, a after) {
	switch {
	case a.Prepend:
		c.Playlist = slices.Insert(c.Playlist, 0, it)
	case a.Append:
		c.Playlist = append(c.Playlist, it)
	default:
		if i := c.itemIndex(a.UID); i >= 0 {
			c.Playlist = slices.Insert(c.Playlist, i+1, it)
		} else {
			c.Playlist = append(c.Playlist, it)
		}
	}
}

// apply updates the model from one decoded event (raw.Decode's message;
// arg is its JSON, kept verbatim only as the channel options). The
// decoder has already refused a payload of the wrong shape, which leaves
// the model unchanged.
func (c *channelState) apply(msg proto.Message, arg json.RawMessage, now time.Time) {
	switch m := msg.(type) {
	case *cytubev1.Rank:
		c.OwnRank = m.GetValue()
	case *cytubev1.Login:
		if m.GetSuccess() {
			c.OwnName, c.Guest = m.GetName(), m.GetGuest()
		}
	case *cytubev1.SetPermissions:
		c.Permissions = m.GetPermissions()
	case *cytubev1.SetPlaylistLocked:
		c.Locked = m.GetValue()
	case *cytubev1.EmoteList:
		c.emotes = m.GetItems()
		c.Emotes = len(c.emotes)
	case *cytubev1.UpdateEmote:
		e := &cytubev1.Emote{Name: m.GetName(), Image: m.GetImage(), Source: m.GetSource()}
		if i := emoteIndex(c.emotes, m.GetName()); i >= 0 {
			c.emotes = slices.Clone(c.emotes)
			c.emotes[i] = e
		} else {
			c.emotes = append(slices.Clip(c.emotes), e)
		}
		c.Emotes = len(c.emotes)
	case *cytubev1.RenameEmote:
		if i := emoteIndex(c.emotes, m.GetOld()); i >= 0 {
			c.emotes = slices.Clone(c.emotes)
			c.emotes[i] = &cytubev1.Emote{Name: m.GetName(), Image: m.GetImage(), Source: m.GetSource()}
		}
	case *cytubev1.RemoveEmote:
		c.emotes = slices.DeleteFunc(slices.Clone(c.emotes), func(e *cytubev1.Emote) bool { return e.GetName() == m.GetName() })
		c.Emotes = len(c.emotes)
	case *cytubev1.ChatFilters:
		c.filters, c.filtersKnown = m.GetItems(), true
	case *cytubev1.UpdateChatFilter:
		f := &cytubev1.ChatFilter{Name: m.GetName(), Source: m.GetSource(), Flags: m.GetFlags(), Replace: m.GetReplace(), Active: m.GetActive(), Filterlinks: m.GetFilterlinks()}
		if i := slices.IndexFunc(c.filters, func(x *cytubev1.ChatFilter) bool { return x.GetName() == f.GetName() }); i >= 0 {
			c.filters = slices.Clone(c.filters)
			c.filters[i] = f
		} else {
			c.filters = append(slices.Clip(c.filters), f)
		}
	case *cytubev1.DeleteChatFilter:
		c.filters = slices.DeleteFunc(slices.Clone(c.filters), func(f *cytubev1.ChatFilter) bool { return f.GetName() == m.GetName() })
	case *cytubev1.ListPlaylists:
		c.playlists, c.playlistsKnown = m.GetItems(), true
	case *cytubev1.ChannelCSSJS:
		c.css, c.js = m.GetCss(), m.GetJs()
	case *cytubev1.ChannelNotRegistered:
		c.unregistered = true
	case *cytubev1.DrinkCount:
		c.DrinkCount = int(m.GetValue())
	case *cytubev1.SetMotd:
		c.Motd = m.GetValue()
	case *cytubev1.ChannelOpts:
		// CyTube sends the options whole (src/channel/opts.js:92-101).
		c.Options, c.opts = slices.Clone(arg), m
		c.antiflood = m.GetChatAntiflood()
		if p := m.GetChatAntifloodParams(); p != nil && p.GetSustained() > 0 {
			c.antifloodLimit = newRateLimit(p.GetBurst(), p.GetSustained())
			if p.GetCooldown() >= 0 {
				c.antifloodLimit.cooldown = p.GetCooldown()
			}
		}
	case *cytubev1.SetPlaylistMeta:
		c.PlaylistLen, c.RawTime = int(m.GetCount()), m.GetRawTime()
	case *cytubev1.Playlist:
		c.Playlist = c.Playlist[:0]
		for _, it := range m.GetItems() {
			c.Playlist = append(c.Playlist, itemFrom(it))
		}
		// clearPlaylist sends an empty playlist and no setCurrent; shuffle
		// renumbers every item and sends setCurrent after it
		// (src/channel/playlist.js:722-784). Either way a current uid that
		// is not in the new list is gone.
		if c.HasCurrent && c.itemIndex(c.CurrentUID) < 0 {
			c.clearCurrent()
		}
	case *cytubev1.Queue:
		c.insertAfter(itemFrom(m.GetItem()), after{UID: m.GetAfterUid(), Prepend: m.GetPrepend()})
	case *cytubev1.Delete:
		uid := m.GetUid()
		if i := c.itemIndex(uid); i >= 0 {
			c.Playlist = slices.Delete(c.Playlist, i, i+1)
		}
		// Deleting the current and only item leaves nothing playing and no
		// setCurrent follows (del-6, nx-5 of docs/command-outcomes.md).
		if c.HasCurrent && uid == c.CurrentUID && len(c.Playlist) == 0 {
			c.clearCurrent()
		}
	case *cytubev1.MoveVideo:
		if i := c.itemIndex(m.GetFrom()); i >= 0 {
			it := c.Playlist[i]
			c.Playlist = slices.Delete(c.Playlist, i, i+1)
			c.insertAfter(it, after{UID: m.GetAfterUid(), Prepend: m.GetPrepend(), Append: m.GetAppend()})
		}
	case *cytubev1.SetTemp:
		if i := c.itemIndex(m.GetUid()); i >= 0 {
			c.Playlist[i].Temp = m.GetTemp()
		}
	case *cytubev1.SetCurrent:
		c.CurrentUID, c.HasCurrent = m.GetValue(), true
	case *cytubev1.ClearVoteskipVote:
		c.votedSkip = false // withdrawn when we went AFK (src/user.js:226-231)
	case *cytubev1.ChangeMedia:
		c.votedSkip = false // CyTube resets the votes on every media change
		c.NowPlaying = &NowPlaying{
			Media:       Media{ID: m.GetId(), Title: m.GetTitle(), Seconds: m.GetSeconds(), Duration: m.GetDuration(), Type: m.GetType(), Meta: m.GetMeta()},
			CurrentTime: m.GetCurrentTime(), Paused: m.GetPaused(), UpdatedAt: now,
		}
	case *cytubev1.MediaUpdate:
		if c.NowPlaying != nil {
			c.NowPlaying.CurrentTime, c.NowPlaying.Paused, c.NowPlaying.UpdatedAt = m.GetCurrentTime(), m.GetPaused(), now
		}
	case *cytubev1.Userlist:
		c.Users = c.Users[:0]
		for _, u := range m.GetItems() {
			c.Users = append(c.Users, userFrom(u.GetName(), u.GetRank(), u.GetProfile(), u.GetMeta()))
		}
	case *cytubev1.AddUser:
		u := userFrom(m.GetName(), m.GetRank(), m.GetProfile(), m.GetMeta())
		if i := c.userIndex(u.Name); i >= 0 {
			c.Users[i] = u
		} else {
			c.Users = append(c.Users, u)
		}
	case *cytubev1.UserLeave:
		if i := c.userIndex(m.GetName()); i >= 0 {
			c.Users = slices.Delete(c.Users, i, i+1)
		}
	case *cytubev1.Usercount:
		c.UserCount = int(m.GetValue())
	case *cytubev1.SetUserRank:
		if i := c.userIndex(m.GetName()); i >= 0 {
			c.Users[i].Rank = m.GetRank()
		}
	case *cytubev1.SetUserMeta:
		// CyTube sends the whole meta (src/channel/channel.js:556-579).
		if i := c.userIndex(m.GetName()); i >= 0 {
			u := &c.Users[i]
			meta := m.GetMeta()
			u.AFK, u.Muted, u.Smuted = meta.GetAfk(), meta.GetMuted(), meta.GetSmuted()
			if meta.GetAliases() != nil {
				u.Aliases = meta.GetAliases()
			}
			if meta.GetIp() != "" {
				u.IP = meta.GetIp()
			}
		}
	case *cytubev1.SetAFK:
		if i := c.userIndex(m.GetName()); i >= 0 {
			c.Users[i].AFK = m.GetAfk()
		}
	case *cytubev1.SetUserProfile:
		if i := c.userIndex(m.GetName()); i >= 0 {
			c.Users[i].Image, c.Users[i].Text = m.GetProfile().GetImage(), m.GetProfile().GetText()
		}
	case *cytubev1.SetLeader:
		c.Leader = m.GetValue()
	case *cytubev1.NewPoll:
		c.ownVote = -1
		c.Poll = &Poll{Title: m.GetTitle(), Options: m.GetOptions(), Counts: m.GetCounts(), Initiator: m.GetInitiator(), Timestamp: m.GetTimestamp()}
	case *cytubev1.UpdatePoll:
		c.Poll = &Poll{Title: m.GetTitle(), Options: m.GetOptions(), Counts: m.GetCounts(), Initiator: m.GetInitiator(), Timestamp: m.GetTimestamp()}
	case *cytubev1.ClosePoll:
		c.ownVote = -1
		c.Poll = nil
	case *cytubev1.Banlist:
		c.bans, c.bansKnown = m.GetItems(), true
	case *cytubev1.BanlistRemove:
		c.bans = slices.DeleteFunc(slices.Clone(c.bans), func(b *cytubev1.BanEntry) bool { return b.GetId() == m.GetId() })
	}
}

// emoteIndex finds an emote by its exact name (CyTube compares names with
// ===, src/channel/emotes.js:23-31).
func emoteIndex(emotes []*cytubev1.Emote, name string) int {
	return slices.IndexFunc(emotes, func(e *cytubev1.Emote) bool { return e.GetName() == name })
}

// clearCurrent records that nothing is current or playing.
func (c *channelState) clearCurrent() {
	c.HasCurrent, c.CurrentUID, c.NowPlaying = false, 0, nil
}

// snapshot returns a deep enough copy for readers outside the session.
func (c *channelState) snapshot() Snapshot {
	s := c.Snapshot
	s.Users = slices.Clone(c.Users)
	s.Playlist = slices.Clone(c.Playlist)
	if c.NowPlaying != nil {
		np := *c.NowPlaying
		s.NowPlaying = &np
	}
	if c.Poll != nil {
		p := *c.Poll
		s.Poll = &p
	}
	if c.Permissions != nil {
		s.Permissions = make(map[string]float64, len(c.Permissions))
		for k, v := range c.Permissions {
			s.Permissions[k] = v
		}
	}
	return s
}

// perm returns the minimum rank for a permission, and whether it is known.
func (c *channelState) perm(key string) (float64, bool) {
	v, ok := c.Permissions[key]
	return v, ok
}
