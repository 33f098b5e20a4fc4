package state

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	statev1 "github.com/roseybot/cytube-connector/gen/go/rosey/state/v1"
)

// checkpointSuffix is the last token of a channel's checkpoint key.
const checkpointSuffix = "checkpoint"

// CheckpointKey returns the key-value key of a channel's checkpoint:
// <platform>.<channel>.checkpoint, beside the channel's aspects.
func CheckpointKey(platform, channel string) string {
	return platform + "." + channel + "." + checkpointSuffix
}

// ErrNoMirror is returned by the checkpoint methods when the service runs
// without its key-value bucket (core NATS): there is nowhere to keep one.
var ErrNoMirror = errors.New("state: no key-value bucket (JetStream is off)")

// LoadCheckpoint returns the channel's checkpoint, nil when it has none.
func (s *Service) LoadCheckpoint(ctx context.Context, platform, channel string) (*statev1.Checkpoint, error) {
	if s.kv == nil {
		return nil, ErrNoMirror
	}
	e, err := s.kv.Get(ctx, CheckpointKey(platform, channel))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state: checkpoint of %s: %w", channel, err)
	}
	cp := &statev1.Checkpoint{}
	if err := proto.Unmarshal(e.Value(), cp); err != nil {
		return nil, fmt.Errorf("state: checkpoint of %s does not decode: %w", channel, err)
	}
	return cp, nil
}

// SaveCheckpoint writes the channel's checkpoint.
func (s *Service) SaveCheckpoint(ctx context.Context, cp *statev1.Checkpoint) error {
	if s.kv == nil {
		return ErrNoMirror
	}
	data, err := proto.Marshal(cp)
	if err != nil {
		return fmt.Errorf("state: checkpoint: %w", err)
	}
	if _, err := s.kv.Put(ctx, CheckpointKey(cp.GetPlatform(), cp.GetChannel()), data); err != nil {
		return fmt.Errorf("state: checkpoint of %s: %w", cp.GetChannel(), err)
	}
	return nil
}
