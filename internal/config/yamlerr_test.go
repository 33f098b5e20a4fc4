package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFileErrorsNameLineAndKey: an unknown key in the config file is
// reported with the file, its line, the section and the closest key; a
// syntax error and a wrong type name the file; none is yaml.v3's raw text.
func TestFileErrorsNameLineAndKey(t *testing.T) {
	for name, tc := range map[string]struct {
		yaml string
		want []string
	}{
		"unknown keys": {
			"channels:\n  - channel: lounge\n    usrname: bob\nnats:\n  jetstrem: false\nfleet:\n  enabeld: true\n",
			[]string{
				`line 3 has "usrname", which is not a key of an entry of channels: did you mean username?`,
				`line 5 has "jetstrem", which is not a key of nats: did you mean jetstream?`,
				`line 7 has "enabeld", which is not a key of fleet: did you mean enabled?`,
			},
		},
		"far from any key": {"colour: blue\n", []string{`line 1 has "colour", which is not a key of the top level: remove it`}},
		"syntax":           {"channels:\n  - channel: lounge\n   username: bob\n", []string{"is not valid YAML (", "further down that block"}},
		"wrong type":       {"channels:\n  - channel: lounge\n    secure: maybe\n", []string{"has a value of the wrong type (line 3: cannot unmarshal"}},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "connector.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadFile(path, func(string) (string, bool) { return "", false }, Default())
			var fe *FileError
			var ve *ValidationError
			if !errors.As(err, &fe) || !errors.As(err, &ve) {
				t.Fatalf("LoadFile = %v, want a *FileError holding a *ValidationError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "config.file") || strings.Contains(err.Error(), "unmarshal errors") {
				t.Errorf("yaml.v3's own type names leak:\n%v", err)
			}
		})
	}
}
