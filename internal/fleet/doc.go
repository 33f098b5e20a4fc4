// Package fleet shares a set of channels between several processes: each
// channel is run by exactly one process at a time, the one holding the
// channel's lease in a JetStream key-value bucket.
//
// A lease is the key "lease.<channel>" (see Key). A process acquires it
// with a create-if-absent write, renews it every TTL/3 with a write that
// succeeds only if the key still holds the revision it wrote last, and on
// a clean shutdown deletes it (again only at its own revision), so another
// process takes the channel over at once. The bucket is created with a
// TTL (its max age), so the lease of a process that died without deleting
// it disappears TTL after its last renewal and another process takes it
// on its next poll. The bucket-wide TTL is the mechanism because it works
// on every JetStream server (per-message TTLs need nats-server 2.11).
//
// CyTube kicks the older socket when an account logs in to a channel a
// second time ("Duplicate login"), so a process must have left the channel
// before anyone else can take its lease. Manager therefore stops running a
// channel as soon as a renewal is refused (someone else's write is in the
// key: the lease is lost), when the key changes under it (seen through a
// watch), and — fencing by self-stop — when it has not been able to renew
// for TTL/2, for example because NATS is unreachable. At that moment the
// lease still has at least TTL/2 to live, which is the margin for the
// session to close its socket. Renewal times are taken before the write is
// sent, so the server's expiry is never earlier than the process assumes.
//
// The package knows JetStream and nothing about CyTube, sessions or
// subjects: callers hand Manager.Run a RunFunc that serves one channel
// until its context ends.
//
// Goroutines: Manager.Run starts one goroutine per channel, one per
// running RunFunc and one watching the bucket; all have ended when Run
// returns. Run returns nil when its context ends, or an error wrapping
// ErrInvalidConfig (bad configuration, or a bucket without a TTL) or the
// JetStream error that kept it from opening the bucket.
package fleet
