package cytube

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/cytube/raw"
)

// captureLine is one line of a golden capture (see testdata/README.md).
type captureLine struct {
	Dir    string            `json:"dir"`
	Socket string            `json:"socket"`
	Event  string            `json:"event"`
	Args   []json.RawMessage `json:"args"`
	Frame  string            `json:"frame"`
	Note   string            `json:"note"`
}

func readCapture(t *testing.T, name string) []captureLine {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []captureLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 8<<20)
	for sc.Scan() {
		var l captureLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// feed applies every server event a socket received, as the session would.
func feed(t *testing.T, lines []captureLine, socket string, check func(c *channelState, ev string)) *channelState {
	t.Helper()
	c := newChannelState("goldentest")
	now := time.Unix(1800000000, 0)
	for _, l := range lines {
		if l.Dir != "in" || l.Socket != socket || l.Event == "" {
			continue
		}
		var arg json.RawMessage
		if len(l.Args) > 0 {
			arg = l.Args[0]
		}
		known := map[string]bool{"chatMsg": true, "pm": true, "kick": true, "errorMsg": true, "queueFail": true, "cooldown": true, "noflood": true, "listPlaylists": true, "voteskip": true, "clearchat": true, "clearVoteskipVote": true, "channelRanks": true, "channelRankFail": true}
		if !applyJSON(c, l.Event, arg, now) && !known[l.Event] {
			t.Errorf("%s: event %s payload %s did not decode", socket, l.Event, arg)
		}
		if check != nil {
			check(c, l.Event)
		}
	}
	return c
}

func TestChannelStatePlaylistFromCapture(t *testing.T) {
	lines := readCapture(t, "playlist.jsonl")
	for _, sock := range []string{"owner", "user", "mod"} {
		c := feed(t, lines, sock, func(c *channelState, ev string) {
			if ev == "setPlaylistMeta" && c.PlaylistLen != len(c.Playlist) {
				// setPlaylistMeta follows each change: the model must agree.
				t.Errorf("%s: setPlaylistMeta count %d, model has %d items", sock, c.PlaylistLen, len(c.Playlist))
			}
		})
		if c.Permissions["playlistadd"] == 0 {
			t.Errorf("%s: permissions not kept", sock)
		}
		if c.OwnRank < 0 {
			t.Errorf("%s: own rank %v", sock, c.OwnRank)
		}
	}
}

func TestChannelStateUsersFromCapture(t *testing.T) {
	lines := readCapture(t, "chat.jsonl")
	c := feed(t, lines, "owner", nil)
	if c.OwnName != "goldowner" || c.OwnRank != 5 {
		t.Errorf("own = %q rank %v, want goldowner rank 5", c.OwnName, c.OwnRank)
	}
	seen := map[string]bool{}
	for _, u := range c.Users {
		if seen[u.Name] {
			t.Errorf("user %s listed twice", u.Name)
		}
		seen[u.Name] = true
	}
	if !seen["goldowner"] {
		t.Errorf("users %v lack goldowner", c.Users)
	}
}

func TestChannelStatePollFromCapture(t *testing.T) {
	lines := readCapture(t, "polls.jsonl")
	sawPoll := false
	c := feed(t, lines, "owner", func(c *channelState, ev string) {
		switch ev {
		case "newPoll", "updatePoll":
			if c.Poll == nil || c.Poll.Title == "" {
				t.Errorf("%s left no poll", ev)
			}
			sawPoll = true
		case "closePoll":
			if c.Poll != nil {
				t.Error("closePoll left a poll")
			}
		}
	})
	if !sawPoll {
		t.Fatal("capture has no poll")
	}
	_ = c
}

func TestChannelStateEdits(t *testing.T) {
	c := newChannelState("x")
	now := time.Unix(100, 0)
	item := func(uid int) string {
		return `{"item":{"media":{"id":"m` + itoa(uid) + `","title":"t","seconds":1,"duration":"00:01","type":"cm","meta":{}},"uid":` + itoa(uid) + `,"temp":false,"queueby":"a"},"after":`
	}
	must := func(ev, arg string) {
		t.Helper()
		if !applyJSON(c, ev, json.RawMessage(arg), now) {
			t.Fatalf("apply %s %s failed", ev, arg)
		}
	}
	must("playlist", `[]`)
	must("queue", item(1)+`"prepend"}`)
	must("queue", item(2)+`1}`)
	must("queue", item(3)+`"prepend"}`)
	must("queue", item(4)+`99}`) // unknown uid: appended
	order := func() []int64 {
		var o []int64
		for _, it := range c.Playlist {
			o = append(o, it.UID)
		}
		return o
	}
	if got := order(); !equal(got, []int64{3, 1, 2, 4}) {
		t.Fatalf("after queue: %v", got)
	}
	must("moveVideo", `{"from":3,"after":2}`)
	if got := order(); !equal(got, []int64{1, 2, 3, 4}) {
		t.Fatalf("after move: %v", got)
	}
	must("moveVideo", `{"from":4,"after":"prepend"}`)
	must("delete", `{"uid":2}`)
	must("setTemp", `{"uid":1,"temp":true}`)
	if got := order(); !equal(got, []int64{4, 1, 3}) || !c.Playlist[1].Temp {
		t.Fatalf("after delete/temp: %v", c.Playlist)
	}
	must("changeMedia", `{"id":"m1","title":"t","seconds":10,"duration":"00:10","type":"cm","meta":{},"currentTime":-3,"paused":true}`)
	must("mediaUpdate", `{"currentTime":4,"paused":false}`)
	if p := c.NowPlaying.Position(now.Add(2 * time.Second)); p != 6 {
		t.Errorf("position = %v, want 6", p)
	}
	must("userlist", `[{"name":"a","rank":1,"profile":{"image":"","text":""},"meta":{"afk":false,"muted":false}}]`)
	must("addUser", `{"name":"B","rank":0,"profile":{"image":"","text":""},"meta":{"afk":false,"muted":false}}`)
	must("setUserMeta", `{"name":"b","meta":{"afk":true,"muted":true}}`)
	must("setUserRank", `{"name":"A","rank":1.5}`)
	if !c.Users[1].AFK || !c.Users[1].Muted || c.Users[0].Rank != 1.5 {
		t.Errorf("users = %+v", c.Users)
	}
	must("userLeave", `{"name":"a"}`)
	if len(c.Users) != 1 {
		t.Errorf("users = %+v", c.Users)
	}
	for _, bad := range []struct{ ev, arg string }{
		{"rank", `"x"`}, {"userlist", `{}`}, {"queue", `[1]`}, {"setCurrent", `null`}, {"playlist", ``},
	} {
		if applyJSON(c, bad.ev, json.RawMessage(bad.arg), now) {
			t.Errorf("apply(%s, %s) accepted a payload of the wrong shape", bad.ev, bad.arg)
		}
	}
	must("channelOpts", `{"chat_antiflood":true,"chat_antiflood_params":{"burst":4,"sustained":1,"cooldown":4},"pagetitle":"x"}`)
	if !c.antiflood || c.antifloodLimit.burst != 4 {
		t.Errorf("antiflood not kept: %+v", c)
	}
	var opts map[string]any
	if err := json.Unmarshal(c.Options, &opts); err != nil || opts["pagetitle"] != "x" || opts["chat_antiflood"] != true {
		t.Errorf("options = %s", c.Options)
	}
	// CyTube sends the options whole (src/channel/opts.js:92-101): each
	// channelOpts replaces the last.
	must("channelOpts", `{"pagetitle":"y"}`)
	if c.antiflood || c.opts.GetPagetitle() != "y" || string(c.Options) != `{"pagetitle":"y"}` {
		t.Errorf("options not replaced: %s, antiflood %v", c.Options, c.antiflood)
	}
}

// applyJSON decodes one event as the session does and applies it; it
// reports whether the payload decoded.
func applyJSON(c *channelState, event string, arg json.RawMessage, now time.Time) bool {
	m, _, err := raw.Decode(event, arg)
	if err != nil {
		return false
	}
	c.apply(m, arg, now)
	return true
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
