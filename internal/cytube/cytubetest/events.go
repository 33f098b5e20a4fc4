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

// handleEvent dispatches one client event. Caller holds s.mu.
func (s *Server) handleEvent(c *conn, ev string, arg json.RawMessage) {
	switch ev {
	case "joinChannel":
		s.handleJoin(c, arg)
		return
	case "login":
		s.handleLogin(c, arg)
		return
	case "channelPassword":
		s.handleChannelPassword(c, arg)
		return
	}
	if !c.joined || c.ch == nil {
		return
	}
	ch := c.ch
	switch ev {
	case "chatMsg":
		s.handleChat(c, ch, arg)
	case "pm":
		s.handlePM(c, ch, arg)
	case "queue":
		s.handleQueue(c, ch, arg)
	case "delete":
		s.handleDelete(c, ch, arg)
	case "moveMedia":
		s.handleMove(c, ch, arg)
	case "jumpTo":
		var uid int
		if json.Unmarshal(arg, &uid) == nil && ch.can(c, ch.lockPerm("playlistjump")) {
			if it := ch.item(uid); it != nil {
				s.play(ch, it, false)
			}
		}
	case "playNext":
		if ch.can(c, ch.lockPerm("playlistjump")) {
			s.advance(ch)
		}
	case "setTemp":
		var p struct {
			UID  int  `json:"uid"`
			Temp bool `json:"temp"`
		}
		if json.Unmarshal(arg, &p) == nil && ch.can(c, "settemp") {
			if it := ch.item(p.UID); it != nil {
				it.temp = p.Temp
				ch.broadcast(fmt.Sprintf(`42["setTemp",{"uid":%d,"temp":%t}]`, p.UID, p.Temp))
			}
		}
	case "togglePlaylistLock":
		if ch.can(c, "playlistlock") {
			ch.locked = !ch.locked
			ch.emit("setPlaylistLocked", ch.locked)
		}
	case "shufflePlaylist":
		if ch.can(c, "playlistshuffle") {
			s.shuffle(ch)
		}
	case "clearPlaylist":
		if ch.can(c, "playlistclear") {
			ch.playlist = nil
			ch.current = nil
			ch.emit("playlist", []any{})
			ch.broadcast(ch.playlistMetaFrame())
		}
	case "requestPlaylist":
		if !ch.can(c, "seeplaylist") {
			return
		}
		if !c.lastReqPL.IsZero() && time.Since(c.lastReqPL) < time.Minute {
			c.emit("errorMsg", struct {
				Msg  string `json:"msg"`
				Code string `json:"code"`
			}{"Get Playlist URLs is limited to 1 usage every 60 seconds.  Please try again later.", "REQ_PLAYLIST_LIMIT_REACHED"})
			return
		}
		c.lastReqPL = time.Now()
		c.send(ch.playlistMetaFrame())
		c.emit("playlist", ch.playlistJSON())
		if ch.current != nil {
			c.emit("setCurrent", ch.current.uid)
		}
	case "playerReady":
		if ch.current != nil {
			c.emit("changeMedia", s.changeMediaPayload(ch))
		}
	case "assignLeader":
		s.handleAssignLeader(c, ch, arg)
	case "mediaUpdate":
		s.handleMediaUpdate(c, ch, arg)
	case "voteskip":
		s.handleVoteskip(c, ch)
	case "newPoll":
		s.handleNewPoll(c, ch, arg)
	case "vote":
		s.handleVote(c, ch, arg)
	case "closePoll":
		if ch.can(c, "pollctl") {
			s.closePoll(ch)
		}
	case "setChannelRank":
		s.handleSetChannelRank(c, ch, arg)
	case "requestChannelRanks":
		if c.rank() >= 3 && ch.registered {
			type rk struct {
				Name    string  `json:"name"`
				Rank    float64 `json:"rank"`
				Channel string  `json:"channel"`
			}
			out := []rk{}
			for n, r := range ch.ranks {
				out = append(out, rk{Name: n, Rank: r, Channel: ch.name})
			}
			c.emit("channelRanks", out)
		}
	case "setMotd":
		if c.rank() < ch.perms.need("motdedit") {
			s.kick(c, "Attempted setMotd with insufficient permission")
			return
		}
		var p struct {
			Motd string `json:"motd"`
		}
		if json.Unmarshal(arg, &p) == nil {
			ch.motd = scriptRe.ReplaceAllString(p.Motd, "")
			ch.emit("setMotd", ch.motd)
		}
	case "setOptions":
		if c.rank() >= 2 {
			if _, ok := jsonObject(arg); ok {
				_ = json.Unmarshal(arg, &ch.opts)
				ch.emit("channelOpts", ch.opts)
			}
		}
	case "setPermissions":
		if c.rank() >= 3 {
			var p map[string]float64
			if json.Unmarshal(arg, &p) == nil {
				for k, v := range p {
					if _, ok := ch.perms.vals[k]; ok {
						ch.perms.vals[k] = v
					}
				}
				ch.emit("setPermissions", ch.perms)
			}
		}
	case "listPlaylists":
		if c.u != nil && !c.u.guest {
			c.emit("listPlaylists", []any{})
		}
	}
}

func typeName(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "undefined"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "object"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "object"
	}
	return "number"
}

// typecheckString reports CyTube's typecheck errorMsg for key k and returns the value.
func typecheckString(c *conn, ev string, arg json.RawMessage, key string) (map[string]json.RawMessage, string, bool) {
	m, ok := jsonObject(arg)
	if !ok {
		c.emit("errorMsg", map[string]string{"msg": fmt.Sprintf("Unexpected error for message %s: Expected type object, got %s", ev, typeName(arg))})
		return nil, "", false
	}
	raw, present := m[key]
	if !present {
		c.emit("errorMsg", map[string]string{"msg": fmt.Sprintf("Unexpected error for message %s: Missing key: string:%s", ev, key)})
		return nil, "", false
	}
	var v string
	if json.Unmarshal(raw, &v) != nil {
		c.emit("errorMsg", map[string]string{"msg": fmt.Sprintf("Unexpected error for message %s: Expected key %s to be of type string, instead got %s", ev, key, typeName(raw))})
		return nil, "", false
	}
	return m, v, true
}

func voterKey(c *conn) string {
	if c.u != nil {
		return strings.ToLower(c.u.name)
	}
	return fmt.Sprintf("#%d", c.id)
}

// cleanChat applies CyTube's input normalisation: truncate to 320 UTF-16
// units, control characters to a space. It returns "" for blank input.
func cleanChat(msg string, allowControl bool) string {
	msg = truncateUTF16(msg, 320)
	if !allowControl {
		msg = ctrlRe.ReplaceAllString(msg, " ")
	}
	if strings.TrimSpace(msg) == "" {
		return ""
	}
	return msg
}

func (s *Server) handleChat(c *conn, ch *channel, arg json.RawMessage) {
	m, msg, ok := typecheckString(c, "chatMsg", arg, "msg")
	if !ok || c.u == nil {
		return
	}
	u := c.u
	if u.muted && !u.smuted {
		c.emit("noflood", map[string]string{"action": "chat", "msg": "You have been muted on this channel."})
		return
	}
	msg = cleanChat(msg, ch.opts.AllowASCIIControl)
	if msg == "" || !ch.can(c, "chat") {
		return
	}
	if u.rank < 2 {
		age := time.Since(c.loginTime).Seconds()
		if ch.opts.NewUserChatDelay > 0 && age < ch.opts.NewUserChatDelay {
			c.emit("spamFiltered", map[string]string{"reason": "NEW_USER_CHAT"})
			return
		}
		if ch.opts.NewUserChatLinkDelay > 0 && age < ch.opts.NewUserChatLinkDelay && linkRe.MatchString(msg) {
			c.emit("spamFiltered", map[string]string{"reason": "NEW_USER_CHAT_LINK"})
			return
		}
	}
	now := time.Now()
	if ch.opts.ChatAntiflood && u.rank < 2 {
		p := ch.opts.ChatAntifloodParams
		if p.Sustained <= 0 {
			p.Sustained = 1
		}
		if !c.antiflood.take(now, math.Max(p.Burst, 1), p.Sustained) {
			c.emit("cooldown", math.Round(1000/p.Sustained))
			return
		}
	} else if !c.flood.take(now, 20, 10) {
		c.emit("cooldown", 100)
		return
	}
	var meta chatMeta
	if mraw, ok := m["meta"]; ok {
		var mm struct {
			Modflair float64 `json:"modflair"`
		}
		if json.Unmarshal(mraw, &mm) == nil && u.rank >= 2 && mm.Modflair == u.rank {
			meta.Modflair = mm.Modflair
		}
	}
	if strings.HasPrefix(msg, "/") {
		if s.chatCommand(c, ch, msg, &meta) {
			return
		}
	}
	if u.afk && msg != "/afk" {
		s.setAFK(ch, u, false)
	}
	s.sendChat(ch, u, msg, meta)
}

// chatCommand handles a /command. It returns true when the message is
// consumed; otherwise msg/meta are rewritten for broadcast (via pointer) and
// the caller sends it.
func (s *Server) chatCommand(c *conn, ch *channel, msg string, meta *chatMeta) bool {
	u := c.u
	cmd, rest, _ := strings.Cut(msg, " ")
	args := strings.Fields(rest)
	target := ""
	if len(args) > 0 {
		target = args[0]
	}
	reason := ""
	if len(args) > 1 {
		reason = strings.Join(args[1:], " ")
	}
	switch strings.ToLower(cmd) {
	case "/me":
		s.afkClear(ch, u)
		s.sendChat(ch, u, rest, chatMeta{AddClass: "action", Action: true, Modflair: meta.Modflair})
	case "/sp":
		s.afkClear(ch, u)
		s.sendChat(ch, u, rest, chatMeta{AddClass: "spoiler", Modflair: meta.Modflair})
	case "/say", "/shout", "/rcv":
		if u.rank >= 2 {
			s.afkClear(ch, u)
			s.sendChat(ch, u, rest, chatMeta{AddClass: "shout", AddClassToNameAndTimestamp: true, ForceShowName: true, Modflair: meta.Modflair})
		}
	case "/a":
		if u.global >= 255 {
			s.sendChat(ch, u, rest, chatMeta{AddClass: "shout", AddClassToNameAndTimestamp: true, ForceShowName: true})
		}
	case "/afk":
		s.setAFK(ch, u, !u.afk)
	case "/d":
		if !ch.can(c, "drink") {
			return true
		}
		ch.drinks++
		ch.emit("drinkCount", ch.drinks)
		text := strings.TrimSpace(rest)
		if text != "" {
			text += " "
		}
		s.sendChat(ch, u, text+"drink!", chatMeta{AddClass: "drink", ForceShowName: true})
	case "/clear":
		if ch.can(c, "chatclear") {
			ch.history = nil
			ch.emit("clearchat", map[string]string{"clearedBy": u.name})
			s.sendChat(ch, &user{name: "[server]"}, u.name+" cleared chat.", chatMeta{AddClass: "server-whisper", AddClassToNameAndTimestamp: true})
		}
	case "/kick":
		if !ch.can(c, "kick") {
			return true
		}
		if target == "" {
			c.emit("errorMsg", map[string]string{"msg": "No kick target specified.  If you're trying to kick anonymous users, use /kickanons"})
			return true
		}
		t := ch.findUser(target)
		if t == nil {
			return true
		}
		if t.rank >= u.rank {
			c.emit("errorMsg", map[string]string{"msg": "You do not have permission to kick " + t.name})
			return true
		}
		s.kickUser(ch, t, reason)
		ch.whisper(s, u.name+" kicked "+t.name)
	case "/kickanons":
		if !ch.can(c, "kick") {
			return true
		}
		for o := range ch.conns {
			if o.u == nil {
				s.kick(o, "anonymous user")
			}
		}
		ch.whisper(s, u.name+" kicked anonymous users")
	case "/ban":
		if !ch.can(c, "ban") || target == "" {
			return true
		}
		if strings.EqualFold(target, u.name) {
			c.emit("errorMsg", map[string]string{"msg": "You cannot ban yourself"})
			return true
		}
		t := ch.findUser(target)
		if t != nil && t.rank >= u.rank {
			c.emit("errorMsg", map[string]string{"msg": "You don't have permission to ban " + t.name})
			return true
		}
		ch.bans[strings.ToLower(target)] = true
		if t != nil {
			s.kickUser(ch, t, "You're banned!")
		}
		ch.whisper(s, u.name+" namebanned "+strings.ToLower(target))
	case "/mute", "/smute", "/unmute":
		if !ch.can(c, "mute") {
			return true
		}
		name := strings.TrimPrefix(strings.ToLower(cmd), "/")
		t := ch.findUser(target)
		if t == nil {
			c.emit("errorMsg", map[string]string{"msg": fmt.Sprintf("/%s target %s not present in channel.", name, target)})
			return true
		}
		if t.rank >= u.rank {
			c.emit("errorMsg", map[string]string{"msg": fmt.Sprintf("/%s failed - %s has equal or higher rank than you.", name, t.name)})
			return true
		}
		switch name {
		case "mute":
			t.muted, t.smuted = true, false
			s.broadcastMeta(ch, t, false)
			ch.whisper(s, u.name+" muted "+t.name)
		case "smute":
			t.muted, t.smuted = true, true
			s.broadcastMeta(ch, t, true)
			ch.whisper(s, u.name+" shadowmuted "+t.name)
		default:
			t.muted, t.smuted = false, false
			ch.whisper(s, u.name+" unmuted "+strings.ToLower(t.name))
			s.broadcastMeta(ch, t, false)
		}
	case "/poll", "/hpoll":
		if !ch.can(c, "pollctl") {
			return true
		}
		parts := strings.Split(rest, ",")
		if len(parts) < 2 {
			return true
		}
		s.openPoll(ch, u.name, parts[0], parts[1:], strings.EqualFold(cmd, "/hpoll"), 0)
	default:
		return false
	}
	return true
}

func (s *Server) afkClear(ch *channel, u *user) {
	if u.afk {
		s.setAFK(ch, u, false)
	}
}

// broadcastMeta sends setUserMeta; modsOnly limits it to rank >= 2 viewers.
func (s *Server) broadcastMeta(ch *channel, u *user, modsOnly bool) {
	ch.broadcastView(func(o *conn) string {
		if modsOnly && o.rank() < 2 {
			return ""
		}
		return eventFrame("setUserMeta", struct {
			Name string `json:"name"`
			Meta any    `json:"meta"`
		}{u.name, u.meta(o.rank())})
	})
}

func (s *Server) setAFK(ch *channel, u *user, afk bool) {
	u.afk = afk
	s.broadcastMeta(ch, u, false)
	ch.broadcast(fmt.Sprintf(`42["setAFK",{"name":%s,"afk":%t}]`, marshal(u.name), afk))
	if afk && u.c != nil {
		u.c.emit("clearVoteskipVote", noArg{})
		delete(ch.skips, strings.ToLower(u.name))
	}
}

// kickUser kicks a present user; fake users just leave.
func (s *Server) kickUser(ch *channel, t *user, reason string) {
	if t.c != nil {
		s.kick(t.c, reason)
		return
	}
	ch.removeUser(t)
	ch.emit("userLeave", map[string]string{"name": t.name})
}

// sendChat formats and broadcasts a chat message from u (echo included).
func (s *Server) sendChat(ch *channel, u *user, text string, meta chatMeta) {
	if strings.TrimSpace(text) == "" {
		return
	}
	if meta.AddClass == "" && strings.HasPrefix(text, ">") {
		meta.AddClass = "greentext"
	}
	m := ChatMsg{Username: u.name, Msg: formatChat(text, ch.opts.EnableLinkRegex, true, "noopener noreferrer"), Meta: json.RawMessage(marshal(meta)), Time: s.now().UnixMilli()}
	if u.smuted {
		shadow := m
		sm := meta
		sm.Shadow = true
		shadow.Meta = json.RawMessage(marshal(sm))
		ch.broadcastView(func(o *conn) string {
			switch {
			case o.u == u || o.u == nil:
				return eventFrame("chatMsg", m)
			case o.rank() >= 2:
				return eventFrame("chatMsg", shadow)
			}
			return ""
		})
		return
	}
	ch.addHistory(m)
	ch.emit("chatMsg", m)
}

func (s *Server) handlePM(c *conn, ch *channel, arg json.RawMessage) {
	m, to, ok := typecheckString(c, "pm", arg, "to")
	if !ok {
		return
	}
	var msg string
	if json.Unmarshal(m["msg"], &msg) != nil {
		c.emit("errorMsg", map[string]string{"msg": "Unexpected error for message pm: Missing key: string:msg"})
		return
	}
	if c.u == nil {
		c.emit("errorMsg", map[string]string{"msg": "You must be signed in to send PMs"})
		return
	}
	if !nameRe.MatchString(to) {
		c.emit("errorMsg", map[string]string{"msg": fmt.Sprintf("PM failed: %s isn't a valid username.", to)})
		return
	}
	if strings.EqualFold(to, c.u.name) {
		c.emit("errorMsg", map[string]string{"msg": "You can't PM yourself!"})
		return
	}
	t := ch.findUser(to)
	if t == nil {
		c.emit("errorMsg", map[string]string{"msg": fmt.Sprintf("PM failed: %s isn't connected to this channel.", to)})
		return
	}
	if !c.flood.take(time.Now(), 20, 10) {
		c.emit("cooldown", 100)
		return
	}
	msg = cleanChat(msg, ch.opts.AllowASCIIControl)
	if msg == "" {
		return
	}
	s.deliverPM(ch, c.u, t, msg)
}

func (s *Server) deliverPM(ch *channel, from, to *user, msg string) {
	p := pmMsg{Username: from.name, Msg: formatChat(msg, ch.opts.EnableLinkRegex, true, "noopener noreferrer"), Meta: json.RawMessage("{}"), Time: s.now().UnixMilli(), To: to.name}
	if from.c != nil {
		from.c.emit("pm", p)
	}
	if to.c != nil && to.c != from.c {
		to.c.emit("pm", p)
	}
}

// ---- playlist ----

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
		if !c.queueLim.take(time.Now(), burst, rate) {
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

// ---- polls ----

func (s *Server) handleNewPoll(c *conn, ch *channel, arg json.RawMessage) {
	if !ch.can(c, "pollctl") {
		return
	}
	var p struct {
		Title    string   `json:"title"`
		Opts     []string `json:"opts"`
		Obscured bool     `json:"obscured"`
		Timeout  float64  `json:"timeout"`
	}
	if err := json.Unmarshal(arg, &p); err != nil {
		c.emit("errorMsg", map[string]string{"msg": "Unexpected error for message newPoll: Expected key opts to be of type array, instead got string"})
		return
	}
	if len(p.Opts) > 50 {
		s.closePoll(ch)
		c.emit("errorMsg", map[string]string{"msg": "Polls are limited to a maximum of 50 options."})
		return
	}
	s.openPoll(ch, c.u.name, p.Title, p.Opts, p.Obscured, time.Duration(p.Timeout*float64(time.Second)))
}

func (s *Server) openPoll(ch *channel, by, title string, opts []string, obscured bool, timeout time.Duration) {
	if ch.poll != nil {
		s.closePoll(ch)
	}
	po := &poll{title: formatChat(title, true, false, "noopener noreferer"), votes: map[string]int{}, initiator: by, timestamp: s.now().UnixMilli(), obscured: obscured}
	for _, o := range opts {
		po.options = append(po.options, formatChat(o, true, false, "noopener noreferer"))
	}
	if timeout > 0 {
		po.deadline = time.Now().Add(timeout)
	}
	ch.poll = po
	s.pollBroadcast(ch, "newPoll", false)
}

func (s *Server) pollBroadcast(ch *channel, event string, reveal bool) {
	need := ch.perms.need("viewhiddenpoll")
	ch.broadcastView(func(o *conn) string { return eventFrame(event, ch.poll.view(o.rank(), need, reveal)) })
}

func (s *Server) closePoll(ch *channel) {
	if ch.poll == nil {
		return
	}
	if ch.poll.obscured {
		s.pollBroadcast(ch, "updatePoll", true)
	}
	ch.poll = nil
	ch.emit("closePoll", nil)
}

func (s *Server) handleVote(c *conn, ch *channel, arg json.RawMessage) {
	var p struct {
		Option *int `json:"option"`
	}
	if ch.poll == nil || !ch.can(c, "pollvote") || json.Unmarshal(arg, &p) != nil || p.Option == nil {
		return
	}
	if *p.Option < 0 || *p.Option >= len(ch.poll.options) {
		return
	}
	ch.poll.votes[voterKey(c)] = *p.Option
	s.pollBroadcast(ch, "updatePoll", false)
}

// ---- ranks ----

func (s *Server) handleSetChannelRank(c *conn, ch *channel, arg json.RawMessage) {
	m, name, ok := typecheckString(c, "setChannelRank", arg, "name")
	if !ok || c.u == nil {
		return
	}
	var rank float64
	if json.Unmarshal(m["rank"], &rank) != nil {
		c.emit("errorMsg", map[string]string{"msg": fmt.Sprintf("Unexpected error for message setChannelRank: Expected key rank to be of type number, instead got %s", typeName(m["rank"]))})
		return
	}
	me := c.u.rank
	if me < 2 {
		return
	}
	t := ch.findUser(name)
	cur := 0.0
	if t != nil {
		cur = t.rank
	} else if r, ok := ch.ranks[strings.ToLower(name)]; ok {
		cur = r
	}
	if rank >= me || cur >= me || rank < 1 {
		c.emit("channelRankFail", map[string]string{"msg": "Updating user rank failed: You can't promote someone to a rank equal or higher than yourself, or demote them to below rank 1."})
		return
	}
	if t == nil {
		if _, _, found := s.account(name); !found {
			return
		}
		ch.ranks[strings.ToLower(name)] = rank
		c.send(fmt.Sprintf(`42["setUserRank",{"name":%s,"rank":%s,"userrank":%s}]`, marshal(name), formatNum(rank), formatNum(me)))
		ch.whisper(s, fmt.Sprintf("%s set %s's rank to %s", c.u.name, name, formatNum(rank)))
		return
	}
	t.rank = rank
	if !t.guest {
		ch.ranks[strings.ToLower(t.name)] = rank
	}
	if t.c != nil {
		t.c.emit("rank", rank)
	}
	ch.send2("setUserRank", t.name, rank)
	if t.guest {
		c.emit("channelRankFail", map[string]string{"msg": "The user you promoted is not a registered account.  Any rank changes are temporary and not stored in the database."})
	}
}

// tick runs the channel clock: lead-in end, periodic updates, auto-advance,
// poll timeouts. Caller holds s.mu.
func (s *Server) tick(ch *channel, now time.Time) {
	if ch.poll != nil && !ch.poll.deadline.IsZero() && now.After(ch.poll.deadline) {
		s.closePoll(ch)
	}
	if ch.current == nil {
		return
	}
	if !ch.leadUntil.IsZero() && !now.Before(ch.leadUntil) {
		ch.leadUntil = time.Time{}
		ch.paused = false
		ch.playStart = now
		ch.lastUpdate = now
		ch.broadcast(`42["mediaUpdate",{"currentTime":0,"paused":false}]`)
		return
	}
	iv := s.opts.MediaUpdateInterval
	if iv <= 0 || ch.paused || !ch.leadUntil.IsZero() {
		return
	}
	if sec := ch.current.media.Seconds; sec > 0 && now.Sub(ch.playStart).Seconds() >= sec {
		if len(ch.playlist) > 1 || ch.current.temp {
			s.advanceAfterEnd(ch)
			return
		}
	}
	if now.Sub(ch.lastUpdate) >= iv {
		ch.lastUpdate = now
		ch.broadcast(fmt.Sprintf(`42["mediaUpdate",{"currentTime":%s,"paused":false}]`, formatNum(s.currentTime(ch, now))))
	}
}

func (s *Server) advanceAfterEnd(ch *channel) {
	cur := ch.current
	if len(ch.playlist) == 1 && cur.temp {
		ch.current = nil
		s.deleteItem(ch, cur)
		return
	}
	s.advance(ch)
}
