package config_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/roseybot/cytube-connector/internal/config"
)

func TestLoadDotEnv(t *testing.T) {
	src := "\uFEFF# comment line\n" +
		"\n" +
		"PLAIN=value\r\n" +
		"export EXPORTED=yes\n" +
		"  SPACED  =  padded value  \n" +
		"INLINE=abc # a comment\n" +
		"HASH=pass#word\n" +
		"EMPTY=\n" +
		"SINGLE='literal \\n $HOME \"x\"'\n" +
		"SQ='a # not comment' # comment\n" +
		`DOUBLE="line1\nline2\t\"q\" \\ \$X"` + "\n" +
		"MULTI=\"first\nsecond\"\n" +
		"EQUALS=a=b=c\n" +
		"DUP=one\n" +
		"DUP=two\n" +
		"export=notprefix\n" +
		"UNKNOWN_ESC=\"a\\qb\"\n" +
		"LAST=no newline"
	path := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := config.LoadDotEnv(path)
	if err != nil {
		t.Fatalf("LoadDotEnv: %v", err)
	}
	want := map[string]string{
		"PLAIN":       "value",
		"EXPORTED":    "yes",
		"SPACED":      "padded value",
		"INLINE":      "abc",
		"HASH":        "pass#word",
		"EMPTY":       "",
		"SINGLE":      `literal \n $HOME "x"`,
		"SQ":          "a # not comment",
		"DOUBLE":      "line1\nline2\t\"q\" \\ $X",
		"MULTI":       "first\nsecond",
		"EQUALS":      "a=b=c",
		"DUP":         "two",
		"export":      "notprefix",
		"UNKNOWN_ESC": `a\qb`,
		"LAST":        "no newline",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("LoadDotEnv\n got %q\nwant %q", got, want)
	}
}

func TestLoadDotEnvErrors(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"NOEQUALS\n", ":1: expected KEY=VALUE"},
		{"# c\n1BAD=x\n", `:2: "1BAD" is not a variable name`},
		{"A=\"open\nB=x\n", ":1: A: unterminated double quote"},
		{"A='open\n", ":1: A: unterminated single quote"},
		{"A='x'y\n", ":1: A: unexpected text after the closing quote"},
		{"A=\"x\" y\n", ":1: A: unexpected text after the closing quote"},
		{"A=\"x\ny\"\nB\n", ":3: expected KEY=VALUE"},
		{"SECRET=\"s3cr3t\" trailing\n", ":1: SECRET: unexpected text"},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), ".env")
		if err := os.WriteFile(path, []byte(tt.src), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := config.LoadDotEnv(path)
		if err == nil || !strings.Contains(err.Error(), path+tt.want) {
			t.Errorf("LoadDotEnv(%q) error = %v, want containing %q", tt.src, err, path+tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("LoadDotEnv error leaks the value: %v", err)
		}
	}
}

func TestLoadDotEnvMissingAndUnreadable(t *testing.T) {
	dir := t.TempDir()
	got, err := config.LoadDotEnv(filepath.Join(dir, "nope.env"))
	if got != nil || err != nil {
		t.Errorf("LoadDotEnv(missing) = %v, %v; want nil, nil", got, err)
	}
	if _, err := config.LoadDotEnv(dir); err == nil {
		t.Errorf("LoadDotEnv(directory) = nil error, want one")
	}
}

func TestDotEnvRealEnvironmentWins(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(path, []byte("CYTUBE_CHANNEL=fromdotenv\nCYTUBE_USERNAME=dotuser\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dot, err := config.LoadDotEnv(path)
	if err != nil {
		t.Fatal(err)
	}
	real := mapLookup(map[string]string{"CYTUBE_CHANNEL": "fromenv"})
	cfg, err := config.FromEnv(config.EnvLookup(real, dot), config.Default())
	if err != nil {
		t.Fatal(err)
	}
	if ch := cfg.Channels[0]; ch.Channel != "fromenv" || ch.Username != "dotuser" {
		t.Errorf("channel = %+v, want channel fromenv (real env) and username dotuser (.env)", ch)
	}
}
