package cytube

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	for n := 1; n <= 10; n++ {
		for _, r := range []float64{0, 0.05, 0.15, 0.5, 0.99} {
			d := backoff(n, time.Second, 5*time.Second, 0.5, r)
			if d < 0 || d > 5*time.Second {
				t.Errorf("backoff(%d, r=%v) = %v out of [0, 5s]", n, r, d)
			}
		}
	}
	if d := backoff(1, time.Second, 5*time.Second, 0, 0); d != time.Second {
		t.Errorf("first attempt without jitter = %v, want 1s", d)
	}
	if d := backoff(3, time.Second, 5*time.Second, 0, 0); d != 4*time.Second {
		t.Errorf("third attempt without jitter = %v, want 4s", d)
	}
	if d := backoff(9, time.Second, 5*time.Second, 0, 0); d != 5*time.Second {
		t.Errorf("capped = %v, want 5s", d)
	}
}

func TestConnGateMirrorsCyTube(t *testing.T) {
	g := newConnGate(5, 10*time.Second)
	now := time.Unix(0, 0)
	for i := range 5 {
		if w := g.wait(now); w != 0 {
			t.Fatalf("attempt %d waited %v inside the burst", i+1, w)
		}
		g.take(now)
	}
	if w := g.wait(now); w != 10*time.Second {
		t.Fatalf("6th attempt wait = %v, want 10s", w)
	}
	now = now.Add(10 * time.Second)
	if w := g.wait(now); w != 0 {
		t.Fatalf("after 10 s wait = %v, want 0", w)
	}
	g.take(now)
	g.drain(now)
	if w := g.wait(now); w != 10*time.Second {
		t.Fatalf("after drain wait = %v, want 10s", w)
	}
	off := newConnGate(5, -1)
	off.take(now)
	if w := off.wait(now); w != 0 {
		t.Fatalf("disabled gate waits %v", w)
	}
}

func TestClassifyLogin(t *testing.T) {
	// The error strings of protocol reference §2.2 (login-errors.jsonl).
	tests := []struct {
		msg       string
		kind      LoginFailure
		retryable bool
		after     time.Duration
	}{
		{"Invalid username/password combination", LoginBadPassword, false, 0},
		{"User does not exist", LoginNoSuchUser, false, 0},
		{"That username is registered.", LoginNameRegistered, false, 0},
		{"Invalid username.  Usernames must be 1-20 characters long and consist only of characters a-z, A-Z, 0-9, -, or _.", LoginInvalidName, false, 0},
		{"That username is reserved.", LoginReservedName, false, 0},
		{"That name is already in use on this channel.", LoginNameInUse, true, 0},
		{"Guest logins are restricted to one per IP address per 10 seconds.", LoginGuestDelay, true, 10 * time.Second},
		{"Guest logins are restricted to one per IP address per minute.", LoginGuestDelay, true, 60 * time.Second},
		{"something new", LoginUnknown, false, 0},
	}
	for _, tt := range tests {
		e := classifyLogin(tt.msg)
		if e.Kind != tt.kind || e.Retryable() != tt.retryable || e.RetryAfter != tt.after {
			t.Errorf("classifyLogin(%q) = %v retryable=%v after=%v, want %v %v %v", tt.msg, e.Kind, e.Retryable(), e.RetryAfter, tt.kind, tt.retryable, tt.after)
		}
		if e.Error() == "" || e.Kind.String() == "" {
			t.Errorf("empty text for %q", tt.msg)
		}
	}
}

func TestKickTerminal(t *testing.T) {
	for reason, want := range map[string]bool{
		"Duplicate login":      true,
		"You're banned!":       true,
		"Invalid channel name": true,
		"being rude":           false,
		"anonymous user":       false,
		"":                     false,
	} {
		if got := (&KickedError{Reason: reason}).Terminal(); got != want {
			t.Errorf("Terminal(%q) = %v, want %v", reason, got, want)
		}
	}
}

func TestNames(t *testing.T) {
	for name, ok := range map[string]bool{"goldentest": true, "a-b_C9": true, "": false, "bad name": false, "x.y": false, "abcdefghijabcdefghijabcdefghij": true, "abcdefghijabcdefghijabcdefghijk": false} {
		if ValidChannelName(name) != ok {
			t.Errorf("ValidChannelName(%q) != %v", name, ok)
		}
	}
	for name, ok := range map[string]bool{"golduser": true, "abcdefghijabcdefghij": true, "abcdefghijabcdefghijk": false, "a>b": false} {
		if ValidUserName(name) != ok {
			t.Errorf("ValidUserName(%q) != %v", name, ok)
		}
	}
	for s := StateIdle; s <= StateStopped+1; s++ {
		if s.String() == "" {
			t.Errorf("state %d has no name", s)
		}
	}
}

func TestPickServer(t *testing.T) {
	s, ok := pickServer([]socketServer{{URL: "http://a:1", Secure: false}, {URL: "https://b:2", Secure: true}})
	if !ok || s.URL != "https://b:2" {
		t.Errorf("pickServer = %v, want the secure one", s)
	}
	hp, secure, err := ParseSocketURL("wss://c.example:443")
	if err != nil || hp != "c.example:443" || !secure {
		t.Errorf("ParseSocketURL = %q %v %v", hp, secure, err)
	}
	if _, _, err := ParseSocketURL("ftp://x"); err == nil {
		t.Error("ftp accepted")
	}
	if _, _, err := ParseSocketURL("not a url"); err == nil {
		t.Error("relative url accepted")
	}
}

// jsParseInt and drinkCount read numbers as CyTube's JavaScript does
// (parseInt in src/channel/ranks.js:53 and src/channel/drink.js:22-27).
func TestJSNumbers(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"2", 2, true}, {"3abc", 3, true}, {"-4", -4, true}, {"+5", 5, true}, {" 6", 6, true},
		{"0x1f", 31, true}, {"abc", 0, false}, {"", 0, false}, {"-", 0, false}, {"1.9", 1, true},
	} {
		got, ok := jsParseInt(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("jsParseInt(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	for _, tt := range []struct {
		rest           string
		count          int
		ok, outOfRange bool
	}{
		{"", 0, false, false}, {"ance", 0, false, false}, {"3 cheers", 3, true, false}, {"-2", -2, true, false},
		{"10000", 10000, true, false}, {"10001", 0, true, true}, {"-10001", 0, true, true},
		{"99999999999999999999999", 0, true, true}, {"007", 7, true, false},
	} {
		c, ok, out := drinkCount(tt.rest)
		if c != tt.count || ok != tt.ok || out != tt.outOfRange {
			t.Errorf("drinkCount(%q) = %d, %v, %v; want %d, %v, %v", tt.rest, c, ok, out, tt.count, tt.ok, tt.outOfRange)
		}
	}
}

// A constructor given a number JSON cannot carry keeps the error for
// Send to refuse the request with (no panic).
func TestConstructorEncodeError(t *testing.T) {
	r := SetChannelRank("bob", math.NaN())
	if _, err := r.Payload(); err == nil {
		t.Errorf("Payload of a NaN rank: no error")
	}
	s, err := New(Config{Host: "127.0.0.1:1", Channel: "c"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Send(t.Context(), r)
	var re *RefusedError
	if !errors.As(err, &re) || re.Kind != RefusedInvalid {
		t.Errorf("Send of a NaN rank = %v, want RefusedInvalid", err)
	}
}
