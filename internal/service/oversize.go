package service

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/mapping"
)

// oversizeType is the ce-type of the notice that replaces an event too
// large for the NATS server.
const oversizeType = "cytube.oversize"

// publishOversize replaces an envelope the NATS server refused as larger
// than its max_payload by a small JSON notice on the invalid subject, so
// the loss is visible to consumers (and counted) instead of only logged.
// Other publish errors are left to the caller's log line.
func (s *Service) publishOversize(ctx context.Context, ch *channel, pub *bus.Publisher, env bus.Envelope, err error) {
	if !errors.Is(err, nats.ErrMaxPayload) || env.Type == oversizeType {
		return
	}
	s.stats.Oversize.Add(1)
	size := len(env.RawJSON)
	if env.Data != nil {
		size = proto.Size(env.Data)
	}
	body, jerr := json.Marshal(map[string]any{
		"event":   strings.TrimPrefix(env.Type, "cytube."),
		"type":    env.Type,
		"subject": env.Subject,
		"id":      env.ID,
		"bytes":   size,
		"error":   "event is larger than the NATS server's max_payload; raise max_payload (the embedded server allows 8 MiB) to receive it",
	})
	if jerr != nil {
		return
	}
	notice := bus.Envelope{
		Source: env.Source, Type: oversizeType, Time: env.Time, Platform: mapping.Platform, Channel: env.Channel,
		CorrelationID: env.CorrelationID, Subject: ch.scope.Raw(mapping.InvalidSubject), RawJSON: body,
	}
	if env.ID != "" {
		notice.ID = env.ID + "-oversize"
	}
	if perr := pub.PublishJSON(ctx, notice); perr != nil {
		s.warnOnce("publish:"+notice.Subject, "publish failed", "channel", ch.name, "subject", notice.Subject, "err", perr)
	}
}
