package bus

import "testing"

func TestParseTraceparent(t *testing.T) {
	const good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	tc, ok := ParseTraceparent(good)
	if !ok || tc.String() != good || tc.Flags != 1 {
		t.Fatalf("ParseTraceparent(%q) = %v %v", good, tc, ok)
	}
	if c := tc.Child(); c.TraceID != tc.TraceID || c.SpanID == tc.SpanID || c.Flags != tc.Flags {
		t.Errorf("Child %v of %v", c, tc)
	}
	if _, ok := ParseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"); !ok {
		t.Error("a later version with more fields is read as 00")
	}
	for _, bad := range []string{
		"", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",
		"00-00000000000000000000000000000000-00f067aa0ba902b7-01",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
		"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
		"00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
	} {
		if _, ok := ParseTraceparent(bad); ok {
			t.Errorf("ParseTraceparent(%q) accepted", bad)
		}
	}
	n := NewTrace()
	if _, ok := ParseTraceparent(n.String()); !ok || !n.IsValid() {
		t.Errorf("NewTrace %q does not parse", n)
	}
}

func FuzzParseTraceparent(f *testing.F) {
	f.Add("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	f.Fuzz(func(t *testing.T, s string) {
		tc, ok := ParseTraceparent(s)
		if ok && (!tc.IsValid() || (s[:2] == "00" && tc.String() != s)) {
			t.Fatalf("%q: parsed as %v", s, tc)
		}
	})
}
