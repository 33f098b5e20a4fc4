package contract

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/roseybot/cytube-connector/internal/crosslang"
)

// TestCrossLanguage decodes every .binpb golden with the generated
// TypeScript (node, gen/ts) and Python (python3, gen/python) code, through
// the decoders of internal/crosslang, and compares each message field by
// field with the proto3 JSON Go wrote beside it.
//
// A golden JSON file references its binary payloads with objects
// {"type": <full message name>, "binpb": <file beside it>, "message": <proto3 JSON>},
// anywhere inside it. Every .binpb file must be referenced exactly once.
func TestCrossLanguage(t *testing.T) {
	golden, err := filepath.Abs(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	var bins []string
	var jsons []string
	for _, f := range listFiles(t, golden) {
		switch {
		case strings.HasSuffix(f, ".binpb"):
			bins = append(bins, f)
		case strings.HasSuffix(f, ".json"):
			jsons = append(jsons, f)
		}
	}
	if len(bins) == 0 {
		t.Fatal("no .binpb goldens")
	}
	sort.Strings(jsons)

	// Every reference, keyed by its .binpb file (relative to golden, with
	// slashes, without the extension: the name the decoders take).
	var entries []crosslang.Entry
	want := map[string]any{}
	for _, f := range jsons {
		data, err := os.ReadFile(filepath.Join(golden, f))
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, ref := range binpbRefs(v, nil) {
			bin := filepath.ToSlash(filepath.Join(filepath.Dir(f), ref.binpb))
			name := strings.TrimSuffix(bin, ".binpb")
			if _, dup := want[name]; dup {
				t.Errorf("%s: referenced twice", bin)
				continue
			}
			want[name] = ref.message
			entries = append(entries, crosslang.Entry{Name: name, Type: ref.typ})
		}
	}
	for _, b := range bins {
		if _, ok := want[strings.TrimSuffix(b, ".binpb")]; !ok {
			t.Errorf("%s: no golden JSON references it", b)
		}
	}
	if len(entries) != len(bins) {
		t.Errorf("%d references to binary goldens, %d .binpb files", len(entries), len(bins))
	}
	crosslang.Check(t, golden, entries, want)
}

// binpbRef is one reference to a binary golden inside a golden JSON file.
type binpbRef struct {
	typ, binpb string
	message    any
}

// binpbRefs appends to out every object in v (a parsed JSON value) with a
// string "binpb", a string "type" and a "message", not looking inside them.
func binpbRefs(v any, out []binpbRef) []binpbRef {
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			out = binpbRefs(x, out)
		}
	case map[string]any:
		bin, ok1 := v["binpb"].(string)
		typ, ok2 := v["type"].(string)
		msg, ok3 := v["message"]
		if ok1 && ok2 && ok3 {
			return append(out, binpbRef{typ: typ, binpb: bin, message: msg})
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = binpbRefs(v[k], out)
		}
	}
	return out
}
