package contract

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCrossLanguage runs check.mjs (node, gen/ts) and check.py (python3,
// gen/python): each decodes every .binpb golden and compares it field by
// field with the proto3 JSON Go wrote beside it.
func TestCrossLanguage(t *testing.T) {
	root := repoRoot(t)
	golden, err := filepath.Abs(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	var bins int
	for _, f := range listFiles(t, golden) {
		if strings.HasSuffix(f, ".binpb") {
			bins++
		}
	}
	if bins == 0 {
		t.Fatal("no .binpb goldens")
	}

	genTS := filepath.Join(root, "gen", "ts")
	npmCI(t, genTS, filepath.Join("node_modules", "@bufbuild", "protobuf", "package.json"))
	checks := []struct {
		lang string
		cmd  []string
		env  []string
	}{
		{"typescript", []string{nodeBin(t), "check.mjs", genTS, golden}, nil},
		{"python", []string{pythonBin(), "check.py", filepath.Join(root, "gen", "python"), golden}, []string{"PYTHONDONTWRITEBYTECODE=1"}},
	}
	for _, c := range checks {
		t.Run(c.lang, func(t *testing.T) {
			stdout, stderr, err := run(t, 3*time.Minute, ".", c.env, c.cmd[0], c.cmd[1:]...)
			if err != nil {
				t.Fatalf("%s check failed: %v\n%s\n%s", c.lang, err, stderr, stdout)
			}
			var sum struct{ Checked, Failed int }
			if err := json.Unmarshal(stdout, &sum); err != nil {
				t.Fatalf("%s check printed %q: %v\n%s", c.lang, stdout, err, stderr)
			}
			if sum.Failed != 0 || sum.Checked != bins {
				t.Errorf("%s checked %d of %d binary goldens, %d failed\n%s", c.lang, sum.Checked, bins, sum.Failed, stderr)
			}
			t.Logf("%s decoded %d binary goldens to the same values as Go", c.lang, sum.Checked)
		})
	}
}
