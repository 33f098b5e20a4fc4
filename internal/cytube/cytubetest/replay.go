package cytubetest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

type captureLine struct {
	TMs    float64 `json:"t_ms"`
	Dir    string  `json:"dir"`
	Socket string  `json:"socket"`
	Frame  *string `json:"frame"`
	Note   string  `json:"note"`
	Reason string  `json:"reason"`
	Code   int     `json:"code"`
}

const (
	stepSend = iota
	stepExpect
	stepClose
)

type replayStep struct {
	kind  int
	frame string
	code  int
	tMs   float64
}

type replaySeg struct {
	r     *Replay
	steps []replayStep
}

// Replay plays the server side of one captured socket to the next
// connections (one per captured connection of that label).
type Replay struct {
	mu      sync.Mutex
	pending int
	done    chan struct{}
	missing []string
	extra   []string
}

// Wait blocks until every captured connection has been replayed.
func (r *Replay) Wait(ctx context.Context) error {
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("cytubetest: replay wait: %w", ctx.Err())
	}
}

// Missing lists the expected client frame kinds (e.g. `42:login`, `3`) that
// did not arrive within ReplayWait.
func (r *Replay) Missing() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.missing...)
}

// Unexpected lists client frames that arrived while a different kind was expected.
func (r *Replay) Unexpected() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.extra...)
}

// ServeReplay arms a replay of the capture's frames for socket label: the next
// connection gets the first captured connection of that label (its `in`
// frames, verbatim and in order), the one after it the second, and so on.
// For each captured `out` frame the replay waits (up to ReplayWait) for a
// client frame of the same kind (engine/socket.io type and event name).
// A captured client ping "2" is not waited for. Notes saying the websocket
// closed (or an "engine close" with reason "transport close") close the
// socket: 1006 abruptly, any other code with an empty close frame (1005).
// Gaps between frames are capped at ReplayGap.
func (s *Server) ServeReplay(capture []byte, label string) (*Replay, error) {
	var segs []*replaySeg
	var cur *replaySeg
	r := &Replay{done: make(chan struct{})}
	sc := bufio.NewScanner(bytes.NewReader(capture))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var cl captureLine
		if err := json.Unmarshal(line, &cl); err != nil {
			return nil, fmt.Errorf("cytubetest: replay: bad capture line: %w", err)
		}
		if cl.Socket != label {
			continue
		}
		switch cl.Dir {
		case "in":
			if cl.Frame == nil {
				continue
			}
			if strings.HasPrefix(*cl.Frame, "0{") || cur == nil {
				cur = &replaySeg{r: r}
				segs = append(segs, cur)
			}
			cur.steps = append(cur.steps, replayStep{kind: stepSend, frame: *cl.Frame, tMs: cl.TMs})
		case "out":
			if cur == nil || cl.Frame == nil || *cl.Frame == "2" {
				continue
			}
			cur.steps = append(cur.steps, replayStep{kind: stepExpect, frame: *cl.Frame, tMs: cl.TMs})
		case "note":
			if cur == nil {
				continue
			}
			switch {
			case cl.Note == "websocket closed":
				cur.steps = append(cur.steps, replayStep{kind: stepClose, code: cl.Code, tMs: cl.TMs})
			case cl.Note == "engine close" && cl.Reason == "transport close":
				cur.steps = append(cur.steps, replayStep{kind: stepClose, code: 1006, tMs: cl.TMs})
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cytubetest: replay: %w", err)
	}
	if len(segs) == 0 {
		return nil, fmt.Errorf("cytubetest: replay: no frames for socket %q", label)
	}
	r.pending = len(segs)
	s.mu.Lock()
	s.replays = append(s.replays, segs...)
	s.mu.Unlock()
	return r, nil
}

func (seg *replaySeg) finish() {
	r := seg.r
	r.mu.Lock()
	r.pending--
	if r.pending == 0 {
		close(r.done)
	}
	r.mu.Unlock()
}

// run plays one captured connection over c.
func (seg *replaySeg) run(c *conn) {
	defer seg.finish()
	s := c.s
	last := -1.0
	for _, st := range seg.steps {
		if last >= 0 {
			gap := time.Duration((st.tMs - last) * float64(time.Millisecond))
			if gap > s.opts.ReplayGap {
				gap = s.opts.ReplayGap
			}
			if gap > 0 {
				t := time.NewTimer(gap)
				select {
				case <-c.done:
					t.Stop()
					return
				case <-t.C:
				}
			}
		}
		last = st.tMs
		switch st.kind {
		case stepSend:
			c.send(st.frame)
		case stepExpect:
			if !seg.expect(c, frameKind(st.frame)) {
				return
			}
		case stepClose:
			if st.code == 1006 {
				c.closeAfterQueue(closeAbrupt)
			} else {
				c.closeAfterQueue(closeNoStatus)
			}
			return
		}
	}
}

// expect waits for a client frame of kind want; false if the socket ended.
func (seg *replaySeg) expect(c *conn, want string) bool {
	t := time.NewTimer(c.s.opts.ReplayWait)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return false
		case <-t.C:
			seg.r.mu.Lock()
			seg.r.missing = append(seg.r.missing, want)
			seg.r.mu.Unlock()
			return true
		case got := <-c.replayIn:
			if frameKind(got) == want {
				return true
			}
			seg.r.mu.Lock()
			seg.r.extra = append(seg.r.extra, got)
			seg.r.mu.Unlock()
		}
	}
}
