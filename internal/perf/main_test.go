package perf_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
)

// serverChildEnv makes the test binary run only a CyTube test server (see
// runServerChild); the scale benchmark starts it that way so that the
// server's memory and CPU are not counted as the connector's.
const serverChildEnv = "PERF_CYTUBE_SERVER_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(serverChildEnv) == "1" {
		os.Exit(runServerChild())
	}
	goleak.VerifyTestMain(m)
}

// runServerChild serves CyTube on a random loopback port, prints
// "ADDR host:port", and exits when its stdin closes.
func runServerChild() int {
	srv, err := cytubetest.New(cytubetest.Options{Channel: "perfchan"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("ADDR %s\n", srv.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := srv.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startServerChild runs a CyTube test server in a child process (this test
// binary again) and returns its address; cleanup closes its stdin and
// waits for it.
func startServerChild(tb testing.TB) string {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serverChildEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	exited := make(chan struct{})
	first := make(chan string, 1)
	go func() {
		br := bufio.NewReader(stdout)
		line, _ := br.ReadString('\n')
		first <- line
		_, _ = io.Copy(io.Discard, br)
		_ = cmd.Wait()
		close(exited)
	}()
	tb.Cleanup(func() {
		_ = stdin.Close()
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			tb.Errorf("CyTube server child did not exit within 20s of stdin closing")
		}
	})
	select {
	case line := <-first:
		addr, ok := strings.CutPrefix(strings.TrimSpace(line), "ADDR ")
		if !ok {
			tb.Fatalf("CyTube server child: first line %q", line)
		}
		return addr
	case <-time.After(20 * time.Second):
		tb.Fatal("CyTube server child printed no address within 20s")
		return ""
	}
}
