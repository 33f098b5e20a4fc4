package cytubetest

import (
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

const (
	closeNone     = iota
	closeNoStatus // close frame without a status code (client sees 1005)
	closeAbrupt   // TCP close without a close frame (client sees 1006)
)

type outMsg struct {
	text  string
	close int
}

// conn is one websocket. Its queue has its own lock; the session fields are
// guarded by Server.mu.
type conn struct {
	s  *Server
	id int
	ws *websocket.Conn
	ip string

	qmu    sync.Mutex
	queue  []outMsg
	ended  bool
	notify chan struct{}
	done   chan struct{} // closed when the read loop has ended
	pong   chan struct{}
	abortO sync.Once

	// Session state (Server.mu).
	rateLimited bool
	sio         bool // Socket.IO namespace connected
	joinUsed    bool
	ch          *channel
	joined      bool
	pendingJoin *channel // waiting for channelPassword
	u           *user
	loginIdx    int
	counted     bool // counted in Server.active
	loginTime   time.Time
	chatLim     rateLimiter // chat and PMs share it, as in CyTube
	queueLim    rateLimiter
	lastReqPL   time.Time
	replayIn    chan string // client frames for a replay (nil otherwise)
}

func newConn(s *Server, id int, ws *websocket.Conn, ip string) *conn {
	return &conn{s: s, id: id, ws: ws, ip: ip, notify: make(chan struct{}, 1), done: make(chan struct{}), pong: make(chan struct{}, 1), loginIdx: -1}
}

// send queues a text frame (recorded in Sent).
func (c *conn) send(text string) {
	c.qmu.Lock()
	if c.ended {
		c.qmu.Unlock()
		return
	}
	c.queue = append(c.queue, outMsg{text: text})
	c.qmu.Unlock()
	c.s.record(&c.s.sent, c.id, text)
	c.wake()
}

func (c *conn) emit(event string, arg any) { c.send(eventFrame(event, arg)) }

// closeAfterQueue closes the websocket after the frames queued so far.
func (c *conn) closeAfterQueue(kind int) {
	c.qmu.Lock()
	if !c.ended {
		c.queue = append(c.queue, outMsg{close: kind})
		c.ended = true
	}
	c.qmu.Unlock()
	c.wake()
}

func (c *conn) wake() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// abort drops the TCP connection at once, without a close frame.
func (c *conn) abort() {
	c.abortO.Do(func() {
		c.qmu.Lock()
		c.ended = true
		c.qmu.Unlock()
		_ = c.ws.Close()
	})
}

func (c *conn) writeLoop() {
	defer c.s.wg.Done()
	for {
		select {
		case <-c.done:
			return
		case <-c.notify:
		}
		c.qmu.Lock()
		batch := c.queue
		c.queue = nil
		c.qmu.Unlock()
		for _, m := range batch {
			switch m.close {
			case closeNoStatus:
				_ = c.ws.WriteControl(websocket.CloseMessage, []byte{}, time.Now().Add(time.Second))
				c.abort()
				return
			case closeAbrupt:
				c.abort()
				return
			}
			_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := c.ws.WriteMessage(websocket.TextMessage, []byte(m.text)); err != nil {
				c.abort()
				return
			}
		}
	}
}

func (c *conn) sendOpen() { c.send(c.s.openPacket()) }

// pingLoop sends "2" every PingInterval and closes the socket (no status)
// when no "3" arrives within PingTimeout.
func (c *conn) pingLoop() {
	defer c.s.wg.Done()
	for {
		t := time.NewTimer(c.s.opts.PingInterval)
		select {
		case <-c.done:
			t.Stop()
			return
		case <-t.C:
		}
		if !c.s.pingsOn() {
			continue
		}
		select {
		case <-c.pong:
		default:
		}
		c.send("2")
		t = time.NewTimer(c.s.opts.PingTimeout)
		select {
		case <-c.done:
			t.Stop()
			return
		case <-c.pong:
			t.Stop()
		case <-t.C:
			c.s.log.Debug("cytubetest: ping timeout", "conn", c.id)
			c.closeAfterQueue(closeNoStatus)
			return
		}
	}
}

// readLoop reads frames until the websocket ends, then tears the session down.
// In replay mode frames are handed to the replay instead of the protocol.
func (c *conn) readLoop(replay bool) {
	defer c.s.wg.Done()
	defer func() {
		c.abort()
		close(c.done)
		c.s.mu.Lock()
		c.s.endSession(c)
		delete(c.s.conns, c.id)
		c.s.mu.Unlock()
	}()
	closing := false
	for {
		typ, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		text := string(data)
		c.s.record(&c.s.received, c.id, text)
		if replay {
			select {
			case c.replayIn <- text:
			default:
			}
			continue
		}
		if closing {
			continue // the writer is closing the socket
		}
		if typ != websocket.TextMessage || !c.handleEngine(text) {
			closing = true
			c.closeAfterQueue(closeNoStatus)
		}
	}
}

// handleEngine processes one Engine.IO packet; false means protocol error.
func (c *conn) handleEngine(text string) bool {
	if text == "" {
		return false
	}
	switch text[0] {
	case '3':
		select {
		case c.pong <- struct{}{}:
		default:
		}
		return true
	case '2': // a client ping is a protocol error in EIO4
		return false
	case '1':
		return false
	case '5', '6':
		return true
	case '4':
		return c.handleSocketIO(text[1:])
	}
	return false
}

func (c *conn) handleSocketIO(p string) bool {
	if p == "" {
		return false
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	switch p[0] {
	case '0':
		body := p[1:]
		if strings.HasPrefix(body, "/") {
			ns := body
			if i := strings.IndexByte(ns, ','); i >= 0 {
				ns = ns[:i]
			}
			if ns != "/" {
				c.send("44" + ns + `,{"message":"Invalid namespace"}`)
				return true
			}
		}
		if c.rateLimited {
			c.send(`44{"message":"Rate limit exceeded"}`)
			return true
		}
		if c.sio {
			return true
		}
		c.sio = true
		c.joinUsed = false
		c.send("40" + marshal(map[string]string{"sid": randomSID()}))
		c.emit("rank", -1)
		return true
	case '1':
		if c.sio {
			s.endSession(c)
		}
		return true
	case '2':
		rest := strings.TrimLeft(p[1:], "0123456789")
		if strings.HasPrefix(rest, "/") {
			return true // other namespaces are not served
		}
		var arr []json.RawMessage
		if err := json.Unmarshal([]byte(rest), &arr); err != nil || len(arr) == 0 {
			return false
		}
		var ev string
		if json.Unmarshal(arr[0], &ev) != nil {
			return false
		}
		if !c.sio {
			return true
		}
		var arg json.RawMessage
		if len(arr) > 1 {
			arg = arr[1]
		}
		s.handleEvent(c, ev, arg)
		return true
	case '3':
		return true
	}
	return false
}

// rank is the socket's effective rank (-1 when not logged in).
func (c *conn) rank() float64 {
	if c.u == nil {
		return -1
	}
	return c.u.rank
}
