package cytubetest

import (
	"encoding/json"
	"time"
)

// Polls.

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
