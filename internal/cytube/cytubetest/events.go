package cytubetest

import (
	"encoding/json"
	"fmt"
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
		if c.u == nil || c.u.guest {
			c.emit("errorMsg", map[string]string{"msg": "Only registered users can use the user playlist function."})
			return
		}
		lists := s.userPlaylists[strings.ToLower(c.u.name)]
		if lists == nil {
			lists = []*savedPlaylist{}
		}
		c.emit("listPlaylists", lists)
	default:
		s.handleAdmin(c, ch, ev, arg)
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
