package cytubetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Chat, private messages, chat commands, AFK and mutes.

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
	// One limiter for chat and PMs (src/user.js:23); the channel's
	// antiflood replaces MIN_ANTIFLOOD for chat below rank 2
	// (src/channel/chat.js:306-317).
	now := time.Now()
	if ch.opts.ChatAntiflood && u.rank < 2 {
		p := ch.opts.ChatAntifloodParams
		if p.Sustained <= 0 {
			p.Sustained = 1
		}
		cd := p.Cooldown
		if cd <= 0 {
			cd = -1
		}
		if c.chatLim.throttle(now, p.Burst, p.Sustained, cd) {
			c.emit("cooldown", 1000/p.Sustained)
			return
		}
	} else if c.chatLim.throttle(now, 20, 10, -1) {
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
	if c.chatLim.throttle(time.Now(), 20, 10, -1) {
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
