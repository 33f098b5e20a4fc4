//go:build cytube

package realcytube

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	statev1 "github.com/roseybot/cytube-connector/gen/go/rosey/state/v1"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/socketio"
)

// waitPerms waits until the connector's permission state shows want.
func (c *connector) waitPerms(want map[string]float64) {
	c.t.Helper()
	waitUntil(c.t, fmt.Sprint("permissions ", want), 10*time.Second, func() bool {
		rep := &statev1.PermissionsReply{}
		if !c.state("permissions", rep) {
			return false
		}
		for k, v := range want {
			if got, ok := rep.GetPermissions()[k]; !ok || got != v {
				return false
			}
		}
		return true
	})
}

// setPerms sets channel permissions as the owner actor and waits until
// the connector and the bare clients given see them (so that the
// broadcast does not arrive inside a later silence check).
func setPerms(t *testing.T, owner *actor, c *connector, perms map[string]float64, raws ...*rawClient) {
	t.Helper()
	m := make([]int, len(raws))
	for i, r := range raws {
		m[i] = r.mark()
	}
	owner.send(t, "setPermissions", perms)
	c.waitPerms(perms)
	for i, r := range raws {
		waitUntil(t, "the bare client sees the permissions", 10*time.Second, func() bool {
			for _, ev := range r.since(m[i]) {
				if ev.Name != "setPermissions" || len(ev.Args) == 0 {
					continue
				}
				var got map[string]float64
				if json.Unmarshal(ev.Args[0], &got) != nil {
					continue
				}
				all := true
				for k, v := range perms {
					if got[k] != v {
						all = false
					}
				}
				if all {
					return true
				}
			}
			return false
		})
	}
}

// silentRow is one command CyTube ignores without a word below its
// permission: the connector's action and the frame a bare client sends.
type silentRow struct {
	row    string
	action string
	body   map[string]any
	event  string
	arg    any
}

// Below a permission CyTube ignores a command without a word. The
// connector refuses it before sending (NOT_PERMITTED, at once), and a bare
// client sending CyTube the same frames gets nothing back and changes
// nothing: P2, q-5, del-1, mv-2, j-2, nx-1, tmp-2, lk-1, sh-1, cl-1, po-2,
// pv-2, pc-1, vs-2, cc-1, um-1 (unregistered: no mute key), and, after the
// playlist permission is raised too, q-4. ld-2 kicks: the connector never
// sends it, the bare client is kicked with CyTube's reason.
func TestBelowPermissionSilentAndRefusedLocally(t *testing.T) {
	ch := uniqueChannel(t, "perms")
	owner := newActor(t, ch, "siteop")
	for i := 1; i <= 3; i++ {
		it := customItem(i)
		it["pos"], it["temp"] = "end", false
		owner.send(t, "queue", it)
	}
	owner.send(t, "newPoll", map[string]any{"title": "perm?", "opts": []string{"a", "b"}, "obscured": false})
	c := newConnector(t, ch, "golduser").ready()
	raw := newRawClient(t, ch, "golduser2")

	// The playlist is open in a new channel, so the "o" variants count too
	// where they exist (src/channel/permissions.js:357-398).
	high := map[string]float64{"playlistadd": -1, "oplaylistadd": -1}
	for _, k := range []string{"chat", "playlistnext", "playlistdelete", "playlistmove", "playlistjump",
		"settemp", "playlistlock", "playlistshuffle", "playlistclear", "pollctl", "pollvote", "voteskip",
		"chatclear", "leaderctl", "oplaylistnext", "oplaylistdelete", "oplaylistmove", "oplaylistjump"} {
		high[k] = 3
	}
	setPerms(t, owner, c, high, raw)
	pl := c.waitPlaylist("three items, one current", func(p *statev1.PlaylistReply) bool { return len(p.GetItems()) == 3 && p.CurrentUid != nil })
	uids := []int64{pl.GetItems()[0].GetUid(), pl.GetItems()[1].GetUid(), pl.GetItems()[2].GetUid()}
	before := owner.s.Snapshot()

	rows := []silentRow{
		{"P2", "chat", map[string]any{"message": "below chat"}, "chatMsg", map[string]any{"msg": "below chat", "meta": map[string]any{}}},
		{"q-5", "media_queue", map[string]any{"media": customItem(7), "position": "MEDIA_POSITION_NEXT"}, "queue", map[string]any{"id": customItem(7)["id"], "type": "cu", "title": "item 7", "pos": "next"}},
		{"del-1", "media_delete", map[string]any{"uid": uids[2]}, "delete", uids[2]},
		{"mv-2", "media_move", map[string]any{"uid": uids[2], "prepend": true}, "moveMedia", map[string]any{"from": uids[2], "after": "prepend"}},
		{"j-2", "media_jump", map[string]any{"uid": uids[1]}, "jumpTo", uids[1]},
		{"nx-1", "media_next", map[string]any{}, "playNext", nil},
		{"tmp-2", "media_set_temp", map[string]any{"uid": uids[1], "temp": true}, "setTemp", map[string]any{"uid": uids[1], "temp": true}},
		{"lk-1", "playlist_lock", map[string]any{"locked": true}, "togglePlaylistLock", nil},
		{"sh-1", "playlist_shuffle", map[string]any{}, "shufflePlaylist", nil},
		{"cl-1", "playlist_clear", map[string]any{}, "clearPlaylist", nil},
		{"po-2", "poll_open", map[string]any{"title": "mine", "options": []string{"x"}}, "newPoll", map[string]any{"title": "mine", "opts": []string{"x"}, "obscured": false}},
		{"pv-2", "poll_vote", map[string]any{"option": 0}, "vote", map[string]any{"option": 0}},
		{"pc-1", "poll_close", map[string]any{}, "closePoll", nil},
		{"vs-2", "voteskip", map[string]any{}, "voteskip", nil},
		{"cc-1", "clear_chat", map[string]any{}, "chatMsg", map[string]any{"msg": "/clear", "meta": map[string]any{}}},
		{"um-1", "unmute", map[string]any{"username": "siteop"}, "chatMsg", map[string]any{"msg": "/unmute siteop", "meta": map[string]any{}}},
	}
	for _, r := range rows {
		c.cmd(r.action, r.body).refused(t, r.row+" "+r.action, codeNotPermitted, quick)
	}
	m := raw.mark()
	ownerMark := owner.rec.mark()
	for _, r := range rows {
		raw.emit(r.event, r.arg)
	}
	// CyTube answers a refused or accepted frame within milliseconds; 2 s
	// of silence after all of them is silence.
	time.Sleep(2 * time.Second)
	if got := raw.since(m); len(got) != 0 {
		t.Errorf("CyTube answered commands below their permission: %s", names(got))
	}
	after := owner.s.Snapshot()
	if fmt.Sprint(playlistUIDs(after.Playlist)) != fmt.Sprint(playlistUIDs(before.Playlist)) || after.CurrentUID != before.CurrentUID {
		t.Errorf("the playlist changed: %v current %d -> %v current %d", playlistUIDs(before.Playlist), before.CurrentUID, playlistUIDs(after.Playlist), after.CurrentUID)
	}
	if after.Poll == nil || fmt.Sprint(after.Poll.Counts) != fmt.Sprint(before.Poll.Counts) || after.Locked != before.Locked {
		t.Errorf("poll or lock changed: poll %v, locked %v -> %v", after.Poll, before.Locked, after.Locked)
	}
	owner.rec.mu.Lock()
	for _, ev := range owner.rec.evs[ownerMark:] {
		if ev.Name == "chatMsg" || ev.Name == "voteskip" || ev.Name == "updatePoll" || ev.Name == "clearchat" {
			t.Errorf("the owner saw %s %s", ev.Name, ev.Arg)
		}
	}
	owner.rec.mu.Unlock()

	// q-4: below playlistadd as well.
	setPerms(t, owner, c, map[string]float64{"playlistadd": 3, "oplaylistadd": 3}, raw)
	c.cmd("media_queue", map[string]any{"media": customItem(8)}).refused(t, "q-4 media_queue", codeNotPermitted, quick)
	m = raw.mark()
	raw.emit("queue", map[string]any{"id": customItem(8)["id"], "type": "cu", "title": "item 8", "pos": "end"})
	time.Sleep(time.Second)
	if got := raw.since(m); len(got) != 0 {
		t.Errorf("CyTube answered a queue below playlistadd: %s", names(got))
	}

	// ld-2: below leaderctl CyTube kicks; the connector never sends it.
	c.cmd("leader", map[string]any{"name": "golduser"}).refused(t, "ld-2 leader", codeNotPermitted, quick)
	kick := raw.answer("assignLeader", map[string]any{"name": "golduser2"}, 5*time.Second, func(ev socketio.Event) bool { return ev.Name == "kick" })
	if !strings.Contains(string(kick.Frame), "Attempted assignLeader without sufficient permission") {
		t.Errorf("kick %s, want CyTube's assignLeader reason", kick.Frame)
	}
}

// mark returns the number of events recorded so far.
func (r *recorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.evs)
}

func playlistUIDs(items []cytube.PlaylistItem) []int64 {
	var out []int64
	for _, it := range items {
		out = append(out, it.UID)
	}
	return out
}

// Media types with a permission of their own: CyTube answers queueFail
// with its words (q-6 yp, q-7 live, q-8 custom embed), which the connector
// predicts and gives before sending. Below seeplaylist (q-25, del-7, sh-3,
// rq-3) CyTube sends no playlist: a queue is answered by the
// setPlaylistMeta everyone gets (ok, unconfirmed), a refusal still by its
// queueFail; delete and shuffle are unconfirmed; playlist_request is
// refused before sending.
func TestQueueTypePermissionsAndSeeplaylist(t *testing.T) {
	ch := uniqueChannel(t, "qperm")
	owner := newActor(t, ch, "siteop")
	c := newConnector(t, ch, "golduser").ready()
	raw := newRawClient(t, ch, "golduser2")
	queueFail := func(ev socketio.Event) bool { return ev.Name == "queueFail" }

	setPerms(t, owner, c, map[string]float64{"playlistaddlist": 3, "oplaylistaddlist": 3, "playlistaddlive": 3}, raw)
	for _, tt := range []struct {
		row, typ, id, words string
	}{
		{"q-6", "yp", "PLx0000000000000000000000000000000", "You don't have permission to add playlists"},
		{"q-7", "li", "rtmp://example.com/live", "You don't have permission to add live media"},
	} {
		r := c.cmd("media_queue", map[string]any{"media": map[string]any{"type": tt.typ, "id": tt.id}}).refused(t, tt.row, codeNotPermitted, quick)
		if !strings.Contains(r.GetReason(), tt.words) {
			t.Errorf("%s: reason %q, want CyTube's %q", tt.row, r.GetReason(), tt.words)
		}
		ev := raw.answer("queue", map[string]any{"id": tt.id, "type": tt.typ, "pos": "end"}, 5*time.Second, queueFail)
		if got := answerText(ev); got != tt.words {
			t.Errorf("%s: CyTube said %q, want %q", tt.row, got, tt.words)
		}
	}
	setPerms(t, owner, c, map[string]float64{"playlistaddlive": 0, "playlistaddcustom": 3}, raw)
	r := c.cmd("media_queue", map[string]any{"media": customItem(1)}).refused(t, "q-8", codeNotPermitted, quick)
	const customWords = "You don't have permission to add custom embeds"
	if !strings.Contains(r.GetReason(), customWords) {
		t.Errorf("q-8: reason %q", r.GetReason())
	}
	it := customItem(1)
	it["pos"] = "end"
	if got := answerText(raw.answer("queue", it, 5*time.Second, queueFail)); got != customWords {
		t.Errorf("q-8: CyTube said %q", got)
	}

	// Below seeplaylist.
	setPerms(t, owner, c, map[string]float64{"playlistaddcustom": 0, "seeplaylist": 3, "playlistdelete": 1, "oplaylistdelete": 1, "playlistshuffle": 1})
	r = c.cmd("media_queue", map[string]any{"media": customItem(2)}).ok(t, "q-25 queue below seeplaylist")
	if !r.GetUnconfirmed() {
		t.Errorf("q-25: a queue below seeplaylist reported confirmed")
	}
	waitUntil(t, "the owner sees the queued item", 10*time.Second, func() bool { return len(owner.s.Snapshot().Playlist) == 1 })
	// The same item again: CyTube refuses the duplicate with queueFail.
	r = c.cmd("media_queue", map[string]any{"media": customItem(2)}).refused(t, "q-16 duplicate below seeplaylist", codeRefused, quick)
	if !strings.Contains(r.GetServerMessage(), "already on the playlist") {
		t.Errorf("duplicate: server message %q", r.GetServerMessage())
	}
	c.cmd("media_queue", map[string]any{"media": customItem(3)}).ok(t, "second queue below seeplaylist")
	waitUntil(t, "two items at the owner", 10*time.Second, func() bool { return len(owner.s.Snapshot().Playlist) == 2 })
	mark := owner.rec.mark()
	c.cmd("playlist_shuffle", map[string]any{}).ok(t, "sh-3 shuffle below seeplaylist")
	// A shuffle gives every item a new uid (src/channel/playlist.js:757-761).
	waitUntil(t, "the owner sees the shuffled playlist", 10*time.Second, func() bool {
		owner.rec.mu.Lock()
		defer owner.rec.mu.Unlock()
		for _, ev := range owner.rec.evs[mark:] {
			if ev.Name == "playlist" {
				return true
			}
		}
		return false
	})
	uid := owner.s.Snapshot().Playlist[1].UID
	r = c.cmd("media_delete", map[string]any{"uid": uid}).ok(t, "del-7 delete below seeplaylist")
	if !r.GetUnconfirmed() {
		t.Errorf("del-7: reported confirmed")
	}
	waitUntil(t, "the owner sees the delete", 10*time.Second, func() bool { return len(owner.s.Snapshot().Playlist) == 1 })
	c.cmd("playlist_request", map[string]any{}).refused(t, "rq-3 playlist_request below seeplaylist", codeNotPermitted, quick)
}
