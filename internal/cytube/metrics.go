package cytube

// laneNames name the pacing lanes in QueueDepth.
var laneNames = [laneCount]string{laneChat: "chat", laneQueue: "queue", laneOther: "other"}

// QueueDepth returns how many commands wait to be paced and sent in each
// lane: "chat" (chat and PMs), "queue" (adding media) and "other". A
// command being sent or awaiting CyTube's confirmation is no longer
// counted. It is safe to call from any goroutine, before and after Run.
func (s *Session) QueueDepth() map[string]int {
	out := make(map[string]int, laneCount)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, l := range s.lanes {
		out[laneNames[i]] = len(l.q) // nil until the lane's first command
	}
	return out
}

// ReadStalls counts the times, over all connections of the session, that
// socketio stopped reading because its receive buffer was full
// (socketio.Options.MaxBuffered, 64 MiB): events were not taken for that
// long, so CyTube's pings went unanswered and CyTube will have dropped the
// connection after its ping timeout unless reading resumed in time. It is
// safe to call from any goroutine.
func (s *Session) ReadStalls() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.stalls
	if s.conn != nil {
		n += s.conn.Stalls()
	}
	return n
}
