package config

import (
	"fmt"
	"log/slog"
	"strconv"
)

const redacted = "[redacted]"

// Secret is a string that must not reach logs or output: a password or a
// token. It prints as "[redacted]" (or "" when empty) through fmt (any
// verb, also inside structs, slices and maps), log/slog, encoding/json and
// encoding.TextMarshaler users such as YAML encoders. Reveal returns the
// value for the one place that needs it.
type Secret string

// Reveal returns the secret value. Call it only where the value is handed
// to the peer that checks it.
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether the secret is non-empty.
func (s Secret) IsSet() bool { return s != "" }

func (s Secret) masked() string {
	if s == "" {
		return ""
	}
	return redacted
}

// String returns "[redacted]", or "" when the secret is empty.
func (s Secret) String() string { return s.masked() }

// GoString returns the %#v form, config.Secret("[redacted]").
func (s Secret) GoString() string { return "config.Secret(" + strconv.Quote(s.masked()) + ")" }

// Format implements fmt.Formatter so that every verb, including %x and
// %d, prints the masked form and never the value.
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = f.Write([]byte(s.GoString()))
	case verb == 'q':
		_, _ = f.Write([]byte(strconv.Quote(s.masked())))
	default:
		_, _ = f.Write([]byte(s.masked()))
	}
}

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.masked()) }

// MarshalJSON implements json.Marshaler; the value is never encoded.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(s.masked())), nil }

// MarshalText implements encoding.TextMarshaler; the value is never
// encoded.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.masked()), nil }
