package raw

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	"github.com/roseybot/cytube-connector/internal/jsonscan"
)

// The fast path decodes the busiest events (chatMsg, pm, addUser,
// mediaUpdate) straight from CyTube's JSON into the generated structs, in
// one pass and with two or three allocations instead of dozens. It handles
// only the common case: an object whose keys are all modelled, each once,
// with values of the right JSON type, strings without \u escapes and
// integers that fit. Anything else (unknown keys, which the reflective
// decoder keeps in `extra` or reports as unmodelled; wrong types, which
// give a *DecodeError; floats for integers; duplicate keys) makes it give
// up, and Decode runs the reflective decoder, so results are identical by
// construction; FuzzFastPathMatches and TestFastPathMatchesCaptures check
// that they are.

// decodeFast returns the raw message for event, or false when the payload
// is not one the fast path handles.
func decodeFast(event string, arg []byte) (proto.Message, bool) {
	switch event {
	case "chatMsg", "pm", "addUser", "mediaUpdate":
	default:
		return nil, false
	}
	// Validating first lets the scanner below assume well-formed JSON;
	// json.Valid does not allocate.
	if !json.Valid(arg) {
		return nil, false
	}
	p := fastJSON{data: arg}
	p.ws()
	if p.i >= len(p.data) || p.data[p.i] != '{' {
		return nil, false
	}
	// One copy of the payload backs every string without escapes.
	p.text = string(arg)
	switch event {
	case "chatMsg":
		c := &chatAlloc{}
		if !p.chat(&c.msg.Username, &c.msg.Msg, nil, &c.msg.Time, &c.msg.Meta, c) {
			return nil, false
		}
		return &c.msg, true
	case "pm":
		c := &pmAlloc{}
		if !p.chat(&c.msg.Username, &c.msg.Msg, &c.msg.To, &c.msg.Time, &c.msg.Meta, &c.chatAlloc) {
			return nil, false
		}
		return &c.msg, true
	case "addUser":
		return p.addUser()
	default: // mediaUpdate
		return p.mediaUpdate()
	}
}

// chatAlloc and the other *Alloc types put a message and its sub-messages
// in one allocation.
type chatAlloc struct {
	msg      cytubev1.ChatMsg
	meta     cytubev1.ChatMeta
	modflair float64
}

type pmAlloc struct {
	msg cytubev1.Pm
	chatAlloc
}

type addUserAlloc struct {
	msg     cytubev1.AddUser
	profile cytubev1.UserProfile
	meta    cytubev1.UserMeta
}

// fastJSON decodes JSON that json.Valid accepted, walking it with
// internal/jsonscan. Every method returns false for input it does not
// handle; the caller then gives up.
type fastJSON struct {
	data []byte
	text string // string(data)
	i    int
}

func (p *fastJSON) ws() { p.i = jsonscan.SkipSpace(p.data, p.i) }

// object calls member for each key of the object at p.i, with p.i on the
// key's value; member must consume exactly the value. Keys with escapes,
// keys not in keys and duplicate keys (bit positions from member's index)
// give false.
func (p *fastJSON) object(keys []string, member func(k int) bool) bool {
	var seen uint32
	end := jsonscan.Members(p.data, p.i, func(key []byte, at, vend int) bool {
		k := -1
		for j, name := range keys {
			if string(key) == name {
				k = j
				break
			}
		}
		if k < 0 || seen&(1<<k) != 0 {
			return false
		}
		seen |= 1 << k
		p.i = at
		return member(k) && p.i == vend
	})
	if end < 0 {
		return false
	}
	p.i = end
	return true
}

// null consumes a JSON null and reports whether there was one. The
// reflective decoder leaves a field unset for null; so do the callers.
func (p *fastJSON) null() bool {
	if p.data[p.i] == 'n' {
		p.i += len("null")
		return true
	}
	return false
}

func (p *fastJSON) str(dst *string) bool {
	if p.null() {
		return true
	}
	if p.data[p.i] != '"' {
		return false
	}
	start := p.i + 1
	end := start
	escaped, ascii := false, true
	for {
		c := p.data[end]
		if c == '"' {
			break
		}
		if c == '\\' {
			escaped = true
			end++ // skip the escaped byte, which may be a quote
		} else if c >= utf8.RuneSelf {
			ascii = false
		}
		end++
	}
	p.i = end + 1
	raw := p.data[start:end]
	if !ascii && !utf8.Valid(raw) {
		return false // encoding/json would substitute U+FFFD
	}
	if !escaped {
		*dst = p.text[start:end]
		return true
	}
	var out strings.Builder
	out.Grow(len(raw))
	for j := 0; j < len(raw); j++ {
		c := raw[j]
		if c != '\\' {
			out.WriteByte(c)
			continue
		}
		j++
		switch raw[j] {
		case '"', '\\', '/':
			out.WriteByte(raw[j])
		case 'b':
			out.WriteByte('\b')
		case 'f':
			out.WriteByte('\f')
		case 'n':
			out.WriteByte('\n')
		case 'r':
			out.WriteByte('\r')
		case 't':
			out.WriteByte('\t')
		default: // \uXXXX: surrogate rules are the reflective decoder's job
			return false
		}
	}
	*dst = out.String()
	return true
}

func (p *fastJSON) boolean(dst *bool) bool {
	switch p.data[p.i] {
	case 't':
		p.i += len("true")
		*dst = true
	case 'f':
		p.i += len("false")
		*dst = false
	case 'n':
		p.i += len("null")
	default:
		return false
	}
	return true
}

// number returns the number token at p.i.
func (p *fastJSON) number() ([]byte, bool) {
	start := p.i
	for p.i < len(p.data) && isNumberByte(p.data[p.i]) {
		p.i++
	}
	return p.data[start:p.i], p.i > start
}

// float reads a number like json.Number.Float64 (strconv.ParseFloat);
// out of range gives false (the reflective decoder reports it).
func (p *fastJSON) float(dst *float64) (set, ok bool) {
	if p.null() {
		return false, true
	}
	tok, ok := p.number()
	if !ok {
		return false, false
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		return false, false
	}
	*dst = f
	return true, true
}

// int64 reads an integer literal; floats such as 1.7e12, which the
// reflective decoder accepts when whole, give false.
func (p *fastJSON) int64(dst *int64) bool {
	if p.null() {
		return true
	}
	tok, ok := p.number()
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(string(tok), 10, 64)
	if err != nil {
		return false
	}
	*dst = n
	return true
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

func (p *fastJSON) float64(dst *float64) bool {
	_, ok := p.float(dst)
	return ok
}

var (
	chatKeys     = []string{"username", "msg", "meta", "time", "to"}
	chatMetaKeys = []string{"modflair", "addClass", "action", "addClassToNameAndTimestamp", "forceShowName", "shadow"}
)

// chat fills a ChatMsg or (with to set) a Pm.
func (p *fastJSON) chat(username, msg, to *string, tm *int64, meta **cytubev1.ChatMeta, c *chatAlloc) bool {
	keys := chatKeys
	if to == nil {
		keys = chatKeys[:4]
	}
	return p.object(keys, func(k int) bool {
		switch k {
		case 0:
			return p.str(username)
		case 1:
			return p.str(msg)
		case 2:
			if p.null() {
				return true
			}
			*meta = &c.meta
			return p.chatMeta(c)
		case 3:
			return p.int64(tm)
		default:
			return p.str(to)
		}
	})
}

func (p *fastJSON) chatMeta(c *chatAlloc) bool {
	m := &c.meta
	return p.object(chatMetaKeys, func(k int) bool {
		switch k {
		case 0:
			set, ok := p.float(&c.modflair)
			if set {
				m.Modflair = &c.modflair
			}
			return ok
		case 1:
			return p.str(&m.AddClass)
		case 2:
			return p.boolean(&m.Action)
		case 3:
			return p.boolean(&m.AddClassToNameAndTimestamp)
		case 4:
			return p.boolean(&m.ForceShowName)
		default:
			return p.boolean(&m.Shadow)
		}
	})
}

var (
	addUserKeys  = []string{"name", "rank", "profile", "meta"}
	profileKeys  = []string{"image", "text"}
	userMetaKeys = []string{"afk", "muted", "smuted", "aliases", "ip"}
)

func (p *fastJSON) addUser() (proto.Message, bool) {
	a := &addUserAlloc{}
	ok := p.object(addUserKeys, func(k int) bool {
		switch k {
		case 0:
			return p.str(&a.msg.Name)
		case 1:
			return p.float64(&a.msg.Rank)
		case 2:
			if p.null() {
				return true
			}
			a.msg.Profile = &a.profile
			return p.object(profileKeys, func(k int) bool {
				if k == 0 {
					return p.str(&a.profile.Image)
				}
				return p.str(&a.profile.Text)
			})
		default:
			if p.null() {
				return true
			}
			a.msg.Meta = &a.meta
			return p.userMeta(&a.meta)
		}
	})
	if !ok {
		return nil, false
	}
	return &a.msg, true
}

func (p *fastJSON) userMeta(m *cytubev1.UserMeta) bool {
	return p.object(userMetaKeys, func(k int) bool {
		switch k {
		case 0:
			return p.boolean(&m.Afk)
		case 1:
			return p.boolean(&m.Muted)
		case 2:
			return p.boolean(&m.Smuted)
		case 3:
			return p.stringList(&m.Aliases)
		default:
			return p.str(&m.Ip)
		}
	})
}

// stringList reads an array of strings; null elements give false, as they
// do in the reflective decoder.
func (p *fastJSON) stringList(dst *[]string) bool {
	if p.null() {
		return true
	}
	if p.data[p.i] != '[' {
		return false
	}
	p.i++
	for {
		p.ws()
		switch p.data[p.i] {
		case ']':
			p.i++
			return true
		case ',':
			p.i++
			p.ws()
		}
		if p.data[p.i] != '"' {
			return false
		}
		var s string
		if !p.str(&s) {
			return false
		}
		*dst = append(*dst, s)
	}
}

var mediaUpdateKeys = []string{"currentTime", "paused"}

func (p *fastJSON) mediaUpdate() (proto.Message, bool) {
	m := &cytubev1.MediaUpdate{}
	ok := p.object(mediaUpdateKeys, func(k int) bool {
		if k == 0 {
			return p.float64(&m.CurrentTime)
		}
		return p.boolean(&m.Paused)
	})
	if !ok {
		return nil, false
	}
	return m, true
}
