package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/roseybot/cytube-connector/internal/bus"
)

// TestReservedChannels: a channel whose name the subjects reserve is a
// configuration problem in channel subject mode, with a fix, and fine in
// seed mode; the list is the bus's.
func TestReservedChannels(t *testing.T) {
	if !slices.Equal(reservedChannels, bus.ReservedChannels) {
		t.Fatalf("reservedChannels %v, bus.ReservedChannels %v", reservedChannels, bus.ReservedChannels)
	}
	for _, name := range bus.ReservedChannels {
		env := map[string]string{"CYTUBE_CHANNEL": strings.ToUpper(name)}
		cfg, err := FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, Default())
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s alone, seed mode: %v", name, err)
		}
		cfg.Subjects.Mode = SubjectModeChannel
		err = cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), "reserve") || !strings.Contains(err.Error(), "SUBJECT_MODE=seed") {
			t.Errorf("%s in channel mode: %v, want the reserved-name problem with its fix", name, err)
		}
	}
}
