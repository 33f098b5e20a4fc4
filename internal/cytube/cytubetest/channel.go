package cytubetest

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// user is a logged-in identity present (or about to be present) in a channel.
// c is nil for fake users.
type user struct {
	name   string
	rank   float64
	global float64
	guest  bool
	afk    bool
	muted  bool
	smuted bool
	ip     string
	c      *conn
}

type profileJSON struct {
	Image string `json:"image"`
	Text  string `json:"text"`
}

type plainMeta struct {
	AFK   bool `json:"afk"`
	Muted bool `json:"muted"`
}

type modMeta struct {
	AFK     bool     `json:"afk"`
	Muted   bool     `json:"muted"`
	Smuted  bool     `json:"smuted"`
	Aliases []string `json:"aliases"`
	IP      string   `json:"ip"`
}

type userJSON struct {
	Name    string      `json:"name"`
	Rank    float64     `json:"rank"`
	Profile profileJSON `json:"profile"`
	Meta    any         `json:"meta"`
}

// meta returns the user's meta as seen by a viewer of rank viewer.
func (u *user) meta(viewer float64) any {
	if viewer >= 2 {
		ip := cloakIP(u.ip)
		if viewer >= 255 {
			ip = u.ip
		}
		return modMeta{AFK: u.afk, Muted: u.muted || u.smuted, Smuted: u.smuted, Aliases: []string{u.name}, IP: ip}
	}
	return plainMeta{AFK: u.afk, Muted: u.muted}
}

func (u *user) entry(viewer float64) userJSON {
	return userJSON{Name: u.name, Rank: u.rank, Profile: profileJSON{}, Meta: u.meta(viewer)}
}

// cloakIP imitates CyTube's IP cloak (three hashed groups plus one).
func cloakIP(ip string) string {
	if ip == "" {
		return ""
	}
	sum := md5.Sum([]byte(ip))
	e := base64.StdEncoding.EncodeToString(sum[:])
	return e[0:3] + "." + e[3:6] + "." + e[6:9] + "." + e[9:12]
}

type plItem struct {
	media   Media
	uid     int
	temp    bool
	queueby string
}

type plItemJSON struct {
	Media   mediaJSON `json:"media"`
	UID     int       `json:"uid"`
	Temp    bool      `json:"temp"`
	Queueby string    `json:"queueby"`
}

func (it *plItem) wire() plItemJSON {
	return plItemJSON{Media: it.media.wire(), UID: it.uid, Temp: it.temp, Queueby: it.queueby}
}

type emote struct {
	Name   string `json:"name"`
	Image  string `json:"image"`
	Source string `json:"source"`
}

type poll struct {
	title     string
	options   []string
	votes     map[string]int // voter key → option
	initiator string
	timestamp int64
	obscured  bool
	deadline  time.Time
}

type pollJSON struct {
	Title     string   `json:"title"`
	Options   []string `json:"options"`
	Counts    []any    `json:"counts"`
	Initiator string   `json:"initiator"`
	Timestamp int64    `json:"timestamp"`
}

func (p *poll) view(viewer float64, hiddenNeed float64, reveal bool) pollJSON {
	counts := make([]int, len(p.options))
	for _, o := range p.votes {
		counts[o]++
	}
	out := pollJSON{Title: p.title, Options: p.options, Counts: make([]any, len(counts)), Initiator: p.initiator, Timestamp: p.timestamp}
	for i, n := range counts {
		switch {
		case !p.obscured || reveal:
			out.Counts[i] = n
		case viewer >= hiddenNeed:
			out.Counts[i] = fmt.Sprintf("%d?", n)
		default:
			out.Counts[i] = "?"
		}
	}
	return out
}

// channel holds one channel's state. Guarded by Server.mu.
type channel struct {
	name       string
	registered bool
	perms      *orderedNums
	opts       channelOpts
	locked     bool
	emotes     []emote
	filters    []filter
	history    []ChatMsg
	poll       *poll
	drinks     int
	css, js    string
	motd       string
	playlist   []*plItem
	nextUID    int
	current    *plItem
	playStart  time.Time // wall time at which currentTime was 0
	pausedAt   float64
	paused     bool
	leadUntil  time.Time
	lastUpdate time.Time
	leader     string
	users      []*user
	conns      map[*conn]bool
	ranks      map[string]float64
	bans       map[string]bool
	skips      map[string]bool
}

func newChannel(name string, registered bool) *channel {
	ch := &channel{name: name, registered: registered, opts: defaultOpts(name), conns: map[*conn]bool{},
		ranks: map[string]float64{}, bans: map[string]bool{}, skips: map[string]bool{}}
	if registered {
		ch.perms = registeredPerms()
		ch.locked = true
	} else {
		ch.perms = unregisteredPerms()
	}
	return ch
}

func (ch *channel) addHistory(m ChatMsg) {
	ch.history = append(ch.history, m)
	if len(ch.history) > 15 {
		ch.history = ch.history[len(ch.history)-15:]
	}
}

func (ch *channel) findUser(name string) *user {
	for _, u := range ch.users {
		if strings.EqualFold(u.name, name) {
			return u
		}
	}
	return nil
}

func (ch *channel) removeUser(u *user) {
	for i, x := range ch.users {
		if x == u {
			ch.users = append(ch.users[:i], ch.users[i+1:]...)
			return
		}
	}
}

func (ch *channel) broadcast(frame string) {
	for c := range ch.conns {
		c.send(frame)
	}
}

// broadcastView sends a per-viewer frame; an empty string skips the viewer.
func (ch *channel) broadcastView(f func(c *conn) string) {
	for c := range ch.conns {
		if fr := f(c); fr != "" {
			c.send(fr)
		}
	}
}

func (ch *channel) emit(event string, arg any) { ch.broadcast(eventFrame(event, arg)) }

func (ch *channel) can(c *conn, perm string) bool { return c.rank() >= ch.perms.need(perm) }

func (ch *channel) userlist(viewer float64) []userJSON {
	out := []userJSON{}
	for _, u := range ch.users {
		out = append(out, u.entry(viewer))
	}
	return out
}

func (ch *channel) whisper(s *Server, msg string) {
	m := ChatMsg{Username: "[server]", Msg: msg, Meta: json.RawMessage(marshal(serverWhisper)), Time: s.now().UnixMilli()}
	ch.broadcastView(func(c *conn) string {
		if c.rank() >= 2 {
			return eventFrame("chatMsg", m)
		}
		return ""
	})
}

func (ch *channel) playlistMeta() map[string]any {
	var total float64
	for _, it := range ch.playlist {
		total += it.media.Seconds
	}
	return map[string]any{"count": len(ch.playlist), "rawTime": total, "time": formatTime(total)}
}

// playlistMetaFrame keeps CyTube's key order {count, rawTime, time}.
func (ch *channel) playlistMetaFrame() string {
	m := ch.playlistMeta()
	return fmt.Sprintf(`42["setPlaylistMeta",{"count":%d,"rawTime":%s,"time":%s}]`, m["count"], formatNum(m["rawTime"].(float64)), marshal(m["time"]))
}

func (ch *channel) playlistJSON() []plItemJSON {
	out := []plItemJSON{}
	for _, it := range ch.playlist {
		out = append(out, it.wire())
	}
	return out
}

func cssHash(s string) string {
	sum := md5.Sum([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// channelFor returns (creating if needed) the channel called name.
func (s *Server) channelFor(name string) *channel {
	ch := s.channels[name]
	if ch == nil {
		ch = newChannel(name, false)
		s.channels[name] = ch
	}
	return ch
}

func (s *Server) handleJoin(c *conn, arg json.RawMessage) {
	if c.joinUsed {
		return
	}
	c.joinUsed = true
	m, ok := jsonObject(arg)
	if !ok {
		return
	}
	var name string
	if json.Unmarshal(m["name"], &name) != nil || !chanNameRe.MatchString(name) {
		c.emit("errorMsg", map[string]string{"msg": "Invalid channel name.  Channel names may consist of 1-30 characters in the set a-z, A-Z, 0-9, -, and _"})
		s.kick(c, "Invalid channel name")
		return
	}
	if s.loadFails > 0 {
		s.loadFails--
		s.kick(c, "Channel could not be loaded: "+s.loadFailReason)
		return
	}
	ch := s.channelFor(strings.ToLower(name))
	if ch.registered && s.opts.ChannelPassword != "" && c.rank() < 2 {
		// As CyTube's AccessControlModule: a correct "pw" in joinChannel
		// passes; otherwise needPassword says whether one was given.
		var pw *string
		if raw, ok := m["pw"]; ok {
			var v string
			if json.Unmarshal(raw, &v) == nil {
				pw = &v
			}
		}
		if pw == nil || *pw != s.opts.ChannelPassword {
			c.pendingJoin = ch
			c.emit("needPassword", pw != nil)
			return
		}
	}
	s.join(c, ch)
}

func (s *Server) handleChannelPassword(c *conn, arg json.RawMessage) {
	if c.pendingJoin == nil {
		return
	}
	var pw string
	if json.Unmarshal(arg, &pw) != nil || pw != s.opts.ChannelPassword {
		c.emit("needPassword", true)
		return
	}
	ch := c.pendingJoin
	c.pendingJoin = nil
	c.emit("cancelNeedPassword", noArg{})
	s.join(c, ch)
}

// join sends the join burst in CyTube's order and adds the socket to ch.
func (s *Server) join(c *conn, ch *channel) {
	if c.u != nil {
		if ch.bans[strings.ToLower(c.u.name)] {
			s.kick(c, "You're banned!")
			return
		}
		s.dropDuplicate(ch, c.u.name, c)
		c.u.rank = s.channelRank(ch, c.u)
		c.emit("rank", c.u.rank)
	}
	c.ch = ch
	c.joined = true
	ch.conns[c] = true
	c.emit("setPermissions", ch.perms)
	c.emit("setPlaylistLocked", ch.locked)
	c.emit("emoteList", append([]emote{}, ch.emotes...))
	for _, m := range ch.history {
		c.emit("chatMsg", m)
	}
	if ch.poll != nil {
		c.emit("newPoll", ch.poll.view(c.rank(), ch.perms.need("viewhiddenpoll"), false))
	}
	c.emit("drinkCount", ch.drinks)
	c.emit("channelCSSJS", map[string]string{"css": ch.css, "cssHash": cssHash(ch.css), "js": ch.js, "jsHash": cssHash(ch.js)})
	c.emit("setMotd", ch.motd)
	c.emit("channelOpts", ch.opts)
	s.sendPlaylist(c, ch)
	if c.u != nil {
		s.sendPlaylist(c, ch)
		for o := range ch.conns {
			if o != c {
				o.emit("addUser", c.u.entry(o.rank()))
			}
		}
		ch.users = append(ch.users, c.u)
	}
	c.emit("userlist", ch.userlist(c.rank()))
	if ch.leader != "" {
		c.emit("setLeader", ch.leader)
	}
	ch.emit("usercount", len(ch.conns))
	if c.u != nil && !c.u.guest {
		c.emit("listPlaylists", []any{})
	}
	if !ch.registered {
		c.emit("channelNotRegistered", noArg{})
	}
}

func (s *Server) sendPlaylist(c *conn, ch *channel) {
	c.send(ch.playlistMetaFrame())
	c.emit("playlist", ch.playlistJSON())
	if ch.current != nil {
		c.emit("setCurrent", ch.current.uid)
		c.emit("changeMedia", s.changeMediaPayload(ch))
	}
}

// channelRank is a user's effective rank in ch.
func (s *Server) channelRank(ch *channel, u *user) float64 {
	r := u.global
	if cr, ok := ch.ranks[strings.ToLower(u.name)]; ok && ch.registered && cr > r {
		r = cr
	}
	return r
}

var reservedNames = []string{"owner", "admin", "administrator", "moderator", "mod", "server", "system", "root", "anonymous", "guest"}

func isReserved(name string) bool {
	l := strings.ToLower(name)
	for _, r := range reservedNames {
		if l == r {
			return true
		}
	}
	return strings.HasPrefix(l, "x-") || strings.HasPrefix(l, "[")
}

func (s *Server) loginFail(c *conn, msg string) {
	c.emit("login", struct {
		Success bool   `json:"success"`
		Error   string `json:"error"`
	}{false, msg})
}

func (s *Server) handleLogin(c *conn, arg json.RawMessage) {
	m, ok := jsonObject(arg)
	if !ok {
		c.emit("errorMsg", map[string]string{"msg": "Invalid login frame"})
		return
	}
	if c.u != nil {
		return
	}
	var name, pw string
	_ = json.Unmarshal(m["name"], &name)
	_ = json.Unmarshal(m["pw"], &pw)
	if pw != "" {
		acctName, acct, found := s.account(name)
		if !found {
			s.loginFail(c, "User does not exist")
			return
		}
		if acct.Password != pw {
			s.loginFail(c, "Invalid username/password combination")
			return
		}
		global := 1.0
		if acct.Rank >= 255 {
			global = acct.Rank
		}
		s.completeLogin(c, &user{name: acctName, global: global, ip: c.ip}, false)
		return
	}
	// Guest login.
	if s.opts.GuestLoginDelay > 0 {
		if at, ok := s.guestAt[c.ip]; ok && time.Since(at) < s.opts.GuestLoginDelay {
			s.loginFail(c, fmt.Sprintf("Guest logins are restricted to one per IP address per %d seconds.", int(s.opts.GuestLoginDelay.Seconds())))
			return
		}
	}
	if !nameRe.MatchString(name) {
		s.loginFail(c, "Invalid username.  Usernames must be 1-20 characters long and consist only of characters a-z, A-Z, 0-9, -, or _.")
		return
	}
	if isReserved(name) {
		s.loginFail(c, "That username is reserved.")
		return
	}
	if _, _, found := s.account(name); found {
		s.loginFail(c, "That username is registered.")
		return
	}
	if c.joined && c.ch.findUser(name) != nil {
		s.loginFail(c, "That name is already in use on this channel.")
		return
	}
	s.guestAt[c.ip] = time.Now()
	s.completeLogin(c, &user{name: name, guest: true, ip: c.ip}, true)
}

func (s *Server) account(name string) (string, Account, bool) {
	for n, a := range s.opts.Accounts {
		if strings.EqualFold(n, name) {
			return n, a, true
		}
	}
	return "", Account{}, false
}

// dropDuplicate kicks an older socket logged in as name in ch.
func (s *Server) dropDuplicate(ch *channel, name string, except *conn) {
	old := ch.findUser(name)
	if old == nil {
		return
	}
	if old.c != nil && old.c != except {
		s.kick(old.c, "Duplicate login")
		return
	}
	if old.c == nil { // fake user with that name: it simply leaves
		ch.removeUser(old)
		ch.emit("userLeave", map[string]string{"name": old.name})
	}
}

func (s *Server) completeLogin(c *conn, u *user, guest bool) {
	u.c = c
	lower := strings.ToLower(u.name)
	if guest {
		u.rank = 0
	} else {
		u.rank = u.global
	}
	c.emit("rank", u.rank)
	ch := c.ch
	var old *conn
	if c.joined && !guest {
		if o := ch.findUser(u.name); o != nil && o.c != nil && o.c != c {
			// CyTube kicks the older socket before answering the new one.
			old = o.c
			old.emit("kick", map[string]string{"reason": "Duplicate login"})
			old.send("41")
			s.endLogin(old)
		}
	}
	c.u = u
	c.loginTime = time.Now()
	c.counted = true
	s.active[lower]++
	if s.active[lower] > s.maxActive[lower] {
		s.maxActive[lower] = s.active[lower]
	}
	s.logins = append(s.logins, LoginRecord{Conn: c.id, Name: u.name, Guest: guest, At: time.Now()})
	c.loginIdx = len(s.logins) - 1
	c.emit("login", loginJSON{Success: true, Name: u.name, Guest: guest})
	if old != nil {
		s.endSession(old)
	}
	if !c.joined {
		return
	}
	if ch.bans[lower] {
		s.kick(c, "You're banned!")
		return
	}
	ch.users = append(ch.users, u)
	ch.broadcastView(func(o *conn) string { return eventFrame("addUser", u.entry(o.rank())) })
	ch.whisper(s, fmt.Sprintf("%s joined (aliases: %s)", u.name, u.name))
	r := s.channelRank(ch, u)
	if guest {
		if r > 0 {
			u.rank = r
			c.emit("rank", r)
			ch.send2("setUserRank", u.name, r)
		}
		return
	}
	u.rank = r
	c.emit("rank", u.rank)
	if u.rank >= 2 {
		c.emit("userlist", ch.userlist(u.rank))
	}
	c.send(ch.playlistMetaFrame())
	c.emit("playlist", ch.playlistJSON())
	ch.send2("setUserRank", u.name, u.rank)
}

// send2 broadcasts setUserRank {name, rank} in CyTube's key order.
func (ch *channel) send2(event, name string, rank float64) {
	ch.broadcast(fmt.Sprintf(`42[%s,{"name":%s,"rank":%s}]`, marshal(event), marshal(name), formatNum(rank)))
}

type loginJSON struct {
	Success bool   `json:"success"`
	Name    string `json:"name"`
	Guest   bool   `json:"guest,omitempty"`
}

// kick sends kick {reason} then 41, ends the Socket.IO session and leaves the
// websocket open, as CyTube does.
func (s *Server) kick(c *conn, reason string) {
	c.emit("kick", map[string]string{"reason": reason})
	c.send("41")
	s.endSession(c)
}

// endLogin ends the login bookkeeping of c (Logins, MaxConcurrentLogins).
func (s *Server) endLogin(c *conn) {
	if !c.counted || c.u == nil {
		return
	}
	c.counted = false
	s.active[strings.ToLower(c.u.name)]--
	if c.loginIdx >= 0 && c.loginIdx < len(s.logins) {
		s.logins[c.loginIdx].Until = time.Now()
	}
	c.loginIdx = -1
}

// endSession tears down the Socket.IO session: leaves the channel (others see
// userLeave) and ends the login. The websocket itself stays open.
func (s *Server) endSession(c *conn) {
	ch := c.ch
	if c.joined && ch != nil {
		delete(ch.conns, c)
		if c.u != nil && ch.findUser(c.u.name) == c.u {
			ch.removeUser(c.u)
			ch.emit("userLeave", map[string]string{"name": c.u.name})
			if strings.EqualFold(ch.leader, c.u.name) {
				ch.leader = ""
				ch.emit("setLeader", "")
			}
		}
		delete(ch.skips, voterKey(c))
	}
	s.endLogin(c)
	c.u = nil
	c.joined = false
	c.ch = nil
	c.pendingJoin = nil
	c.sio = false
}
