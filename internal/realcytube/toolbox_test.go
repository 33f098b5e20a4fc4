//go:build cytube

package realcytube

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	statev1 "github.com/roseybot/cytube-connector/gen/go/rosey/state/v1"
	"github.com/roseybot/cytube-connector/internal/socketio"
)

// The moderator's and owner's toolbox (issue 13), each action against the
// kit's CyTube: what confirms it, what CyTube refuses with its own words,
// and what the connector refuses itself because CyTube would stay silent
// or kick. Row ids are docs/command-outcomes.md's.

// manifest is a media_queue media: a CyTube custom manifest (type cm)
// served from this process, which CyTube fetches over HTTP
// (src/custom-media.js:42-70); the source is only checked, never loaded.
func manifest(t *testing.T, title string, seconds float64) map[string]any {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"title": title, "duration": seconds,
			"sources": []map[string]any{{"url": "https://media.example.com/v.mp4", "contentType": "video/mp4", "quality": 720}}})
	}))
	t.Cleanup(srv.Close)
	return map[string]any{"type": "cm", "id": srv.URL + "/" + uniqueName("m") + ".json"}
}

// waitPlaying waits until the connector sees media of typ playing.
func (c *connector) waitPlaying(what, typ string) {
	c.t.Helper()
	waitUntil(c.t, what, 10*time.Second, func() bool {
		rep := &statev1.NowPlayingReply{}
		return c.state("now_playing", rep) && rep.GetMedia().GetType() == typ
	})
}

// kicked reports whether a bare client was kicked by CyTube.
func kicked(r *rawClient, d time.Duration) string {
	ev := r.wait("kick", d, func(ev socketio.Event) bool { return ev.Name == "kick" })
	return string(ev.Args[0])
}

// bl-4, ub-5: ban a name, find it in ban_list, lift it by name; the list
// comes back in the result. ub: an unknown id or name is refused at once.
func TestBanListAndUnban(t *testing.T) {
	c := newConnector(t, registered, "goldowner").ready()
	name := uniqueName("UnbanT")
	lower := strings.ToLower(name)
	c.cmd("ban", map[string]any{"username": name, "reason": "toolbox"}).ok(t, "ban")
	r := c.cmd("ban_list", map[string]any{}).ok(t, "ban_list")
	var id int64
	for _, b := range r.GetBanlist().GetItems() {
		if b.GetName() == lower {
			id = b.GetId()
		}
	}
	if id == 0 {
		t.Fatalf("ban_list has no ban of %s: %v", lower, r.GetBanlist())
	}
	c.cmd("unban", map[string]any{"username": name}).ok(t, "unban by name")
	r = c.cmd("ban_list", map[string]any{}).ok(t, "ban_list after")
	for _, b := range r.GetBanlist().GetItems() {
		if b.GetName() == lower {
			t.Fatalf("%s still banned: %v", lower, b)
		}
	}
	// CyTube would report these lifted (ub-5 without a row).
	c.cmd("unban", map[string]any{"id": id}).refused(t, "unban a lifted id", codeNotFound, quick)
	c.cmd("unban", map[string]any{"username": name}).refused(t, "unban an unbanned name", codeNotFound, quick)
}

// bl-3: below the ban permission CyTube stays silent; refused locally.
func TestBanListBelowPermission(t *testing.T) {
	c := newConnector(t, registered, "golduser").ready()
	c.cmd("ban_list", map[string]any{}).refused(t, "ban_list as rank 1", codeNotPermitted, quick)
	c.cmd("unban", map[string]any{"id": 1}).refused(t, "unban as rank 1", codeNotPermitted, quick)
}

// ib-5: an IP range ban of a name with no address on record bans the
// name (b-10's line); range needs ip.
func TestBanRange(t *testing.T) {
	c := newConnector(t, registered, "goldowner").ready()
	name := uniqueName("RangeT")
	c.cmd("ban", map[string]any{"username": name, "ip": true, "range": "IP_RANGE_WIDE", "reason": "toolbox"}).ok(t, "wrange ban")
	c.cmd("ban", map[string]any{"username": name, "range": "IP_RANGE_RANGE"}).refused(t, "range without ip", codeInvalid, quick)
	c.cmd("unban", map[string]any{"username": name}).ok(t, "unban")
}

// ka-2: confirmed by CyTube's "kicked anonymous users" line, which comes
// even when nobody is kicked; an anonymous viewer is kicked.
func TestKickAnons(t *testing.T) {
	c := newConnector(t, registered, "goldmod").ready()
	anon := dialRaw(t, registered)
	anon.emit("joinChannel", map[string]any{"name": registered})
	anon.wait("userlist", 10*time.Second, func(ev socketio.Event) bool { return ev.Name == "userlist" })
	c.cmd("kick_anons", map[string]any{}).ok(t, "kick_anons")
	if got := kicked(anon, 5*time.Second); !strings.Contains(got, "anonymous user") {
		t.Errorf("anonymous viewer kicked with %s", got)
	}
	// ka-1: below kick the connector refuses.
	u := newConnector(t, registered, "golduser").ready()
	u.cmd("kick_anons", map[string]any{}).refused(t, "kick_anons as rank 1", codeNotPermitted, quick)
}

// cn-5: /clean deletes exactly the named user's items and is confirmed by
// the last delete; cn-6: nothing to clean is refused at once.
func TestPlaylistClean(t *testing.T) {
	ch := uniqueChannel(t, "clean")
	c := newConnector(t, ch, "siteop").ready()
	user := newConnector(t, ch, "golduser").ready()
	c.cmd("media_queue", map[string]any{"media": customItem(1)}).ok(t, "queue item 1")
	user.cmd("media_queue", map[string]any{"media": customItem(2)}).ok(t, "queue item 2")
	user.cmd("media_queue", map[string]any{"media": customItem(3)}).ok(t, "queue item 3")
	c.waitPlaylist("three items", func(p *statev1.PlaylistReply) bool { return len(p.GetItems()) == 3 })
	r := c.cmd("playlist_clean", map[string]any{"username": "golduser"}).ok(t, "clean golduser")
	if r.GetUnconfirmed() {
		t.Fatalf("clean unconfirmed: %q", r.GetReason())
	}
	pl := c.waitPlaylist("one item left", func(p *statev1.PlaylistReply) bool { return len(p.GetItems()) == 1 })
	if pl.GetItems()[0].GetMedia().GetTitle() != "item 1" {
		t.Errorf("left %v", pl.GetItems())
	}
	c.cmd("playlist_clean", map[string]any{"username": "golduser"}).refused(t, "clean again", codeNotFound, quick)
	c.cmd("playlist_clean", map[string]any{"title": "^ITEM 1$"}).ok(t, "cleantitle")
	c.waitPlaylist("an empty playlist", func(p *statev1.PlaylistReply) bool { return len(p.GetItems()) == 0 })
}

// op-4: options_set is confirmed by channelOpts and returns the options;
// op-2: below rank 2 CyTube kicks (shown with a bare client), so the
// connector refuses; op-3: a rank-3 key from rank 2 is refused.
func TestOptionsSet(t *testing.T) {
	ch := uniqueChannel(t, "opts")
	c := newConnector(t, ch, "siteop").ready()
	r := c.cmd("options_set", map[string]any{"options": map[string]any{"voteskip_ratio": 0.75, "afk_timeout": 300}}).ok(t, "options_set")
	if o := r.GetChannelOptions(); o.GetVoteskipRatio() != 0.75 || o.GetAfkTimeout() != 300 {
		t.Errorf("options after: %v", o)
	}
	r = c.cmd("options_set", map[string]any{"options": map[string]any{"afk_timeout": 100000}}).refused(t, "afk_timeout out of range", codeRefused, quick)
	if !strings.Contains(r.GetServerMessage(), "AFK timeout must be between") {
		t.Errorf("server message %q", r.GetServerMessage())
	}

	// With CyTube's default reserved-names config any title holding
	// "false" is refused (op-3's pagetitle row).
	r = c.cmd("options_set", map[string]any{"options": map[string]any{"pagetitle": "a false start"}}).refused(t, "reserved pagetitle", codeRefused, quick)
	if r.GetServerMessage() != "That pagetitle is reserved" {
		t.Errorf("server message %q", r.GetServerMessage())
	}

	// op-3: rank-3 options from rank 2 are ignored by CyTube.
	m := newConnector(t, registered, "goldmod").ready()
	m.cmd("options_set", map[string]any{"options": map[string]any{"show_public": true}}).refused(t, "a rank-3 option as rank 2", codeNotPermitted, quick)

	u := newConnector(t, ch, "golduser").ready()
	u.cmd("options_set", map[string]any{"options": map[string]any{"allow_voteskip": false}}).refused(t, "options_set as rank 1", codeNotPermitted, quick)
	raw := newRawClient(t, ch, "golduser2")
	raw.emit("setOptions", map[string]any{"allow_voteskip": false})
	if got := kicked(raw, 5*time.Second); !strings.Contains(got, "Attempted setOptions as a non-moderator") {
		t.Errorf("CyTube kicked with %s", got)
	}
}

// pe-6: permissions_set is confirmed by the broadcast with the values
// asked for; pe-4: an unknown key is refused; pe-2: below 3, refused.
func TestPermissionsSet(t *testing.T) {
	ch := uniqueChannel(t, "perms")
	c := newConnector(t, ch, "siteop").ready()
	c.cmd("permissions_set", map[string]any{"permissions": map[string]any{"chat": 1, "pollvote": 1.5}}).ok(t, "permissions_set")
	c.cmd("permissions_set", map[string]any{"permissions": map[string]any{"nosuchperm": 1}}).refused(t, "unknown permission", codeInvalid, quick)
	u := newConnector(t, ch, "golduser").ready()
	u.cmd("permissions_set", map[string]any{"permissions": map[string]any{"chat": 0}}).refused(t, "as rank 1", codeNotPermitted, quick)
}

// cs-4: css_set and js_set are confirmed by channelCSSJS; cs-3: the same
// text again is done without sending; cs-2: below 3, refused.
func TestCSSAndJS(t *testing.T) {
	ch := uniqueChannel(t, "cssjs")
	c := newConnector(t, ch, "siteop").ready()
	css := "body { color: #123456; } /* " + uniqueName("c") + " */"
	c.cmd("css_set", map[string]any{"css": css}).ok(t, "css_set")
	r := c.cmd("css_set", map[string]any{"css": css}).ok(t, "css_set again")
	if !strings.Contains(r.GetReason(), "already") {
		t.Errorf("reason %q", r.GetReason())
	}
	c.cmd("js_set", map[string]any{"js": "// " + uniqueName("j")}).ok(t, "js_set")
	u := newConnector(t, ch, "golduser").ready()
	u.cmd("css_set", map[string]any{"css": "x"}).refused(t, "css_set as rank 1", codeNotPermitted, quick)
}

// eu-6, en-7, er-2: add, change, rename and remove an emote; en-6 and a
// missing emote are refused at once; below emoteedit, refused.
func TestEmotes(t *testing.T) {
	// Emotes need emoteedit, which unregistered channels lack.
	ch := registered
	c := newConnector(t, ch, "goldowner").ready()
	name := ":" + uniqueName("e") + ":"
	c.cmd("emote_set", map[string]any{"name": name, "image": "https://example.com/a.png"}).ok(t, "emote_set add")
	c.cmd("emote_set", map[string]any{"name": name, "image": "https://example.com/b.png?x=(1)"}).ok(t, "emote_set change")
	other := ":" + uniqueName("o") + ":"
	c.cmd("emote_set", map[string]any{"name": other, "image": "https://example.com/o.png"}).ok(t, "emote_set another")
	t.Cleanup(func() { c.cmd("emote_remove", map[string]any{"name": other}) })
	c.cmd("emote_rename", map[string]any{"old": name, "name": other}).refused(t, "rename onto an existing emote", codeInvalid, quick) // en-3
	c.cmd("emote_rename", map[string]any{"old": name, "name": name + "2"}).ok(t, "emote_rename")
	c.cmd("emote_rename", map[string]any{"old": name, "name": name + "3"}).refused(t, "rename a gone emote", codeNotFound, quick)
	c.cmd("emote_remove", map[string]any{"name": name + "2"}).ok(t, "emote_remove")
	c.cmd("emote_remove", map[string]any{"name": name + "2"}).refused(t, "remove again", codeNotFound, quick)
	u := newConnector(t, ch, "goldmod").ready()
	u.cmd("emote_set", map[string]any{"name": name, "image": "https://example.com/a.png"}).refused(t, "as rank 2", codeNotPermitted, quick)
}

// fa-5, fu-4, fr-2: add, update and remove a filter; fa-2 a bad regex and
// fa-4 a duplicate name are refused with CyTube's words.
func TestFilters(t *testing.T) {
	// Filters need filteredit, which unregistered channels lack.
	c := newConnector(t, registered, "goldowner").ready()
	name := uniqueName("f")
	f := map[string]any{"name": name, "source": "badword", "replace": "***", "active": true}
	c.cmd("filter_add", f).ok(t, "filter_add")
	r := c.cmd("filter_add", f).refused(t, "filter_add again", codeRefused, quick)
	if !strings.Contains(r.GetServerMessage(), "already exists") {
		t.Errorf("server message %q", r.GetServerMessage())
	}
	r = c.cmd("filter_add", map[string]any{"name": name + "x", "source": "(unclosed"}).refused(t, "bad regex", codeRefused, quick)
	if !strings.HasPrefix(r.GetServerMessage(), "Invalid regex:") {
		t.Errorf("server message %q", r.GetServerMessage())
	}
	// fu-3 in CyTube's words: the connector has not seen the filter list
	// yet, so it sends the update.
	r = c.cmd("filter_update", map[string]any{"name": name + "nope", "source": "x"}).refused(t, "update a filter that never was", codeRefused, quick)
	if !strings.Contains(r.GetServerMessage(), "does not exist") {
		t.Errorf("server message %q", r.GetServerMessage())
	}
	r = c.cmd("filter_list", map[string]any{}).ok(t, "filter_list")
	listed := false
	for _, x := range r.GetChatFilters().GetItems() {
		listed = listed || (x.GetName() == name && x.GetReplace() == "***")
	}
	if !listed {
		t.Errorf("filter_list lacks %s: %v", name, r.GetChatFilters())
	}
	f["replace"] = "###"
	c.cmd("filter_update", f).ok(t, "filter_update")
	c.cmd("filter_remove", map[string]any{"name": name}).ok(t, "filter_remove")
	// With the list known, a filter that is not there is refused at once
	// (CyTube would refuse the update, fu-3, and report a removal, fr-2).
	c.cmd("filter_update", f).refused(t, "update a removed filter", codeNotFound, quick)
	c.cmd("filter_remove", map[string]any{"name": name}).refused(t, "remove a removed filter", codeNotFound, quick)
}

// cr-4: rank_list returns the channel's ranks; cr-3: below 3, refused.
func TestRankList(t *testing.T) {
	c := newConnector(t, registered, "goldowner").ready()
	r := c.cmd("rank_list", map[string]any{}).ok(t, "rank_list")
	found := false
	for _, e := range r.GetChannelRanks().GetItems() {
		if e.GetName() == "goldowner" && e.GetRank() == 5 {
			found = true
		}
	}
	if !found {
		t.Errorf("rank_list lacks goldowner: %v", r.GetChannelRanks())
	}
	m := newConnector(t, registered, "goldmod").ready()
	m.cmd("rank_list", map[string]any{}).refused(t, "rank_list as rank 2", codeNotPermitted, quick)
	// cr-1: an unregistered channel has no ranks; CyTube stays silent.
	u := newConnector(t, uniqueChannel(t, "ranks"), "siteop").ready()
	u.cmd("rank_list", map[string]any{}).refused(t, "rank_list unregistered", codeNotPermitted, quick)
}

// lg-4: channel_log returns the log; lg-2: an unregistered channel has
// none, in CyTube's words; lg-1: below 3 CyTube kicks, refused locally.
func TestChannelLog(t *testing.T) {
	c := newConnector(t, registered, "goldowner").ready()
	r := c.cmd("channel_log", map[string]any{}).ok(t, "channel_log")
	if !strings.Contains(r.GetChannelLog().GetData(), "goldowner") {
		t.Errorf("log without goldowner: %.200q", r.GetChannelLog().GetData())
	}
	ch := uniqueChannel(t, "log")
	u := newConnector(t, ch, "siteop").ready()
	r = u.cmd("channel_log", map[string]any{}).refused(t, "unregistered", codeRefused, quick)
	if r.GetServerMessage() != "Channel log is only available to registered channels." {
		t.Errorf("server message %q", r.GetServerMessage())
	}
	m := newConnector(t, registered, "goldmod").ready()
	m.cmd("channel_log", map[string]any{}).refused(t, "as rank 2", codeNotPermitted, quick)
}

// mup-6: as leader, media_seek is confirmed by the broadcast of the
// position; mup-2: not leader, refused; mup-3: nothing playing, refused.
func TestMediaSeek(t *testing.T) {
	ch := uniqueChannel(t, "seek")
	c := newConnector(t, ch, "siteop").ready()
	c.cmd("media_seek", map[string]any{"time": 5}).refused(t, "not leader", codeNotPermitted, quick)
	c.cmd("leader", map[string]any{"name": "siteop"}).ok(t, "leader")
	c.cmd("media_seek", map[string]any{"time": 5}).refused(t, "nothing playing", codeNotFound, quick)
	c.cmd("media_queue", map[string]any{"media": customItem(1)}).ok(t, "queue a live item")
	c.waitPlaying("the live item plays", "cu")
	c.cmd("media_seek", map[string]any{"time": 5}).refused(t, "seek live media", codeInvalid, quick) // mup-4

	// A custom manifest is not live; it needs playlistaddrawfile, which
	// only registered channels have.
	o := newConnector(t, registered, "goldowner").ready()
	o.cmd("media_queue", map[string]any{"media": manifest(t, "Seek me", 120), "position": "MEDIA_POSITION_NEXT"}).ok(t, "queue")
	pl := o.waitPlaylist("the manifest queued", func(p *statev1.PlaylistReply) bool {
		for _, it := range p.GetItems() {
			if it.GetMedia().GetTitle() == "Seek me" {
				return true
			}
		}
		return false
	})
	var uid int64
	for _, it := range pl.GetItems() {
		if it.GetMedia().GetTitle() == "Seek me" {
			uid = it.GetUid()
		}
	}
	t.Cleanup(func() {
		o.cmd("leader", map[string]any{"name": ""})
		o.cmd("media_delete", map[string]any{"uid": uid})
	})
	o.cmd("media_jump", map[string]any{"uid": uid}).ok(t, "play it")
	o.waitPlaying("the manifest plays", "cm")
	o.cmd("leader", map[string]any{"name": "goldowner"}).ok(t, "leader")
	o.cmd("media_seek", map[string]any{"time": 42.5, "paused": true}).ok(t, "seek")
}

// sm-5: media_search of the library returns hits with source "library".
func TestMediaSearch(t *testing.T) {
	c := newConnector(t, registered, "goldowner").ready()
	r := c.cmd("media_search", map[string]any{"query": ""}).ok(t, "media_search")
	if r.GetSearchResults().GetSource() != "library" {
		t.Errorf("results %v", r.GetSearchResults())
	}
	c.cmd("media_search", map[string]any{"query": "x", "source": "vimeo"}).refused(t, "unknown source", codeInvalid, quick)
}

// lp-3, cp-5, qp-7, dp-4: save the channel playlist, see it listed, queue
// it, delete it; lp-1: a guest is refused; a missing playlist is refused.
func TestUserPlaylists(t *testing.T) {
	ch := uniqueChannel(t, "upl")
	c := newConnector(t, ch, "siteop").ready()
	c.cmd("media_queue", map[string]any{"media": customItem(1)}).ok(t, "queue")
	name := uniqueName("pl")
	c.cmd("user_playlist_save", map[string]any{"name": name}).ok(t, "save")
	r := c.cmd("user_playlists", map[string]any{}).ok(t, "list")
	found := false
	for _, p := range r.GetUserPlaylists().GetItems() {
		if p.GetName() == name && p.GetCount() == 1 {
			found = true
		}
	}
	if !found {
		t.Fatalf("list lacks %s: %v", name, r.GetUserPlaylists())
	}
	// qp-7: each saved item goes through the queue rules: one still on
	// the playlist is refused with CyTube's queueFail.
	r2 := c.cmd("user_playlist_queue", map[string]any{"name": name}).refused(t, "queue a duplicate", codeRefused, quick)
	if r2.GetServerMessage() != "This item is already on the playlist" {
		t.Errorf("server message %q", r2.GetServerMessage())
	}
	c.cmd("playlist_clear", map[string]any{}).ok(t, "clear")
	c.cmd("user_playlist_queue", map[string]any{"name": name}).ok(t, "queue the playlist")
	c.cmd("user_playlist_delete", map[string]any{"name": name}).ok(t, "delete")
	c.cmd("user_playlist_delete", map[string]any{"name": name}).refused(t, "delete again", codeNotFound, quick)
	c.cmd("user_playlist_queue", map[string]any{"name": name}).refused(t, "queue a deleted playlist", codeNotFound, quick)
	g := newConnector(t, ch, "")
	g.waitStatus(eventsv1.ConnectorState_CONNECTOR_STATE_JOINED, 30*time.Second)
	g.cmd("user_playlists", map[string]any{}).refused(t, "anonymous", codeNotPermitted, quick)
}

// mf-3: modflair from rank 2 is echoed with the rank; mf-4: below 2 it
// would be dropped, so the connector refuses.
func TestChatModflair(t *testing.T) {
	c := newConnector(t, registered, "goldmod").ready()
	c.cmd("chat", map[string]any{"message": "flair " + uniqueName("m"), "modflair": true}).ok(t, "modflair chat")
	u := newConnector(t, registered, "golduser").ready()
	u.cmd("chat", map[string]any{"message": "no flair", "modflair": true}).refused(t, "modflair as rank 1", codeNotPermitted, quick)
}

// op-2, pe-2, cs-2, lg-1: below their rank CyTube kicks the socket that
// sends setOptions, setPermissions, setChannelCSS/JS or readChanLog,
// shown with a bare client each; the connector refuses them before
// sending (the tests above).
func TestToolboxKicksBelowRank(t *testing.T) {
	ch := uniqueChannel(t, "kicks")
	newConnector(t, ch, "siteop").ready()
	for _, tt := range []struct {
		event string
		arg   any
		words string
	}{
		{"setOptions", map[string]any{"allow_voteskip": false}, "Attempted setOptions as a non-moderator"},
		{"setPermissions", map[string]any{"chat": 0}, "Attempted setPermissions as a non-admin"},
		{"setChannelCSS", map[string]any{"css": "x"}, "Attempted setChannelCSS as non-admin"},
		{"setChannelJS", map[string]any{"js": "x"}, "Attempted setChannelJS as non-admin"},
		{"readChanLog", nil, "Attempted readChanLog with insufficient permission"},
	} {
		raw := newRawClient(t, ch, "golduser2")
		raw.emit(tt.event, tt.arg)
		if got := kicked(raw, 5*time.Second); !strings.Contains(got, tt.words) {
			t.Errorf("%s: CyTube kicked with %s, want %q", tt.event, got, tt.words)
		}
	}
}
