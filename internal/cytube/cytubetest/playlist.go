package cytubetest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// The playlist: queue, delete, move, jump, shuffle, playback, leader,
// voteskip.

// lockPerm picks the locked or open ("o…") variant of a playlist permission.
func (ch *channel) lockPerm(perm string) string {
	if ch.locked {
		return perm
	}
	return "o" + perm
}

func (ch *channel) item(uid int) *plItem {
	for _, it := range ch.playlist {
		if it.uid == uid {
			return it
		}
	}
	return nil
}

func (ch *channel) index(it *plItem) int {
	for i, x := range ch.playlist {
		if x == it {
			return i
		}
	}
	return -1
}

func (s *Server) queueFail(c *conn, msg, link, id string) {
	c.send(eventFrame("queueFail", struct {
		Msg  string `json:"msg"`
		Link string `json:"link"`
		ID   string `json:"id"`
	}{msg, link, id}))
}

func htmlEscapeAll(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;", "(", "&#40;", ")", "&#41;").Replace(s)
}

func (s *Server) handleQueue(c *conn, ch *channel, arg json.RawMessage) {
	m, id, ok := typecheckString(c, "queue", arg, "id")
	if !ok {
		return
	}
	var typ, pos, title string
	var dur float64
	var temp bool
	if json.Unmarshal(m["type"], &typ) != nil {
		c.emit("errorMsg", map[string]string{"msg": "Unexpected error for message queue: Missing key: string:type"})
		return
	}
	if _, present := m["pos"]; !present || json.Unmarshal(m["pos"], &pos) != nil {
		c.emit("errorMsg", map[string]string{"msg": "Unexpected error for message queue: Missing key: string:pos"})
		return
	}
	_ = json.Unmarshal(m["title"], &title)
	_ = json.Unmarshal(m["duration"], &dur)
	_ = json.Unmarshal(m["temp"], &temp)
	if pos != "end" && pos != "next" {
		return
	}
	perm := "playlistadd"
	if pos == "next" {
		perm = "playlistnext"
	}
	if !ch.can(c, ch.lockPerm(perm)) {
		return
	}
	s.queueMedia(c, ch, c.u, id, typ, pos, title, dur, temp)
}

// queueMedia validates and adds an item; c (may be nil) gets queueFail.
func (s *Server) queueMedia(c *conn, ch *channel, u *user, id, typ, pos, title string, dur float64, temp bool) {
	fail := func(msg, link string) {
		if c != nil {
			s.queueFail(c, msg, link, id)
		}
	}
	rank := 255.0
	if u != nil {
		rank = u.rank
	}
	if c != nil {
		burst, rate := 3.0, 1.0
		if rank >= 2 {
			burst, rate = 10, 2
		}
		if c.queueLim.throttle(time.Now(), burst, rate, -1) {
			fail("You are adding videos too quickly", id)
			return
		}
	}
	switch typ {
	case "yt":
		fail("The YouTube API now requires an API key.  Please see the documentation for youtube-v3-key in config.template.yaml", "https://youtu.be/"+id)
		return
	case "fi":
		fail("Raw file playback is not enabled on this server", id)
		return
	}
	allowed := false
	for _, t := range s.opts.MediaTypes {
		allowed = allowed || t == typ
	}
	if !allowed {
		fail(htmlEscapeAll(fmt.Sprintf("Unknown media type '%s'", typ)), "")
		return
	}
	media := Media{ID: id, Title: title, Seconds: math.Floor(dur), Type: typ}
	live := false
	link := id
	switch typ {
	case "cu":
		mm := iframeRe.FindStringSubmatch(id)
		if mm == nil {
			fail("Invalid embed.  Input must be an &lt;iframe&gt; tag", "")
			return
		}
		sum := sha256.Sum256([]byte(id))
		media.ID = "cu:" + base64.StdEncoding.EncodeToString(sum[:])
		media.Seconds = 0
		media.Meta = json.RawMessage(marshal(struct {
			Embed struct {
				Tag string `json:"tag"`
				Src string `json:"src"`
			} `json:"embed"`
		}{Embed: struct {
			Tag string `json:"tag"`
			Src string `json:"src"`
		}{"iframe", mm[1]}}))
		if media.Title == "" {
			media.Title = "Custom Media"
		}
		link = ""
		live = true
	case "rt", "hl":
		if typ == "hl" && !strings.HasPrefix(id, "https://") {
			fail("HLS links must start with HTTPS due to browser security policy.  See https://git.io/vpDLK for details.", id)
			return
		}
		media.Title, media.Seconds, live = "Livestream", 0, true
	default:
		if media.Title == "" {
			media.Title = id
		}
		live = media.Seconds <= 0
	}
	if utf16Len(media.Title) > 100 {
		media.Title = truncateUTF16(media.Title, 97) + "..."
	}
	if live && rank < ch.perms.need("playlistaddlive") {
		fail("You don't have permission to add live media", link)
		return
	}
	if typ == "cu" && rank < ch.perms.need("playlistaddcustom") {
		fail("You don't have permission to add custom embeds", link)
		return
	}
	if typ == "cm" && rank < ch.perms.need("playlistaddrawfile") {
		fail("You don't have permission to add raw video files", link)
		return
	}
	if !ch.opts.AllowDupes {
		for _, it := range ch.playlist {
			if it.media.ID == media.ID && it.media.Type == media.Type {
				fail("This item is already on the playlist", link)
				return
			}
		}
	}
	if rank < ch.perms.need("addnontemp") {
		temp = true
	}
	by := ""
	if u != nil {
		by = u.name
	}
	s.insertItem(ch, media, by, temp, pos == "next")
}

func (s *Server) insertItem(ch *channel, media Media, by string, temp, next bool) {
	it := &plItem{media: media, uid: ch.nextUID, temp: temp, queueby: by}
	ch.nextUID++
	var after any = "prepend"
	idx := len(ch.playlist)
	if next && ch.current != nil {
		idx = ch.index(ch.current) + 1
		after = ch.current.uid
	} else if next {
		idx = 0
	} else if len(ch.playlist) > 0 {
		after = ch.playlist[len(ch.playlist)-1].uid
	}
	ch.playlist = append(ch.playlist, nil)
	copy(ch.playlist[idx+1:], ch.playlist[idx:])
	ch.playlist[idx] = it
	ch.emit("queue", struct {
		Item  plItemJSON `json:"item"`
		After any        `json:"after"`
	}{it.wire(), after})
	ch.broadcast(ch.playlistMetaFrame())
	if ch.current == nil {
		s.play(ch, it, true)
	}
}

func (s *Server) changeMediaPayload(ch *channel) changeMediaJSON {
	return changeMediaJSON{mediaJSON: ch.current.media.wire(), CurrentTime: s.currentTime(ch, time.Now()), Paused: ch.paused}
}

func (s *Server) currentTime(ch *channel, now time.Time) float64 {
	if ch.paused {
		return ch.pausedAt
	}
	return math.Round(now.Sub(ch.playStart).Seconds()*1000) / 1000
}

// play makes it current: setCurrent + changeMedia (+ voteskip reset).
func (s *Server) play(ch *channel, it *plItem, leadIn bool) {
	prev := ch.current
	ch.current = it
	now := time.Now()
	ch.paused = false
	ch.playStart = now
	ch.leadUntil = time.Time{}
	if leadIn && s.opts.LeadIn > 0 {
		ch.paused = true
		ch.pausedAt = -math.Round(s.opts.LeadIn.Seconds())
		ch.leadUntil = now.Add(s.opts.LeadIn)
	}
	ch.lastUpdate = now
	if prev != nil && prev != it && prev.temp {
		if i := ch.index(prev); i >= 0 {
			ch.playlist = append(ch.playlist[:i], ch.playlist[i+1:]...)
			ch.emit("delete", map[string]int{"uid": prev.uid})
			ch.broadcast(ch.playlistMetaFrame())
		}
	}
	ch.emit("setCurrent", it.uid)
	ch.emit("changeMedia", s.changeMediaPayload(ch))
	ch.skips = map[string]bool{}
	ch.broadcastView(func(o *conn) string {
		if o.rank() >= ch.perms.need("viewvoteskip") {
			return `42["voteskip",{"count":0,"need":0}]`
		}
		return ""
	})
}

// advance plays the item after the current one, wrapping around.
func (s *Server) advance(ch *channel) {
	if len(ch.playlist) == 0 {
		return
	}
	i := 0
	if ch.current != nil {
		i = (ch.index(ch.current) + 1) % len(ch.playlist)
	}
	next := ch.playlist[i]
	if next == ch.current && len(ch.playlist) > 1 {
		return
	}
	s.play(ch, next, false)
}

func (s *Server) handleDelete(c *conn, ch *channel, arg json.RawMessage) {
	var uid int
	if json.Unmarshal(arg, &uid) != nil || !ch.can(c, ch.lockPerm("playlistdelete")) {
		return
	}
	it := ch.item(uid)
	if it == nil {
		return
	}
	s.deleteItem(ch, it)
}

func (s *Server) deleteItem(ch *channel, it *plItem) {
	i := ch.index(it)
	wasCurrent := ch.current == it
	var next *plItem
	if wasCurrent && len(ch.playlist) > 1 {
		next = ch.playlist[(i+1)%len(ch.playlist)]
	}
	ch.playlist = append(ch.playlist[:i], ch.playlist[i+1:]...)
	ch.emit("delete", map[string]int{"uid": it.uid})
	ch.broadcast(ch.playlistMetaFrame())
	if wasCurrent {
		ch.current = nil
		if next != nil {
			s.play(ch, next, false)
		}
	}
}

func (s *Server) handleMove(c *conn, ch *channel, arg json.RawMessage) {
	var p struct {
		From  int             `json:"from"`
		After json.RawMessage `json:"after"`
	}
	if json.Unmarshal(arg, &p) != nil || !ch.can(c, ch.lockPerm("playlistmove")) {
		return
	}
	it := ch.item(p.From)
	if it == nil {
		return
	}
	var afterStr string
	var afterUID int
	isStr := json.Unmarshal(p.After, &afterStr) == nil
	if !isStr && json.Unmarshal(p.After, &afterUID) != nil {
		return
	}
	var target *plItem
	if !isStr {
		if target = ch.item(afterUID); target == nil || target == it {
			return
		}
	}
	i := ch.index(it)
	ch.playlist = append(ch.playlist[:i], ch.playlist[i+1:]...)
	var idx int
	switch {
	case isStr && afterStr == "prepend":
		idx = 0
	case isStr:
		idx = len(ch.playlist)
	default:
		idx = ch.index(target) + 1
	}
	ch.playlist = append(ch.playlist, nil)
	copy(ch.playlist[idx+1:], ch.playlist[idx:])
	ch.playlist[idx] = it
	ch.broadcast(fmt.Sprintf(`42["moveVideo",{"from":%d,"after":%s}]`, p.From, string(p.After)))
}

func (s *Server) shuffle(ch *channel) {
	var rest []*plItem
	for _, it := range ch.playlist {
		if it != ch.current {
			rest = append(rest, it)
		}
	}
	rand.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	var out []*plItem
	if ch.current != nil {
		out = append(out, ch.current)
	}
	out = append(out, rest...)
	for _, it := range out {
		it.uid = ch.nextUID
		ch.nextUID++
	}
	ch.playlist = out
	ch.emit("playlist", ch.playlistJSON())
	if ch.current != nil {
		ch.emit("setCurrent", ch.current.uid)
		ch.emit("changeMedia", s.changeMediaPayload(ch))
	}
}

func (s *Server) handleAssignLeader(c *conn, ch *channel, arg json.RawMessage) {
	if !ch.can(c, "leaderctl") {
		s.kick(c, "Attempted assignLeader without sufficient permission")
		return
	}
	var p struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(arg, &p) != nil {
		return
	}
	if old := ch.findUser(ch.leader); old != nil && old.rank == 1.5 {
		old.rank = s.channelRank(ch, old)
		if old.guest {
			old.rank = 0
		}
		if old.c != nil {
			old.c.emit("rank", old.rank)
		}
		ch.send2("setUserRank", old.name, old.rank)
	}
	if p.Name == "" {
		ch.leader = ""
		ch.emit("setLeader", "")
		return
	}
	t := ch.findUser(p.Name)
	if t == nil {
		c.emit("errorMsg", map[string]string{"msg": "Unable to assign leader: could not find user " + p.Name})
		return
	}
	ch.leader = t.name
	ch.emit("setLeader", t.name)
	if t.rank < 1.5 {
		t.rank = 1.5
		if t.c != nil {
			t.c.emit("rank", 1.5)
		}
		ch.send2("setUserRank", t.name, 1.5)
	}
}

func (s *Server) handleMediaUpdate(c *conn, ch *channel, arg json.RawMessage) {
	if c.u == nil || !strings.EqualFold(ch.leader, c.u.name) || ch.current == nil {
		return
	}
	var p struct {
		ID          string  `json:"id"`
		CurrentTime float64 `json:"currentTime"`
		Paused      bool    `json:"paused"`
	}
	if json.Unmarshal(arg, &p) != nil || p.ID != ch.current.media.ID {
		return
	}
	ch.leadUntil = time.Time{}
	ch.paused = p.Paused
	ch.pausedAt = p.CurrentTime
	ch.playStart = time.Now().Add(-time.Duration(p.CurrentTime * float64(time.Second)))
	ch.broadcast(fmt.Sprintf(`42["mediaUpdate",{"currentTime":%s,"paused":%t}]`, formatNum(p.CurrentTime), p.Paused))
}

func (s *Server) handleVoteskip(c *conn, ch *channel) {
	if !ch.opts.AllowVoteskip || !ch.can(c, "voteskip") || ch.current == nil {
		return
	}
	key := voterKey(c)
	if ch.skips[key] {
		return
	}
	ch.skips[key] = true
	active := 0
	for _, u := range ch.users {
		if !u.afk {
			active++
		}
	}
	need := int(math.Ceil(float64(active) * ch.opts.VoteskipRatio))
	count := len(ch.skips)
	ch.broadcastView(func(o *conn) string {
		if o.rank() >= ch.perms.need("viewvoteskip") {
			return fmt.Sprintf(`42["voteskip",{"count":%d,"need":%d}]`, count, need)
		}
		return ""
	})
	if count >= need {
		s.advance(ch)
	}
}
