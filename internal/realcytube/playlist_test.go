//go:build cytube

package realcytube

import (
	"fmt"
	"strings"
	"testing"
	"time"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	statev1 "github.com/roseybot/cytube-connector/gen/go/rosey/state/v1"
	"github.com/roseybot/cytube-connector/internal/mapping"
	"github.com/roseybot/cytube-connector/internal/socketio"
)

// customItem is a CyTube custom embed: it needs no lookup on the internet.
func customItem(n int) map[string]any {
	return map[string]any{"type": "cu", "id": fmt.Sprintf(`<iframe src="https://example.com/embed/%d"></iframe>`, n), "title": fmt.Sprintf("item %d", n)}
}

// waitPlaylist waits until the connector's playlist state satisfies cond.
func (c *connector) waitPlaylist(what string, cond func(*statev1.PlaylistReply) bool) *statev1.PlaylistReply {
	c.t.Helper()
	var rep *statev1.PlaylistReply
	waitUntil(c.t, what, 10*time.Second, func() bool {
		rep = &statev1.PlaylistReply{}
		return c.state("playlist", rep) && cond(rep)
	})
	return rep
}

// Playlist commands: confirmed by their own broadcast, unknown uids and
// impossible moves refused at once (del-3, j-3, tmp-3, mv-3, mv-4), a move
// with after "append" decodes (mv-5), and the state is true after
// playlist_clear and after media_next on a single temporary item (nx-5).
func TestPlaylistOutcomes(t *testing.T) {
	ch := uniqueChannel(t, "playlist")
	c := newConnector(t, ch, "siteop").ready()
	for i := 1; i <= 3; i++ {
		c.cmd("media_queue", map[string]any{"media": customItem(i)}).ok(t, fmt.Sprint("queue ", i))
	}
	pl := c.waitPlaylist("three items", func(p *statev1.PlaylistReply) bool { return len(p.GetItems()) == 3 })
	uids := []int64{pl.GetItems()[0].GetUid(), pl.GetItems()[1].GetUid(), pl.GetItems()[2].GetUid()}
	const unknown = 987654
	c.cmd("media_delete", map[string]any{"uid": unknown}).refused(t, "delete unknown uid", codeNotFound, quick)
	c.cmd("media_jump", map[string]any{"uid": unknown}).refused(t, "jump to unknown uid", codeNotFound, quick)
	c.cmd("media_set_temp", map[string]any{"uid": unknown, "temp": true}).refused(t, "set_temp unknown uid", codeNotFound, quick)
	c.cmd("media_move", map[string]any{"uid": uids[0], "after_uid": unknown}).refused(t, "move after unknown uid", codeNotFound, quick)
	c.cmd("media_move", map[string]any{"uid": uids[0], "append": true}).ok(t, "move to the end")
	c.waitPlaylist("item moved to the end", func(p *statev1.PlaylistReply) bool {
		it := p.GetItems()
		return len(it) == 3 && it[2].GetUid() == uids[0]
	})
	if n := c.count(c.scope.Raw(mapping.InvalidSubject)); n != 0 {
		t.Errorf("%d events on the invalid subject (moveVideo with after \"append\" must decode)", n)
	}
	c.cmd("media_jump", map[string]any{"uid": uids[1]}).ok(t, "jump")
	c.cmd("media_set_temp", map[string]any{"uid": uids[2], "temp": true}).ok(t, "set temp")
	c.cmd("media_delete", map[string]any{"uid": uids[2]}).ok(t, "delete")

	c.cmd("playlist_clear", map[string]any{}).ok(t, "clear")
	pl = c.waitPlaylist("an empty playlist", func(p *statev1.PlaylistReply) bool { return len(p.GetItems()) == 0 })
	if pl.CurrentUid != nil {
		t.Errorf("after playlist_clear the playlist state still has current uid %d", pl.GetCurrentUid())
	}
	c.cmd("media_next", map[string]any{}).refused(t, "media_next with nothing playing", codeNotFound, quick)

	c.cmd("media_queue", map[string]any{"media": customItem(9), "temp": true}).ok(t, "queue a temporary item")
	c.waitPlaylist("one current item", func(p *statev1.PlaylistReply) bool { return len(p.GetItems()) == 1 && p.CurrentUid != nil })
	c.cmd("media_next", map[string]any{}).ok(t, "media_next on the only temporary item")
	pl = c.waitPlaylist("the temporary item gone", func(p *statev1.PlaylistReply) bool { return len(p.GetItems()) == 0 })
	if pl.CurrentUid != nil {
		t.Errorf("after media_next on the last temporary item the state still has current uid %d", pl.GetCurrentUid())
	}
	c.cmd("voteskip", map[string]any{}).refused(t, "voteskip on an empty playlist", codeNotFound, quick)
}

// playlist_request: CyTube allows one per 60 s; the second is refused at
// once with the wait, not after the deadline.
func TestPlaylistRequestLimit(t *testing.T) {
	c := newConnector(t, uniqueChannel(t, "plreq"), "golduser").ready()
	c.cmd("playlist_request", map[string]any{}).ok(t, "first playlist_request")
	r := c.cmd("playlist_request", map[string]any{}).refused(t, "second playlist_request", codeRateLimited, quick)
	if r.GetRetryAfterMs() < 50_000 {
		t.Errorf("retry_after_ms %d, want about 60 s", r.GetRetryAfterMs())
	}
}

// Polls: a vote or close without a poll and a vote for a missing option are
// refused at once (pv-3, pv-4, pc-2); a vote is confirmed by the count of
// its own option, not by another user's vote (pv-6).
func TestPollOutcomes(t *testing.T) {
	ch := uniqueChannel(t, "poll")
	c := newConnector(t, ch, "siteop").ready()
	other := newActor(t, ch, "golduser")
	c.cmd("poll_close", map[string]any{}).refused(t, "close without a poll", codeNotFound, quick)
	c.cmd("poll_vote", map[string]any{"option": 0}).refused(t, "vote without a poll", codeNotFound, quick)
	c.cmd("poll_open", map[string]any{"title": "integration?", "options": []string{"yes", "no"}}).ok(t, "open")
	waitUntil(t, "the poll in the actor's state", 10*time.Second, func() bool { return other.s.Snapshot().Poll != nil })
	c.cmd("poll_vote", map[string]any{"option": 5}).refused(t, "vote for a missing option", codeInvalid, quick)
	// Another user votes first; our vote must be confirmed by option 1's count.
	other.send(t, "vote", map[string]any{"option": 0})
	c.cmd("poll_vote", map[string]any{"option": 1}).ok(t, "vote")
	c.cmd("poll_vote", map[string]any{"option": 1}).refused(t, "the same vote again (pv-5)", codeInvalid, quick)
	c.cmd("poll_close", map[string]any{}).ok(t, "close")
}

var _ = commandsv1.ErrorCode_ERROR_CODE_INVALID

// media_next nx-3 (the next uid becomes current), queue with position
// next (q-22 after the current item), delete of the current item with
// others left (del-5).
func TestMediaNextAndQueueNext(t *testing.T) {
	c := newConnector(t, uniqueChannel(t, "next"), "siteop").ready()
	for i := 1; i <= 3; i++ {
		c.cmd("media_queue", map[string]any{"media": customItem(i)}).ok(t, fmt.Sprint("queue ", i))
	}
	pl := c.waitPlaylist("three items, one current", func(p *statev1.PlaylistReply) bool { return len(p.GetItems()) == 3 && p.CurrentUid != nil })
	first, second := pl.GetItems()[0].GetUid(), pl.GetItems()[1].GetUid()
	if pl.GetCurrentUid() != first {
		t.Fatalf("current %d, want the first item %d", pl.GetCurrentUid(), first)
	}
	c.cmd("media_next", map[string]any{}).ok(t, "media_next")
	c.waitPlaylist("the second item current", func(p *statev1.PlaylistReply) bool { return p.GetCurrentUid() == second })
	c.cmd("media_queue", map[string]any{"media": customItem(4), "position": "MEDIA_POSITION_NEXT"}).ok(t, "queue next")
	pl = c.waitPlaylist("four items", func(p *statev1.PlaylistReply) bool { return len(p.GetItems()) == 4 })
	if got := pl.GetItems()[2].GetMedia().GetTitle(); got != "item 4" {
		t.Errorf("item after the current one is %q, want the one queued next", got)
	}
	c.cmd("media_delete", map[string]any{"uid": second}).ok(t, "delete the current item")
	c.waitPlaylist("another item current", func(p *statev1.PlaylistReply) bool { return p.CurrentUid != nil && p.GetCurrentUid() != second })
}

// Temporary current items leave when playback moves on: j-5 (jump away),
// nx-4 (media_next with others left); q-23 (queue next of an item already
// queued replaces the old copy); del-6 (delete of the only, current item
// leaves nothing current). The results are ok and the state is true.
func TestTemporaryItemsAndReplacement(t *testing.T) {
	c := newConnector(t, uniqueChannel(t, "temp"), "siteop").ready()
	c.cmd("media_queue", map[string]any{"media": customItem(1), "temp": true}).ok(t, "queue temporary 1")
	for i := 2; i <= 4; i++ {
		c.cmd("media_queue", map[string]any{"media": customItem(i)}).ok(t, fmt.Sprint("queue ", i))
	}
	pl := c.waitPlaylist("four items, the temporary one current", func(p *statev1.PlaylistReply) bool {
		return len(p.GetItems()) == 4 && p.CurrentUid != nil && p.GetCurrentUid() == p.GetItems()[0].GetUid()
	})
	tmp, second, third, fourth := pl.GetItems()[0].GetUid(), pl.GetItems()[1].GetUid(), pl.GetItems()[2].GetUid(), pl.GetItems()[3].GetUid()
	c.cmd("media_jump", map[string]any{"uid": third}).ok(t, "j-5 jump away from the temporary item")
	c.waitPlaylist("the temporary item gone, the third current", func(p *statev1.PlaylistReply) bool {
		return len(p.GetItems()) == 3 && p.GetCurrentUid() == third && !hasUID(p, tmp)
	})
	c.cmd("media_set_temp", map[string]any{"uid": third, "temp": true}).ok(t, "make the current item temporary")
	c.cmd("media_next", map[string]any{}).ok(t, "nx-4 media_next from a temporary item")
	c.waitPlaylist("the current temporary item gone, the fourth current", func(p *statev1.PlaylistReply) bool {
		return len(p.GetItems()) == 2 && p.GetCurrentUid() == fourth && !hasUID(p, third)
	})
	// q-23: item 2 is queued and not current; queueing it next replaces it.
	c.cmd("media_queue", map[string]any{"media": customItem(2), "position": "MEDIA_POSITION_NEXT"}).ok(t, "q-23 queue next of a queued item")
	pl = c.waitPlaylist("item 2 right after the current one, once", func(p *statev1.PlaylistReply) bool {
		it := p.GetItems()
		return len(it) == 2 && !hasUID(p, second) && it[0].GetUid() == fourth && it[1].GetMedia().GetTitle() == "item 2"
	})
	c.cmd("media_delete", map[string]any{"uid": pl.GetItems()[1].GetUid()}).ok(t, "delete item 2")
	c.cmd("media_delete", map[string]any{"uid": fourth}).ok(t, "del-6 delete the only, current item")
	pl = c.waitPlaylist("an empty playlist", func(p *statev1.PlaylistReply) bool { return len(p.GetItems()) == 0 })
	if pl.CurrentUid != nil {
		t.Errorf("after deleting the only item the state has current uid %d", pl.GetCurrentUid())
	}
}

func hasUID(p *statev1.PlaylistReply, uid int64) bool {
	for _, it := range p.GetItems() {
		if it.GetUid() == uid {
			return true
		}
	}
	return false
}

// Predicted ignores and limits: mv-3 a move of an unknown uid or after
// itself, refused at once (NOT_FOUND, INVALID); q-17 the channel's
// playlist_max_per_user reached, refused before sending with CyTube's
// words (a bare client gets them from CyTube); po-3 a poll opened over
// an open one closes it and is confirmed; vs-3 a second voteskip before
// the media changes, refused at once.
func TestPredictedIgnoresAndLimits(t *testing.T) {
	ch := uniqueChannel(t, "limits")
	op := newActor(t, ch, "siteop")
	op.setOptions(t, map[string]any{"playlist_max_per_user": 1})
	c := newConnector(t, ch, "golduser").ready()
	waitUntil(t, "the option at the connector", 10*time.Second, func() bool {
		v, ok := c.option("playlist_max_per_user")
		return ok && v == float64(1)
	})
	c.cmd("media_queue", map[string]any{"media": customItem(1)}).ok(t, "the first item")
	pl := c.waitPlaylist("one item", func(p *statev1.PlaylistReply) bool { return len(p.GetItems()) == 1 })
	const words = "Channel limit exceeded: maximum number of videos per user"
	r := c.cmd("media_queue", map[string]any{"media": customItem(2)}).refused(t, "q-17 a second item", codeNotPermitted, quick)
	if !strings.Contains(r.GetReason(), words) {
		t.Errorf("q-17 reason %q, want CyTube's %q", r.GetReason(), words)
	}
	raw := newRawClient(t, ch, "golduser2")
	raw.emit("queue", map[string]any{"id": customItem(3)["id"], "type": "cu", "title": "item 3", "pos": "end"})
	ev := raw.answer("queue", map[string]any{"id": customItem(4)["id"], "type": "cu", "title": "item 4", "pos": "end"}, 5*time.Second, func(ev socketio.Event) bool { return ev.Name == "queueFail" })
	if got := answerText(ev); got != words {
		t.Errorf("q-17: CyTube said %q, want %q", got, words)
	}

	uid := pl.GetItems()[0].GetUid()
	c.cmd("media_move", map[string]any{"uid": 987654, "append": true}).refused(t, "mv-3 move of an unknown uid", codeNotFound, quick)
	c.cmd("media_move", map[string]any{"uid": uid, "after_uid": uid}).refused(t, "mv-3 move after itself", codeInvalid, quick)

	c.cmd("voteskip", map[string]any{}).ok(t, "voteskip")
	c.cmd("voteskip", map[string]any{}).refused(t, "vs-3 voteskip again", codeInvalid, quick)

	owner := newConnector(t, ch, "siteop").ready()
	owner.cmd("poll_open", map[string]any{"title": "first", "options": []string{"a"}}).ok(t, "a poll")
	owner.cmd("poll_open", map[string]any{"title": "second", "options": []string{"b"}}).ok(t, "po-3 a poll over the open one")
	waitUntil(t, "the second poll open at the connector", 10*time.Second, func() bool {
		p := &statev1.PollReply{}
		return c.state("poll", p) && p.GetOpen() && p.GetTitle() == "second"
	})
}
