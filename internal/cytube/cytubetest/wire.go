package cytubetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
)

// noArg marks an event that is sent without an argument (42["ev"]).
type noArg struct{}

// marshal encodes v as JSON without HTML escaping, like JSON.stringify.
func marshal(v any) string {
	if raw, ok := v.(json.RawMessage); ok {
		return string(raw)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "null"
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// eventFrame builds a Socket.IO EVENT frame for the default namespace.
func eventFrame(event string, arg any) string {
	if _, ok := arg.(noArg); ok {
		return "42[" + marshal(event) + "]"
	}
	return "42[" + marshal(event) + "," + marshal(arg) + "]"
}

// orderedNums is a JSON object with a fixed key order and numeric values.
type orderedNums struct {
	keys []string
	vals map[string]float64
}

func newOrderedNums(pairs ...any) *orderedNums {
	o := &orderedNums{vals: map[string]float64{}}
	for i := 0; i+1 < len(pairs); i += 2 {
		k := pairs[i].(string)
		o.keys = append(o.keys, k)
		o.vals[k] = toFloat(pairs[i+1])
	}
	return o
}

func toFloat(v any) float64 {
	switch n := v.(type) {
	case int:
		return float64(n)
	case float64:
		return n
	}
	return 0
}

// MarshalJSON keeps CyTube's key order.
func (o *orderedNums) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(marshal(k))
		b.WriteByte(':')
		b.WriteString(formatNum(o.vals[k]))
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// formatNum prints a number the way JavaScript does for the values used here.
func formatNum(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Default permission maps as observed on CyTube 3.86.0.
func registeredPerms() *orderedNums {
	return newOrderedNums("seeplaylist", -1, "playlistadd", 1.5, "playlistnext", 1.5, "playlistmove", 1.5,
		"playlistdelete", 2, "playlistjump", 1.5, "playlistaddlist", 1.5, "oplaylistadd", -1, "oplaylistnext", 1.5,
		"oplaylistmove", 1.5, "oplaylistdelete", 2, "oplaylistjump", 1.5, "oplaylistaddlist", 1.5,
		"playlistaddcustom", 3, "playlistaddrawfile", 2, "playlistaddlive", 1.5, "exceedmaxlength", 2,
		"addnontemp", 2, "settemp", 2, "playlistshuffle", 2, "playlistclear", 2, "pollctl", 1.5, "pollvote", -1,
		"viewhiddenpoll", 1.5, "voteskip", -1, "viewvoteskip", 1.5, "mute", 1.5, "kick", 1.5, "ban", 2,
		"motdedit", 3, "filteredit", 3, "filterimport", 3, "emoteedit", 3, "emoteimport", 3, "playlistlock", 2,
		"leaderctl", 2, "drink", 1.5, "chat", 0, "chatclear", 2, "exceedmaxitems", 2, "deletefromchannellib", 2,
		"exceedmaxdurationperuser", 2)
}

func unregisteredPerms() *orderedNums {
	return newOrderedNums("seeplaylist", -1, "playlistadd", -1, "playlistnext", 0, "playlistmove", 0,
		"playlistdelete", 0, "playlistjump", 0, "playlistaddlist", 0, "oplaylistadd", -1, "oplaylistnext", 0,
		"oplaylistmove", 0, "oplaylistdelete", 0, "oplaylistjump", 0, "oplaylistaddlist", 0,
		"playlistaddcustom", 0, "playlistaddlive", 0, "exceedmaxlength", 0, "addnontemp", 0, "settemp", 0,
		"playlistshuffle", 0, "playlistclear", 0, "pollctl", 0, "pollvote", -1, "viewhiddenpoll", 1.5,
		"voteskip", -1, "viewvoteskip", 1.5, "playlistlock", 2, "leaderctl", 0, "drink", 0, "chat", 0,
		"chatclear", 2, "exceedmaxitems", 2, "deletefromchannellib", 2)
}

// need returns the minimum rank for perm; keys missing from an unregistered
// channel's map fall back to the registered defaults.
func (o *orderedNums) need(perm string) float64 {
	if v, ok := o.vals[perm]; ok {
		return v
	}
	if v, ok := registeredPerms().vals[perm]; ok {
		return v
	}
	return 2
}

type antifloodParams struct {
	Burst     float64 `json:"burst"`
	Sustained float64 `json:"sustained"`
	Cooldown  float64 `json:"cooldown"`
}

// channelOpts mirrors CyTube's default channelOpts in wire order.
type channelOpts struct {
	AllowVoteskip              bool            `json:"allow_voteskip"`
	VoteskipRatio              float64         `json:"voteskip_ratio"`
	AfkTimeout                 float64         `json:"afk_timeout"`
	Pagetitle                  string          `json:"pagetitle"`
	Maxlength                  float64         `json:"maxlength"`
	Externalcss                string          `json:"externalcss"`
	Externaljs                 string          `json:"externaljs"`
	ChatAntiflood              bool            `json:"chat_antiflood"`
	ChatAntifloodParams        antifloodParams `json:"chat_antiflood_params"`
	ShowPublic                 bool            `json:"show_public"`
	EnableLinkRegex            bool            `json:"enable_link_regex"`
	Password                   any             `json:"password"`
	AllowDupes                 bool            `json:"allow_dupes"`
	Torbanned                  bool            `json:"torbanned"`
	BlockAnonymousUsers        bool            `json:"block_anonymous_users"`
	AllowASCIIControl          bool            `json:"allow_ascii_control"`
	PlaylistMaxPerUser         float64         `json:"playlist_max_per_user"`
	NewUserChatDelay           float64         `json:"new_user_chat_delay"`
	NewUserChatLinkDelay       float64         `json:"new_user_chat_link_delay"`
	PlaylistMaxDurationPerUser float64         `json:"playlist_max_duration_per_user"`
}

func defaultOpts(name string) channelOpts {
	return channelOpts{
		AllowVoteskip: true, VoteskipRatio: 0.5, AfkTimeout: 600, Pagetitle: name,
		ChatAntifloodParams: antifloodParams{Burst: 4, Sustained: 1, Cooldown: 4},
		EnableLinkRegex:     true, Password: false,
	}
}

// chatMeta is the chatMsg meta object in CyTube's key order.
type chatMeta struct {
	AddClass                   string  `json:"addClass,omitempty"`
	Action                     bool    `json:"action,omitempty"`
	AddClassToNameAndTimestamp bool    `json:"addClassToNameAndTimestamp,omitempty"`
	ForceShowName              bool    `json:"forceShowName,omitempty"`
	Modflair                   float64 `json:"modflair,omitempty"`
	Shadow                     bool    `json:"shadow,omitempty"`
}

// ChatMsg is one chat message as CyTube sends it (chatMsg payload).
type ChatMsg struct {
	Username string          `json:"username"`
	Msg      string          `json:"msg"`
	Meta     json.RawMessage `json:"meta"`
	Time     int64           `json:"time"`
}

func (m ChatMsg) normalized() ChatMsg {
	if len(m.Meta) == 0 {
		m.Meta = json.RawMessage("{}")
	}
	return m
}

type pmMsg struct {
	Username string          `json:"username"`
	Msg      string          `json:"msg"`
	Meta     json.RawMessage `json:"meta"`
	Time     int64           `json:"time"`
	To       string          `json:"to"`
}

var serverWhisper = chatMeta{AddClass: "server-whisper", AddClassToNameAndTimestamp: true}

// Media is a playlist media object.
type Media struct {
	ID      string
	Title   string
	Seconds float64
	Type    string
	Meta    json.RawMessage // nil → {}
}

type mediaJSON struct {
	ID       string          `json:"id"`
	Title    string          `json:"title"`
	Seconds  float64         `json:"seconds"`
	Duration string          `json:"duration"`
	Type     string          `json:"type"`
	Meta     json.RawMessage `json:"meta"`
}

func (m Media) wire() mediaJSON {
	meta := m.Meta
	if len(meta) == 0 {
		meta = json.RawMessage("{}")
	}
	return mediaJSON{ID: m.ID, Title: m.Title, Seconds: m.Seconds, Duration: formatDuration(m.Seconds, m.Type), Type: m.Type, Meta: meta}
}

type changeMediaJSON struct {
	mediaJSON
	CurrentTime float64 `json:"currentTime"`
	Paused      bool    `json:"paused"`
}

// formatDuration renders seconds as CyTube does ("MM:SS", "HH:MM:SS", "--:--" for live).
func formatDuration(sec float64, typ string) string {
	if sec <= 0 && typ != "cm" {
		return "--:--"
	}
	return formatTime(sec)
}

func formatTime(sec float64) string {
	t := int64(sec)
	h, m, s := t/3600, (t/60)%60, t%60
	if h > 0 {
		return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", m, s)
}

// truncateUTF16 cuts s to at most n UTF-16 code units, like String.substring.
// A cut inside a surrogate pair drops the lone half (Go strings cannot hold it).
func truncateUTF16(s string, n int) string {
	u := utf16.Encode([]rune(s))
	if len(u) <= n {
		return s
	}
	return string(utf16.Decode(u[:n]))
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

var (
	nameRe     = regexp.MustCompile(`^[\w-]{1,20}$`)
	chanNameRe = regexp.MustCompile(`^[\w-]{1,30}$`)
	linkRe     = regexp.MustCompile(`(?i)(\w+://(?:[^:/\[\]\s]+|\[[0-9a-f:]+\])(?::\d+)?(?:/[^/\s]*)*)`)
	ctrlRe     = regexp.MustCompile(`[\x00-\x1f]+`)
	scriptRe   = regexp.MustCompile(`(?is)<script[^>]*>.*?</script>`)
	iframeRe   = regexp.MustCompile(`(?i)^\s*<iframe\b[^>]*\bsrc\s*=\s*["']([^"']+)["']`)
)

// escapeText HTML-escapes & < > and leaves quotes alone, as CyTube's chat does.
func escapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// defaultFilters are CyTube's stock chat filters (applied outside links).
var defaultFilters = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile("`(.+?)`"), "<code>$1</code>"},
	{regexp.MustCompile(`\*(.+?)\*`), "<strong>$1</strong>"},
	{regexp.MustCompile(`_(.+?)_`), "<em>$1</em>"},
	{regexp.MustCompile(`~~(.+?)~~`), "<s>$1</s>"},
	{regexp.MustCompile(`\[sp\](.*?)\[/sp\]`), `<span class="spoiler">$1</span>`},
}

// formatChat escapes text, applies the default filters outside links and
// turns links into anchors. rel is the anchor's rel attribute.
func formatChat(text string, links bool, filters bool, rel string) string {
	esc := escapeText(text)
	if !links {
		if filters {
			return applyFilters(esc)
		}
		return esc
	}
	var b strings.Builder
	last := 0
	for _, loc := range linkRe.FindAllStringIndex(esc, -1) {
		seg := esc[last:loc[0]]
		if filters {
			seg = applyFilters(seg)
		}
		b.WriteString(seg)
		u := esc[loc[0]:loc[1]]
		fmt.Fprintf(&b, `<a href="%s" target="_blank" rel="%s">%s</a>`, u, rel, u)
		last = loc[1]
	}
	seg := esc[last:]
	if filters {
		seg = applyFilters(seg)
	}
	b.WriteString(seg)
	return b.String()
}

func applyFilters(s string) string {
	for _, f := range defaultFilters {
		s = f.re.ReplaceAllString(s, f.repl)
	}
	return s
}

// frameKind classifies a frame for replay matching: engine type, socket.io
// type and event name; values are ignored.
func frameKind(frame string) string {
	if frame == "" {
		return ""
	}
	if frame[0] != '4' || len(frame) < 2 {
		return frame[:1]
	}
	kind := frame[:2]
	if kind != "42" && kind != "43" {
		return kind
	}
	rest := strings.TrimLeft(frame[2:], "0123456789")
	var arr []json.RawMessage
	if err := json.Unmarshal([]byte(rest), &arr); err != nil || len(arr) == 0 {
		return kind
	}
	var ev string
	if json.Unmarshal(arr[0], &ev) == nil {
		return kind + ":" + ev
	}
	return kind
}
