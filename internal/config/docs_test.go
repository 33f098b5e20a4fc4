package config

import (
	"bufio"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// envNames returns every environment variable FromEnv reads, by
// recording the names it asks for.
func envNames(t *testing.T) []string {
	t.Helper()
	var names []string
	seen := map[string]bool{}
	lookup := func(name string) (string, bool) {
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
		return "", false
	}
	if _, err := FromEnv(lookup, Default()); err != nil {
		t.Fatal(err)
	}
	return names
}

// fileKeys returns the YAML keys of the config file, as docs write them.
func fileKeys() []string {
	var keys []string
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			if typ.Kind() == reflect.Slice {
				prefix += "[]"
			}
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct {
			keys = append(keys, prefix)
			return
		}
		for i := range typ.NumField() {
			tag := strings.Split(typ.Field(i).Tag.Get("yaml"), ",")[0]
			name := tag
			if prefix != "" {
				name = prefix + "." + tag
			}
			walk(name, typ.Field(i).Type)
		}
	}
	walk("", reflect.TypeFor[fileConfig]())
	return keys
}

// TestDocsListEverySetting keeps docs/configuration.md in step with the
// code: every environment variable, flag and file key must appear in it.
func TestDocsListEverySetting(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	for _, name := range envNames(t) {
		if !strings.Contains(text, "| `"+name+"` |") {
			t.Errorf("docs/configuration.md has no table row for %s", name)
		}
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	BindFlags(fs)
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(text, "`-"+f.Name+"`") {
			t.Errorf("docs/configuration.md does not mention -%s", f.Name)
		}
	})
	for _, key := range fileKeys() {
		if !strings.Contains(text, "`"+key+"`") {
			t.Errorf("docs/configuration.md does not mention file key %s", key)
		}
	}
}

// TestEnvExampleNamesKnownVariables checks that .env.example only sets
// variables the connector reads and leaves the secrets empty.
func TestEnvExampleNamesKnownVariables(t *testing.T) {
	known := map[string]bool{}
	for _, n := range envNames(t) {
		known[n] = true
	}
	path := filepath.Join("..", "..", ".env.example")
	vars, err := LoadDotEnv(path)
	if err != nil || vars == nil {
		t.Fatalf("LoadDotEnv(%s) = %v, %v", path, vars, err)
	}
	for name, value := range vars {
		if !known[name] {
			t.Errorf(".env.example sets %s, which the connector does not read", name)
		}
		if strings.Contains(name, "PASSWORD") || strings.Contains(name, "TOKEN") {
			if value != "" {
				t.Errorf(".env.example gives %s a value; secrets must be empty", name)
			}
		}
	}
	for _, seed := range []string{"CYTUBE_HOST", "CYTUBE_CHANNEL", "CYTUBE_USERNAME", "CYTUBE_PASSWORD", "CYTUBE_SECURE", "NATS_URL", "NATS_TOKEN"} {
		if _, ok := vars[seed]; !ok {
			t.Errorf(".env.example lacks %s", seed)
		}
	}
	// The example must load into a configuration whose only problem is the
	// channel the user still has to fill in.
	cfg, err := FromEnv(EnvLookup(nil, vars), Default())
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.Validate()
	ve, ok := err.(*ValidationError)
	if !ok || len(ve.Problems) != 1 || ve.Problems[0].Setting != "CYTUBE_CHANNEL" {
		t.Errorf(".env.example validates to %v, want only CYTUBE_CHANNEL missing", err)
	}
	// And every line is a systemd-compatible KEY=VALUE or comment.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		l := sc.Text()
		if l != "" && !strings.HasPrefix(l, "#") && (strings.HasPrefix(l, "export ") || strings.Contains(l, " #")) {
			t.Errorf(".env.example:%d: %q is not systemd EnvironmentFile syntax", line, l)
		}
	}
}
