package state

import (
	"time"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	statev1 "github.com/roseybot/cytube-connector/gen/go/rosey/state/v1"
	"github.com/roseybot/cytube-connector/internal/cytube"
)

// Aspect is one part of a channel's state, with its own subject
// (<prefix>.state.<aspect>), reply message and key-value key.
type Aspect string

// The aspects and their reply messages.
const (
	AspectUsers       Aspect = "users"       // statev1.UsersReply
	AspectPlaylist    Aspect = "playlist"    // statev1.PlaylistReply
	AspectNowPlaying  Aspect = "now_playing" // statev1.NowPlayingReply
	AspectPoll        Aspect = "poll"        // statev1.PollReply
	AspectOptions     Aspect = "options"     // statev1.OptionsReply
	AspectPermissions Aspect = "permissions" // statev1.PermissionsReply
	AspectSelf        Aspect = "self"        // statev1.SelfReply
)

// Aspects lists every aspect in a fixed order.
func Aspects() []Aspect {
	return []Aspect{AspectUsers, AspectPlaylist, AspectNowPlaying, AspectPoll, AspectOptions, AspectPermissions, AspectSelf}
}

// ReplyMessage returns the full name of the rosey.state.v1 message that
// answers a query about the aspect (the AsyncAPI document is written from
// it; a test checks it against build).
func (a Aspect) ReplyMessage() protoreflect.FullName {
	switch a {
	case AspectUsers:
		return "rosey.state.v1.UsersReply"
	case AspectPlaylist:
		return "rosey.state.v1.PlaylistReply"
	case AspectNowPlaying:
		return "rosey.state.v1.NowPlayingReply"
	case AspectPoll:
		return "rosey.state.v1.PollReply"
	case AspectOptions:
		return "rosey.state.v1.OptionsReply"
	case AspectPermissions:
		return "rosey.state.v1.PermissionsReply"
	case AspectSelf:
		return "rosey.state.v1.SelfReply"
	}
	return ""
}

// endpointMetadata is the aspect's $SRV.INFO endpoint metadata: the
// aspect, its request, reply and error types, and extra key-value pairs.
func (a Aspect) endpointMetadata(kv ...string) map[string]string {
	md := map[string]string{"aspect": string(a), "request_type": "rosey.state.v1.StateRequest",
		"result_type": string(a.ReplyMessage()), "error_type": "rosey.state.v1.StateError"}
	for i := 0; i+1 < len(kv); i += 2 {
		md[kv[i]] = kv[i+1]
	}
	return md
}

// eventAspects maps the CyTube events that change an aspect.
var eventAspects = map[string]Aspect{
	"userlist":    AspectUsers,
	"addUser":     AspectUsers,
	"userLeave":   AspectUsers,
	"setUserRank": AspectUsers,
	"setUserMeta": AspectUsers,
	"setAFK":      AspectUsers,
	"usercount":   AspectUsers,
	"setLeader":   AspectUsers,

	"playlist":          AspectPlaylist,
	"queue":             AspectPlaylist,
	"delete":            AspectPlaylist,
	"moveVideo":         AspectPlaylist,
	"setTemp":           AspectPlaylist,
	"setCurrent":        AspectPlaylist,
	"setPlaylistLocked": AspectPlaylist,
	"setPlaylistMeta":   AspectPlaylist,

	"changeMedia": AspectNowPlaying,
	"mediaUpdate": AspectNowPlaying,

	"newPoll":    AspectPoll,
	"updatePoll": AspectPoll,
	"closePoll":  AspectPoll,

	"channelOpts":    AspectOptions,
	"setPermissions": AspectPermissions,

	"rank":  AspectSelf,
	"login": AspectSelf,
}

// AspectOf returns the aspect a CyTube event changes, and false for events
// that change none.
func AspectOf(event string) (Aspect, bool) {
	a, ok := eventAspects[event]
	return a, ok
}

// build makes an aspect's reply from a snapshot; now is the estimate time
// for the playback position.
func build(a Aspect, channel string, s cytube.Snapshot, st cytube.State, now time.Time) proto.Message {
	switch a {
	case AspectUsers:
		r := &statev1.UsersReply{Channel: channel, UserCount: int64(s.UserCount), Leader: s.Leader}
		for _, u := range s.Users {
			r.Users = append(r.Users, &statev1.User{Name: u.Name, Rank: u.Rank, Afk: u.AFK, Muted: u.Muted, Smuted: u.Smuted})
		}
		return r
	case AspectPlaylist:
		r := &statev1.PlaylistReply{Channel: channel, Locked: s.Locked}
		for _, it := range s.Playlist {
			r.Items = append(r.Items, &statev1.PlaylistItem{Uid: it.UID, Media: media(it.Media), Temp: it.Temp, QueuedBy: it.QueueBy})
			r.TotalSeconds += it.Media.Seconds
		}
		r.Count = int64(len(r.Items))
		if len(r.Items) == 0 && s.PlaylistLen > 0 {
			r.Count, r.TotalSeconds = int64(s.PlaylistLen), s.RawTime
		}
		if s.HasCurrent {
			r.CurrentUid = proto.Int64(s.CurrentUID)
		}
		return r
	case AspectNowPlaying:
		r := &statev1.NowPlayingReply{Channel: channel, AsOf: timestamppb.New(now)}
		if np := s.NowPlaying; np != nil {
			r.Media = media(np.Media)
			r.Paused = np.Paused
			r.PositionSeconds = np.Position(now)
			r.ReportedPositionSeconds = np.CurrentTime
			if !np.UpdatedAt.IsZero() {
				r.ReportedAt = timestamppb.New(np.UpdatedAt)
			}
		}
		return r
	case AspectPoll:
		r := &statev1.PollReply{Channel: channel}
		if p := s.Poll; p != nil {
			r.Open, r.Title, r.Options, r.Initiator = true, p.Title, p.Options, p.Initiator
			for _, c := range p.Counts {
				r.Counts = append(r.Counts, pollCount(c))
			}
			if p.Timestamp > 0 {
				r.OpenedAt = timestamppb.New(time.UnixMilli(p.Timestamp))
			}
		}
		return r
	case AspectOptions:
		r := &statev1.OptionsReply{Channel: channel}
		if len(s.Options) > 0 {
			o := &structpb.Struct{}
			if protojson.Unmarshal(s.Options, o) == nil {
				r.Options = o
			}
		}
		return r
	case AspectPermissions:
		return &statev1.PermissionsReply{Channel: channel, Permissions: s.Permissions}
	default:
		r := &statev1.SelfReply{Channel: channel, Name: s.OwnName, Guest: s.Guest, State: connectionState(st)}
		if s.OwnRank >= 0 {
			r.Rank = proto.Float64(s.OwnRank)
		}
		return r
	}
}

func media(m cytube.Media) *statev1.Media {
	return &statev1.Media{Type: m.Type, Id: m.ID, Title: m.Title, Seconds: m.Seconds, Duration: m.Duration}
}

// pollCount keeps CyTube's count: a number, or the obscured string.
func pollCount(c *cytubev1.PollCount) *statev1.PollCount {
	if o, ok := c.GetValue().(*cytubev1.PollCount_Obscured); ok {
		return &statev1.PollCount{Value: &statev1.PollCount_Obscured{Obscured: o.Obscured}}
	}
	return &statev1.PollCount{Value: &statev1.PollCount_Count{Count: c.GetCount()}}
}

var connectionStates = map[cytube.State]statev1.ConnectionState{
	cytube.StateIdle:       statev1.ConnectionState_CONNECTION_STATE_IDLE,
	cytube.StateConnecting: statev1.ConnectionState_CONNECTION_STATE_CONNECTING,
	cytube.StateJoining:    statev1.ConnectionState_CONNECTION_STATE_JOINING,
	cytube.StateLoggingIn:  statev1.ConnectionState_CONNECTION_STATE_LOGGING_IN,
	cytube.StateReady:      statev1.ConnectionState_CONNECTION_STATE_READY,
	cytube.StateBackoff:    statev1.ConnectionState_CONNECTION_STATE_RECONNECTING,
	cytube.StateStopped:    statev1.ConnectionState_CONNECTION_STATE_STOPPED,
}

func connectionState(st cytube.State) statev1.ConnectionState {
	return connectionStates[st]
}
