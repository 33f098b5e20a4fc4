package socketio

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

const (
	defaultHandshakeTimeout = 10 * time.Second
	defaultWriteTimeout     = 10 * time.Second
	defaultReadLimit        = 16 << 20
	// closeGrace bounds the goodbye: writing `41` and the close frame, then
	// waiting for the server's close frame before dropping TCP.
	closeGrace = time.Second
	// DefaultMaxBuffered is the default Options.MaxBuffered.
	DefaultMaxBuffered = 64 << 20
	// eventOverhead is what one queued event costs besides its frame and
	// argument bytes (Event, argument slice headers), for the MaxBuffered
	// accounting.
	eventOverhead = 128
	// readBufferSize sizes gorilla/websocket's read buffer, which every
	// connection holds: frames larger than it are read in several pieces,
	// and a small one keeps an idle connection cheap (CyTube frames are
	// mostly a few hundred bytes).
	readBufferSize = 1024
	// writeBufferSize is gorilla's default: a message larger than the
	// buffer goes out as several websocket frames, so it is kept as it
	// was. Write buffers come from writeBufferPool.
	writeBufferSize = 4096
)

// writeBufferPool shares websocket write buffers between connections: a
// connection holds one only while it writes a frame.
var writeBufferPool = &sync.Pool{}

// URL builds the websocket URL of a Socket.IO server:
// ws(s)://hostport/socket.io/?EIO=4&transport=websocket. EIO=4 is always
// explicit because servers with allowEIO3 answer a missing or unknown EIO
// with v3 framing.
func URL(hostport string, secure bool) string {
	scheme := "ws"
	if secure {
		scheme = "wss"
	}
	return scheme + "://" + hostport + "/socket.io/?EIO=4&transport=websocket"
}

// Options configures Dial. The zero value is usable.
type Options struct {
	// Header holds extra headers for the websocket handshake request, such
	// as User-Agent or, in tests, X-Forwarded-For.
	Header http.Header
	// TLSConfig is used for wss URLs; nil means system roots with
	// verification on.
	TLSConfig *tls.Config
	// HandshakeTimeout bounds the websocket dial, the open packet and the
	// Socket.IO CONNECT reply together. Default 10s.
	HandshakeTimeout time.Duration
	// Watchdog ends the connection with ReasonPingTimeout when no frame at
	// all arrives for this long. Zero means pingInterval+pingTimeout from
	// the open packet (what socket.io-client uses).
	Watchdog time.Duration
	// WriteTimeout is the write deadline of every frame. Default 10s.
	WriteTimeout time.Duration
	// ReadLimit is the largest incoming frame in bytes. Default 16 MiB:
	// servers send frames larger than the maxPayload they accept.
	ReadLimit int64
	// Logger receives debug and warning records; nil discards them.
	Logger *slog.Logger
	// MaxBuffered bounds the bytes of received events waiting for Next
	// (frames and their arguments, approximately). Below it the reader
	// never waits for the consumer, so server pings are answered however
	// slowly events are taken. Beyond it the reader stops reading until
	// Next makes room: pings are then not answered, and a server drops the
	// connection after its ping timeout (CyTube: 120 s); Stalls counts
	// these stops. Default 64 MiB. One event is always accepted, however
	// large.
	MaxBuffered int64
	// OnBadFrame is called, from the goroutine that reads, for every
	// incoming frame that cannot be used: invalid UTF-8, malformed JSON,
	// binary frames and packets (errors wrap ErrBinaryUnsupported), unknown
	// packet types, packets for another namespace. The connection goes on.
	// It must not block for long.
	OnBadFrame func(frame []byte, err error)
}

func (o Options) withDefaults() Options {
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = defaultHandshakeTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = defaultWriteTimeout
	}
	if o.ReadLimit <= 0 {
		o.ReadLimit = defaultReadLimit
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxBuffered <= 0 {
		o.MaxBuffered = DefaultMaxBuffered
	}
	return o
}

// OpenPacket is the Engine.IO open packet `0{...}` the server sent first.
type OpenPacket struct {
	// SID is the Engine.IO session id (not the Socket.IO one).
	SID string
	// Upgrades lists transports the server offers; empty over websocket.
	Upgrades     []string
	PingInterval time.Duration
	PingTimeout  time.Duration
	// MaxPayload is the largest frame the server accepts, in bytes
	// (0 if the server did not say).
	MaxPayload int
}

// Event is one Socket.IO EVENT or ACK packet received for namespace "/".
type Event struct {
	// Name is the event name; empty for an ACK.
	Name string
	// Args are the arguments after the name, exactly as received:
	// `42["x"]` has none and `42["x",null]` has one, `null`.
	Args []json.RawMessage
	// AckID is the ack id the packet carried, or -1.
	AckID int64
	// IsAck is true for an ACK packet (`43...`).
	IsAck bool
	// Frame is the exact websocket frame text.
	Frame []byte
}

// Conn is one Socket.IO connection to namespace "/" over one websocket.
// It lives for exactly one connection; dial again to reconnect.
type Conn struct {
	ws           *websocket.Conn
	open         OpenPacket
	sid          string
	log          *slog.Logger
	onBadFrame   func([]byte, error)
	watchdog     time.Duration
	writeTimeout time.Duration

	maxBuffered int64
	// The queue of received events: the reader appends, Next and TryNext
	// take from the head. arrived (capacity 1) is signalled after every
	// append and when the reader exits; room (capacity 1) is signalled by
	// the consumer while the reader waits for room.
	qmu      sync.Mutex
	queue    []Event
	qhead    int
	qbytes   int64
	qclosed  bool // the reader has exited: nothing more will be queued
	qwaiting bool // the reader waits for room
	arrived  chan struct{}
	room     chan struct{}
	stalls   atomic.Uint64

	writes     chan writeReq // Emit → writer
	pongs      chan struct{} // reader → writer, one per server ping
	userClosed chan struct{} // closed by Close
	done       chan struct{} // closed when the connection ended
	readerDone chan struct{}
	writerDone chan struct{}

	endOnce   sync.Once
	closeOnce sync.Once
	err       *CloseError // set once, before done is closed
	badFrames atomic.Uint64
}

type writeReq struct {
	frame  []byte
	result chan error // buffered, receives exactly one value
}

// Dial opens a websocket to url, reads the Engine.IO open packet, sends the
// Socket.IO CONNECT (`40`) and waits for the server's `40{"sid":...}`.
// A CONNECT_ERROR (`44{...}`) is returned as *ConnectError after Dial has
// closed the websocket itself (servers leave it open). ctx and
// Options.HandshakeTimeout bound the whole handshake; ctx is not used after
// Dial returns.
func Dial(ctx context.Context, url string, opts Options) (*Conn, error) {
	opts = opts.withDefaults()
	hctx, cancel := context.WithTimeout(ctx, opts.HandshakeTimeout)
	defer cancel()
	handshakeErr := func(err error) error {
		if perr := ctx.Err(); perr != nil {
			return fmt.Errorf("socketio: dial %s: %w (%w)", url, perr, err)
		}
		if hctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("socketio: dial %s: handshake timeout %s: %w (%w)", url, opts.HandshakeTimeout, context.DeadlineExceeded, err)
		}
		return fmt.Errorf("socketio: dial %s: %w", url, err)
	}

	dialer := websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		TLSClientConfig:  opts.TLSConfig,
		HandshakeTimeout: opts.HandshakeTimeout,
		ReadBufferSize:   readBufferSize,
		WriteBufferSize:  writeBufferSize,
		WriteBufferPool:  writeBufferPool,
	}
	ws, resp, err := dialer.DialContext(hctx, url, opts.Header.Clone())
	if err != nil {
		if resp != nil {
			err = fmt.Errorf("%w (HTTP status %d)", err, resp.StatusCode)
		}
		return nil, handshakeErr(err)
	}
	ws.SetReadLimit(opts.ReadLimit)

	c := &Conn{
		ws:           ws,
		log:          opts.Logger,
		onBadFrame:   opts.OnBadFrame,
		watchdog:     opts.Watchdog,
		writeTimeout: opts.WriteTimeout,
		maxBuffered:  opts.MaxBuffered,
		arrived:      make(chan struct{}, 1),
		room:         make(chan struct{}, 1),
		writes:       make(chan writeReq),
		pongs:        make(chan struct{}, 8),
		userClosed:   make(chan struct{}),
		done:         make(chan struct{}),
		readerDone:   make(chan struct{}),
		writerDone:   make(chan struct{}),
	}

	// Reads and writes of the handshake happen on this goroutine. The hook
	// that fires when hctx ends makes a blocked read or write fail; writes
	// also carry the deadline itself.
	if dl, ok := hctx.Deadline(); ok {
		_ = ws.SetWriteDeadline(dl)
	}
	stop := context.AfterFunc(hctx, func() { _ = ws.NetConn().SetDeadline(time.Now()) })
	early, err := c.handshake()
	if !stop() && err == nil {
		err = errors.New("handshake interrupted")
	}
	if err != nil {
		var cerr *ConnectError
		if errors.As(err, &cerr) {
			c.closeNow()
			return nil, err
		}
		_ = ws.Close()
		return nil, handshakeErr(err)
	}
	_ = ws.SetReadDeadline(time.Time{})
	_ = ws.SetWriteDeadline(time.Time{})

	if c.watchdog <= 0 {
		c.watchdog = c.open.PingInterval + c.open.PingTimeout
	}
	for _, ev := range early {
		// Nothing waits here: Dial has no consumer yet.
		c.queue = append(c.queue, ev)
		c.qbytes += eventSize(&ev)
	}
	c.log.Debug("socketio: connected", "url", url, "eio_sid", c.open.SID, "sid", c.sid,
		"ping_interval", c.open.PingInterval, "ping_timeout", c.open.PingTimeout,
		"max_payload", c.open.MaxPayload, "watchdog", c.watchdog)
	go c.reader()
	go c.writer()
	return c, nil
}

// handshake reads the open packet, sends `40` and waits for the CONNECT
// reply. Events that arrive before it are returned to be delivered first.
func (c *Conn) handshake() ([]Event, error) {
	mt, frame, err := c.ws.ReadMessage()
	if err != nil {
		return nil, fmt.Errorf("waiting for engine.io open packet: %w", err)
	}
	if mt != websocket.TextMessage {
		return nil, fmt.Errorf("first frame is binary, want engine.io open packet: %w", ErrBinaryUnsupported)
	}
	p, err := decodePacket(frame)
	if err == nil && p.kind != kindOpen {
		err = errors.New("not an open packet")
	}
	if err != nil {
		return nil, fmt.Errorf("first frame %q: want engine.io v4 open packet: %w", truncate(frame, 120), err)
	}
	if c.open, err = parseOpen(p.data); err != nil {
		return nil, err
	}
	if err := c.ws.WriteMessage(websocket.TextMessage, frameConnect); err != nil {
		return nil, fmt.Errorf("sending connect: %w", err)
	}

	var early []Event
	for {
		mt, frame, err := c.ws.ReadMessage()
		if err != nil {
			return nil, fmt.Errorf("waiting for socket.io connect: %w", err)
		}
		p, ok := c.packetOf(mt, frame)
		if !ok {
			continue
		}
		switch p.kind {
		case kindPing:
			if err := c.ws.WriteMessage(websocket.TextMessage, framePong); err != nil {
				return nil, fmt.Errorf("sending pong: %w", err)
			}
		case kindPong, kindNoop:
		case kindConnect:
			sid, err := parseConnectSID(p.data)
			if err != nil {
				return nil, err
			}
			c.sid = sid
			return early, nil
		case kindConnectError:
			return nil, parseConnectError(p.data)
		case kindDisconnect:
			return nil, errors.New("server sent disconnect before connect")
		case kindClose:
			return nil, errors.New("server sent engine.io close before connect")
		case kindEvent, kindAck:
			early = append(early, eventOf(p, frame))
		default:
			c.badFrame(frame, errors.New("unexpected packet during handshake"))
		}
	}
}

// closeNow closes a websocket that has no reader or writer goroutines yet:
// close frame, then TCP.
func (c *Conn) closeNow() {
	_ = c.ws.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(closeGrace))
	_ = c.ws.Close()
}

func eventOf(p packet, frame []byte) Event {
	return Event{Name: p.name, Args: p.args, AckID: p.ackID, IsAck: p.kind == kindAck, Frame: frame}
}

// end records why the connection ended and closes done; only the first
// call has an effect.
func (c *Conn) end(ce *CloseError) {
	c.endOnce.Do(func() {
		c.err = ce
		c.log.Debug("socketio: connection ended", "reason", ce.Reason.String(), "code", ce.Code, "err", ce.Err)
		close(c.done)
	})
}

func (c *Conn) ended() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// packetOf decodes one websocket message into a packet of the default
// namespace. Anything else (a binary frame, a frame that does not parse, a
// packet for another namespace) is reported as a bad frame and ok is false.
func (c *Conn) packetOf(mt int, frame []byte) (p packet, ok bool) {
	if mt != websocket.TextMessage {
		c.badFrame(frame, fmt.Errorf("binary websocket frame of %d bytes: %w", len(frame), ErrBinaryUnsupported))
		return p, false
	}
	p, err := decodePacket(frame)
	if err != nil {
		c.badFrame(frame, err)
		return p, false
	}
	if p.nsp != "/" {
		c.badFrame(frame, fmt.Errorf("packet for namespace %q; only \"/\" is connected", p.nsp))
		return p, false
	}
	return p, true
}

func (c *Conn) badFrame(frame []byte, err error) {
	c.badFrames.Add(1)
	// Debug only: the caller counts bad frames and logs the first of a kind;
	// a peer sending garbage must not flood the log.
	c.log.Debug("socketio: bad frame", "err", err, "frame", truncate(frame, 200), "size", len(frame))
	if c.onBadFrame != nil {
		c.onBadFrame(frame, err)
	}
}

// reader is the only goroutine that reads from the websocket after Dial.
// It keeps reading after the end so that the server's close frame is seen,
// but delivers nothing received after the end.
func (c *Conn) reader() {
	defer close(c.readerDone)
	defer c.closeQueue()
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(c.watchdog))
		mt, frame, err := c.ws.ReadMessage()
		if err != nil {
			c.end(c.readError(err))
			return
		}
		if c.ended() {
			continue
		}
		p, ok := c.packetOf(mt, frame)
		if !ok {
			continue
		}
		switch p.kind {
		case kindPing:
			select {
			case c.pongs <- struct{}{}:
			case <-c.done:
			}
		case kindPong, kindNoop:
		case kindClose:
			c.end(&CloseError{Reason: ReasonTransport, Err: errors.New("server sent engine.io close packet")})
		case kindDisconnect:
			c.end(&CloseError{Reason: ReasonServerDisconnect})
		case kindEvent, kindAck:
			if !c.push(eventOf(p, frame)) {
				return
			}
		default:
			c.badFrame(frame, errors.New("unexpected packet after handshake"))
		}
	}
}

// eventSize is what ev counts against Options.MaxBuffered.
func eventSize(ev *Event) int64 {
	n := int64(len(ev.Frame)) + eventOverhead
	for _, a := range ev.Args {
		n += int64(len(a))
	}
	return n
}

// push queues ev for Next. Only when ev would take the queue beyond
// MaxBuffered bytes does it wait, until the consumer has taken the queue
// down to half; it returns false when Close ends that wait.
func (c *Conn) push(ev Event) bool {
	size := eventSize(&ev)
	c.qmu.Lock()
	if c.qbytes > 0 && c.qbytes+size > c.maxBuffered {
		// Stop until the consumer has taken half, so that a consumer
		// hovering at the limit makes one stall, not one per event.
		queued, held := len(c.queue)-c.qhead, c.qbytes
		c.qmu.Unlock()
		c.stalls.Add(1)
		c.log.Warn("socketio: receive buffer full; reading stops, and server pings go unanswered, until half is taken",
			"events", queued, "bytes", held, "max_buffered", c.maxBuffered)
		c.qmu.Lock()
		for c.qbytes > c.maxBuffered/2 {
			c.qwaiting = true
			c.qmu.Unlock()
			select {
			case <-c.room:
			case <-c.userClosed:
				return false
			}
			c.qmu.Lock()
		}
		c.log.Debug("socketio: reading resumes", "bytes", c.qbytes)
	}
	if c.qhead > 0 && len(c.queue) == cap(c.queue) {
		// Reuse the taken front instead of growing.
		n := copy(c.queue, c.queue[c.qhead:])
		clear(c.queue[n:])
		c.queue, c.qhead = c.queue[:n], 0
	}
	c.queue = append(c.queue, ev)
	c.qbytes += size
	c.qmu.Unlock()
	c.signal(c.arrived)
	return true
}

// closeQueue marks the queue complete once the reader exits.
func (c *Conn) closeQueue() {
	c.qmu.Lock()
	c.qclosed = true
	c.qmu.Unlock()
	c.signal(c.arrived)
}

func (c *Conn) signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// idleQueueCap is the largest queue backing array kept once the queue is
// empty; a burst's larger array is released.
const idleQueueCap = 8

// TryNext returns the next EVENT or ACK packet without waiting: ok is true
// with an event; with none, err is the *CloseError once the connection has
// ended and every event received before the end has been returned, and
// nil while more may come (wait on Arrived). Like Next, it is for one
// reader goroutine at a time.
func (c *Conn) TryNext() (ev Event, ok bool, err error) {
	c.qmu.Lock()
	if c.qhead < len(c.queue) {
		ev = c.queue[c.qhead]
		c.queue[c.qhead] = Event{}
		c.qhead++
		c.qbytes -= eventSize(&ev)
		if c.qhead == len(c.queue) {
			c.qhead = 0
			if cap(c.queue) > idleQueueCap {
				c.queue = nil
			} else {
				c.queue = c.queue[:0]
			}
		}
		if c.qwaiting && c.qbytes <= c.maxBuffered/2 {
			c.qwaiting = false
			c.signal(c.room)
		}
		c.qmu.Unlock()
		return ev, true, nil
	}
	closed := c.qclosed
	c.qmu.Unlock()
	if closed {
		<-c.done // the reader exits only after the end
		return Event{}, false, c.err
	}
	return Event{}, false, nil
}

// Arrived returns a channel that receives a value after events have been
// queued and when the connection ends: a consumer that selects on it along
// with other work calls TryNext until TryNext reports no event. A value
// may be left over from events already taken.
func (c *Conn) Arrived() <-chan struct{} { return c.arrived }

// Stalls counts the times the reader stopped because Options.MaxBuffered
// bytes of events were waiting (see MaxBuffered).
func (c *Conn) Stalls() uint64 { return c.stalls.Load() }

func (c *Conn) readError(err error) *CloseError {
	var wce *websocket.CloseError
	if errors.As(err, &wce) {
		return &CloseError{Reason: ReasonTransport, Code: wce.Code, Err: err}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &CloseError{Reason: ReasonPingTimeout, Err: fmt.Errorf("no frame for %s: %w", c.watchdog, err)}
	}
	return &CloseError{Reason: ReasonTransport, Err: err}
}

// writer is the only goroutine that writes data frames after Dial. It
// answers pings first, writes emitted frames, and when the connection ends
// it says goodbye and closes the websocket.
func (c *Conn) writer() {
	defer close(c.writerDone)
	defer c.teardown()
	for {
		select {
		case <-c.pongs:
			if c.write(framePong) != nil {
				return
			}
			continue
		default:
		}
		select {
		case <-c.pongs:
			if c.write(framePong) != nil {
				return
			}
		case req := <-c.writes:
			err := c.write(req.frame)
			req.result <- err
			if err != nil {
				return
			}
		case <-c.done:
			return
		}
	}
}

func (c *Conn) write(frame []byte) error {
	_ = c.ws.SetWriteDeadline(time.Now().Add(c.writeTimeout))
	err := c.ws.WriteMessage(websocket.TextMessage, frame)
	if err != nil {
		c.end(&CloseError{Reason: ReasonTransport, Err: fmt.Errorf("write: %w", err)})
	}
	return err
}

// teardown runs on the writer once the connection has ended: `41` if the
// client is the one closing, a close frame, a short wait for the server's
// close frame (seen by the reader), then the TCP close.
func (c *Conn) teardown() {
	c.end(&CloseError{Reason: ReasonTransport, Err: errors.New("writer stopped")})
	if c.err.Reason == ReasonClosedByClient {
		_ = c.ws.SetWriteDeadline(time.Now().Add(closeGrace))
		if err := c.ws.WriteMessage(websocket.TextMessage, frameDisconnect); err != nil {
			c.log.Debug("socketio: sending disconnect", "err", err)
		}
	}
	err := c.ws.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(closeGrace))
	if err == nil {
		t := time.NewTimer(closeGrace)
		select {
		case <-c.readerDone:
		case <-t.C:
		}
		t.Stop()
	}
	_ = c.ws.Close()
}

// Next returns the next EVENT or ACK packet, in the order received. Once
// the connection has ended and every event received before the end has
// been returned, Next returns the *CloseError. Next is for one reader
// goroutine at a time; it returns ctx.Err() when ctx ends first.
func (c *Conn) Next(ctx context.Context) (Event, error) {
	for {
		ev, ok, err := c.TryNext()
		if ok || err != nil {
			return ev, err
		}
		select {
		case <-c.arrived:
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}

// Emit sends the EVENT `42[name,args...]`, with args encoded by
// encoding/json (json.RawMessage is passed through). It returns ErrTooLarge,
// sending nothing, when the frame exceeds the server's maxPayload, and an
// error wrapping ErrClosed and the *CloseError once the connection has
// ended. Emit is safe for concurrent use. ctx bounds the wait for the
// writer; a frame the writer has started is finished under the write
// deadline.
func (c *Conn) Emit(ctx context.Context, name string, args ...any) error {
	frame, err := encodeEvent(name, args)
	if err != nil {
		return fmt.Errorf("socketio: emit %q: %w", name, err)
	}
	if maxp := c.open.MaxPayload; maxp > 0 && len(frame) > maxp {
		return fmt.Errorf("socketio: emit %q: frame is %d bytes, server maxPayload is %d: %w", name, len(frame), maxp, ErrTooLarge)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("socketio: emit %q: %w", name, err)
	}
	if c.ended() {
		return c.notSentError()
	}
	req := writeReq{frame: frame, result: make(chan error, 1)}
	select {
	case c.writes <- req:
	case <-c.done:
		return c.notSentError()
	case <-ctx.Done():
		return fmt.Errorf("socketio: emit %q: %w", name, ctx.Err())
	}
	select {
	case err := <-req.result:
		if err != nil {
			return c.closedError()
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("socketio: emit %q: %w", name, ctx.Err())
	}
}

func (c *Conn) closedError() error {
	<-c.done
	return fmt.Errorf("%w: %w", ErrClosed, c.err)
}

func (c *Conn) notSentError() error {
	<-c.done
	return fmt.Errorf("%w: %w: %w", ErrNotSent, ErrClosed, c.err)
}

// Open returns the Engine.IO open packet of this connection.
func (c *Conn) Open() OpenPacket { return c.open }

// SocketID returns the Socket.IO sid from the server's `40{"sid":...}`.
func (c *Conn) SocketID() string { return c.sid }

// Close ends the connection: it sends `41` if still connected, then a close
// frame, then closes TCP. It is idempotent, safe to call from any
// goroutine, and returns once the reader and writer goroutines have ended.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.end(&CloseError{Reason: ReasonClosedByClient})
		close(c.userClosed)
	})
	<-c.writerDone
	<-c.readerDone
	return nil
}

// Done returns a channel closed when the connection has ended, whatever
// the reason.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns the *CloseError once Done is closed, and nil before.
func (c *Conn) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// BadFrames returns how many incoming frames could not be used (see
// Options.OnBadFrame).
func (c *Conn) BadFrames() uint64 { return c.badFrames.Load() }

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
