package contract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/connectortest"
	"github.com/roseybot/cytube-connector/internal/crosslang"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
)

// TestLiveTypeScriptConsumer runs the example bot in
// docs/examples/typescript-bot with node against a real NATS server, the
// Go CyTube test server and a running connector. Once the bot has
// subscribed, a user joins and chats; the bot must decode every event,
// find the CloudEvents headers and raw/normalized correlation right, get
// its own chat command confirmed, and exit 0.
func TestLiveTypeScriptConsumer(t *testing.T) {
	root := crosslang.RepoRoot(t)
	example := filepath.Join(root, "docs", "examples", "typescript-bot")
	// The example installs gen/ts as a copy (install-links): npm ci every
	// time so that the copy is the current gen/ts.
	crosslang.InstallGenTS(t)
	e := newEnv(t, "bot")
	lines := runExample(t, example, "bot.mjs", []string{
		"NATS_URL=" + e.URL,
		"EXPECT=cytube.v1.ChatMsg,rosey.events.v1.Message,cytube.v1.AddUser,rosey.events.v1.UserJoin",
		"CHAT_TEXT=hello from the TypeScript bot ✨",
		"TIMEOUT_MS=30000",
	}, func(line string) {
		if line == "ready" {
			// The bot is subscribed: now a user joins and chats.
			e.cyt.AddFakeUser("alice", 1)
			e.cyt.FakeChat("alice", `héllo <b>wörld</b> 🚀 see https://example.com/?a=1&b=2`)
		}
	})
	if len(lines) == 0 {
		t.Fatal("typescript bot printed nothing")
	}
	var sum struct {
		OK     bool           `json:"ok"`
		Events int            `json:"events"`
		Pairs  int            `json:"pairs"`
		Ranks  any            `json:"ranks"`
		Types  map[string]int `json:"types"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
		t.Fatalf("last line of the bot is not its summary: %q: %v", lines[len(lines)-1], err)
	}
	if !sum.OK || sum.Pairs < 2 || sum.Types["rosey.events.v1.UserJoin"] == 0 {
		t.Errorf("bot summary = %+v", sum)
	}
	// The bot is rank 3: rank_list answers with the ranks, its own among
	// them.
	if n, ok := sum.Ranks.(float64); !ok || n < 1 {
		t.Errorf("rank_list in the bot: %v, want at least one rank", sum.Ranks)
	}
	t.Logf("typescript bot: %s", strings.Join(lines, " | "))
}

// TestLiveAsyncAPIConsumer runs docs/examples/asyncapi-consumer, a
// consumer written from the AsyncAPI document alone (no generated code),
// against a connector publishing JSON: every event it receives must fit
// the document's channel, headers and payload schema, and its chat
// command and state query must be answered as the document says.
func TestLiveAsyncAPIConsumer(t *testing.T) {
	root := crosslang.RepoRoot(t)
	example := filepath.Join(root, "docs", "examples", "asyncapi-consumer")
	c := connectortest.Start(t, connectortest.Options{
		CyTube:   cytubetest.Options{Accounts: map[string]cytubetest.Account{"bot": {Password: botPassword, Rank: 3}}},
		Channels: []string{envChannel}, Username: "bot", Password: botPassword, Version: "0.0.0-contract",
		Config: func(cfg *config.Config) { cfg.Subjects.Encoding = config.EncodingJSON },
	})
	c.Ready(1)
	lines := runExample(t, example, "consumer.mjs", []string{
		"NATS_URL=" + c.URL,
		"EXPECT=cytube.v1.ChatMsg,rosey.events.v1.Message,cytube.v1.AddUser,rosey.events.v1.UserJoin,cytube.v1.NewPoll,cytube.v1.SetMotd",
		"CHAT_TEXT=hello from the AsyncAPI consumer ✨",
		"TIMEOUT_MS=30000",
	}, func(line string) {
		if strings.HasPrefix(line, "ready") {
			c.CyTube.AddFakeUser("alice", 1)
			c.CyTube.FakeChat("alice", `héllo <b>wörld</b> 🚀`)
			c.CyTube.OpenPoll("best emote?", []string{"Kappa", "PogChamp"})
			c.CyTube.SetMotd("<b>welcome</b>")
		}
	})
	var sum struct {
		OK     bool           `json:"ok"`
		Events int            `json:"events"`
		Users  int            `json:"users"`
		Types  map[string]int `json:"types"`
	}
	if len(lines) == 0 || json.Unmarshal([]byte(lines[len(lines)-1]), &sum) != nil || !sum.OK || sum.Users < 1 {
		t.Fatalf("consumer summary: %v", lines)
	}
	t.Logf("asyncapi consumer: %s", strings.Join(lines, " | "))
}

// runExample runs `node script` in the example's directory (after npm ci
// there) with env added, calls onLine with each line it prints, and
// returns them once it exited 0; it fails the test otherwise.
func runExample(t *testing.T, dir, script string, env []string, onLine func(string)) []string {
	t.Helper()
	if _, stderr, err := crosslang.Run(t, 5*time.Minute, dir, nil, nil, "npm", "ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, stderr)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeBin(t), script)
	cmd.Dir = dir
	cmd.Env = append(cmd.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		onLine(sc.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s failed: %v\nstdout:\n%s\nstderr:\n%s", script, err, strings.Join(lines, "\n"), stderr.String())
	}
	return lines
}
