package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/config"
)

func TestFleetDefaultsAreOff(t *testing.T) {
	f := config.Default().Fleet
	if f.Enabled || f.Bucket != config.DefaultFleetBucket || f.LeaseTTL != config.DefaultFleetLeaseTTL || f.InstanceID != "" {
		t.Errorf("default fleet = %+v", f)
	}
}

func TestFleetFromEnvAndFile(t *testing.T) {
	env := map[string]string{
		"CYTUBE_CHANNEL": "lounge", "NATS_URL": "nats://127.0.0.1:4222",
		"FLEET_ENABLED": "yes", "FLEET_BUCKET": "LEASES_A", "FLEET_LEASE_TTL": "3s", "FLEET_INSTANCE_ID": "host-a",
	}
	cfg, err := config.FromEnv(config.EnvLookup(nil, env), config.Default())
	if err != nil {
		t.Fatal(err)
	}
	want := config.Fleet{Enabled: true, Bucket: "LEASES_A", LeaseTTL: 3 * time.Second, InstanceID: "host-a"}
	if cfg.Fleet != want {
		t.Errorf("env fleet = %+v, want %+v", cfg.Fleet, want)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	yaml := "channels:\n  - channel: a\n  - channel: b\nnats:\n  url: nats://127.0.0.1:4222\nfleet:\n  enabled: true\n  bucket: B\n  lease_ttl: 4s\n  instance_id: box-1\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err = config.LoadFile(path, config.EnvLookup(nil, nil), config.Default())
	if err != nil {
		t.Fatal(err)
	}
	want = config.Fleet{Enabled: true, Bucket: "B", LeaseTTL: 4 * time.Second, InstanceID: "box-1"}
	if cfg.Fleet != want {
		t.Errorf("file fleet = %+v, want %+v", cfg.Fleet, want)
	}
	// The environment overrides the file.
	cfg, err = config.FromEnv(config.EnvLookup(nil, map[string]string{"CONNECTOR_CONFIG": path, "FLEET_LEASE_TTL": "9s"}), config.Default())
	if err != nil || cfg.Fleet.LeaseTTL != 9*time.Second || cfg.Fleet.Bucket != "B" {
		t.Errorf("env over file = %+v, %v", cfg.Fleet, err)
	}
	if _, err := config.FromEnv(config.EnvLookup(nil, map[string]string{"FLEET_LEASE_TTL": "soon"}), config.Default()); err == nil || !strings.Contains(err.Error(), "FLEET_LEASE_TTL") {
		t.Errorf("bad TTL error = %v", err)
	}
}

func TestFleetValidation(t *testing.T) {
	tests := map[string]struct {
		mod  func(c *config.Config)
		want string
	}{
		"embedded nats": {func(c *config.Config) { c.NATS.URL = "" }, "FLEET_ENABLED is true but NATS_URL is empty"},
		"bad bucket":    {func(c *config.Config) { c.Fleet.Bucket = "a.b" }, "FLEET_BUCKET"},
		"short ttl":     {func(c *config.Config) { c.Fleet.LeaseTTL = 100 * time.Millisecond }, "FLEET_LEASE_TTL"},
		"control id":    {func(c *config.Config) { c.Fleet.InstanceID = "a\nb" }, "FLEET_INSTANCE_ID"},
	}
	for name, tc := range tests {
		c := valid()
		c.NATS.URL = "nats://127.0.0.1:4222"
		c.Fleet.Enabled = true
		tc.mod(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate() = %v, want a problem with %q", name, err, tc.want)
		}
	}
	// Off, the fleet settings are not checked.
	c := valid()
	c.Fleet.Bucket = "a.b"
	if err := c.Validate(); err != nil {
		t.Errorf("fleet off: %v", err)
	}
}
