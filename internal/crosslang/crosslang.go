// Package crosslang checks that the generated TypeScript and Python code
// decode binary protobuf messages written by Go to the same values as Go.
// It is a test helper, used by the tests of internal/schematest (hand-made
// samples) and internal/contract (the contract goldens); nothing else
// imports it.
//
// One script per language does the decoding: decode.mjs (node, against
// gen/ts, protobuf-es v2) and decode.py (python3, against gen/python). Each
// reads a manifest of {name, type} entries on stdin, decodes <dir>/<name>.binpb
// as the named message type and prints the proto3 JSON of every message with
// its own printer's default options. The comparison with Go's values is done
// here, in Go, on parsed JSON values, so formatting differences between the
// printers do not count.
//
// It needs node (>= 20), npm (to install gen/ts dependencies with `npm ci`
// when gen/ts/node_modules is missing) and python3 with the protobuf runtime
// (Debian python3-protobuf; $PYTHON overrides the interpreter). A test fails,
// never skips, when one is missing. It starts no goroutines that outlive a
// call.
package crosslang

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Entry is one message to decode: <dir>/<Name>.binpb, of the full message
// type Type (e.g. "cytube.v1.ChatMsg").
type Entry struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Result is what a decoder printed: the proto3 JSON of every entry it
// decoded, and why it could not decode the others, both keyed by name.
type Result struct {
	Messages map[string]json.RawMessage `json:"messages"`
	Errors   map[string]string          `json:"errors"`
}

// Languages are the languages Decode runs, in the order Check runs them.
var Languages = []string{"typescript", "python"}

// Check decodes entries (files under dir) in every language of Languages,
// each in a subtest named after the language, and reports with t.Errorf
// every entry a language cannot decode or decodes to another value than
// want[entry.Name]: Go's proto3 JSON of the message, parsed with
// json.Unmarshal into an any.
func Check(t *testing.T, dir string, entries []Entry, want map[string]any) {
	t.Helper()
	for _, lang := range Languages {
		t.Run(lang, func(t *testing.T) {
			res := Decode(t, lang, dir, entries)
			same := 0
			for _, e := range entries {
				if msg, ok := res.Errors[e.Name]; ok {
					t.Errorf("%s: %s (%s) does not decode: %s", lang, e.Name, e.Type, msg)
					continue
				}
				raw, ok := res.Messages[e.Name]
				if !ok {
					t.Errorf("%s: no output for %s (%s)", lang, e.Name, e.Type)
					continue
				}
				var got any
				if err := json.Unmarshal(raw, &got); err != nil {
					t.Errorf("%s: %s (%s): invalid JSON %q: %v", lang, e.Name, e.Type, raw, err)
					continue
				}
				if diff := cmp.Diff(want[e.Name], got); diff != "" {
					t.Errorf("%s: %s (%s) differs from Go (-go +%s):\n%s", lang, e.Name, e.Type, lang, diff)
					continue
				}
				same++
			}
			if n := len(res.Messages) + len(res.Errors); n != len(entries) {
				t.Errorf("%s: decoder answered for %d messages, want %d", lang, n, len(entries))
			}
			t.Logf("%s decoded %d of %d messages to the same values as Go", lang, same, len(entries))
		})
	}
}

// Decode runs lang's decoder ("typescript" or "python") over entries, files
// under dir, and returns what it printed. It fails t when the decoder cannot
// run or prints something else than a Result.
func Decode(t testing.TB, lang, dir string, entries []Entry) Result {
	t.Helper()
	root := RepoRoot(t)
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	var name string
	var args, env []string
	switch lang {
	case "typescript":
		InstallGenTS(t)
		name, err = exec.LookPath("node")
		if err != nil {
			t.Fatalf("node (>= 20) is required for the TypeScript check: %v", err)
		}
		args = []string{filepath.Join(scriptDir(t), "decode.mjs"), filepath.Join(root, "gen", "ts"), dir}
	case "python":
		name = pythonBin()
		args = []string{filepath.Join(scriptDir(t), "decode.py"), filepath.Join(root, "gen", "python"), dir}
		env = []string{"PYTHONDONTWRITEBYTECODE=1"}
	default:
		t.Fatalf("crosslang: unknown language %q", lang)
	}
	stdout, stderr, err := Run(t, 3*time.Minute, scriptDir(t), manifest, env, name, args...)
	if err != nil {
		hint := ""
		if lang == "python" {
			hint = " (needs the protobuf runtime, e.g. apt-get install python3-protobuf)"
		}
		t.Fatalf("%s %s%s: %v\n%s", name, filepath.Base(args[0]), hint, err, stderr)
	}
	var res Result
	if err := json.Unmarshal(stdout, &res); err != nil {
		t.Fatalf("%s decoder printed invalid output: %v\n%s\n%s", lang, err, stdout, stderr)
	}
	return res
}

// scriptDir is this package's directory, which holds the decoders.
func scriptDir(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("runtime.Caller failed")
	}
	return filepath.Dir(file)
}

// RepoRoot returns the repository root, found from this file's location.
func RepoRoot(t testing.TB) string {
	return filepath.Clean(filepath.Join(scriptDir(t), "..", ".."))
}

// Run executes name with args in dir, with stdin as its standard input,
// bounded by timeout, and returns its stdout and stderr. env entries are
// added to the inherited environment.
func Run(t testing.TB, timeout time.Duration, dir string, stdin []byte, env []string, name string, args ...string) (stdout, stderr []byte, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(cmd.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	err = cmd.Run()
	return out.Bytes(), errb.Bytes(), err
}

// npmCI installs dir's locked npm dependencies when probe (a path relative
// to dir) is missing.
// InstallGenTS installs gen/ts's locked npm dependencies when they are
// missing (for tests that run TypeScript against the generated code).
func InstallGenTS(t testing.TB) {
	t.Helper()
	npmCI(t, filepath.Join(RepoRoot(t), "gen", "ts"), filepath.Join("node_modules", "@bufbuild", "protobuf", "package.json"))
}

// InstallTools runs `npm ci` in internal/tools/node (the code generators
// and the AsyncAPI and JSON Schema validators) when its node_modules is
// missing or older than the validators.
func InstallTools(t testing.TB) {
	t.Helper()
	npmCI(t, filepath.Join(RepoRoot(t), "internal", "tools", "node"), filepath.Join("node_modules", "@asyncapi", "parser", "package.json"))
}

func npmCI(t testing.TB, dir, probe string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, probe)); err == nil {
		return
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatalf("%s is missing and npm is not installed: %v", filepath.Join(dir, probe), err)
	}
	t.Logf("installing npm dependencies in %s (npm ci)", dir)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
}

// pythonBin is $PYTHON, else Debian's /usr/bin/python3 (which has
// python3-protobuf), else python3 from PATH.
func pythonBin() string {
	if p := os.Getenv("PYTHON"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}
