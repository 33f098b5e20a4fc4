package bus

import (
	"errors"
	"testing"
	"time"
)

func TestScopeSubjects(t *testing.T) {
	seed := Scope{Platform: "cytube"}
	ch := Scope{Platform: "cytube", Channel: "420grindhouse"}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"seed raw chat", seed.Raw("chat"), "rosey.platform.cytube.chat"},
		{"seed raw user.join", seed.Raw("user.join"), "rosey.platform.cytube.user.join"},
		{"seed normalized message", seed.Normalized("message"), "rosey.events.message"},
		{"seed command chat", seed.Command("chat"), "rosey.platform.cytube.send.chat"},
		{"seed command wildcard", seed.CommandWildcard(), "rosey.platform.cytube.send.>"},
		{"seed command prefix", seed.CommandPrefix(), "rosey.platform.cytube.send"},
		{"seed status", seed.Status(), "rosey.platform.cytube.status"},
		{"seed errors", seed.Errors(), "rosey.platform.cytube.error"},
		{"channel raw chat", ch.Raw("chat"), "rosey.platform.cytube.420grindhouse.chat"},
		{"channel raw user.join", ch.Raw("user.join"), "rosey.platform.cytube.420grindhouse.user.join"},
		{"channel normalized", ch.Normalized("message"), "rosey.events.cytube.420grindhouse.message"},
		{"channel command", ch.Command("chat"), "rosey.platform.cytube.420grindhouse.send.chat"},
		{"channel command wildcard", ch.CommandWildcard(), "rosey.platform.cytube.420grindhouse.send.>"},
		{"channel status", ch.Status(), "rosey.platform.cytube.420grindhouse.status"},
		{"channel errors", ch.Errors(), "rosey.platform.cytube.420grindhouse.error"},
		{"send message", SendMessageSubject("cytube", "420grindhouse"), "rosey.commands.message.cytube.420grindhouse"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestValidToken(t *testing.T) {
	valid := []string{"cytube", "420grindhouse", "user_join", "a-b", "Ünïcode"}
	for _, s := range valid {
		if err := ValidToken(s); err != nil {
			t.Errorf("ValidToken(%q) = %v, want nil", s, err)
		}
	}
	invalid := []string{"", "a.b", "*", "a*", ">", "a>", "a b", "a\tb", "a\nb", "\x00", "a\u00a0b"}
	for _, s := range invalid {
		if err := ValidToken(s); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("ValidToken(%q) = %v, want ErrInvalidToken", s, err)
		}
	}
}

func TestScopeValidate(t *testing.T) {
	tests := []struct {
		scope Scope
		ok    bool
	}{
		{Scope{Platform: "cytube"}, true},
		{Scope{Platform: "cytube", Channel: "lobby"}, true},
		{Scope{}, false},
		{Scope{Platform: "cy.tube"}, false},
		{Scope{Platform: "cytube", Channel: "a b"}, false},
		{Scope{Platform: "cytube", Channel: "send"}, false},
		{Scope{Platform: "cytube", Channel: "status"}, false},
	}
	for _, tt := range tests {
		err := tt.scope.Validate()
		if (err == nil) != tt.ok {
			t.Errorf("%+v.Validate() = %v, want ok=%v", tt.scope, err, tt.ok)
		}
	}
	for _, p := range []string{"chat", "user.join"} {
		if err := ValidatePath(p); err != nil {
			t.Errorf("ValidatePath(%q) = %v, want nil", p, err)
		}
	}
	for _, p := range []string{"", "user.", ".join", "user..join", "user.*", "send.>"} {
		if err := ValidatePath(p); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("ValidatePath(%q) = %v, want ErrInvalidToken", p, err)
		}
	}
}

func TestSubjectsOverlap(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"rosey.platform.cytube.>", "rosey.platform.*.send.>", true},
		{"rosey.platform.cytube.chat", "rosey.platform.*.send.>", false},
		{"rosey.platform.cytube.*", "rosey.platform.*.send.>", false},
		{"rosey.platform.cytube.*.*", "rosey.platform.*.send.>", true},
		{"rosey.platform.cytube.lobby.>", "rosey.platform.*.*.send.>", true},
		{"rosey.platform.cytube.lobby.chat", "rosey.platform.*.*.send.>", false},
		{"rosey.events.>", "rosey.platform.*.send.>", false},
		{"rosey.>", "rosey.platform.*.send.>", true},
		{"a.b", "a.b.c", false},
	}
	for _, tt := range tests {
		if got := subjectsOverlap(tt.a, tt.b); got != tt.want {
			t.Errorf("subjectsOverlap(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"nats://127.0.0.1:4222", "nats://127.0.0.1:4222"},
		{"nats://alice:s3cret@127.0.0.1:4222", "nats://alice:REDACTED@127.0.0.1:4222"},
		{"nats://tok3n@host:4222", "nats://REDACTED@host:4222"},
		{"nats://a:p1@h1:4222,nats://b:p2@h2:4222", "nats://a:REDACTED@h1:4222,nats://b:REDACTED@h2:4222"},
		{"nats://alice:s3cret@ho st:4222", "nats://REDACTED@ho st:4222"},
		{"tls://alice:p%40ss@host", "tls://alice:REDACTED@host"},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRequestContentType(t *testing.T) {
	tests := []struct {
		header string
		body   string
		want   string
	}{
		{"application/json", "\x0a\x02hi", ContentTypeJSON},
		{"application/json; charset=utf-8", "", ContentTypeJSON},
		{"application/protobuf", "{}", ContentTypeProtobuf},
		{"", "  \n{\"a\":1}", ContentTypeJSON},
		{"", "\x0a\x02hi", ContentTypeProtobuf},
		{"", "", ContentTypeProtobuf},
		{"text/plain", "{}", ContentTypeJSON},
	}
	for _, tt := range tests {
		if got := requestContentType(tt.header, []byte(tt.body)); got != tt.want {
			t.Errorf("requestContentType(%q, %q) = %q, want %q", tt.header, tt.body, got, tt.want)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	for attempt := 1; attempt <= 20; attempt++ {
		base := min(defaultRetryBackoff<<min(attempt-1, 10), maxRetryBackoff)
		for range 50 {
			d := backoff(attempt)
			if d < base/2 || d > base {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", attempt, d, base/2, base)
			}
		}
	}
	if got := backoff(30); got > maxRetryBackoff || got < time.Second {
		t.Errorf("backoff(30) = %v, want capped near %v", got, maxRetryBackoff)
	}
}
