package cytube

import (
	"encoding/json"
)

// The commands the connector sends, built once: each constructor encodes
// CyTube's argument (the frame's JSON, keys in the order encoding/json
// gives a map, as CyTube's handlers read them) and records the fields the
// session's rules need (cmdArgs), so nothing is decoded again on the way
// out. A Request built by hand (Event and Arg) takes the generic path:
// Arg is encoded, then read back once for the same fields.

// cmdArgs are the fields of a command's argument that specFor reads.
type cmdArgs struct {
	msg, to      string // chatMsg, pm
	id, typ, pos string // queue
	uid          int64  // delete, jumpTo, setTemp; moveMedia's from
	after        string // moveMedia: "prepend", "append", "" for afterUID, or what was sent
	afterUID     int64
	afterOK      bool   // after decoded as a uid or a string
	name         string // assignLeader, setChannelRank, emotes, filters, user playlists, unban
	old          string // renameEmote
	option       int
	rank         float64
	banID        int64              // unban
	time         float64            // mediaUpdate
	paused       bool               // mediaUpdate
	seek         bool               // mediaUpdate for the current media, bound at send
	modflair     bool               // chatMsg with meta.modflair, bound at send
	query        string             // searchMedia
	image        string             // updateEmote
	text         string             // setChannelCSS, setChannelJS
	opts         map[string]any     // setOptions
	perms        map[string]float64 // setPermissions
}

// argsOf reads cmdArgs from an argument built by hand.
func argsOf(event string, raw json.RawMessage) cmdArgs {
	var a cmdArgs
	switch event {
	case "delete", "jumpTo":
		_ = json.Unmarshal(raw, &a.uid)
		return a
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return a
	}
	str := func(k string) string {
		var s string
		_ = json.Unmarshal(m[k], &s)
		return s
	}
	a.msg, a.to, a.id, a.typ, a.pos, a.name = str("msg"), str("to"), str("id"), str("type"), str("pos"), str("name")
	a.old, a.image, a.query = str("old"), str("image"), str("query")
	switch event {
	case "setOptions":
		_ = json.Unmarshal(raw, &a.opts)
	case "setPermissions":
		_ = json.Unmarshal(raw, &a.perms)
	case "setChannelCSS":
		a.text = str("css")
	case "setChannelJS":
		a.text = str("js")
	case "searchMedia":
		a.typ = str("source")
	case "unban":
		_ = json.Unmarshal(m["id"], &a.banID)
	case "moveMedia":
		_ = json.Unmarshal(m["from"], &a.uid)
		if json.Unmarshal(m["after"], &a.after) == nil {
			a.afterOK = true
		} else if json.Unmarshal(m["after"], &a.afterUID) == nil {
			a.after, a.afterOK = "", true
		}
	case "setTemp":
		_ = json.Unmarshal(m["uid"], &a.uid)
	}
	_ = json.Unmarshal(m["option"], &a.option)
	_ = json.Unmarshal(m["rank"], &a.rank)
	return a
}

// typed builds a Request from its argument value and fields.
func typed(event string, arg any, a cmdArgs) Request {
	r := Request{Event: event, args: &a}
	if arg != nil {
		// Only strings, numbers and bools go in; a NaN or infinite number
		// fails, and Send refuses the request with this error.
		r.raw, r.encodeErr = json.Marshal(arg)
	}
	return r
}

// emptyMeta is the `meta: {}` of chat lines and PMs.
type emptyMeta struct{}

// Chat is chatMsg {msg, meta:{}}: a chat line, or one of CyTube's chat
// commands (/me, /kick NAME...).
func Chat(msg string) Request {
	return typed("chatMsg", struct {
		Meta emptyMeta `json:"meta"`
		Msg  string    `json:"msg"`
	}{Msg: msg}, cmdArgs{msg: msg})
}

// PM is pm {to, msg, meta:{}}.
func PM(to, msg string) Request {
	return typed("pm", struct {
		Meta emptyMeta `json:"meta"`
		Msg  string    `json:"msg"`
		To   string    `json:"to"`
	}{Msg: msg, To: to}, cmdArgs{msg: msg, to: to})
}

// QueueMedia is what Queue adds.
type QueueMedia struct {
	ID, Type string
	// Title is sent for custom embeds and raw files; nil sends none.
	Title *string
	// Duration in seconds, for media CyTube cannot look up; nil sends none.
	Duration *float64
}

// Queue is queue {id, type, pos:"next"|"end", temp, title?, duration?}.
func Queue(m QueueMedia, next, temp bool) Request {
	pos := "end"
	if next {
		pos = "next"
	}
	return typed("queue", struct {
		Duration *float64 `json:"duration,omitempty"`
		ID       string   `json:"id"`
		Pos      string   `json:"pos"`
		Temp     bool     `json:"temp"`
		Title    *string  `json:"title,omitempty"`
		Type     string   `json:"type"`
	}{m.Duration, m.ID, pos, temp, m.Title, m.Type}, cmdArgs{id: m.ID, typ: m.Type, pos: pos})
}

// Delete is delete <uid>.
func Delete(uid int64) Request {
	return typed("delete", uid, cmdArgs{uid: uid})
}

// Jump is jumpTo <uid>.
func Jump(uid int64) Request {
	return typed("jumpTo", uid, cmdArgs{uid: uid})
}

// MoveAfter is moveMedia {from, after: <uid>}.
func MoveAfter(uid, after int64) Request {
	return typed("moveMedia", struct {
		After int64 `json:"after"`
		From  int64 `json:"from"`
	}{after, uid}, cmdArgs{uid: uid, afterUID: after, afterOK: true})
}

// MoveTo is moveMedia {from, after: "prepend"|"append"}.
func MoveTo(uid int64, prepend bool) Request {
	after := "append"
	if prepend {
		after = "prepend"
	}
	return typed("moveMedia", struct {
		After string `json:"after"`
		From  int64  `json:"from"`
	}{after, uid}, cmdArgs{uid: uid, after: after, afterOK: true})
}

// SetTemp is setTemp {uid, temp}.
func SetTemp(uid int64, temp bool) Request {
	return typed("setTemp", struct {
		Temp bool  `json:"temp"`
		UID  int64 `json:"uid"`
	}{temp, uid}, cmdArgs{uid: uid})
}

// NewPollArgs is what NewPoll opens.
type NewPollArgs struct {
	Title    string
	Options  []string
	Obscured bool
	// Timeout in seconds; nil for none.
	Timeout     *float64
	RetainVotes bool
}

// NewPoll is newPoll {title, opts, obscured, timeout?, retainVotes?}.
func NewPoll(p NewPollArgs) Request {
	return typed("newPoll", struct {
		Obscured    bool     `json:"obscured"`
		Opts        []string `json:"opts"`
		RetainVotes bool     `json:"retainVotes,omitempty"`
		Timeout     *float64 `json:"timeout,omitempty"`
		Title       string   `json:"title"`
	}{p.Obscured, p.Options, p.RetainVotes, p.Timeout, p.Title}, cmdArgs{})
}

// Vote is vote {option}.
func Vote(option int) Request {
	return typed("vote", struct {
		Option int `json:"option"`
	}{option}, cmdArgs{option: option})
}

// AssignLeader is assignLeader {name}; "" gives the leader back to the
// server.
func AssignLeader(name string) Request {
	return typed("assignLeader", struct {
		Name string `json:"name"`
	}{name}, cmdArgs{name: name})
}

// SetMotd is setMotd {motd}.
func SetMotd(motd string) Request {
	return typed("setMotd", struct {
		Motd string `json:"motd"`
	}{motd}, cmdArgs{})
}

// SetChannelRank is setChannelRank {name, rank}.
func SetChannelRank(name string, rank float64) Request {
	return typed("setChannelRank", struct {
		Name string  `json:"name"`
		Rank float64 `json:"rank"`
	}{name, rank}, cmdArgs{name: name, rank: rank})
}

// SetOptions is setOptions with the options to change, keyed by CyTube's
// names (src/channel/opts.js:106-330 reads each key it is given).
func SetOptions(opts map[string]any) Request {
	return typed("setOptions", opts, cmdArgs{opts: opts})
}

// SetPermissions is setPermissions {permission: rank...}.
func SetPermissions(perms map[string]float64) Request {
	return typed("setPermissions", perms, cmdArgs{perms: perms})
}

// SetCSS is setChannelCSS {css}.
func SetCSS(css string) Request {
	return typed("setChannelCSS", struct {
		CSS string `json:"css"`
	}{css}, cmdArgs{text: css})
}

// SetJS is setChannelJS {js}.
func SetJS(js string) Request {
	return typed("setChannelJS", struct {
		JS string `json:"js"`
	}{js}, cmdArgs{text: js})
}

// UpdateEmote is updateEmote {name, image}: adds or changes an emote.
func UpdateEmote(name, image string) Request {
	return typed("updateEmote", struct {
		Image string `json:"image"`
		Name  string `json:"name"`
	}{image, name}, cmdArgs{name: name, image: image})
}

// RenameEmote is renameEmote {old, name, image}: the session adds the
// emote's image, which CyTube wants with a rename
// (src/channel/emotes.js:182-195).
func RenameEmote(old, name string) Request {
	return typed("renameEmote", nil, cmdArgs{name: name, old: old})
}

// RemoveEmote is removeEmote {name}.
func RemoveEmote(name string) Request {
	return typed("removeEmote", struct {
		Name string `json:"name"`
	}{name}, cmdArgs{name: name})
}

// Filter is a chat filter as addFilter and updateFilter take it.
type Filter struct {
	Name, Source, Flags, Replace string
	Active, FilterLinks          bool
}

func filterArg(event string, f Filter) Request {
	return typed(event, struct {
		Active      bool   `json:"active"`
		FilterLinks bool   `json:"filterlinks"`
		Flags       string `json:"flags"`
		Name        string `json:"name"`
		Replace     string `json:"replace"`
		Source      string `json:"source"`
	}{f.Active, f.FilterLinks, f.Flags, f.Name, f.Replace, f.Source}, cmdArgs{name: f.Name})
}

// AddFilter is addFilter {name, source, flags, replace, active, filterlinks}.
func AddFilter(f Filter) Request { return filterArg("addFilter", f) }

// UpdateFilter is updateFilter with the same fields as AddFilter.
func UpdateFilter(f Filter) Request { return filterArg("updateFilter", f) }

// RemoveFilter is removeFilter {name}.
func RemoveFilter(name string) Request {
	return typed("removeFilter", struct {
		Name string `json:"name"`
	}{name}, cmdArgs{name: name})
}

// Unban is unban {id, name}.
func Unban(id int64, name string) Request {
	return typed("unban", struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}{id, name}, cmdArgs{banID: id, name: name})
}

// Seek is the leader's mediaUpdate {id, currentTime, paused, type} for
// the media playing when it is sent: the session fills in its id and type.
func Seek(t float64, paused bool) Request {
	return typed("mediaUpdate", nil, cmdArgs{time: t, paused: paused, seek: true})
}

// ChatFlair is Chat with meta.modflair: CyTube keeps the flair only when
// it equals the sender's rank (src/channel/chat.js:188-194), so the
// session fills in its own rank when it sends.
func ChatFlair(msg string) Request {
	return typed("chatMsg", nil, cmdArgs{msg: msg, modflair: true})
}

// SearchMedia is searchMedia {query, source}.
func SearchMedia(query, source string) Request {
	return typed("searchMedia", struct {
		Query  string `json:"query"`
		Source string `json:"source"`
	}{query, source}, cmdArgs{query: query, typ: source})
}

// ClonePlaylist is clonePlaylist {name}: saves the channel playlist as the
// account's playlist name.
func ClonePlaylist(name string) Request {
	return typed("clonePlaylist", struct {
		Name string `json:"name"`
	}{name}, cmdArgs{name: name})
}

// QueuePlaylist is queuePlaylist {name, pos, temp}.
func QueuePlaylist(name string, next, temp bool) Request {
	pos := "end"
	if next {
		pos = "next"
	}
	return typed("queuePlaylist", struct {
		Name string `json:"name"`
		Pos  string `json:"pos"`
		Temp bool   `json:"temp"`
	}{name, pos, temp}, cmdArgs{name: name, pos: pos})
}

// DeletePlaylist is deletePlaylist {name}.
func DeletePlaylist(name string) Request {
	return typed("deletePlaylist", struct {
		Name string `json:"name"`
	}{name}, cmdArgs{name: name})
}

// NoArg is an event without an argument: playNext, togglePlaylistLock,
// shufflePlaylist, clearPlaylist, requestPlaylist, closePoll, voteskip.
func NoArg(event string) Request { return typed(event, nil, cmdArgs{}) }

// Payload returns the frame's argument as CyTube gets it (nil for none).
func (r Request) Payload() (json.RawMessage, error) {
	if r.args != nil || r.Arg == nil {
		return r.raw, r.encodeErr
	}
	return json.Marshal(r.Arg)
}
