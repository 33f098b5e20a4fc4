package cytube

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors callers branch on with errors.Is.
var (
	// ErrNotReady is returned by Send when FailFast is set and the session is
	// not joined and logged in.
	ErrNotReady = errors.New("cytube: not connected to the channel")
	// ErrConnectionLost means the connection ended after a command was sent
	// and before CyTube confirmed or refused it: it may or may not have
	// taken effect, and it is not sent again.
	ErrConnectionLost = errors.New("cytube: connection lost before confirmation")
	// ErrStopped is returned by Send after the session stopped.
	ErrStopped = errors.New("cytube: session stopped")
	// ErrQueueFull means too many commands are waiting to be paced.
	ErrQueueFull = errors.New("cytube: send queue full")
	// ErrUnconfirmed means the deadline passed after the command was sent
	// without a confirming or refusing event from CyTube.
	ErrUnconfirmed = errors.New("cytube: no confirmation from server before the deadline")
)

// LoginFailure classifies the error strings of a failed CyTube login
// (protocol reference §2.2).
type LoginFailure int

// Login failure kinds. Only LoginGuestDelay and LoginNameInUse are retried.
const (
	LoginUnknown LoginFailure = iota
	LoginBadPassword
	LoginNoSuchUser
	LoginNameRegistered
	LoginInvalidName
	LoginReservedName
	LoginNameInUse
	LoginGuestDelay
	LoginTimeout
)

var loginFailureNames = [...]string{
	LoginUnknown:        "unknown",
	LoginBadPassword:    "bad_password",
	LoginNoSuchUser:     "no_such_user",
	LoginNameRegistered: "name_registered",
	LoginInvalidName:    "invalid_name",
	LoginReservedName:   "reserved_name",
	LoginNameInUse:      "name_in_use",
	LoginGuestDelay:     "guest_delay",
	LoginTimeout:        "timeout",
}

func (f LoginFailure) String() string {
	if f >= 0 && int(f) < len(loginFailureNames) {
		return loginFailureNames[f]
	}
	return "login_failure(" + strconv.Itoa(int(f)) + ")"
}

// LoginError is a refused login. Message is CyTube's own text; it never
// contains the password.
type LoginError struct {
	Kind    LoginFailure
	Message string
	// RetryAfter is the wait CyTube asks for (guest-login delay), or 0.
	RetryAfter time.Duration
	// Exhausted is set when the session already retried as often as it
	// will (a guest name that stays in use).
	Exhausted bool
}

func (e *LoginError) Error() string {
	return fmt.Sprintf("cytube: login refused (%s): %s", e.Kind, e.Message)
}

// Retryable reports whether retrying the same login later can succeed.
func (e *LoginError) Retryable() bool {
	if e.Exhausted {
		return false
	}
	return e.Kind == LoginGuestDelay || e.Kind == LoginNameInUse || e.Kind == LoginTimeout
}

// classifyLogin maps CyTube's login error strings to a LoginFailure.
func classifyLogin(msg string) *LoginError {
	e := &LoginError{Message: msg}
	switch {
	case strings.HasPrefix(msg, "Invalid username/password"):
		e.Kind = LoginBadPassword
	case strings.HasPrefix(msg, "User does not exist"):
		e.Kind = LoginNoSuchUser
	case strings.HasPrefix(msg, "That username is registered"):
		e.Kind = LoginNameRegistered
	case strings.HasPrefix(msg, "Invalid username"):
		e.Kind = LoginInvalidName
	case strings.HasPrefix(msg, "That username is reserved"):
		e.Kind = LoginReservedName
	case strings.Contains(msg, "already in use"):
		e.Kind = LoginNameInUse
	case strings.HasPrefix(msg, "Guest logins are restricted"):
		e.Kind = LoginGuestDelay
		e.RetryAfter = parseSeconds(msg)
	}
	return e
}

// parseSeconds finds "N seconds" in msg; it defaults to 60 s, CyTube's
// default guest-login delay, when no number is present.
func parseSeconds(msg string) time.Duration {
	fields := strings.Fields(msg)
	for i := 1; i < len(fields); i++ {
		if strings.HasPrefix(fields[i], "second") {
			if n, err := strconv.Atoi(fields[i-1]); err == nil && n >= 0 {
				return time.Duration(n) * time.Second
			}
		}
	}
	return 60 * time.Second
}

// JoinError is a join that did not complete: CyTube will not let it
// through for this configuration (an anonymous session in a channel that
// blocks anonymous users: terminal), or it did not finish in time or the
// channel lives on another partition (Retryable).
type JoinError struct {
	Reason string
	// Message is CyTube's own text.
	Message string
	// Retryable joins are tried again on a new connection (a join that did
	// not finish in time, a channel on another partition).
	Retryable bool
}

func (e *JoinError) Error() string {
	if e.Message == "" {
		return "cytube: join refused: " + e.Reason
	}
	return fmt.Sprintf("cytube: join refused: %s (CyTube: %q)", e.Reason, e.Message)
}

// KickedError is a kick from the server (`kick` then `41`).
type KickedError struct {
	Reason string
}

func (e *KickedError) Error() string { return "cytube: kicked: " + e.Reason }

// Terminal reports whether reconnecting would only repeat the kick
// (another login of the same account, a ban, an invalid channel name).
func (e *KickedError) Terminal() bool {
	r := strings.ToLower(e.Reason)
	for _, s := range []string{"duplicate login", "banned", "invalid channel name", "tor."} {
		if strings.Contains(r, s) {
			return true
		}
	}
	return false
}

// ChannelPasswordError means the channel asks for a password that is
// missing or wrong.
type ChannelPasswordError struct{ Wrong bool }

func (e *ChannelPasswordError) Error() string {
	if e.Wrong {
		return "cytube: the channel password was refused"
	}
	return "cytube: the channel requires a password and none is configured"
}

// RefusalKind classifies how CyTube refused a command.
type RefusalKind int

// Refusal kinds, from the server events that signal them.
const (
	RefusedByServer     RefusalKind = iota // errorMsg, queueFail, channelRankFail
	RefusedRateLimited                     // cooldown, "adding videos too quickly", REQ_PLAYLIST_LIMIT_REACHED
	RefusedMuted                           // noflood
	RefusedSpamFiltered                    // spamFiltered
	RefusedNotPermitted                    // refused locally: CyTube would ignore it or kick us
	RefusedKicked                          // we were kicked while it was pending
	RefusedInvalid                         // refused locally: CyTube would drop or reject it
	RefusedNotFound                        // refused locally: the user, item or poll it names is not there
	RefusedTooLarge                        // refused locally: the frame exceeds the server's maxPayload
)

var refusalNames = [...]string{"refused_by_server", "rate_limited", "muted", "spam_filtered", "not_permitted", "kicked", "invalid", "not_found", "too_large"}

func (k RefusalKind) String() string {
	if k >= 0 && int(k) < len(refusalNames) {
		return refusalNames[k]
	}
	return "refusal(" + strconv.Itoa(int(k)) + ")"
}

// RefusedError is a command that was refused, by CyTube or locally.
type RefusedError struct {
	Kind RefusalKind
	// Event is the CyTube event that carried the refusal ("" when local).
	Event string
	// Message is CyTube's text, or ours for a local refusal.
	Message string
	// RetryAfter is the wait CyTube asked for (cooldown), when known.
	RetryAfter time.Duration
}

func (e *RefusedError) Error() string {
	if e.Event == "" {
		return fmt.Sprintf("cytube: %s: %s", e.Kind, e.Message)
	}
	return fmt.Sprintf("cytube: %s by %s: %s", e.Kind, e.Event, e.Message)
}
