package cytube

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf16"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
)

// The moderator's and owner's commands: channel options, permissions,
// custom CSS and JS, emotes, chat filters, ranks, the channel log, media
// search and the account's saved playlists. Row ids (op-4, en-6...) are
// those of docs/command-outcomes.md; the CyTube lines are cited there and
// at each rule.

// optionsRank3 are the setOptions keys CyTube applies only from rank 3
// and ignores silently below it (src/channel/opts.js:165-362).
var optionsRank3 = []string{"pagetitle", "externalcss", "externaljs", "show_public", "password", "torbanned", "block_anonymous_users", "allow_ascii_control", "playlist_max_per_user"}

// adminSpec fills sp for the commands of this file; ok is false for any
// other event.
func adminSpec(event string, a cmdArgs, sp spec, tc func(*Event) (bool, error)) (spec, bool) {
	switch event {
	case "setOptions":
		opts := a.opts
		// Below rank 2 CyTube kicks the socket (op-2).
		sp.permit = all(needRank(2, "setOptions (CyTube kicks a sender below rank 2)"), func(ch *channelState) error {
			if ch.OwnRank < 3 {
				for _, k := range optionsRank3 {
					if _, ok := opts[k]; ok {
						return &RefusedError{Kind: RefusedNotPermitted, Message: fmt.Sprintf("option %s needs rank 3: CyTube ignores it from rank %g (op-3)", k, ch.OwnRank)}
					}
				}
			}
			return nil
		})
		// An externalcss or externaljs of "" that is already "" stops
		// CyTube from broadcasting the options at all (op-6): such a
		// key changes nothing and is left out.
		sp.bind = func(ch *channelState) (json.RawMessage, error) {
			out := make(map[string]any, len(opts))
			for k, v := range opts {
				if (k == "externalcss" || k == "externaljs") && v == "" && optionString(ch, k) == "" {
					continue
				}
				out[k] = v
			}
			return json.Marshal(out)
		}
		sp.check = on([]string{"channelOpts"}, nil, tc, errorPrefix("That pagetitle is reserved", "Expected number for "), func(ev *Event) (bool, error) {
			if ev.Name == "validationError" {
				return true, &RefusedError{Kind: RefusedByServer, Event: ev.Name, Message: msgOf[*cytubev1.ValidationError](ev).GetMessage()}
			}
			return false, nil
		})
	case "setPermissions":
		perms := a.perms
		// Below rank 3 CyTube kicks the socket (pe-2); it copies only the
		// keys its map has (pe-4).
		sp.permit = all(needRank(3, "setPermissions (CyTube kicks a sender below rank 3)"), func(ch *channelState) error {
			if ch.Permissions == nil {
				return nil
			}
			var unknown []string
			for k := range perms {
				if _, ok := ch.Permissions[k]; !ok {
					unknown = append(unknown, k)
				}
			}
			if len(unknown) > 0 {
				sort.Strings(unknown)
				return &RefusedError{Kind: RefusedInvalid, Message: fmt.Sprintf("unknown permission %s: CyTube ignores keys its permission map does not have (pe-4)", strings.Join(unknown, ", "))}
			}
			return nil
		})
		sp.check = on([]string{"setPermissions"}, func(ev *Event, _ checkCtx) bool {
			got := msgOf[*cytubev1.SetPermissions](ev).GetPermissions()
			for k, v := range perms {
				if got[k] != v {
					return false
				}
			}
			return true
		}, tc)
	case "setChannelCSS", "setChannelJS":
		text := a.text
		// Below rank 3 CyTube kicks the socket (cs-2).
		sp.permit = all(needRank(3, event+" (CyTube kicks a sender below rank 3)"), func(ch *channelState) error {
			// An unchanged text gets no answer (cs-3).
			if (event == "setChannelCSS" && text == ch.css) || (event == "setChannelJS" && text == ch.js) {
				return errAlready
			}
			return nil
		})
		sp.check = on([]string{"channelCSSJS"}, func(ev *Event, _ checkCtx) bool {
			m := msgOf[*cytubev1.ChannelCSSJS](ev)
			if event == "setChannelCSS" {
				return m.GetCss() == text
			}
			return m.GetJs() == text
		}, tc)
	case "updateEmote":
		name, image := a.name, sanitizeText(cutUTF16(a.image, 1000))
		sp.permit = needPerm("emoteedit", false) // eu-2: silent below
		sp.check = on([]string{"updateEmote"}, func(ev *Event, _ checkCtx) bool {
			m := msgOf[*cytubev1.UpdateEmote](ev)
			return m.GetName() == name && m.GetImage() == image
		}, tc, errorPrefix("Emote names and images must not be blank", "Unable to update emote"))
	case "renameEmote":
		old, name := a.old, a.name
		sp.permit = all(needPerm("emoteedit", false), func(ch *channelState) error {
			if emoteIndex(ch.emotes, old) < 0 {
				return &RefusedError{Kind: RefusedNotFound, Message: fmt.Sprintf("no emote is called %q: CyTube ignores the rename (en-6)", old)}
			}
			if emoteIndex(ch.emotes, name) >= 0 {
				return &RefusedError{Kind: RefusedInvalid, Message: "Emote already exists. (refused locally, en-3)"}
			}
			return nil
		})
		// CyTube wants the image with a rename (en-4): the emote's own.
		sp.bind = func(ch *channelState) (json.RawMessage, error) {
			return json.Marshal(struct {
				Image string `json:"image"`
				Name  string `json:"name"`
				Old   string `json:"old"`
			}{ch.emotes[emoteIndex(ch.emotes, old)].GetImage(), name, old})
		}
		sp.check = on([]string{"renameEmote"}, func(ev *Event, _ checkCtx) bool {
			m := msgOf[*cytubev1.RenameEmote](ev)
			return m.GetOld() == old && m.GetName() == name
		}, tc, errorPrefix("Emote already exists", "Emote names and images must not be blank", "Unable to rename emote"))
	case "removeEmote":
		name := a.name
		// CyTube broadcasts a removal even of an emote that does not
		// exist (er-2): the connector refuses that itself.
		sp.permit = all(needPerm("emoteedit", false), func(ch *channelState) error {
			if emoteIndex(ch.emotes, name) < 0 {
				return &RefusedError{Kind: RefusedNotFound, Message: fmt.Sprintf("no emote is called %q (CyTube would report it removed, er-2)", name)}
			}
			return nil
		})
		sp.check = on([]string{"removeEmote"}, func(ev *Event, _ checkCtx) bool {
			return msgOf[*cytubev1.RemoveEmote](ev).GetName() == name
		}, tc)
	case "addFilter":
		sp.permit = needPerm("filteredit", false) // fa-1: silent below
		// addFilterSuccess goes to the sender alone (fa-5).
		sp.check = on([]string{"addFilterSuccess"}, nil, tc, errorPrefix("Invalid regex:", "Filter add failed:"))
	case "updateFilter":
		name := a.name
		sp.permit = all(needPerm("filteredit", false), func(ch *channelState) error {
			if ch.filtersKnown && !hasFilter(ch, name) {
				return &RefusedError{Kind: RefusedNotFound, Message: "Filter update failed: Filter to be updated does not exist (refused locally, fu-3)"}
			}
			return nil
		})
		sp.check = on([]string{"updateChatFilter"}, func(ev *Event, _ checkCtx) bool {
			return msgOf[*cytubev1.UpdateChatFilter](ev).GetName() == name
		}, tc, errorPrefix("Invalid regex:", "Filter update failed:"))
	case "removeFilter":
		name := a.name
		// CyTube reports a removal of any name (fr-2): with the filter
		// list known, the connector refuses a name it does not hold.
		sp.permit = all(needPerm("filteredit", false), func(ch *channelState) error {
			if ch.filtersKnown && !hasFilter(ch, name) {
				return &RefusedError{Kind: RefusedNotFound, Message: fmt.Sprintf("no chat filter is called %q (CyTube would report it removed, fr-2)", name)}
			}
			return nil
		})
		sp.check = on([]string{"deleteChatFilter"}, func(ev *Event, _ checkCtx) bool {
			return msgOf[*cytubev1.DeleteChatFilter](ev).GetName() == name
		}, tc, errorPrefix("Filter removal failed:"))
	case "requestChatFilters":
		sp.permit = needPerm("filteredit", false)
		sp.check = on([]string{"chatFilters"}, nil)
	case "requestChannelRanks":
		// Silent below rank 3 and in unregistered channels (cr-1, cr-3);
		// channelRanks goes to the sender alone.
		sp.permit = all(needRank(3, "requestChannelRanks"), registered("the rank list"))
		sp.check = on([]string{"channelRanks"}, nil)
	case "readChanLog":
		// Below rank 3 CyTube kicks the socket (lg-1).
		sp.permit = needRank(3, "readChanLog (CyTube kicks a sender below rank 3)")
		sp.check = func(ev *Event, _ checkCtx) (bool, error) {
			if ev.Name != "readChanLog" {
				return false, nil
			}
			if m := msgOf[*cytubev1.ReadChanLog](ev); !m.GetSuccess() {
				return true, &RefusedError{Kind: RefusedByServer, Event: ev.Name, Message: m.GetData()} // lg-2, lg-3
			}
			return true, nil
		}
	case "searchMedia":
		// CyTube searches YouTube for source "yt", in unregistered
		// channels and below seeplaylist, else the library (sm-2); the
		// answer goes to the sender alone and names the source.
		src := a.typ
		sp.prepare = func(ch *channelState) any {
			if src == "yt" || ch.unregistered || belowPerm("seeplaylist")(ch) {
				return "yt"
			}
			return "library"
		}
		sp.check = on([]string{"searchResults"}, func(ev *Event, c checkCtx) bool {
			return msgOf[*cytubev1.SearchResults](ev).GetSource() == c.op.want
		}, tc)
	case "listPlaylists":
		sp.permit = registeredAccount
		sp.check = on([]string{"listPlaylists"}, nil, errorPrefix("Only registered users", "Database error when attempting to fetch"))
	case "clonePlaylist":
		name := a.name
		sp.permit = all(registeredAccount, func(ch *channelState) error {
			if belowPerm("seeplaylist")(ch) {
				return &RefusedError{Kind: RefusedNotPermitted, Message: "You are not allowed to save this playlist (refused locally: seeplaylist, cp-3)"}
			}
			return nil
		})
		// The answer is the account's list, with the playlist in it (cp-5).
		sp.check = on([]string{"listPlaylists"}, func(ev *Event, _ checkCtx) bool {
			return playlistIndex(msgOf[*cytubev1.ListPlaylists](ev).GetItems(), name) >= 0
		}, tc, errorPrefix("Only registered users", "You are not allowed to save", "Database error when saving"))
	case "deletePlaylist":
		name := a.name
		// CyTube answers with the list whether or not the playlist was
		// there (dp-4): with the list known, a missing one is refused.
		sp.permit = all(registeredAccount, func(ch *channelState) error {
			if ch.playlistsKnown && playlistIndex(ch.playlists, name) < 0 {
				return &RefusedError{Kind: RefusedNotFound, Message: fmt.Sprintf("the account has no playlist called %q", name)}
			}
			return nil
		})
		sp.check = on([]string{"listPlaylists"}, func(ev *Event, _ checkCtx) bool {
			return playlistIndex(msgOf[*cytubev1.ListPlaylists](ev).GetItems(), name) < 0
		}, tc, errorPrefix("Only registered users", "Database error when deleting"))
	case "queuePlaylist":
		name, next := a.name, a.pos == "next"
		sp.permit = all(registeredAccount, needPerm("playlistaddlist", true), func(ch *channelState) error {
			if next {
				if err := needPerm("playlistnext", true)(ch); err != nil {
					return err // qp-4
				}
			}
			if ch.playlistsKnown {
				i := playlistIndex(ch.playlists, name)
				switch {
				case i < 0:
					return &RefusedError{Kind: RefusedNotFound, Message: fmt.Sprintf("Playlist load failed: Playlist does not exist (refused locally: the account has no playlist called %q)", name)}
				case ch.playlists[i].GetCount() == 0:
					return &RefusedError{Kind: RefusedNotFound, Message: fmt.Sprintf("the playlist %q is empty: CyTube queues nothing and answers nothing (qp-8)", name)}
				}
			}
			return nil
		})
		sp.noConfirm = belowPerm("seeplaylist")
		// No final event (qp-7): the first own queue confirms, a queueFail
		// without an id (a saved playlist's item) refuses.
		sp.check = answered(func(ev *Event, c checkCtx) (bool, error) {
			switch ev.Name {
			case "queue":
				return strings.EqualFold(msgOf[*cytubev1.Queue](ev).GetItem().GetQueueby(), c.own), nil
			case "queueFail":
				if m := msgOf[*cytubev1.QueueFail](ev); m.GetId() == "" {
					return true, &RefusedError{Kind: RefusedByServer, Event: ev.Name, Message: m.GetMsg()}
				}
			}
			return false, nil
		}, tc, errorPrefix("Playlist load failed:"))
	default:
		return sp, false
	}
	return sp, true
}

// errAlready, from a permit, finishes a command as done without sending
// it: the channel already is as it asks, and CyTube would answer nothing.
var errAlready = errors.New("cytube: already so")

// hasFilter reports a chat filter of that exact name.
func hasFilter(ch *channelState, name string) bool {
	return slices.ContainsFunc(ch.filters, func(f *cytubev1.ChatFilter) bool { return f.GetName() == name })
}

// playlistIndex finds a saved playlist by its exact name (-1: none).
func playlistIndex(lists []*cytubev1.UserPlaylist, name string) int {
	return slices.IndexFunc(lists, func(p *cytubev1.UserPlaylist) bool { return p.GetName() == name })
}

// registeredAccount refuses the user playlist commands for a guest or an
// anonymous session (lp-1).
func registeredAccount(ch *channelState) error {
	if ch.OwnName == "" || ch.Guest {
		return &RefusedError{Kind: RefusedNotPermitted, Message: "Only registered users can use the user playlist function. (refused locally)"}
	}
	return nil
}

// registered refuses what CyTube ignores in an unregistered channel.
func registered(what string) func(*channelState) error {
	return func(ch *channelState) error {
		if ch.unregistered {
			return &RefusedError{Kind: RefusedNotPermitted, Message: "the channel is not registered: CyTube has no " + what}
		}
		return nil
	}
}

// optionString is a string channel option as last received.
func optionString(ch *channelState, key string) string {
	switch key {
	case "externalcss":
		return ch.opts.GetExternalcss()
	case "externaljs":
		return ch.opts.GetExternaljs()
	}
	return ""
}

// sanitizeText is CyTube's XSS.sanitizeText (src/xss.js:81-90).
var sanitizeText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;", "(", "&#40;", ")", "&#41;").Replace

// cutUTF16 is JavaScript's s.substring(0, n).
func cutUTF16(s string, n int) string {
	u := utf16.Encode([]rune(s))
	if len(u) <= n {
		return s
	}
	return string(utf16.Decode(u[:n]))
}
