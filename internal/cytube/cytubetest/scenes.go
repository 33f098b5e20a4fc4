package cytubetest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// AddFakeUser adds a present user without a socket (broadcasts addUser).
func (s *Server) AddFakeUser(name string, rank float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.mainChannel()
	if ch.findUser(name) != nil {
		return
	}
	s.fakeSeq++
	u := &user{name: name, rank: rank, global: rank, guest: rank < 1, ip: "10.0.0." + itoa(s.fakeSeq)}
	ch.users = append(ch.users, u)
	ch.broadcastView(func(o *conn) string { return eventFrame("addUser", u.entry(o.rank())) })
}

func itoa(n int) string { return formatNum(float64(n)) }

// RemoveFakeUser removes a fake user (broadcasts userLeave).
func (s *Server) RemoveFakeUser(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.mainChannel()
	if u := ch.findUser(name); u != nil && u.c == nil {
		ch.removeUser(u)
		ch.emit("userLeave", map[string]string{"name": u.name})
		if strings.EqualFold(ch.leader, u.name) {
			ch.leader = ""
			ch.emit("setLeader", "")
		}
	}
}

// FakeChat makes a present user (fake or real) chat. The text goes through
// the same normalisation as real chat (truncation, escaping, links, /me,
// /sp, greentext) but not the flood limiters. Unknown names are added as
// rank-0 fake users first.
func (s *Server) FakeChat(name, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fakeChat(s.mainChannel(), name, msg)
}

// FakeChatIn is FakeChat in the channel named channel (created, as
// unregistered, when nobody joined it yet).
func (s *Server) FakeChatIn(channel, name, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fakeChat(s.channelFor(strings.ToLower(channel)), name, msg)
}

func (s *Server) fakeChat(ch *channel, name, msg string) {
	u := ch.findUser(name)
	if u == nil {
		u = &user{name: name, guest: true}
	}
	msg = cleanChat(msg, ch.opts.AllowASCIIControl)
	if msg == "" {
		return
	}
	var meta chatMeta
	cmd, rest, _ := strings.Cut(msg, " ")
	switch strings.ToLower(cmd) {
	case "/me":
		msg, meta = rest, chatMeta{AddClass: "action", Action: true}
	case "/sp":
		msg, meta = rest, chatMeta{AddClass: "spoiler"}
	}
	s.sendChat(ch, u, msg, meta)
}

// FakePM delivers a pm from `from` (any name) to the present user `to`.
func (s *Server) FakePM(from, to, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.mainChannel()
	t := ch.findUser(to)
	if t == nil {
		return
	}
	f := ch.findUser(from)
	if f == nil {
		f = &user{name: from}
	}
	if msg = cleanChat(msg, ch.opts.AllowASCIIControl); msg != "" {
		s.deliverPM(ch, f, t, msg)
	}
}

// Queue adds media to the end of the playlist as if `by` queued it
// (permission and rate checks skipped; the first item starts playing).
func (s *Server) Queue(by string, media Media, temp bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.mainChannel()
	if media.Type == "" {
		media.Type = "cm"
	}
	if media.Title == "" {
		media.Title = media.ID
	}
	s.insertItem(ch, media, by, temp, false)
}

// ChangeMedia skips to the next playlist item (setCurrent + changeMedia).
func (s *Server) ChangeMedia() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(s.mainChannel())
}

// OpenPoll opens a poll (initiator "cytubetest"), closing any open one.
func (s *Server) OpenPoll(title string, opts []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.openPoll(s.mainChannel(), "cytubetest", title, opts, false, 0)
}

// Ban name-bans name in the channel (as /ban would, without kicking).
func (s *Server) Ban(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mainChannel().bans[strings.ToLower(name)] = true
}

// ClosePoll closes the open poll, if any.
func (s *Server) ClosePoll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closePoll(s.mainChannel())
}

// SetMotd sets and broadcasts the MOTD (HTML as given, scripts stripped).
func (s *Server) SetMotd(motd string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.mainChannel()
	ch.motd = scriptRe.ReplaceAllString(motd, "")
	ch.emit("setMotd", ch.motd)
}

// SetEmotes replaces the emote list and broadcasts emoteList.
func (s *Server) SetEmotes(emotes map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.mainChannel()
	ch.emotes = nil
	for name, img := range emotes {
		src := `(^|\s)` + regexpQuote(escapeHTMLQuotes(name)) + `(?!\S)`
		ch.emotes = append(ch.emotes, emote{Name: name, Image: escapeHTMLQuotes(img), Source: src})
	}
	ch.emit("emoteList", append([]emote{}, ch.emotes...))
}

func escapeHTMLQuotes(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

func regexpQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\^$.|?*+()[]{}`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// SetChannelOptions merges a partial channelOpts JSON object and broadcasts
// channelOpts (for example `{"chat_antiflood":true}`).
func (s *Server) SetChannelOptions(partial json.RawMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.mainChannel()
	if err := json.Unmarshal(partial, &ch.opts); err != nil {
		return fmt.Errorf("cytubetest: channel options: %w", err)
	}
	ch.emit("channelOpts", ch.opts)
	return nil
}
