package bustest

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Process is a nats-server binary running as a child process on a fixed
// loopback port. Kill and Restart simulate crashes; the port, config and
// store directory survive restarts. Methods must be called from the test
// goroutine.
type Process struct {
	t    testing.TB
	bin  string
	args []string
	port int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	out  *syncBuffer
}

// RunProcess starts the nats-server binary (the Debian package
// nats-server) with configText as its config file, listening on
// 127.0.0.1 and a free port, with extra command-line args (such as "-js").
// The JetStream store dir is a t.TempDir(). It waits until the server
// answers with INFO and kills it in t.Cleanup.
func RunProcess(t testing.TB, configText string, args ...string) *Process {
	t.Helper()
	bin := findBinary(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "nats.conf")
	if err := os.WriteFile(conf, []byte(configText), 0o600); err != nil {
		t.Fatalf("bustest: write config: %v", err)
	}
	p := &Process{t: t, bin: bin, port: freePort(t)}
	p.args = append([]string{"-c", conf, "-a", "127.0.0.1", "-p", strconv.Itoa(p.port), "-sd", filepath.Join(dir, "store")}, args...)
	t.Cleanup(p.Kill)
	p.start()
	return p
}

func findBinary(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("nats-server"); err == nil {
		return p
	}
	// Debian installs it in /usr/sbin, which is not on every PATH.
	for _, p := range []string{"/usr/sbin/nats-server", "/usr/bin/nats-server"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatalf("bustest: nats-server binary not found on PATH or in /usr/sbin, /usr/bin; install it with `apt-get install nats-server`")
	return ""
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("bustest: find free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatalf("bustest: release port: %v", err)
	}
	return port
}

// URL returns nats://127.0.0.1:<port>.
func (p *Process) URL() string { return "nats://" + p.Addr() }

// Addr returns 127.0.0.1:<port>.
func (p *Process) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)) }

// Output returns everything the process (all its runs) wrote so far.
func (p *Process) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.out == nil {
		return ""
	}
	return p.out.String()
}

func (p *Process) start() {
	p.t.Helper()
	cmd := exec.Command(p.bin, p.args...)
	out := p.out
	if out == nil {
		out = &syncBuffer{}
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("bustest: start %s: %v", p.bin, err)
	}
	done := make(chan struct{})
	go func() {
		// Wait reaps the process; it returns once it is killed or exits.
		_ = cmd.Wait()
		close(done)
	}()
	p.mu.Lock()
	p.cmd, p.done, p.out = cmd, done, out
	p.mu.Unlock()
	if err := waitINFO(p.Addr(), done, 10*time.Second); err != nil {
		p.Kill()
		p.t.Fatalf("bustest: nats-server %v: %v\n--- output ---\n%s", p.args, err, out.String())
	}
}

// waitINFO dials addr until the server greets with INFO, the process
// exits or timeout passes.
func waitINFO(addr string, exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-exited:
			return errExited
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			_ = c.SetReadDeadline(time.Now().Add(time.Second))
			line, rerr := bufio.NewReader(c).ReadString('\n')
			_ = c.Close()
			if rerr == nil && strings.HasPrefix(line, "INFO ") {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return errNotReady
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type bustestError string

func (e bustestError) Error() string { return string(e) }

const (
	errExited   = bustestError("exited before accepting connections")
	errNotReady = bustestError("not accepting connections after 10s")
)

// Kill sends SIGKILL (like kill -9) and waits for the process to be gone.
// Killing a stopped process does nothing.
func (p *Process) Kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.t.Errorf("bustest: nats-server pid %d did not die within 10s of SIGKILL", cmd.Process.Pid)
	}
}

// Restart kills the process if it runs and starts it again on the same
// port with the same config and store, waiting until it accepts clients.
func (p *Process) Restart() {
	p.t.Helper()
	p.Kill()
	p.start()
}

// syncBuffer is a bytes.Buffer safe for the process's writes and the
// test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
