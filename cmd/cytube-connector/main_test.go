package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// binPath is the connector binary built once by TestMain; the tests run
// it as a real process.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cytube-connector-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "temp dir:", err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "cytube-connector")
	if err := buildBinary(binPath); err != nil {
		fmt.Fprintln(os.Stderr, err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { _ = os.RemoveAll(dir) }))
}

func buildBinary(out string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("the tests build the binary with the go command: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", out, ".")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, b)
	}
	return nil
}

// result is a finished process.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s\n--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// newProcess prepares the binary with a clean environment (no NATS_*,
// CYTUBE_* or LOG_* from the developer's shell), a temporary working
// directory (so no .env is read) and a temporary HOME.
func newProcess(t *testing.T, ctx context.Context, env map[string]string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TMPDIR=" + os.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// run runs the binary to completion within timeout.
func run(t *testing.T, timeout time.Duration, env map[string]string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd, stdout, stderr := newProcess(t, ctx, env, args...)
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%v did not finish within %v\n%s\n%s", args, timeout, stdout, stderr)
	}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("run %v: %v", args, err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
}

func TestVersion(t *testing.T) {
	r := run(t, 10*time.Second, nil, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "cytube-connector ") || !strings.Contains(r.stdout, " go1.") {
		t.Fatalf("version: %v", r)
	}
	if n := strings.Count(strings.TrimSpace(r.stdout), "\n"); n != 0 {
		t.Errorf("version prints %d lines, want 1: %q", n+1, r.stdout)
	}
}

func TestUsage(t *testing.T) {
	r := run(t, 10*time.Second, nil, "-h")
	if r.code != 0 {
		t.Fatalf("-h: %v", r)
	}
	for _, want := range []string{"run", "monitor", "send", "demo", "version", "Exit codes"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("-h output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = run(t, 10*time.Second, nil, "send", "-h")
	if r.code != 0 || !strings.Contains(r.stdout, "media_queue") || !strings.Contains(r.stdout, "-to") || !strings.Contains(r.stdout, "-timeout") {
		t.Errorf("send -h: %v", r)
	}
	r = run(t, 10*time.Second, nil, "run", "-h")
	if r.code != 0 || !strings.Contains(r.stdout, "-channel") || !strings.Contains(r.stdout, "CYTUBE_PASSWORD") {
		t.Errorf("run -h: %v", r)
	}
	r = run(t, 10*time.Second, nil, "frobnicate")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %v", r)
	}
	r = run(t, 10*time.Second, nil, "monitor", "-no-such-flag")
	if r.code != 2 {
		t.Errorf("bad flag: %v", r)
	}
}

// readyProcess is a `run` process that reported ready.
type readyProcess struct {
	cmd            *exec.Cmd
	stdout, stderr *bytes.Buffer
	// exited is closed once the process has exited.
	exited chan struct{}
}

// startReady starts `cytube-connector run` with env (METRICS_ADDR is set
// here) and waits until its /readyz answers 200: NATS connected, the
// channel joined and logged in. The process is killed when the test ends
// if it is still running.
func startReady(t *testing.T, ctx context.Context, env map[string]string) *readyProcess {
	t.Helper()
	metricsAddr := freeAddr(t)
	env["METRICS_ADDR"] = metricsAddr
	cmd, stdout, stderr := newProcess(t, ctx, env, "run")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &readyProcess{cmd: cmd, stdout: stdout, stderr: stderr, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	client := &http.Client{Timeout: 2 * time.Second}
	for ready := false; !ready; {
		select {
		case <-p.exited:
			t.Fatalf("the connector exited before it was ready\n%s\n%s", stdout, stderr)
		case <-ctx.Done():
			t.Fatalf("never ready\n%s", stderr)
		case <-time.After(50 * time.Millisecond):
		}
		if resp, err := client.Get("http://" + metricsAddr + "/readyz"); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			ready = resp.StatusCode == http.StatusOK
		}
	}
	return p
}
