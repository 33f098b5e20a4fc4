package mapping

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
)

// messageAlloc holds a normalized chat message and the messages it points
// to, so that normalizing a chatMsg costs one allocation (plus the plain
// text when the HTML has tags or entities, and the flags when it has any).
type messageAlloc struct {
	msg  eventsv1.Message
	user eventsv1.User
	ts   timestamppb.Timestamp
	rank float64
}

// normalizeChat is Normalize for a chatMsg: the same Message, fewer
// allocations.
func normalizeChat(m *cytubev1.ChatMsg, c Context) *eventsv1.Message {
	a := &messageAlloc{}
	a.user.Name = m.GetUsername()
	if c.Rank != nil {
		if r, ok := c.Rank(a.user.Name); ok {
			a.rank = r
			a.user.Rank = &a.rank
		}
	}
	out := &a.msg
	out.Platform = Platform
	out.Channel = c.Channel
	out.User = &a.user
	out.Text = PlainText(m.GetMsg())
	out.Html = m.GetMsg()
	if ms := m.GetTime(); ms != 0 {
		a.ts.Seconds, a.ts.Nanos = ms/1000, int32(ms%1000)*1e6
		out.Timestamp = &a.ts
	}
	out.IsSelf = c.Self
	out.IsHistory = c.History
	out.Flags = flags(m.GetUsername(), m.GetMeta())
	return out
}
