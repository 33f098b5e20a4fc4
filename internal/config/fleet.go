package config

import (
	"fmt"
	"regexp"
	"time"
	"unicode"
)

// MinFleetLeaseTTL is the shortest lease TTL Validate accepts: a process
// renews every TTL/3 and stops a channel it could not renew for TTL/2, so
// shorter leases leave too little time for a NATS round trip.
const MinFleetLeaseTTL = time.Second

var bucketNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

func (c Config) validateFleet(ps *problems) {
	f := c.Fleet
	if !f.Enabled {
		return
	}
	set := c.global
	if c.NATS.Embedded() {
		ps.add(set("FLEET_ENABLED", "fleet.enabled"), "is true but NATS_URL is empty (an embedded server per process)",
			"point every process of the fleet at the same NATS server with NATS_URL, e.g. NATS_URL=nats://nats.internal:4222")
	}
	if !bucketNameRE.MatchString(f.Bucket) {
		ps.add(set("FLEET_BUCKET", "fleet.bucket"), fmt.Sprintf("is %q, which is not a key-value bucket name", f.Bucket),
			"use letters, digits, _ or -, e.g. FLEET_BUCKET="+DefaultFleetBucket)
	}
	if f.LeaseTTL < MinFleetLeaseTTL {
		ps.add(set("FLEET_LEASE_TTL", "fleet.lease_ttl"), fmt.Sprintf("is %v, shorter than %v", f.LeaseTTL, MinFleetLeaseTTL),
			"use a duration such as 15s (the default); a dead process's channels move after at most this long")
	}
	if len(f.InstanceID) > 128 || !printable(f.InstanceID) {
		ps.add(set("FLEET_INSTANCE_ID", "fleet.instance_id"), "is longer than 128 characters or has control characters",
			"use a short readable name such as the host name, or leave it empty for <hostname>-<pid>-<random>")
	}
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
