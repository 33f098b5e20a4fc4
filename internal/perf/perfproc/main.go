// Command perfproc is the benchmark's helper processes
// (BenchmarkProcesses in internal/perf): a CyTube-protocol firehose and a
// NATS subscriber, each run in a process of its own so that neither
// shares a Go runtime with the connector being measured. Both take their
// orders on stdin, one per line, and answer on stdout.
//
//	perfproc firehose -channel C -user U -password P
//	    prints "addr HOST:PORT", then for "flood N" emits N chat frames
//	    as fast as it can and for "paced N RATE" N frames at RATE per
//	    second, answering "sent START_UNIX_NS END_UNIX_NS" when done.
//	perfproc subscribe -nats URL
//	    prints "ready" once subscribed to rosey.>, then for "expect N"
//	    counts N raw and N normalized chat messages and answers one JSON
//	    line: {"last_ns", "p50_us", "p99_us", "max_us"} (latency from the
//	    frame's build time in the message text to arrival).
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/roseybot/cytube-connector/internal/perf"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: perfproc firehose|subscribe [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "firehose":
		err = firehose(os.Args[2:])
	case "subscribe":
		err = subscribe(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "perfproc:", err)
		os.Exit(1)
	}
}

func firehose(args []string) error {
	fs := flag.NewFlagSet("firehose", flag.ContinueOnError)
	channel := fs.String("channel", "perfchan", "registered channel")
	user := fs.String("user", "bot", "account")
	password := fs.String("password", "", "account password")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv, err := cytubetest.New(cytubetest.Options{Channel: *channel, Accounts: map[string]cytubetest.Account{*user: {Password: *password, Rank: 3}}})
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Println("addr", srv.Addr())
	seq := 0
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) < 2 {
			continue
		}
		n, _ := strconv.Atoi(f[1])
		start := time.Now()
		switch f[0] {
		case "flood":
			for range n {
				seq++
				srv.EmitRaw(perf.ChatFrame(seq, time.Now()))
			}
		case "paced":
			rate, _ := strconv.Atoi(f[2])
			perf.Paced(n, rate, func() {
				seq++
				srv.EmitRaw(perf.ChatFrame(seq, time.Now()))
			})
		}
		end := time.Now()
		srv.ClearLogs()
		fmt.Println("sent", start.UnixNano(), end.UnixNano())
	}
	return in.Err()
}

const (
	rawSubject  = "rosey.platform.cytube.chat"
	normSubject = "rosey.events.message"
)

func subscribe(args []string) error {
	fs := flag.NewFlagSet("subscribe", flag.ContinueOnError)
	url := fs.String("nats", nats.DefaultURL, "NATS server")
	if err := fs.Parse(args); err != nil {
		return err
	}
	nc, err := nats.Connect(*url)
	if err != nil {
		return err
	}
	defer nc.Close()
	var mu sync.Mutex
	var want, got int
	var lat []time.Duration
	var last time.Time
	done := make(chan struct{})
	sub, err := nc.Subscribe("rosey.>", func(m *nats.Msg) {
		now := time.Now()
		if m.Subject != rawSubject && m.Subject != normSubject {
			return
		}
		var d time.Duration
		if m.Subject == normSubject {
			// The connector's protobuf, or the JSON of the Node bridge.
			var text string
			if m.Header.Get("Content-Type") == "application/json" {
				var v struct {
					Text string `json:"text"`
				}
				if json.Unmarshal(m.Data, &v) == nil {
					text = v.Text
				}
			} else {
				var msg eventsv1.Message
				if proto.Unmarshal(m.Data, &msg) == nil {
					text = msg.GetText()
				}
			}
			d, _ = perf.Latency(text, now)
		}
		mu.Lock()
		defer mu.Unlock()
		if want == 0 {
			return
		}
		if d > 0 {
			lat = append(lat, d)
		}
		got++
		last = now
		if got == want {
			want = 0
			close(done)
		}
	})
	if err != nil {
		return err
	}
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		return err
	}
	if err := nc.Flush(); err != nil {
		return err
	}
	fmt.Println("ready")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) != 2 || f[0] != "expect" {
			continue
		}
		n, _ := strconv.Atoi(f[1])
		mu.Lock()
		want, got, lat, done = 2*n, 0, make([]time.Duration, 0, n), make(chan struct{})
		d := done
		mu.Unlock()
		fmt.Println("counting")
		select {
		case <-d:
		case <-time.After(2*time.Minute + time.Duration(n)*time.Millisecond):
			return errors.New("not every message arrived in time")
		}
		mu.Lock()
		slices.Sort(lat)
		out, _ := json.Marshal(map[string]int64{"last_ns": last.UnixNano(), "p50_us": pct(lat, 0.5).Microseconds(),
			"p99_us": pct(lat, 0.99).Microseconds(), "max_us": pct(lat, 1).Microseconds()})
		mu.Unlock()
		fmt.Println(string(out))
	}
	return in.Err()
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}
