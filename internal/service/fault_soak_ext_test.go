package service_test

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"
)

// soakDuration is SOAK_DURATION (a Go duration), 60 s by default; `make
// soak` runs 10 minutes.
func soakDuration(t *testing.T) time.Duration {
	t.Helper()
	d := 60 * time.Second
	if v := os.Getenv("SOAK_DURATION"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil || d <= 0 {
			t.Fatalf("SOAK_DURATION=%q: want a positive Go duration such as 10m", v)
		}
	}
	return d
}

// TestFaultSoak runs steady chat, joins and leaves and a CyTube drop every
// 5 s for SOAK_DURATION, and samples goroutines and the live heap at
// quiet moments (connector logged in, emitter paused, GC run). Goroutines
// must come back to the baseline taken after warm-up (±5) and the heap
// stay under twice that baseline.
func TestFaultSoak(t *testing.T) {
	total := soakDuration(t)
	e := newFaultEnv(t, faultOpts{noRecord: true})
	waitSettled := func(minMsgs int) {
		e.until("messages", 15*time.Second, func() bool { return e.counted("rosey.events.message") >= minMsgs })
	}
	sample := func() (int, uint64) {
		time.Sleep(200 * time.Millisecond)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return runtime.NumGoroutine(), ms.HeapAlloc
	}
	e.until("connector up", 10*time.Second, func() bool { return e.counted(seed.Status()) >= 4 })

	start := time.Now()
	sent, round := 0, 0
	var baseG int
	var baseH, maxH uint64
	maxG := 0
	for time.Since(start) < total {
		round++
		// One round: 5 s of traffic, then a drop and a quiet sample.
		roundEnd := time.Now().Add(5 * time.Second)
		for i := 0; time.Now().Before(roundEnd); i++ {
			sent++
			e.cyt.FakeChat("alice", fmt.Sprintf("soak-%d", sent))
			if i%10 == 0 {
				name := fmt.Sprintf("guest%d", i%7)
				e.cyt.AddFakeUser(name, 0)
				e.cyt.RemoveFakeUser(name)
			}
			time.Sleep(20 * time.Millisecond)
		}
		waitSettled(sent)
		e.cyt.DropAll()
		e.cyt.FakeChat("alice", fmt.Sprintf("soak-%d", sent+1)) // lands in history
		sent++
		waitSettled(sent)
		e.cyt.ClearLogs()
		g, h := sample()
		switch {
		case round == 2: // warm-up done: pools, buffers and caches are sized
			baseG, baseH = g, h
		case round > 2:
			maxG, maxH = max(maxG, g), max(maxH, h)
		}
		t.Logf("round %d at %v: %d goroutines, heap %d KiB, %d chats", round, time.Since(start).Round(time.Second), g, h>>10, sent)
	}
	if round < 4 {
		t.Fatalf("only %d rounds; SOAK_DURATION must allow at least 20s", round)
	}
	if maxG > baseG+5 {
		t.Errorf("goroutines grew from %d to %d", baseG, maxG)
	}
	if maxH > 2*baseH {
		t.Errorf("heap grew from %d KiB to %d KiB", baseH>>10, maxH>>10)
	}
	if f := e.svc.Stats().PublishFailed.Load(); f != 0 {
		t.Errorf("%d publishes failed", f)
	}
}
