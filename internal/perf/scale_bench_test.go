package perf_test

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/connectortest"
)

// scaleChannels is how many channels BenchmarkScale joins; PERF_CHANNELS
// overrides it.
const scaleChannels = 1000

// idleWindow is how long BenchmarkScale measures CPU while every channel
// sits idle (server pings at CyTube's default 25 s interval).
const idleWindow = 10 * time.Second

// BenchmarkScale runs one connector process with scaleChannels channels
// (channel subject mode, anonymous sessions) against one CyTube test
// server, which runs in a child process, and one nats-server process, so
// that memory and CPU measured here are the connector's alone. Run it with
// -benchtime 1x. It reports the time from Run to every channel's JOINED
// status, the resident memory per channel (VmRSS after GC, minus VmRSS
// before the service started, divided by the channels), the Go heap per
// channel, and the CPU (user+system, getrusage) per second and per channel
// while idle for idleWindow.
func BenchmarkScale(b *testing.B) {
	n := scaleChannels
	if v := os.Getenv("PERF_CHANNELS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("PERF_CHANNELS=%q: want a positive integer", v)
		}
	}
	addr := startServerChild(b)
	proc := bustest.RunProcess(b, "")
	for range b.N {
		scaleOnce(b, addr, proc.URL(), n)
	}
}

func scaleOnce(b *testing.B, cytubeAddr, natsURL string, n int) {
	nc, err := nats.Connect(natsURL)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	var mu sync.Mutex
	joined := map[string]bool{}
	all := make(chan struct{})
	sub, err := nc.Subscribe("rosey.platform.cytube.*.status", func(m *nats.Msg) {
		var st eventsv1.ConnectorStatus
		if proto.Unmarshal(m.Data, &st) != nil || st.GetState() != eventsv1.ConnectorState_CONNECTOR_STATE_JOINED {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if !joined[st.GetChannel()] {
			joined[st.GetChannel()] = true
			if len(joined) == n {
				close(all)
			}
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		b.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		b.Fatal(err)
	}

	names := make([]string, n)
	for i := range n {
		names[i] = fmt.Sprintf("perf%04d", i)
	}
	c := connectortest.New(b, connectortest.Options{
		NATSURL: natsURL, NoRecorder: true, Host: cytubeAddr, Channels: names, Anonymous: true,
		Version: "0.0.0", SessionBackoff: true, StopTimeout: 60 * time.Second,
		Config: func(cfg *config.Config) {
			cfg.Subjects.Mode = config.SubjectModeChannel
			cfg.NATS.JetStream = false
		},
		// ConnEvery -1: the local connection-rate gate would take hours
		// for 1,000 sockets.
	})

	rssBefore, heapBefore, stackBefore := settledMemory(b, 1)
	b.ResetTimer()
	start := time.Now()
	c.Run()
	defer func() {
		if err := c.Stop(); err != nil {
			b.Errorf("service Run: %v", err)
		}
	}()
	select {
	case <-all:
	case <-time.After(3 * time.Minute):
		mu.Lock()
		got := len(joined)
		mu.Unlock()
		b.Fatalf("%d of %d channels joined within 3 minutes", got, n)
	}
	joinTime := time.Since(start)
	b.StopTimer()

	rssAfter, heapAfter, stackAfter := settledMemory(b, 1)
	if path := os.Getenv("PERF_HEAP_PROFILE"); path != "" {
		writeProfile(b, "heap", path)
	}
	if path := os.Getenv("PERF_GOROUTINE_PROFILE"); path != "" {
		writeProfile(b, "goroutine", path)
	}
	cpu0 := cpuTime(b)
	time.Sleep(idleWindow)
	idleCPU := cpuTime(b) - cpu0
	// An idle process collects garbage at least every two minutes, and
	// each cycle halves the stacks of goroutines that use less than a
	// quarter of theirs (grown while joining); a few cycles show the
	// memory an idle channel settles at.
	rssIdle, heapIdle, stackIdle := settledMemory(b, idleGCs)

	b.ReportMetric(joinTime.Seconds(), "join_all_s")
	b.ReportMetric(float64(rssAfter-rssBefore)/float64(n)/1024, "rss_KiB/channel")
	b.ReportMetric(float64(heapAfter-heapBefore)/float64(n)/1024, "heap_KiB/channel")
	b.ReportMetric(float64(stackAfter-stackBefore)/float64(n)/1024, "stack_KiB/channel")
	b.ReportMetric(float64(rssIdle-rssBefore)/float64(n)/1024, "idle_rss_KiB/channel")
	b.ReportMetric(float64(heapIdle-heapBefore)/float64(n)/1024, "idle_heap_KiB/channel")
	b.ReportMetric(float64(stackIdle-stackBefore)/float64(n)/1024, "idle_stack_KiB/channel")
	b.ReportMetric(float64(runtime.NumGoroutine())/float64(n), "goroutines/channel")
	b.ReportMetric(100*idleCPU.Seconds()/idleWindow.Seconds(), "idle_cpu_%")
	b.ReportMetric(float64(idleCPU.Microseconds())/idleWindow.Seconds()/float64(n), "idle_cpu_us/s/channel")
}

// idleGCs is how many garbage collections precede the idle measurement.
const idleGCs = 4

// settledMemory collects garbage gcs times, returns freed memory to the OS,
// and reads VmRSS, the in-use Go heap and stacks, and the stacks alone, in
// bytes.
func settledMemory(b *testing.B, gcs int) (rss, heap, stack uint64) {
	b.Helper()
	for range gcs {
		runtime.GC()
	}
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return vmRSS(b), ms.HeapInuse + ms.StackInuse, ms.StackInuse
}

// writeProfile saves a runtime profile with every channel joined: "heap"
// (go tool pprof -sample_index=inuse_space shows what a channel costs) or
// "goroutine" (go tool pprof -top shows where each channel's goroutines
// wait).
func writeProfile(b *testing.B, name, path string) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}

func vmRSS(b *testing.B) uint64 {
	b.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				b.Fatalf("VmRSS %q: %v", v, err)
			}
			return kb * 1024
		}
	}
	b.Fatal("no VmRSS in /proc/self/status")
	return 0
}

func cpuTime(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
