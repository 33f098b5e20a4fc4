package cytubetest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Channel ranks.

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
