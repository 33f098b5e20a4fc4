package config_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestRunConnectorScript runs docs/deploy/run-connector.sh with a stand-in
// binary and checks that it loads the .env file, lets the real environment
// win, and passes "run" and the arguments on.
func TestRunConnectorScript(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Log("run-connector.sh is for Unix-like systems; run-connector.bat is not tested here")
		return
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatalf("bash is needed to test run-connector.sh: %v", err)
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "docs", "deploy", "run-connector.sh"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := writeFile(t, dir, "fake-connector", "#!/bin/sh\necho \"args=$*\"\necho \"channel=$CYTUBE_CHANNEL user=$CYTUBE_USERNAME pw=$CYTUBE_PASSWORD\"\n")
	if err := os.Chmod(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	envFile := writeFile(t, dir, "test.env", "# settings\nCYTUBE_CHANNEL=fromfile\nCYTUBE_USERNAME=fileuser\nCYTUBE_PASSWORD='pa$$ #word'\n")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, script, "-log-level", "debug")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "ENV_FILE=" + envFile, "CONNECTOR_BIN=" + bin, "CYTUBE_USERNAME=realuser"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run-connector.sh: %v\n%s", err, out)
	}
	for _, want := range []string{"args=run -log-level debug", "channel=fromfile user=realuser pw=pa$$ #word"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("run-connector.sh output lacks %q:\n%s", want, out)
		}
	}

	bad := writeFile(t, dir, "bad.env", "A='unterminated\n")
	cmd = exec.CommandContext(ctx, bash, script)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "ENV_FILE=" + bad, "CONNECTOR_BIN=" + bin}
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "not shell-compatible") {
		t.Errorf("run-connector.sh with a broken .env: err %v, output:\n%s", err, out)
	}
}
