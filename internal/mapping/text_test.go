package mapping

import "testing"

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"hello", "hello"},
		{"&lt;b&gt;not bold&lt;/b&gt; &amp; co", "<b>not bold</b> & co"},
		{`see <a href="https://example.com/x?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">https://example.com/x?a=1&amp;b=2</a> now`, "see https://example.com/x?a=1&b=2 now"},
		{"<strong>bold</strong> and <em>it</em> <code>c</code>", "bold and it c"},
		{`<img class="channel-emote" src="https://e/x.png" title=":e1:">!`, ":e1:!"},
		{"a<br>b", "a\nb"},
		{"1 < 2", "1 < 2"},
		{"&gt;greentext", ">greentext"},
		{"日本語 😀 &#39;q&#39;", "日本語 😀 'q'"},
		{`<span class="spoiler">secret</span>`, "secret"},
		{"<a href='x>y'>link</a>", "link"},
		{"trailing <", "trailing <"},
		{"<unclosed attr=\"x", "<unclosed attr=\"x"},
		// Runes whose lowercase has another length (and invalid UTF-8) must
		// not shift attribute offsets.
		{"<img \u0130\u0130\u0130 title=ok>", "ok"},
		{"<img \xff\xff\xff\xff alt=\"ok\">", "ok"},
		{"<IMG ALT=\u0130k>", "\u0130k"},
	}
	for _, tt := range tests {
		if got := PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzPlainText(f *testing.F) {
	f.Add(`<a href="https://x">https://x</a> &amp; <strong>y</strong>`)
	f.Add("<img title=':a:' src=x>")
	f.Add("<img \u0130\u0130\u0130 title=ok>")
	f.Fuzz(func(t *testing.T, s string) {
		out := PlainText(s)
		if len(out) > 4*len(s)+16 {
			t.Fatalf("output grew unreasonably: %d -> %d", len(s), len(out))
		}
	})
}
