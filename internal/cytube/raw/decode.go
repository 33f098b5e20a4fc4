package raw

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/structpb"

	// Registers the cytube.v1 types this file looks up by name.
	_ "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
)

// ErrUnknownEvent is returned by Decode for an event name we do not model;
// the caller still publishes it, as CyTube's JSON.
var ErrUnknownEvent = errors.New("raw: unknown cytube event")

// DecodeError says where a payload did not fit its schema.
type DecodeError struct {
	Event string
	// Path is the JSON path of the offending value, e.g. "meta.afk" or
	// "items[3].rank"; empty for the payload itself.
	Path string
	Msg  string
}

func (e *DecodeError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("raw: %s: %s", e.Event, e.Msg)
	}
	return fmt.Sprintf("raw: %s: %s: %s", e.Event, e.Path, e.Msg)
}

// shape says how a CyTube payload sits in its message.
type shape int

const (
	shapeObject shape = iota // the payload object is the message
	shapeValue               // a bare value goes in field `value`
	shapeItems               // an array goes in field `items`
	shapeNone                // no argument (or null)
	shapePerms               // the permission object goes in field `permissions`
)

type eventType struct {
	message protoreflect.FullName
	shape   shape
}

// eventTypes maps every modelled server→client event to its message in
// cytube.v1 (docs/cytube-events.md has the same table).
var eventTypes = map[string]eventType{
	"rank": {"Rank", shapeValue}, "login": {"Login", shapeObject},
	"setPermissions": {"SetPermissions", shapePerms}, "setPlaylistLocked": {"SetPlaylistLocked", shapeValue},
	"emoteList": {"EmoteList", shapeItems}, "updateEmote": {"UpdateEmote", shapeObject},
	"renameEmote": {"RenameEmote", shapeObject}, "removeEmote": {"RemoveEmote", shapeObject},
	"drinkCount": {"DrinkCount", shapeValue}, "channelCSSJS": {"ChannelCSSJS", shapeObject},
	"setMotd": {"SetMotd", shapeValue}, "channelOpts": {"ChannelOpts", shapeObject},
	"setPlaylistMeta": {"SetPlaylistMeta", shapeObject}, "playlist": {"Playlist", shapeItems},
	"setCurrent": {"SetCurrent", shapeValue}, "changeMedia": {"ChangeMedia", shapeObject},
	"mediaUpdate": {"MediaUpdate", shapeObject}, "queue": {"Queue", shapeObject},
	"queueFail": {"QueueFail", shapeObject}, "queueWarn": {"QueueWarn", shapeObject},
	"delete": {"Delete", shapeObject}, "moveVideo": {"MoveVideo", shapeObject},
	"setTemp": {"SetTemp", shapeObject}, "setLeader": {"SetLeader", shapeValue},
	"voteskip": {"Voteskip", shapeObject}, "clearVoteskipVote": {"ClearVoteskipVote", shapeNone},
	"userlist": {"Userlist", shapeItems}, "addUser": {"AddUser", shapeObject},
	"userLeave": {"UserLeave", shapeObject}, "usercount": {"Usercount", shapeValue},
	"setUserRank": {"SetUserRank", shapeObject}, "setUserMeta": {"SetUserMeta", shapeObject},
	"setAFK": {"SetAFK", shapeObject}, "setUserProfile": {"SetUserProfile", shapeObject},
	"chatMsg": {"ChatMsg", shapeObject}, "pm": {"Pm", shapeObject},
	"clearchat": {"Clearchat", shapeObject}, "cooldown": {"Cooldown", shapeValue},
	"noflood": {"Noflood", shapeObject}, "spamFiltered": {"SpamFiltered", shapeObject},
	"errorMsg": {"ErrorMsg", shapeObject}, "kick": {"Kick", shapeObject},
	"channelRankFail": {"ChannelRankFail", shapeObject}, "channelRanks": {"ChannelRanks", shapeItems},
	"newPoll": {"NewPoll", shapeObject}, "updatePoll": {"UpdatePoll", shapeObject},
	"closePoll": {"ClosePoll", shapeNone}, "banlist": {"Banlist", shapeItems},
	"banlistRemove": {"BanlistRemove", shapeObject}, "chatFilters": {"ChatFilters", shapeItems},
	"updateChatFilter": {"UpdateChatFilter", shapeObject}, "deleteChatFilter": {"DeleteChatFilter", shapeObject},
	"addFilterSuccess": {"AddFilterSuccess", shapeNone}, "validationPassed": {"ValidationPassed", shapeObject},
	"validationError": {"ValidationError", shapeObject}, "readChanLog": {"ReadChanLog", shapeObject},
	"listPlaylists": {"ListPlaylists", shapeItems}, "channelNotRegistered": {"ChannelNotRegistered", shapeNone},
	"announcement": {"Announcement", shapeObject}, "costanza": {"Costanza", shapeObject},
	"needPassword": {"NeedPassword", shapeValue}, "cancelNeedPassword": {"CancelNeedPassword", shapeNone},
	"warnLargeChandump": {"WarnLargeChandump", shapeObject}, "searchResults": {"SearchResults", shapeObject},
	"partitionChange": {"PartitionChange", shapeObject},
}

const rawPackage = "cytube.v1."

// Decode turns one CyTube event into its raw cytube.v1 message. Keys the
// schema does not model are kept in the message's `extra` field where it
// has one, and reported in unmodelled otherwise. A payload of the wrong
// shape gives a *DecodeError; an unknown event ErrUnknownEvent.
func Decode(event string, arg json.RawMessage) (msg proto.Message, unmodelled []string, err error) {
	if m, ok := decodeFast(event, arg); ok {
		return m, nil, nil
	}
	return decodeReflective(event, arg)
}

// decodeReflective is Decode for every event, through encoding/json and
// protoreflect.
func decodeReflective(event string, arg json.RawMessage) (msg proto.Message, unmodelled []string, err error) {
	et, ok := eventTypes[event]
	if !ok {
		return nil, nil, fmt.Errorf("%w: %q", ErrUnknownEvent, event)
	}
	return decodeAs(event, et, arg)
}

// decodeAs decodes arg as the payload of event into et's message.
func decodeAs(event string, et eventType, arg json.RawMessage) (msg proto.Message, unmodelled []string, err error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(rawPackage + et.message)
	if err != nil {
		return nil, nil, fmt.Errorf("raw: %s: message %s not registered: %w", event, et.message, err)
	}
	m := mt.New()
	d := decoder{event: event}
	var v any
	if len(bytes.TrimSpace(arg)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(arg))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, nil, &DecodeError{Event: event, Msg: "payload is not JSON: " + err.Error()}
		}
	}
	switch et.shape {
	case shapeNone:
		// Nothing to read; CyTube sends no argument or null.
	case shapeObject:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, nil, &DecodeError{Event: event, Msg: "want an object, got " + jsonType(v)}
		}
		d.object(m, obj, "")
	case shapeValue, shapeItems, shapePerms:
		name := map[shape]protoreflect.Name{shapeValue: "value", shapeItems: "items", shapePerms: "permissions"}[et.shape]
		fd := m.Descriptor().Fields().ByName(name)
		if fd == nil {
			return nil, nil, fmt.Errorf("raw: %s: message %s has no field %s", event, et.message, name)
		}
		if v == nil {
			return nil, nil, &DecodeError{Event: event, Msg: "missing argument"}
		}
		d.member(m, fd, v, "")
	}
	if d.err != nil {
		return nil, d.unmodelled, d.err
	}
	return m.Interface(), d.unmodelled, nil
}

// decoder fills messages from encoding/json values, keeping the first
// error and every key the schema has no field for.
type decoder struct {
	event      string
	err        error
	unmodelled []string
}

func (d *decoder) fail(path, format string, args ...any) {
	if d.err == nil {
		d.err = &DecodeError{Event: d.event, Path: path, Msg: fmt.Sprintf(format, args...)}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (d *decoder) object(m protoreflect.Message, obj map[string]any, path string) {
	fields := m.Descriptor().Fields()
	extraFD := fields.ByName("extra")
	if extraFD != nil && extraFD.Message() == nil {
		extraFD = nil
	}
	var extra map[string]any
	for key, val := range obj {
		fd := fields.ByJSONName(key)
		if fd != nil && wideFields[fd.FullName()] {
			fd = nil // a wider field has no CyTube key (widen.go)
		}
		if fd == nil || fd == extraFD {
			if extraFD != nil {
				if extra == nil {
					extra = map[string]any{}
				}
				if n, huge := hugeNumber(val); huge {
					d.fail(join(path, key), "number %s out of range", n)
					continue
				}
				extra[key] = plain(val)
			} else {
				d.unmodelled = append(d.unmodelled, join(path, key))
			}
			continue
		}
		d.member(m, fd, val, join(path, key))
	}
	if extra != nil {
		s, err := structpb.NewStruct(extra)
		if err != nil {
			d.fail(join(path, "extra"), "%v", err)
			return
		}
		m.Set(extraFD, protoreflect.ValueOfMessage(s.ProtoReflect()))
	}
}

func (d *decoder) field(m protoreflect.Message, fd protoreflect.FieldDescriptor, val any, path string) {
	if val == nil {
		return // JSON null: leave unset.
	}
	switch {
	case fd.IsMap():
		obj, ok := val.(map[string]any)
		if !ok {
			d.fail(path, "want an object, got %s", jsonType(val))
			return
		}
		mp := m.Mutable(fd).Map()
		for k, ev := range obj {
			if ev == nil {
				// CyTube sends null for a permission set to ±Infinity
				// (src/channel/permissions.js:151-163 keeps any number;
				// JSON has no Infinity); the rank is unknown, so the key
				// is left out.
				continue
			}
			v, ok := d.scalar(fd.MapValue(), ev, path+"."+k)
			if !ok {
				return
			}
			mp.Set(protoreflect.ValueOfString(k).MapKey(), v)
		}
	case fd.IsList():
		arr, ok := val.([]any)
		if !ok {
			d.fail(path, "want an array, got %s", jsonType(val))
			return
		}
		list := m.Mutable(fd).List()
		for i, ev := range arr {
			ep := path + "[" + strconv.Itoa(i) + "]"
			if fd.Message() != nil {
				el := list.NewElement()
				if d.message(el.Message(), ev, ep) {
					list.Append(el)
				}
				continue
			}
			if v, ok := d.scalar(fd, ev, ep); ok {
				list.Append(v)
			}
		}
	case fd.Message() != nil:
		sub := m.Mutable(fd).Message()
		d.message(sub, val, path)
	default:
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			// A oneof member of the wrong JSON type may be spelled by a
			// sibling: `after: "prepend"` sets the bool field `prepend`.
			if s, ok := val.(string); ok && fd.Kind() != protoreflect.StringKind {
				if sib := od.Fields().ByName(protoreflect.Name(s)); sib != nil && sib.Kind() == protoreflect.BoolKind {
					m.Set(sib, protoreflect.ValueOfBool(true))
					return
				}
				if looseUIDs[fd.FullName()] {
					if uid, ok := looseUID(s); ok {
						m.Set(fd, protoreflect.ValueOfInt64(uid))
						return
					}
				}
			}
		}
		if v, ok := d.scalar(fd, val, path); ok {
			m.Set(fd, v)
		}
	}
}

// message fills a nested message; it reports whether it succeeded.
func (d *decoder) message(m protoreflect.Message, val any, path string) bool {
	switch m.Descriptor().FullName() {
	case "google.protobuf.Struct":
		obj, ok := val.(map[string]any)
		if !ok {
			d.fail(path, "want an object, got %s", jsonType(val))
			return false
		}
		if n, huge := hugeNumber(obj); huge {
			d.fail(path, "number %s out of range", n)
			return false
		}
		s, err := structpb.NewStruct(plain(obj).(map[string]any))
		if err != nil {
			d.fail(path, "%v", err)
			return false
		}
		proto.Merge(m.Interface(), s)
		return true
	case "google.protobuf.Value":
		if n, huge := hugeNumber(val); huge {
			d.fail(path, "number %s out of range", n)
			return false
		}
		v, err := structpb.NewValue(plain(val))
		if err != nil {
			d.fail(path, "%v", err)
			return false
		}
		proto.Merge(m.Interface(), v)
		return true
	}
	obj, ok := val.(map[string]any)
	if !ok {
		// A message holding a oneof takes a bare value of a member's type:
		// poll counts are numbers, or "?" strings when obscured.
		if od := m.Descriptor().Oneofs(); od.Len() == 1 {
			fields := od.Get(0).Fields()
			for i := range fields.Len() {
				fd := fields.Get(i)
				if kindFits(fd.Kind(), val) {
					if v, ok := d.scalar(fd, val, path); ok {
						m.Set(fd, v)
						return true
					}
					return false
				}
			}
		}
		d.fail(path, "want an object, got %s", jsonType(val))
		return false
	}
	before := d.err
	d.object(m, obj, path)
	return d.err == before
}

func kindFits(k protoreflect.Kind, val any) bool {
	switch val.(type) {
	case string:
		return k == protoreflect.StringKind
	case json.Number:
		return k != protoreflect.StringKind && k != protoreflect.BoolKind && k != protoreflect.MessageKind
	case bool:
		return k == protoreflect.BoolKind
	}
	return false
}

func (d *decoder) scalar(fd protoreflect.FieldDescriptor, val any, path string) (protoreflect.Value, bool) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		if s, ok := val.(string); ok {
			return protoreflect.ValueOfString(s), true
		}
	case protoreflect.BoolKind:
		if b, ok := val.(bool); ok {
			return protoreflect.ValueOfBool(b), true
		}
	case protoreflect.DoubleKind, protoreflect.FloatKind:
		if n, ok := val.(json.Number); ok {
			f, err := n.Float64()
			if err != nil {
				d.fail(path, "number %s out of range", n)
				return protoreflect.Value{}, false
			}
			if fd.Kind() == protoreflect.FloatKind {
				return protoreflect.ValueOfFloat32(float32(f)), true
			}
			return protoreflect.ValueOfFloat64(f), true
		}
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind,
		protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		if n, ok := val.(json.Number); ok {
			i, err := integer(n)
			if err != nil {
				d.fail(path, "want an integer, got %s", n)
				return protoreflect.Value{}, false
			}
			if fd.Kind() == protoreflect.Int64Kind || fd.Kind() == protoreflect.Sint64Kind || fd.Kind() == protoreflect.Sfixed64Kind {
				return protoreflect.ValueOfInt64(i), true
			}
			if i < math.MinInt32 || i > math.MaxInt32 {
				d.fail(path, "integer %d out of range", i)
				return protoreflect.Value{}, false
			}
			return protoreflect.ValueOfInt32(int32(i)), true
		}
	default:
		d.fail(path, "field kind %s is not supported by the decoder", fd.Kind())
		return protoreflect.Value{}, false
	}
	d.fail(path, "want %s, got %s", kindName(fd.Kind()), jsonType(val))
	return protoreflect.Value{}, false
}

// integer accepts JSON integers, and floats with no fractional part
// (JavaScript has one number type: 3.0 is 3).
func integer(n json.Number) (int64, error) {
	if i, err := n.Int64(); err == nil {
		return i, nil
	}
	f, err := n.Float64()
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, errors.New("not an integer")
	}
	return int64(f), nil
}

func kindName(k protoreflect.Kind) string {
	switch k {
	case protoreflect.StringKind:
		return "a string"
	case protoreflect.BoolKind:
		return "a boolean"
	case protoreflect.DoubleKind, protoreflect.FloatKind:
		return "a number"
	}
	return "an integer"
}

func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "the number " + v.String()
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// hugeNumber finds a number float64 cannot hold (JSON allows 1e1000;
// google.protobuf.Value would hold Inf, which protojson refuses).
func hugeNumber(v any) (json.Number, bool) {
	switch v := v.(type) {
	case json.Number:
		if f, err := v.Float64(); err != nil && math.IsInf(f, 0) {
			return v, true
		}
	case map[string]any:
		for _, e := range v {
			if n, ok := hugeNumber(e); ok {
				return n, true
			}
		}
	case []any:
		for _, e := range v {
			if n, ok := hugeNumber(e); ok {
				return n, true
			}
		}
	}
	return "", false
}

// plain converts json.Number (from UseNumber) to float64 for structpb.
func plain(v any) any {
	switch v := v.(type) {
	case json.Number:
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = plain(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = plain(e)
		}
		return v
	}
	return v
}

// MessageName returns the full name of the cytube.v1 message an event
// decodes to, and false for events Decode does not model.
func MessageName(event string) (protoreflect.FullName, bool) {
	et, ok := eventTypes[event]
	if !ok {
		return "", false
	}
	return rawPackage + et.message, true
}

// Events lists every event Decode models, sorted.
func Events() []string {
	out := make([]string, 0, len(eventTypes))
	for ev := range eventTypes {
		out = append(out, ev)
	}
	slices.Sort(out)
	return out
}
