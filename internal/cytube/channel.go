package cytube

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
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
	Meta     json.RawMessage
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
	Counts    []json.RawMessage
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
	antiflood      bool
	antifloodBurst float64
	antifloodRate  float64
}

func newChannelState(channel string) *channelState {
	return &channelState{Snapshot: Snapshot{Channel: channel, OwnRank: -1}}
}

type wireUser struct {
	Name    string  `json:"name"`
	Rank    float64 `json:"rank"`
	Profile struct {
		Image string `json:"image"`
		Text  string `json:"text"`
	} `json:"profile"`
	Meta wireUserMeta `json:"meta"`
}

type wireUserMeta struct {
	AFK     *bool    `json:"afk"`
	Muted   *bool    `json:"muted"`
	Smuted  *bool    `json:"smuted"`
	Aliases []string `json:"aliases"`
	IP      string   `json:"ip"`
}

func (w wireUser) user() User {
	u := User{Name: w.Name, Rank: w.Rank, Image: w.Profile.Image, Text: w.Profile.Text, Aliases: w.Meta.Aliases, IP: w.Meta.IP}
	w.Meta.apply(&u)
	return u
}

func (m wireUserMeta) apply(u *User) {
	if m.AFK != nil {
		u.AFK = *m.AFK
	}
	if m.Muted != nil {
		u.Muted = *m.Muted
	}
	if m.Smuted != nil {
		u.Smuted = *m.Smuted
	}
	if m.Aliases != nil {
		u.Aliases = m.Aliases
	}
	if m.IP != "" {
		u.IP = m.IP
	}
}

type wireMedia struct {
	ID       string          `json:"id"`
	Title    string          `json:"title"`
	Seconds  float64         `json:"seconds"`
	Duration string          `json:"duration"`
	Type     string          `json:"type"`
	Meta     json.RawMessage `json:"meta"`
}

func (w wireMedia) media() Media {
	return Media(w)
}

type wireItem struct {
	Media   wireMedia `json:"media"`
	UID     int64     `json:"uid"`
	Temp    bool      `json:"temp"`
	QueueBy string    `json:"queueby"`
}

func (w wireItem) item() PlaylistItem {
	return PlaylistItem{UID: w.UID, Temp: w.Temp, QueueBy: w.QueueBy, Media: w.Media.media()}
}

// after decodes CyTube's `after`: a uid, or "prepend" (and "append" for
// moveMedia requests).
type after struct {
	UID     int64
	Prepend bool
	Append  bool
}

func (a *after) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		a.Prepend = s == "prepend"
		a.Append = s == "append"
		return nil
	}
	return json.Unmarshal(b, &a.UID)
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

// apply updates the model from one event. It reports whether the payload
// decoded; a payload of the wrong shape leaves the model unchanged.
func (c *channelState) apply(name string, arg json.RawMessage, now time.Time) bool {
	switch name {
	case "rank":
		return decodeInto(arg, &c.OwnRank)
	case "login":
		var v struct {
			Success bool   `json:"success"`
			Name    string `json:"name"`
			Guest   bool   `json:"guest"`
		}
		if !decodeInto(arg, &v) {
			return false
		}
		if v.Success {
			c.OwnName, c.Guest = v.Name, v.Guest
		}
	case "setPermissions":
		var m map[string]float64
		if !decodeInto(arg, &m) {
			return false
		}
		c.Permissions = m
	case "setPlaylistLocked":
		return decodeInto(arg, &c.Locked)
	case "emoteList":
		var v []json.RawMessage
		if !decodeInto(arg, &v) {
			return false
		}
		c.Emotes = len(v)
	case "drinkCount":
		return decodeInto(arg, &c.DrinkCount)
	case "setMotd":
		return decodeInto(arg, &c.Motd)
	case "channelOpts":
		var o struct {
			Antiflood *bool `json:"chat_antiflood"`
			Params    *struct {
				Burst     float64 `json:"burst"`
				Sustained float64 `json:"sustained"`
			} `json:"chat_antiflood_params"`
		}
		if !decodeInto(arg, &o) {
			return false
		}
		c.Options = mergeJSON(c.Options, arg)
		if o.Antiflood != nil {
			c.antiflood = *o.Antiflood
		}
		if o.Params != nil {
			c.antifloodBurst, c.antifloodRate = o.Params.Burst, o.Params.Sustained
		}
	case "setPlaylistMeta":
		var v struct {
			Count   int     `json:"count"`
			RawTime float64 `json:"rawTime"`
		}
		if !decodeInto(arg, &v) {
			return false
		}
		c.PlaylistLen, c.RawTime = v.Count, v.RawTime
	case "playlist":
		var v []wireItem
		if !decodeInto(arg, &v) {
			return false
		}
		c.Playlist = c.Playlist[:0]
		for _, w := range v {
			c.Playlist = append(c.Playlist, w.item())
		}
	case "queue":
		var v struct {
			Item  wireItem `json:"item"`
			After after    `json:"after"`
		}
		if !decodeInto(arg, &v) {
			return false
		}
		c.insertAfter(v.Item.item(), v.After)
	case "delete":
		var v struct {
			UID int64 `json:"uid"`
		}
		if !decodeInto(arg, &v) {
			return false
		}
		if i := c.itemIndex(v.UID); i >= 0 {
			c.Playlist = slices.Delete(c.Playlist, i, i+1)
		}
	case "moveVideo":
		var v struct {
			From  int64 `json:"from"`
			After after `json:"after"`
		}
		if !decodeInto(arg, &v) {
			return false
		}
		if i := c.itemIndex(v.From); i >= 0 {
			it := c.Playlist[i]
			c.Playlist = slices.Delete(c.Playlist, i, i+1)
			c.insertAfter(it, v.After)
		}
	case "setTemp":
		var v struct {
			UID  int64 `json:"uid"`
			Temp bool  `json:"temp"`
		}
		if !decodeInto(arg, &v) {
			return false
		}
		if i := c.itemIndex(v.UID); i >= 0 {
			c.Playlist[i].Temp = v.Temp
		}
	case "setCurrent":
		if !decodeInto(arg, &c.CurrentUID) {
			return false
		}
		c.HasCurrent = true
	case "changeMedia":
		var v struct {
			wireMedia
			CurrentTime float64 `json:"currentTime"`
			Paused      bool    `json:"paused"`
		}
		if !decodeInto(arg, &v) {
			return false
		}
		c.NowPlaying = &NowPlaying{Media: v.wireMedia.media(), CurrentTime: v.CurrentTime, Paused: v.Paused, UpdatedAt: now}
	case "mediaUpdate":
		var v struct {
			CurrentTime float64 `json:"currentTime"`
			Paused      bool    `json:"paused"`
		}
		if !decodeInto(arg, &v) {
			return false
		}
		if c.NowPlaying != nil {
			c.NowPlaying.CurrentTime, c.NowPlaying.Paused, c.NowPlaying.UpdatedAt = v.CurrentTime, v.Paused, now
		}
	case "userlist":
		var v []wireUser
		if !decodeInto(arg, &v) {
			return false
		}
		c.Users = c.Users[:0]
		for _, w := range v {
			c.Users = append(c.Users, w.user())
		}
	case "addUser":
		var w wireUser
		if !decodeInto(arg, &w) {
			return false
		}
		if i := c.userIndex(w.Name); i >= 0 {
			c.Users[i] = w.user()
		} else {
			c.Users = append(c.Users, w.user())
		}
	case "userLeave":
		var v struct {
			Name string `json:"name"`
		}
		if !decodeInto(arg, &v) {
			return false
		}
		if i := c.userIndex(v.Name); i >= 0 {
			c.Users = slices.Delete(c.Users, i, i+1)
		}
	case "usercount":
		return decodeInto(arg, &c.UserCount)
	case "setUserRank":
		var v struct {
			Name string  `json:"name"`
			Rank float64 `json:"rank"`
		}
		if !decodeInto(arg, &v) {
			return false
		}
		if i := c.userIndex(v.Name); i >= 0 {
			c.Users[i].Rank = v.Rank
		}
	case "setUserMeta":
		var v struct {
			Name string       `json:"name"`
			Meta wireUserMeta `json:"meta"`
		}
		if !decodeInto(arg, &v) {
			return false
		}
		if i := c.userIndex(v.Name); i >= 0 {
			v.Meta.apply(&c.Users[i])
		}
	case "setAFK":
		var v struct {
			Name string `json:"name"`
			AFK  bool   `json:"afk"`
		}
		if !decodeInto(arg, &v) {
			return false
		}
		if i := c.userIndex(v.Name); i >= 0 {
			c.Users[i].AFK = v.AFK
		}
	case "setUserProfile":
		var v struct {
			Name    string `json:"name"`
			Profile struct {
				Image string `json:"image"`
				Text  string `json:"text"`
			} `json:"profile"`
		}
		if !decodeInto(arg, &v) {
			return false
		}
		if i := c.userIndex(v.Name); i >= 0 {
			c.Users[i].Image, c.Users[i].Text = v.Profile.Image, v.Profile.Text
		}
	case "setLeader":
		return decodeInto(arg, &c.Leader)
	case "newPoll", "updatePoll":
		var v struct {
			Title     string            `json:"title"`
			Options   []string          `json:"options"`
			Counts    []json.RawMessage `json:"counts"`
			Initiator string            `json:"initiator"`
			Timestamp int64             `json:"timestamp"`
		}
		if !decodeInto(arg, &v) {
			return false
		}
		c.Poll = &Poll{Title: v.Title, Options: v.Options, Counts: v.Counts, Initiator: v.Initiator, Timestamp: v.Timestamp}
	case "closePoll":
		c.Poll = nil
	}
	return true
}

// decodeInto unmarshals arg into v and reports success. A missing or null
// argument fails for value targets, so the model never takes a zero value
// CyTube did not send.
func decodeInto(arg json.RawMessage, v any) bool {
	if len(arg) == 0 || string(arg) == "null" {
		return false
	}
	return json.Unmarshal(arg, v) == nil
}

// mergeJSON overlays the keys of patch onto base (both JSON objects).
// channelOpts is sent whole on join but may be sent partially later.
func mergeJSON(base, patch json.RawMessage) json.RawMessage {
	if len(base) == 0 {
		return slices.Clone(patch)
	}
	var b, p map[string]json.RawMessage
	if json.Unmarshal(base, &b) != nil || json.Unmarshal(patch, &p) != nil {
		return slices.Clone(patch)
	}
	for k, v := range p {
		b[k] = v
	}
	out, err := json.Marshal(b)
	if err != nil {
		return slices.Clone(patch)
	}
	return out
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
