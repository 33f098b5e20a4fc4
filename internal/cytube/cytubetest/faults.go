package cytubetest

import (
	"time"
)

// StallMidFrame makes every open websocket stop in the middle of a frame:
// the server queues nothing more (no events, no pings), lets a frame being
// written finish, then writes the header and the first bytes of a text
// frame and never the rest. A client sees a connection that is open but
// silent, half way through a frame, and must give up by its own watchdog.
// The sockets stay open until the client closes them (or Close). It
// returns how many sockets were stalled.
func (s *Server) StallMidFrame() int {
	s.mu.Lock()
	conns := s.connList()
	s.mu.Unlock()
	for _, c := range conns {
		c.qmu.Lock()
		c.ended = true
		c.queue = nil
		c.qmu.Unlock()
	}
	// A batch the writer already took is finished under its own deadline;
	// give it the time to end so the half frame comes last.
	time.Sleep(50 * time.Millisecond)
	// FIN text frame announcing 32 payload bytes, followed by 6 of them.
	half := append([]byte{0x81, 32}, `42["ch`...)
	for _, c := range conns {
		nc := c.ws.NetConn()
		_ = nc.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = nc.Write(half)
	}
	return len(conns)
}

// ClearLogs forgets the frames recorded so far (Received and Sent), so a
// long-running test measures its own memory and not the server's logs.
func (s *Server) ClearLogs() {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.received, s.sent = nil, nil
}
