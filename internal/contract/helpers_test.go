package contract

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	// Registers every generated message type, for decoding goldens by name.
	_ "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	_ "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	_ "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
)

const (
	capturesDir = "testdata/captures"
	goldenDir   = "testdata/golden"
)

func nodeBin(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node (>= 20) is required: %v", err)
	}
	return node
}

// captureLine is one line of a capture file (the fields the tests use).
type captureLine struct {
	Dir     string            `json:"dir"`
	SIOType *int              `json:"sio_type"`
	Frame   string            `json:"frame"`
	Event   string            `json:"event"`
	Args    []json.RawMessage `json:"args"`
}

// capturedFrame is one distinct server→client EVENT frame.
type capturedFrame struct {
	Hash     string // first 12 hex digits of SHA-256(frame text)
	Event    string
	Frame    string
	Args     []json.RawMessage
	Captures []string // capture files holding it, sorted
}

// loadCaptures reads every capture and returns its distinct server→client
// EVENT frames, sorted by event then hash.
func loadCaptures(t *testing.T) []*capturedFrame {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(capturesDir, "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures in %s: %v", capturesDir, err)
	}
	byFrame := map[string]*capturedFrame{}
	for _, path := range files {
		name := filepath.Base(path)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
		for n := 1; sc.Scan(); n++ {
			var l captureLine
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatalf("%s:%d: %v", name, n, err)
			}
			if l.Dir != "in" || l.SIOType == nil || *l.SIOType != 2 {
				continue
			}
			fr := byFrame[l.Frame]
			if fr == nil {
				sum := sha256.Sum256([]byte(l.Frame))
				fr = &capturedFrame{Hash: hex.EncodeToString(sum[:])[:12], Event: l.Event, Frame: l.Frame, Args: l.Args}
				byFrame[l.Frame] = fr
			}
			if len(fr.Captures) == 0 || fr.Captures[len(fr.Captures)-1] != name {
				fr.Captures = append(fr.Captures, name)
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	out := make([]*capturedFrame, 0, len(byFrame))
	for _, fr := range byFrame {
		sort.Strings(fr.Captures)
		out = append(out, fr)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Event != out[j].Event {
			return out[i].Event < out[j].Event
		}
		return out[i].Hash < out[j].Hash
	})
	return out
}

// encodeJSON writes v as indented JSON without HTML escaping, so goldens
// show `<` and `&` as CyTube sent them.
func encodeJSON(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encode golden: %v", err)
	}
	return b.Bytes()
}

// protoJSON is m's proto3 JSON. protojson's output is deliberately
// unstable in whitespace, so goldens are compared as parsed JSON values.
func protoJSON(t *testing.T, m proto.Message) json.RawMessage {
	t.Helper()
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(m)
	if err != nil {
		t.Fatalf("protojson %s: %v", proto.MessageName(m), err)
	}
	return b
}

// checkJSONGolden compares data (JSON) with the golden at path as parsed
// JSON values, or rewrites the file when -update is set.
func checkJSONGolden(t *testing.T, path string, data []byte) {
	t.Helper()
	if *update {
		writeFile(t, path, data)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("missing golden %s (run `go test ./internal/contract -update` or `make golden` and review the diff): %v", path, err)
		return
	}
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Errorf("golden %s is not JSON: %v", path, err)
		return
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatalf("new %s is not JSON: %v", path, err)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("%s differs from what the code produces now (-golden +now):\n%s\nIf the change is intended, run `make golden` and commit the goldens.", path, diff)
	}
}

// checkBinGolden compares the binary golden at path with m by decoding it
// as m's type (Go's map order in the wire format is not stable), or
// rewrites it (deterministic encoding) when -update is set.
func checkBinGolden(t *testing.T, path string, m proto.Message) {
	t.Helper()
	if *update {
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, path, b)
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("missing golden %s (run `make golden`): %v", path, err)
		return
	}
	got := m.ProtoReflect().New().Interface()
	if err := proto.Unmarshal(b, got); err != nil {
		t.Errorf("golden %s does not decode as %s: %v", path, proto.MessageName(m), err)
		return
	}
	if !proto.Equal(got, m) {
		t.Errorf("%s decodes to a different %s than the code produces now (-golden +now):\n%s", path, proto.MessageName(m),
			cmp.Diff(string(protoJSON(t, got)), string(protoJSON(t, m))))
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// messageType finds a generated message type by full name.
func messageType(name string) (protoreflect.MessageType, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(name))
	if err != nil {
		return nil, fmt.Errorf("message type %q: %w", name, err)
	}
	return mt, nil
}

// listFiles returns the files under dir, relative to it, with slashes.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}
