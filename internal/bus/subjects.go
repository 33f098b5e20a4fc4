package bus

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Subject roots. Every subject the connector uses starts with one of these;
// they are the contract with the rest of Rosey (see the seed design).
const (
	platformRoot = "rosey.platform"
	eventsRoot   = "rosey.events"
	commandsRoot = "rosey.commands"
)

// ErrInvalidToken is wrapped by every error that rejects a subject token or
// a subject built from tokens.
var ErrInvalidToken = errors.New("invalid subject token")

// ValidToken reports whether s can be used as one subject token: it must be
// non-empty and contain no '.', '*', '>' and no whitespace or control
// characters. The error wraps ErrInvalidToken.
func ValidToken(s string) error {
	if s == "" {
		return fmt.Errorf("empty token: %w", ErrInvalidToken)
	}
	for _, r := range s {
		switch {
		case r == '.' || r == '*' || r == '>':
			return fmt.Errorf("token %q contains %q: %w", s, r, ErrInvalidToken)
		case r <= ' ' || r == 0x7f || r == 0x85 || r == 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff:
			return fmt.Errorf("token %q contains whitespace or control character %U: %w", s, r, ErrInvalidToken)
		}
	}
	return nil
}

// validPath checks a dot-separated multi-token name such as "user.join".
func validPath(s string) error {
	if s == "" {
		return fmt.Errorf("empty name: %w", ErrInvalidToken)
	}
	for tok := range strings.SplitSeq(s, ".") {
		if err := ValidToken(tok); err != nil {
			return fmt.Errorf("name %q: %w", s, err)
		}
	}
	return nil
}

// Scope names where one connector instance lives on the bus. Platform is the
// platform token ("cytube"). Channel is empty in single-channel seed mode,
// which produces exactly the subjects of the seed design
// (rosey.platform.cytube.chat, rosey.events.message, ...); a non-empty
// Channel inserts the channel token so several channels can share one bus.
//
// The subject builders do not validate; call Validate once (for example
// when loading config) and ValidatePath for event, kind and action names
// that do not come from constants. Builders given invalid tokens produce
// subjects the server rejects or misroutes.
type Scope struct {
	Platform string
	Channel  string
}

// ReservedChannels are the channel tokens that seed-mode subjects use
// right after the platform (send, status, error), so that no channel can
// take them in channel-mode subjects. internal/config refuses them too.
var ReservedChannels = []string{"send", "status", "error"}

// Validate checks the scope's tokens. The error wraps ErrInvalidToken.
func (s Scope) Validate() error {
	if err := ValidToken(s.Platform); err != nil {
		return fmt.Errorf("scope platform: %w", err)
	}
	if s.Channel != "" {
		if err := ValidToken(s.Channel); err != nil {
			return fmt.Errorf("scope channel: %w", err)
		}
		if slices.Contains(ReservedChannels, s.Channel) {
			// rosey.platform.cytube.send.chat would then be both a seed-mode
			// command and a channel-mode event.
			return fmt.Errorf("scope channel %q is reserved: %w", s.Channel, ErrInvalidToken)
		}
	}
	return nil
}

// ValidatePath checks a dot-separated name of one or more tokens, such as the
// event "user.join", before it is passed to a subject builder. The error
// wraps ErrInvalidToken.
func ValidatePath(name string) error { return validPath(name) }

// prefix returns rosey.platform.<platform>[.<channel>].
func (s Scope) prefix() string {
	if s.Channel == "" {
		return platformRoot + "." + s.Platform
	}
	return platformRoot + "." + s.Platform + "." + s.Channel
}

// Raw returns the subject for a raw platform event. event may span several
// tokens ("user.join"). Seed mode: rosey.platform.<platform>.<event>;
// channel mode: rosey.platform.<platform>.<channel>.<event>.
func (s Scope) Raw(event string) string { return s.prefix() + "." + event }

// Normalized returns the subject for a normalized, platform-neutral event.
// Seed mode: rosey.events.<kind>; channel mode:
// rosey.events.<platform>.<channel>.<kind>.
func (s Scope) Normalized(kind string) string {
	if s.Channel == "" {
		return eventsRoot + "." + kind
	}
	return eventsRoot + "." + s.Platform + "." + s.Channel + "." + kind
}

// CommandPrefix returns the subject prefix under which commands for this
// scope arrive: rosey.platform.<platform>[.<channel>].send.
func (s Scope) CommandPrefix() string { return s.prefix() + ".send" }

// Command returns the subject for one command action:
// rosey.platform.<platform>[.<channel>].send.<action>.
func (s Scope) Command(action string) string { return s.CommandPrefix() + "." + action }

// CommandWildcard returns the subject matching every command of the scope:
// rosey.platform.<platform>[.<channel>].send.>.
func (s Scope) CommandWildcard() string { return s.CommandPrefix() + ".>" }

// Status returns the subject carrying the connector's state changes:
// rosey.platform.<platform>[.<channel>].status.
func (s Scope) Status() string { return s.prefix() + ".status" }

// Errors returns the subject carrying error events:
// rosey.platform.<platform>[.<channel>].error.
func (s Scope) Errors() string { return s.prefix() + ".error" }

// SendMessageSubject returns the platform-neutral subject for "send a chat
// message on this platform and channel": rosey.commands.message.<platform>.<channel>.
func SendMessageSubject(platform, channel string) string {
	return commandsRoot + ".message." + platform + "." + channel
}

// validSubject checks a complete publish subject: non-empty tokens, no
// wildcards, no whitespace.
func validSubject(subject string) error {
	if err := validPath(subject); err != nil {
		return fmt.Errorf("subject %q: %w", subject, err)
	}
	return nil
}
