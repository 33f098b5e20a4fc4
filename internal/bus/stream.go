package bus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stream defaults.
const (
	DefaultStreamName = "ROSEY_CYTUBE"
	// DefaultDuplicateWindow is how long JetStream remembers Nats-Msg-Id
	// values; it must outlast the publisher's retries.
	DefaultDuplicateWindow = 2 * time.Minute
)

// ErrStreamCapturesCommands is returned by EnsureStream when a stream
// subject would also capture command subjects
// (rosey.platform.<platform>[.<channel>].send.>). JetStream
// answers every request on a captured subject with a publish ack, which
// would race the command service's reply.
var ErrStreamCapturesCommands = errors.New("stream subjects overlap command subjects")

// StreamConfig is the subset of JetStream stream settings the connector
// manages. Zero values of Retention (limits) and Storage (file) are the
// usual choice.
type StreamConfig struct {
	// Name; default "ROSEY_CYTUBE".
	Name string
	// Subjects (required) to capture, such as "rosey.events.>" or explicit
	// raw event subjects. They must not capture command subjects.
	Subjects []string
	// Retention: jetstream.LimitsPolicy (default), InterestPolicy or
	// WorkQueuePolicy.
	Retention jetstream.RetentionPolicy
	// MaxAge drops older messages; 0 keeps them until other limits apply.
	MaxAge time.Duration
	// MaxBytes bounds the stream size; 0 means unlimited.
	MaxBytes int64
	// Duplicates is the de-duplication window; default 2m.
	Duplicates time.Duration
	// Storage: jetstream.FileStorage (default) or MemoryStorage.
	Storage jetstream.StorageType
	// Replicas; default 1.
	Replicas int
	// Description shown in stream info.
	Description string
}

// EnsureStream creates the stream, or updates it to cfg when it exists,
// and returns it. Settings JetStream cannot change in place (such as
// Storage) fail with the server's error.
func EnsureStream(ctx context.Context, js jetstream.JetStream, cfg StreamConfig) (jetstream.Stream, error) {
	if len(cfg.Subjects) == 0 {
		return nil, fmt.Errorf("%w: stream needs at least one subject", ErrInvalidConfig)
	}
	for _, s := range cfg.Subjects {
		if err := validPattern(s); err != nil {
			return nil, fmt.Errorf("%w: stream subject: %w", ErrInvalidConfig, err)
		}
		// These match every command subject Scope builds, in seed and in
		// channel mode.
		for _, c := range [...]string{platformRoot + ".*.send.>", platformRoot + ".*.*.send.>"} {
			if subjectsOverlap(s, c) {
				return nil, fmt.Errorf("stream subject %q: %w", s, ErrStreamCapturesCommands)
			}
		}
	}
	sc := jetstream.StreamConfig{
		Name:        cfg.Name,
		Description: cfg.Description,
		Subjects:    cfg.Subjects,
		Retention:   cfg.Retention,
		MaxAge:      cfg.MaxAge,
		MaxBytes:    cfg.MaxBytes,
		MaxMsgs:     -1,
		Duplicates:  cfg.Duplicates,
		Storage:     cfg.Storage,
		Replicas:    cfg.Replicas,
	}
	if sc.Name == "" {
		sc.Name = DefaultStreamName
	}
	if sc.MaxBytes == 0 {
		sc.MaxBytes = -1
	}
	if sc.Duplicates <= 0 {
		sc.Duplicates = DefaultDuplicateWindow
	}
	if sc.Replicas <= 0 {
		sc.Replicas = 1
	}
	// Processes of a fleet start together: between this one's look-up and
	// its create, another may create the stream ("stream name already in
	// use"); the next attempt then updates it.
	for attempt := 1; ; attempt++ {
		st, err := js.CreateOrUpdateStream(ctx, sc)
		if err == nil {
			return st, nil
		}
		if !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) || attempt == 3 || ctx.Err() != nil {
			return nil, fmt.Errorf("ensure stream %s: %w", sc.Name, err)
		}
	}
}

// validPattern checks a subscription subject: tokens may be '*', the last
// may be '>', others follow ValidToken.
func validPattern(s string) error {
	toks := strings.Split(s, ".")
	for i, t := range toks {
		if t == "*" || (t == ">" && i == len(toks)-1) {
			continue
		}
		if err := ValidToken(t); err != nil {
			return fmt.Errorf("subject %q: %w", s, err)
		}
	}
	return nil
}

// subjectsOverlap reports whether some subject matches both patterns.
func subjectsOverlap(a, b string) bool {
	at, bt := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(at) && i < len(bt); i++ {
		if at[i] == ">" || bt[i] == ">" {
			return true
		}
		if at[i] != "*" && bt[i] != "*" && at[i] != bt[i] {
			return false
		}
	}
	return len(at) == len(bt)
}
