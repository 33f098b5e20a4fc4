package mapping

import (
	"html"
	"strings"
)

// PlainText turns the HTML CyTube puts in chatMsg.msg into plain text:
// tags are dropped and their text kept (a link becomes its text, which
// CyTube sets to the URL), entities are decoded, and an <img> becomes its
// title or alt text. CyTube escapes user text before adding its own tags,
// so every '<' in msg starts a tag.
func PlainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for len(s) > 0 {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			b.WriteString(html.UnescapeString(s))
			break
		}
		b.WriteString(html.UnescapeString(s[:lt]))
		gt := tagEnd(s[lt:])
		if gt < 0 {
			// Not a tag after all: keep the text as it is.
			b.WriteString(html.UnescapeString(s[lt:]))
			break
		}
		tag := s[lt : lt+gt+1]
		if alt := imgText(tag); alt != "" {
			b.WriteString(alt)
		} else if isBreak(tag) {
			b.WriteByte('\n')
		}
		s = s[lt+gt+1:]
	}
	return b.String()
}

// tagEnd returns the index of the '>' closing the tag that starts s,
// skipping quoted attribute values, or -1.
func tagEnd(s string) int {
	if len(s) < 2 || !(isLetter(s[1]) || s[1] == '/' || s[1] == '!') {
		return -1
	}
	var quote byte
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i
		}
	}
	return -1
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isBreak(tag string) bool {
	return hasPrefixFold(tag, "<br") && (len(tag) == 3 || tag[3] == '>' || tag[3] == ' ' || tag[3] == '/')
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case, without a copy.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// imgText returns the title or alt of an <img> tag (how an emote reads).
func imgText(tag string) string {
	if !hasPrefixFold(tag, "<img") {
		return ""
	}
	for _, attr := range []string{"title", "alt"} {
		if v, ok := attrValue(tag, attr); ok && v != "" {
			return html.UnescapeString(v)
		}
	}
	return ""
}

// asciiLower lowercases ASCII letters only, so that byte offsets found in
// the result are valid in the original (strings.ToLower changes the length
// of some runes and of invalid UTF-8, which a fuzzer found).
func asciiLower(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r >= 'A' && r <= 'Z' }) < 0 {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func attrValue(tag, name string) (string, bool) {
	lower := asciiLower(tag)
	i := 0
	for {
		j := strings.Index(lower[i:], name+"=")
		if j < 0 {
			return "", false
		}
		j += i
		if j > 0 && lower[j-1] != ' ' && lower[j-1] != '\t' && lower[j-1] != '\n' {
			i = j + len(name)
			continue
		}
		v := tag[j+len(name)+1:]
		if len(v) > 0 && (v[0] == '"' || v[0] == '\'') {
			q := v[0]
			if k := strings.IndexByte(v[1:], q); k >= 0 {
				return v[1 : 1+k], true
			}
			return "", false
		}
		end := strings.IndexAny(v, " \t\n>")
		if end < 0 {
			end = len(v)
		}
		return v[:end], true
	}
}
