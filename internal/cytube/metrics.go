package cytube

// laneNames name the pacing lanes in QueueDepth.
var laneNames = [laneCount]string{laneChat: "chat", laneQueue: "queue", laneOther: "other"}

// QueueDepth returns how many commands wait to be paced and sent in each
// lane: "chat" (chat and PMs), "queue" (adding media) and "other". A
// command being sent or awaiting CyTube's confirmation is no longer
// counted. It is safe to call from any goroutine, before and after Run.
func (s *Session) QueueDepth() map[string]int {
	out := make(map[string]int, laneCount)
	for i, l := range s.lanes {
		out[laneNames[i]] = len(l.q)
	}
	return out
}
