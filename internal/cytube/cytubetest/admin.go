package cytubetest

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
)

// The moderator's and owner's commands: the ban list and unban, custom
// CSS and JS, emotes, chat filters, the channel log, media search and the
// account's saved playlists. A small model of CyTube 3.86's handlers
// (src/channel/kickban.js, customization.js, emotes.js, filters.js,
// library.js, playlist.js): their answers, kicks and silences, without
// databases or IP bans.

// filter is one chat filter as CyTube sends it.
type filter struct {
	Name        string `json:"name"`
	Source      string `json:"source"`
	Flags       string `json:"flags"`
	Replace     string `json:"replace"`
	Active      bool   `json:"active"`
	FilterLinks bool   `json:"filterlinks"`
}

// savedPlaylist is one of an account's playlists.
type savedPlaylist struct {
	Name     string  `json:"name"`
	Count    int     `json:"count"`
	Duration float64 `json:"duration"`
	items    []Media
}

// handleAdmin handles the events of this file; it reports whether ev was
// one. Caller holds s.mu.
func (s *Server) handleAdmin(c *conn, ch *channel, ev string, arg json.RawMessage) bool {
	switch ev {
	case "requestBanlist":
		if ch.registered && ch.can(c, "ban") {
			c.emit("banlist", ch.banlist())
		}
	case "unban":
		var p struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		}
		if !ch.registered || !ch.can(c, "ban") || json.Unmarshal(arg, &p) != nil {
			return true
		}
		for _, b := range ch.banlist() {
			if b.ID == p.ID {
				delete(ch.bans, b.Name)
			}
		}
		ch.broadcastView(func(o *conn) string {
			if ch.can(o, "ban") {
				return eventFrame("banlistRemove", p)
			}
			return ""
		})
		ch.whisper(s, c.u.name+" unbanned "+p.Name)
	case "setChannelCSS", "setChannelJS":
		if c.rank() < 3 {
			s.kick(c, "Attempted "+ev+" as non-admin")
			return true
		}
		var p struct {
			CSS *string `json:"css"`
			JS  *string `json:"js"`
		}
		if json.Unmarshal(arg, &p) != nil {
			return true
		}
		switch {
		case ev == "setChannelCSS" && p.CSS != nil && *p.CSS != ch.css:
			ch.css = *p.CSS
		case ev == "setChannelJS" && p.JS != nil && *p.JS != ch.js:
			ch.js = *p.JS
		default:
			return true // unchanged: no answer
		}
		ch.emit("channelCSSJS", map[string]string{"css": ch.css, "cssHash": cssHash(ch.css), "js": ch.js, "jsHash": cssHash(ch.js)})
	case "updateEmote", "renameEmote", "removeEmote":
		s.handleEmote(c, ch, ev, arg)
	case "addFilter", "updateFilter", "removeFilter":
		s.handleFilter(c, ch, ev, arg)
	case "requestChatFilters":
		if ch.can(c, "filteredit") {
			c.emit("chatFilters", append([]filter{}, ch.filters...))
		}
	case "readChanLog":
		switch {
		case c.rank() < 3:
			s.kick(c, "Attempted readChanLog with insufficient permission")
		case !ch.registered:
			c.emit("readChanLog", map[string]any{"success": false, "data": "Channel log is only available to registered channels."})
		default:
			c.emit("readChanLog", map[string]any{"success": true, "data": "[Tue Dec 01 2026 12:00:00] " + c.u.name + " joined\n"})
		}
	case "searchMedia":
		var p struct {
			Source string `json:"source"`
		}
		_ = json.Unmarshal(arg, &p)
		if p.Source == "yt" || !ch.registered || !ch.can(c, "seeplaylist") {
			return true // no YouTube key here: silent
		}
		c.emit("searchResults", map[string]any{"source": "library", "results": []any{}})
	case "clonePlaylist", "deletePlaylist", "queuePlaylist":
		s.handleUserPlaylist(c, ch, ev, arg)
	default:
		return false
	}
	return true
}

type banEntry struct {
	ID       int64  `json:"id"`
	IP       string `json:"ip"`
	Name     string `json:"name"`
	Reason   string `json:"reason"`
	BannedBy string `json:"bannedby"`
}

// banlist is the channel's name bans, numbered in name order.
func (ch *channel) banlist() []banEntry {
	names := make([]string, 0, len(ch.bans))
	for n := range ch.bans {
		names = append(names, n)
	}
	sort.Strings(names)
	out := []banEntry{}
	for i, n := range names {
		out = append(out, banEntry{ID: int64(i + 1), IP: "*", Name: n})
	}
	return out
}

func (s *Server) handleEmote(c *conn, ch *channel, ev string, arg json.RawMessage) {
	if !ch.can(c, "emoteedit") {
		return
	}
	var p struct {
		Name  string `json:"name"`
		Old   string `json:"old"`
		Image string `json:"image"`
	}
	if json.Unmarshal(arg, &p) != nil {
		return
	}
	i := slices.IndexFunc(ch.emotes, func(e emote) bool { return e.Name == p.Name })
	switch ev {
	case "updateEmote", "renameEmote":
		if ev == "renameEmote" && i >= 0 {
			c.emit("errorMsg", map[string]any{"msg": "Emote already exists.", "alert": true})
			return
		}
		if p.Name == "" || p.Image == "" {
			c.emit("errorMsg", map[string]any{"msg": "Emote names and images must not be blank.", "alert": true})
			return
		}
		e := emote{Name: p.Name, Image: escapeHTMLQuotes(p.Image), Source: `(^|\s)` + regexpQuote(escapeHTMLQuotes(p.Name)) + `(?!\S)`}
		if ev == "renameEmote" {
			j := slices.IndexFunc(ch.emotes, func(e emote) bool { return e.Name == p.Old })
			if j < 0 {
				return // en-6: silent
			}
			ch.emotes[j] = e
			ch.emit("renameEmote", map[string]string{"old": p.Old, "name": e.Name, "image": e.Image, "source": e.Source})
			return
		}
		if i >= 0 {
			ch.emotes[i] = e
		} else {
			ch.emotes = append(ch.emotes, e)
		}
		ch.emit("updateEmote", e)
	case "removeEmote":
		if i >= 0 {
			ch.emotes = slices.Delete(ch.emotes, i, i+1)
		}
		ch.emit("removeEmote", map[string]string{"name": p.Name})
	}
}

func (s *Server) handleFilter(c *conn, ch *channel, ev string, arg json.RawMessage) {
	if !ch.can(c, "filteredit") {
		return
	}
	var f filter
	if json.Unmarshal(arg, &f) != nil {
		return
	}
	i := slices.IndexFunc(ch.filters, func(x filter) bool { return x.Name == f.Name })
	toEditors := func(event string, arg any) {
		ch.broadcastView(func(o *conn) string {
			if ch.can(o, "filteredit") {
				return eventFrame(event, arg)
			}
			return ""
		})
	}
	switch ev {
	case "addFilter":
		if i >= 0 {
			c.emit("errorMsg", map[string]any{"msg": "Filter add failed: Filter '" + f.Name + "' already exists.  Please choose a different name", "alert": true})
			return
		}
		ch.filters = append(ch.filters, f)
		c.emit("addFilterSuccess", nil)
		toEditors("updateChatFilter", f)
	case "updateFilter":
		if i < 0 {
			c.emit("errorMsg", map[string]any{"msg": "Filter update failed: Filter to be updated does not exist", "alert": true})
			return
		}
		ch.filters[i] = f
		toEditors("updateChatFilter", f)
	case "removeFilter":
		if i >= 0 {
			ch.filters = slices.Delete(ch.filters, i, i+1)
		}
		toEditors("deleteChatFilter", map[string]string{"name": f.Name})
	}
}

func (s *Server) handleUserPlaylist(c *conn, ch *channel, ev string, arg json.RawMessage) {
	var p struct {
		Name string `json:"name"`
		Pos  string `json:"pos"`
		Temp bool   `json:"temp"`
	}
	if json.Unmarshal(arg, &p) != nil {
		return
	}
	if c.u == nil || c.u.guest {
		c.emit("errorMsg", map[string]string{"msg": "Only registered users can use the user playlist function."})
		return
	}
	user := strings.ToLower(c.u.name)
	if s.userPlaylists == nil {
		s.userPlaylists = map[string][]*savedPlaylist{}
	}
	lists := s.userPlaylists[user]
	i := slices.IndexFunc(lists, func(l *savedPlaylist) bool { return l.Name == p.Name })
	switch ev {
	case "clonePlaylist":
		pl := &savedPlaylist{Name: p.Name}
		for _, it := range ch.playlist {
			pl.items = append(pl.items, it.media)
			pl.Count++
			pl.Duration += it.media.Seconds
		}
		if i >= 0 {
			lists[i] = pl
		} else {
			lists = append(lists, pl)
		}
	case "deletePlaylist":
		if i >= 0 {
			lists = slices.Delete(lists, i, i+1)
		}
	case "queuePlaylist":
		if i < 0 {
			c.emit("errorMsg", map[string]string{"msg": "Playlist load failed: Playlist does not exist"})
			return
		}
		for _, m := range lists[i].items {
			if slices.ContainsFunc(ch.playlist, func(it *plItem) bool { return it.media.ID == m.ID }) {
				c.emit("queueFail", map[string]string{"msg": "This item is already on the playlist"})
				continue
			}
			s.insertItem(ch, m, c.u.name, p.Temp, p.Pos == "next")
		}
		return
	}
	s.userPlaylists[user] = lists
	c.emit("listPlaylists", lists)
}
