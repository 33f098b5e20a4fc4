package perf

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ChatFrame is a chatMsg frame as CyTube sends it, its text stamped with
// the time it was built: "perf <seq> <unix ns>". Latency reads the stamp
// back from the normalized message's text.
func ChatFrame(seq int, now time.Time) string {
	return fmt.Sprintf(`42["chatMsg",{"username":"alice","msg":"perf %d %d","meta":{},"time":%d}]`, seq, now.UnixNano(), now.UnixMilli())
}

// Latency is the time from a ChatFrame's build to now, read from the
// text it became; ok is false for any other text.
func Latency(text string, now time.Time) (time.Duration, bool) {
	f := strings.Fields(text)
	if len(f) != 3 || f[0] != "perf" {
		return 0, false
	}
	ns, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return 0, false
	}
	return now.Sub(time.Unix(0, ns)), true
}

// Paced calls emit n times at rate per second, catching up in bursts
// when it falls behind, and returns how long it took.
func Paced(n, rate int, emit func()) time.Duration {
	start := time.Now()
	for i := 0; i < n; {
		due := min(n, int(time.Since(start).Seconds()*float64(rate))+1)
		for ; i < due; i++ {
			emit()
		}
		time.Sleep(50 * time.Microsecond)
	}
	return time.Since(start)
}
