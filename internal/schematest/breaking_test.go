package schematest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/crosslang"
)

// TestBreakingGate checks that `buf breaking` (rules from buf.yaml) refuses
// changes that break existing readers and lets compatible ones through. It
// edits a copy of proto/ and compares it against the real tree.
func TestBreakingGate(t *testing.T) {
	root := crosslang.RepoRoot(t)
	original, err := os.ReadFile(filepath.Join(root, "proto", "cytube", "v1", "events.proto"))
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name     string
		old, new string // replaced once, inside message ChatMsg
		wantFail bool
		wantText string // expected in buf's output when it fails
	}{
		{name: "unchanged"},
		{
			name:     "delete field",
			old:      "  string msg = 2 [json_name = \"msg\"];\n",
			new:      "",
			wantFail: true,
			wantText: `"ChatMsg"`,
		},
		{
			name:     "renumber field",
			old:      "int64 time = 4 [json_name = \"time\"];",
			new:      "int64 time = 14 [json_name = \"time\"];",
			wantFail: true,
			wantText: `"ChatMsg"`,
		},
		{
			name:     "change json_name",
			old:      "string msg = 2 [json_name = \"msg\"];",
			new:      "string msg = 2 [json_name = \"message\"];",
			wantFail: true,
			wantText: `"msg"`,
		},
		{
			name: "add field",
			old:  "int64 time = 4 [json_name = \"time\"];",
			new:  "int64 time = 4 [json_name = \"time\"];\n  // Added in a later revision.\n  string added = 5 [json_name = \"added\"];",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(filepath.Join(dir, "proto"), os.DirFS(filepath.Join(root, "proto"))); err != nil {
				t.Fatal(err)
			}
			bufYAML, err := os.ReadFile(filepath.Join(root, "buf.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "buf.yaml"), bufYAML, 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.old != "" {
				edited := editChatMsg(t, string(original), tc.old, tc.new)
				if err := os.WriteFile(filepath.Join(dir, "proto", "cytube", "v1", "events.proto"), []byte(edited), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			stdout, stderr, err := crosslang.Run(t, 3*time.Minute, root, nil, nil, "go", "tool", "-modfile=internal/tools/go.mod",
				"buf", "breaking", dir, "--against", root)
			out := string(stdout) + string(stderr)
			switch {
			case tc.wantFail && err == nil:
				t.Fatalf("buf breaking accepted a breaking change:\n%s", out)
			case tc.wantFail && !strings.Contains(out, tc.wantText):
				t.Fatalf("buf breaking failed (%v) but its output does not mention %s:\n%s", err, tc.wantText, out)
			case !tc.wantFail && err != nil:
				t.Fatalf("buf breaking refused a compatible schema: %v\n%s", err, out)
			}
			t.Logf("buf breaking: %v\n%s", err, out)
		})
	}
}

// editChatMsg replaces the first occurrence of old after the start of
// message ChatMsg in src with new.
func editChatMsg(t *testing.T, src, old, new string) string {
	t.Helper()
	start := strings.Index(src, "\nmessage ChatMsg {")
	if start < 0 {
		t.Fatal("message ChatMsg not found in events.proto")
	}
	end := strings.Index(src[start+1:], "\n}\n")
	if end < 0 {
		t.Fatal("end of message ChatMsg not found")
	}
	body := src[start : start+1+end]
	if !strings.Contains(body, old) {
		t.Fatalf("ChatMsg does not contain %q", old)
	}
	return src[:start] + strings.Replace(body, old, new, 1) + src[start+1+end:]
}
