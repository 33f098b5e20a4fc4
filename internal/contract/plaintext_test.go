package contract

import (
	"regexp"
	"strings"
	"testing"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/cytube/raw"
	"github.com/roseybot/cytube-connector/internal/mapping"
)

// TestNormalizedChatIsPlainText runs every captured chatMsg through Decode
// and Normalize: the text must carry no tags and no entities (CyTube
// escapes user text, so a literal "&amp;" typed by a user is the only way
// an entity survives; a line with markup the user typed is checked only
// where want knows it).
func TestNormalizedChatIsPlainText(t *testing.T) {
	tag := regexp.MustCompile(`<[a-zA-Z/][^>]*>`)
	entity := regexp.MustCompile(`&(amp|lt|gt|quot|#\d+);`)
	want := map[string]string{
		"&gt;implying greentext": ">implying greentext",
		`&lt;b&gt;bold&lt;/b&gt; &lt;i&gt;it&lt;/i&gt; &lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt; &amp; "q" 's' &lt;a href="javascript:x"&gt;l&lt;/a&gt;`: `<b>bold</b> <i>it</i> <script>alert(1)</script> <img src=x onerror=alert(1)> & "q" 's' <a href="javascript:x">l</a>`,
		`see <a href="http://127.0.0.1:8080/r/goldentest" target="_blank" rel="noopener noreferrer">http://127.0.0.1:8080/r/goldentest</a> now`:                                         "see http://127.0.0.1:8080/r/goldentest now",
	}
	checked := 0
	for _, l := range loadCaptures(t) {
		if l.Event != "chatMsg" {
			continue
		}
		if len(l.Args) == 0 {
			continue
		}
		m, _, err := raw.Decode(l.Event, l.Args[0])
		if err != nil {
			t.Fatal(err)
		}
		n, ok := mapping.Normalize(m, mapping.Context{Channel: "goldentest"})
		if !ok || n.Kind != mapping.KindMessage {
			t.Fatalf("chatMsg not normalized")
		}
		msg := n.Message.(*eventsv1.Message)
		html := m.(*cytubev1.ChatMsg).GetMsg()
		if msg.GetHtml() != html {
			t.Errorf("html not kept: %q", msg.GetHtml())
		}
		if w, ok := want[html]; ok {
			checked++
			if msg.GetText() != w {
				t.Errorf("text of %q = %q, want %q", html, msg.GetText(), w)
			}
			continue
		}
		if strings.Contains(html, "&lt;") || strings.Contains(html, "&amp;") {
			continue // markup or an entity the user typed is text, rightly
		}
		if tag.MatchString(msg.GetText()) || entity.MatchString(msg.GetText()) {
			t.Errorf("text of %q = %q still has HTML", html, msg.GetText())
		}
	}
	if checked < len(want) {
		t.Errorf("only %d of the %d known HTML messages found in the captures", checked, len(want))
	}
}
