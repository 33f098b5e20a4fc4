package fleet

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Defaults for Config.
const (
	DefaultBucket = "ROSEY_CYTUBE_LEASES"
	DefaultTTL    = 15 * time.Second
	// MinTTL is the shortest TTL New accepts.
	MinTTL = 500 * time.Millisecond
	// KeyPrefix starts every lease key.
	KeyPrefix = "lease."
)

// ErrInvalidConfig is wrapped by errors about an unusable Config or
// bucket.
var ErrInvalidConfig = errors.New("fleet: invalid config")

// Config configures a Manager. Channels is required.
type Config struct {
	// Bucket is the key-value bucket of the leases; default DefaultBucket.
	// It is created with TTL when missing. An existing bucket keeps its
	// own TTL, which then is the one used.
	Bucket string
	// TTL is how long a lease lives without renewal; default DefaultTTL.
	TTL time.Duration
	// InstanceID names this process in the leases; default
	// DefaultInstanceID(). It must differ between processes.
	InstanceID string
	// Channels to compete for. Every process of a fleet should list the
	// same ones.
	Channels []string
	// Logger; default discards.
	Logger *slog.Logger
}

// RunFunc serves one channel while this process holds its lease. It must
// return promptly once ctx ends: the lease may be taken by another process
// soon after. If it returns on its own (for example after a permanent
// login failure) the Manager keeps the lease, so that other processes do
// not repeat the failure, and does not call it again for that channel
// until Run is called again.
type RunFunc func(ctx context.Context, channel string) error

// Lease is the JSON value of a lease key.
type Lease struct {
	// Owner is the holder's instance id.
	Owner string `json:"owner"`
	// Nonce tells two runs of the same instance id apart.
	Nonce string `json:"nonce"`
	// Channel is the channel the lease is for.
	Channel string `json:"channel"`
	// Renewed is when the holder sent this write; Expires is Renewed plus
	// the TTL, by the holder's clock. The server expires the key by its
	// own clock TTL after storing it.
	Renewed time.Time `json:"renewed"`
	Expires time.Time `json:"expires"`
}

// ParseLease decodes a lease key's value.
func ParseLease(b []byte) (Lease, error) {
	var l Lease
	if err := json.Unmarshal(b, &l); err != nil {
		return Lease{}, fmt.Errorf("fleet: lease value: %w", err)
	}
	return l, nil
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Key returns the lease key of channel: "lease.<channel>" for names made
// of letters, digits, '_' and '-' (every CyTube channel name), otherwise
// "lease.sha256-" and a hash of the name.
func Key(channel string) string {
	if plainKey.MatchString(channel) {
		return KeyPrefix + channel
	}
	sum := sha256.Sum256([]byte(channel))
	return KeyPrefix + "sha256-" + hex.EncodeToString(sum[:16])
}

// DefaultInstanceID returns "<hostname>-<pid>-<random hex>".
func DefaultInstanceID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + randomHex(4)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// Manager competes for the leases of a set of channels and runs each
// channel whose lease it holds.
type Manager struct {
	js    jetstream.JetStream
	cfg   Config
	log   *slog.Logger
	nonce string

	mu      sync.Mutex
	running map[string]bool
	ttl     time.Duration
}

// New checks cfg and returns a Manager using js. Nothing is contacted
// before Run.
func New(js jetstream.JetStream, cfg Config) (*Manager, error) {
	if js == nil {
		return nil, fmt.Errorf("%w: no JetStream context", ErrInvalidConfig)
	}
	if cfg.Bucket == "" {
		cfg.Bucket = DefaultBucket
	}
	if cfg.TTL == 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.TTL < MinTTL {
		return nil, fmt.Errorf("%w: TTL %v is shorter than %v", ErrInvalidConfig, cfg.TTL, MinTTL)
	}
	if cfg.InstanceID == "" {
		cfg.InstanceID = DefaultInstanceID()
	}
	if len(cfg.Channels) == 0 {
		return nil, fmt.Errorf("%w: no channels", ErrInvalidConfig)
	}
	seen := map[string]bool{}
	for _, ch := range cfg.Channels {
		if ch == "" || seen[Key(ch)] {
			return nil, fmt.Errorf("%w: channel %q is empty or listed twice", ErrInvalidConfig, ch)
		}
		seen[Key(ch)] = true
	}
	cfg.Channels = slices.Clone(cfg.Channels)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Manager{
		js: js, cfg: cfg, nonce: randomHex(8), running: map[string]bool{}, ttl: cfg.TTL,
		log: cfg.Logger.With("instance", cfg.InstanceID),
	}, nil
}

// InstanceID returns the id this Manager writes into its leases.
func (m *Manager) InstanceID() string { return m.cfg.InstanceID }

// TTL returns the lease TTL in effect: the bucket's once Run opened it.
func (m *Manager) TTL() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ttl
}

// Running returns the channels whose RunFunc is running now, sorted.
func (m *Manager) Running() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.running))
	for ch := range m.running {
		out = append(out, ch)
	}
	slices.Sort(out)
	return out
}

func (m *Manager) setRunning(ch string, on bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if on {
		m.running[ch] = true
	} else {
		delete(m.running, ch)
	}
}

// Run opens (or creates) the bucket, then competes for every channel until
// ctx ends: it calls run for each channel whose lease it acquires and
// cancels that call's context when the lease is lost or cannot be renewed
// in time. When ctx ends it stops every run, waits for them to return and
// deletes its leases so other processes take over at once. It returns nil
// then, or an error if the bucket cannot be opened.
func (m *Manager) Run(ctx context.Context, run RunFunc) error {
	kv, err := m.openBucket(ctx)
	if err != nil {
		return err
	}
	slots := make(map[string]*slot, len(m.cfg.Channels))
	for _, ch := range m.cfg.Channels {
		slots[Key(ch)] = &slot{channel: ch, key: Key(ch), wake: make(chan struct{}, 1)}
	}

	var wg sync.WaitGroup
	w, err := kv.Watch(ctx, KeyPrefix+">", jetstream.UpdatesOnly())
	if err != nil {
		// Polling alone still works; takeover after a release is just slower.
		m.log.Warn("fleet: cannot watch the lease bucket; relying on polling", "bucket", m.cfg.Bucket, "err", err)
	} else {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.watch(w.Updates(), slots)
		}()
	}

	var loops sync.WaitGroup
	for _, sl := range slots {
		loops.Add(1)
		go func() {
			defer loops.Done()
			m.serve(ctx, kv, sl, run)
		}()
	}
	loops.Wait()
	if w != nil {
		// Stop closes Updates, which ends the watch goroutine.
		if err := w.Stop(); err != nil {
			m.log.Debug("fleet: stop watch", "err", err)
		}
	}
	wg.Wait()
	return nil
}

// openBucket creates the bucket with the configured TTL, or opens the
// existing one and adopts its TTL.
func (m *Manager) openBucket(ctx context.Context) (jetstream.KeyValue, error) {
	kv, err := m.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      m.cfg.Bucket,
		Description: "cytube-connector channel leases: one key per channel, held by the process running it",
		TTL:         m.cfg.TTL,
		History:     1,
		Storage:     jetstream.FileStorage,
	})
	if errors.Is(err, jetstream.ErrBucketExists) {
		kv, err = m.js.KeyValue(ctx, m.cfg.Bucket)
	}
	if err != nil {
		return nil, fmt.Errorf("fleet: open lease bucket %s: %w", m.cfg.Bucket, err)
	}
	st, err := kv.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("fleet: lease bucket %s status: %w", m.cfg.Bucket, err)
	}
	ttl := st.TTL()
	if ttl < MinTTL {
		return nil, fmt.Errorf("%w: lease bucket %s has TTL %v; leases of dead processes would not expire in time: delete the bucket so that it is created again, or use another one",
			ErrInvalidConfig, m.cfg.Bucket, ttl)
	}
	if ttl != m.cfg.TTL {
		m.log.Warn("fleet: the lease bucket has another TTL than configured; using the bucket's",
			"bucket", m.cfg.Bucket, "bucket_ttl", ttl, "configured_ttl", m.cfg.TTL)
	}
	m.mu.Lock()
	m.ttl = ttl
	m.mu.Unlock()
	m.log.Info("fleet: competing for channels", "bucket", m.cfg.Bucket, "ttl", ttl, "channels", len(m.cfg.Channels))
	return kv, nil
}

// watch follows the lease keys. A delete (a release) wakes the channel's
// loop so that a waiting process takes the channel at once; a write by
// someone else tells a waiting process that the holder is alive, and
// wakes a holder, which then renews at once and finds out it lost the
// lease.
func (m *Manager) watch(updates <-chan jetstream.KeyValueEntry, slots map[string]*slot) {
	for e := range updates {
		if e == nil {
			continue
		}
		sl := slots[e.Key()]
		if sl == nil {
			continue
		}
		if e.Operation() != jetstream.KeyValuePut {
			sl.seen.Store(0)
			sl.poke(true)
			continue
		}
		if l, err := ParseLease(e.Value()); err == nil && m.ours(l) {
			continue // our own renewal
		}
		sl.seen.Store(time.Now().UnixNano())
		if sl.held.Load() {
			sl.poke(false)
		}
	}
}

func (m *Manager) ours(l Lease) bool { return l.Owner == m.cfg.InstanceID && l.Nonce == m.nonce }

func (m *Manager) value(channel string, at time.Time, ttl time.Duration) []byte {
	b, _ := json.Marshal(Lease{Owner: m.cfg.InstanceID, Nonce: m.nonce, Channel: channel, Renewed: at.UTC(), Expires: at.Add(ttl).UTC()})
	return b
}
