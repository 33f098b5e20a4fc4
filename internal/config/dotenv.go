package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
)

var envKeyRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)

// LoadDotEnv reads a .env file: lines of KEY=VALUE, optionally prefixed by
// "export ", with # comments. Values may be
//   - unquoted: surrounding blanks are trimmed, and " #" starts a comment;
//   - 'single-quoted': taken literally;
//   - "double-quoted": \n, \r, \t, \", \\ and \$ are unescaped, and the
//     value may span lines.
//
// Variables are not expanded. A later line wins over an earlier one. A
// missing file is not an error: LoadDotEnv returns a nil map and nil.
// Errors name the file and line but never the value, which may be a
// secret. Values from the file do not override the real environment; see
// EnvLookup.
func LoadDotEnv(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read .env file: %w", err)
	}
	vars, err := parseDotEnv(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s:%w", path, err)
	}
	return vars, nil
}

// dotEnvError is a syntax error at a line of a .env file.
type dotEnvError struct {
	line int
	msg  string
}

func (e *dotEnvError) Error() string { return fmt.Sprintf("%d: %s", e.line, e.msg) }

func parseDotEnv(src string) (map[string]string, error) {
	src = strings.TrimPrefix(src, "\uFEFF")
	src = strings.ReplaceAll(src, "\r\n", "\n")
	vars := make(map[string]string)
	lineNo := 0
	for len(src) > 0 {
		var line string
		line, src = cutLine(src)
		lineNo++
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if rest, ok := strings.CutPrefix(trimmed, "export"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			trimmed = strings.TrimSpace(rest)
		}
		key, raw, ok := strings.Cut(trimmed, "=")
		if !ok {
			return nil, &dotEnvError{lineNo, "expected KEY=VALUE"}
		}
		key = strings.TrimSpace(key)
		if !envKeyRE.MatchString(key) {
			return nil, &dotEnvError{lineNo, fmt.Sprintf("%q is not a variable name", key)}
		}
		raw = strings.TrimLeft(raw, " \t")
		start := lineNo
		var val string
		var err error
		switch {
		case strings.HasPrefix(raw, `"`):
			var consumed int
			val, consumed, src, err = doubleQuoted(raw[1:], src)
			lineNo += consumed
		case strings.HasPrefix(raw, `'`):
			end := strings.IndexByte(raw[1:], '\'')
			if end < 0 {
				err = errors.New("unterminated single quote")
				break
			}
			val = raw[1 : end+1]
			err = checkTrailing(raw[end+2:])
		default:
			val = raw
			if i := commentStart(val); i >= 0 {
				val = val[:i]
			}
			val = strings.TrimRight(val, " \t")
		}
		if err != nil {
			return nil, &dotEnvError{start, fmt.Sprintf("%s: %v", key, err)}
		}
		vars[key] = val
	}
	return vars, nil
}

func cutLine(s string) (line, rest string) {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// commentStart returns the index of a " #" or "\t#" comment, or -1.
func commentStart(s string) int {
	for i := 1; i < len(s); i++ {
		if s[i] == '#' && (s[i-1] == ' ' || s[i-1] == '\t') {
			return i - 1
		}
	}
	return -1
}

// checkTrailing accepts blanks and a comment after a closing quote.
func checkTrailing(s string) error {
	s = strings.TrimLeft(s, " \t")
	if s == "" || strings.HasPrefix(s, "#") {
		return nil
	}
	return errors.New("unexpected text after the closing quote")
}

// doubleQuoted decodes a double-quoted value starting after the opening
// quote in first; it may continue over the following lines in rest. It
// returns the value, how many extra lines it used and what is left.
func doubleQuoted(first, rest string) (val string, extra int, left string, err error) {
	var b strings.Builder
	s := first
	for {
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c == '\\' && i+1 < len(s):
				i++
				switch s[i] {
				case 'n':
					b.WriteByte('\n')
				case 'r':
					b.WriteByte('\r')
				case 't':
					b.WriteByte('\t')
				case '"', '\\', '$':
					b.WriteByte(s[i])
				default:
					b.WriteByte('\\')
					b.WriteByte(s[i])
				}
			case c == '"':
				return b.String(), extra, rest, checkTrailing(s[i+1:])
			default:
				b.WriteByte(c)
			}
		}
		if rest == "" {
			return "", extra, rest, errors.New("unterminated double quote")
		}
		b.WriteByte('\n')
		s, rest = cutLine(rest)
		extra++
	}
}
