package cytube

import (
	"crypto/tls"
	"log/slog"
	"net/http"
	"regexp"
	"time"
)

// UserAgent is sent on socket discovery and the websocket handshake
// unless Config.Header sets one.
const UserAgent = "cytube-connector (+https://github.com/roseybot/cytube-connector)"

// ValidChannelName matches CyTube's channel names (^[\w-]{1,30}$).
var validChannel = regexp.MustCompile(`^[\w-]{1,30}$`)

// validUser matches CyTube's user and guest names (^[\w-]{1,20}$).
var validUser = regexp.MustCompile(`^[\w-]{1,20}$`)

// ValidChannelName reports whether CyTube accepts name as a channel name.
// A joinChannel with a bad name wastes the connection (the handler is
// registered once), so it is checked before dialing.
func ValidChannelName(name string) bool { return validChannel.MatchString(name) }

// ValidUserName reports whether CyTube accepts name as a user or guest name.
func ValidUserName(name string) bool { return validUser.MatchString(name) }

// Config configures a Session. Zero values take the documented defaults.
type Config struct {
	// Host is the CyTube web server, host or host:port, used for socket
	// discovery (GET /socketconfig/<channel>.json).
	Host string
	// Secure selects https for discovery (and is the default for the socket).
	Secure bool
	// SocketURL, when set (ws(s):// or http(s)://host:port), is used instead
	// of discovery.
	SocketURL string
	Channel   string
	// Username empty means an anonymous, read-only session (no login).
	Username string
	// Password empty with a Username means a guest login.
	Password        string
	ChannelPassword string

	HTTPClient       *http.Client // discovery; default has a 15 s timeout
	TLSConfig        *tls.Config  // websocket TLS; nil = system roots
	Header           http.Header  // extra handshake headers
	HandshakeTimeout time.Duration
	// Watchdog is the longest silence (no frame, not even a ping) before the
	// link is declared dead. 0 = the server's pingInterval+pingTimeout.
	Watchdog time.Duration
	// LoginTimeout bounds the wait for the answer to login (default 15 s).
	LoginTimeout time.Duration
	// JoinTimeout bounds the whole join, from joinChannel to ready
	// (default 45 s); a join that takes longer is reported and retried.
	JoinTimeout time.Duration
	// BackoffMin/Max/Jitter follow socket.io-client: 1 s, 5 s, 0.5.
	BackoffMin, BackoffMax time.Duration
	BackoffJitter          float64
	// ConnBurst/ConnEvery mirror CyTube's per-IP connection limiter
	// (5, then one per 10 s). ConnEvery < 0 disables the local limiter.
	ConnBurst int
	ConnEvery time.Duration
	// MaxSockets is the server's ip-connection-limit (default 10).
	MaxSockets int
	// Limits, when set, are shared with the other sessions of this
	// process on the same server (the service gives one per host); then
	// ConnBurst, ConnEvery and MaxSockets are the Limits' own.
	Limits *HostLimits
	// MaxNameInUseRetries bounds guest logins retried after "name already in
	// use" before the session stops (default 3).
	MaxNameInUseRetries int
	// SendQueue bounds the commands waiting per lane (default 256).
	SendQueue int
	// LaneHold bounds how long the chat and queue lanes wait for a
	// command's answer before they send the next one (default 3 s).
	LaneHold time.Duration
	// Pace overrides CyTube's rate limits used for pacing (tests).
	Pace *PaceLimits

	Logger *slog.Logger
	// OnEvent receives every event in order, from the session's read loop.
	// It must not block for long: reading stops while it runs.
	OnEvent func(Event)
	// OnState receives every state transition, outside the session's lock.
	OnState func(StateChange)
	// OnBadFrame receives frames that did not parse.
	OnBadFrame func(frame []byte, err error)
	// Now is the clock (default time.Now).
	Now func() time.Time
	// rand is the jitter source; tests set it.
	rand jitterRand
}

// PaceLimits are the parameters of CyTube's per-user limiters the session
// paces to (docs/command-outcomes.md "Rate limits"). The defaults are
// CyTube 3.86's own; the model of the limiter adds a margin to every
// spacing, since CyTube measures arrival times and we send times. Tests
// raise them to send without pacing.
type PaceLimits struct {
	// ChatBurst, ChatPerSecond: MIN_ANTIFLOOD, for every chat line and PM
	// (a channel's chat_antiflood_params replace it for chat below rank 2).
	ChatBurst     float64
	ChatPerSecond float64
	// QueueBurst, QueuePerSecond: the queue limiter below rank 2; the Mod
	// pair from rank 2.
	QueueBurst        float64
	QueuePerSecond    float64
	ModQueueBurst     float64
	ModQueuePerSecond float64
	// PlaylistEvery is REQ_PLAYLIST_THROTTLE's cooldown: one
	// requestPlaylist per this long.
	PlaylistEvery time.Duration
	// IgnoreChannelAntiflood paces chat as if the channel had no
	// chat_antiflood (tests use it to provoke CyTube's cooldown).
	IgnoreChannelAntiflood bool
}

// defaultPace is CyTube 3.86's: chat burst 20 then 10/s
// (src/channel/chat.js:26-29); queue burst 3 then 1/s, or 10 then 2/s from
// rank 2 (src/channel/playlist.js:460-472); requestPlaylist once per 60 s
// (src/channel/playlist.js:17-21).
var defaultPace = PaceLimits{
	ChatBurst: 20, ChatPerSecond: 10,
	QueueBurst: 3, QueuePerSecond: 1,
	ModQueueBurst: 10, ModQueuePerSecond: 2,
	PlaylistEvery: 60 * time.Second,
}

func (c *Config) defaults() {
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if c.LoginTimeout <= 0 {
		c.LoginTimeout = 15 * time.Second
	}
	if c.JoinTimeout <= 0 {
		c.JoinTimeout = 45 * time.Second
	}
	if c.BackoffMin <= 0 {
		c.BackoffMin = time.Second
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = 5 * time.Second
	}
	if c.BackoffJitter == 0 {
		c.BackoffJitter = 0.5
	}
	if c.ConnBurst <= 0 {
		c.ConnBurst = 5
	}
	if c.ConnEvery == 0 {
		c.ConnEvery = 10 * time.Second
	}
	if c.MaxNameInUseRetries <= 0 {
		c.MaxNameInUseRetries = 3
	}
	if c.SendQueue <= 0 {
		c.SendQueue = 256
	}
	if c.LaneHold <= 0 {
		c.LaneHold = 3 * time.Second
	}
	if c.Pace == nil {
		p := defaultPace
		c.Pace = &p
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Header.Get("User-Agent") == "" {
		// Say who we are: some front ends refuse Go's default agent, and
		// operators of a CyTube server can tell bots from browsers.
		h := c.Header.Clone()
		if h == nil {
			h = http.Header{}
		}
		h.Set("User-Agent", UserAgent)
		c.Header = h
	}
	if c.rand == nil {
		c.rand = defaultRand
	}
}
