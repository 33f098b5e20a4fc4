// Package perf holds what the benchmarks share: real CyTube frames copied
// from the golden captures (a plain chat line, a chat line with a link, a
// moderator's view of addUser, mediaUpdate and the 500-item playlist a
// join delivers), and, in its test files, the end-to-end and scale
// benchmarks (CyTube test server → connector → nats-server → subscriber).
//
// It knows nothing about the packages that use the frames; it imports only
// the standard library so that any package's benchmarks can use it without
// an import cycle. It starts no goroutines. docs/performance.md has the
// figures and the command that produced them.
package perf

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"strings"
)

//go:embed testdata/*.frame testdata/*.frame.gz
var files embed.FS

// Frame is one websocket text frame CyTube sent, as captured.
type Frame struct {
	// Name says what it is: "chatMsg", "chatMsgLink", "addUser",
	// "mediaUpdate" or "playlist500".
	Name string
	// Event is the CyTube event name inside the frame.
	Event string
	// Text is the exact frame, `42["event",{...}]`.
	Text []byte
}

// Arg returns the frame's first event argument: the JSON after
// `42["event",` without the closing bracket. The frames are single-line
// captures with exactly one argument, so slicing is exact.
func (f Frame) Arg() []byte {
	prefix := `42["` + f.Event + `",`
	if !bytes.HasPrefix(f.Text, []byte(prefix)) || !bytes.HasSuffix(f.Text, []byte("]")) {
		panic(fmt.Sprintf("perf: frame %s is not 42[%q,arg]", f.Name, f.Event))
	}
	return f.Text[len(prefix) : len(f.Text)-1]
}

// Hot-path frames, in the order the benchmarks report them.
var hotPath = []struct{ name, event, file string }{
	{"chatMsg", "chatMsg", "chatMsg.frame"},
	{"chatMsgLink", "chatMsg", "chatMsgLink.frame"},
	{"addUser", "addUser", "addUser.frame"},
	{"mediaUpdate", "mediaUpdate", "mediaUpdate.frame"},
	{"playlist500", "playlist", "playlist-500.frame.gz"},
}

// Frames returns fresh copies of the hot-path frames.
func Frames() []Frame {
	out := make([]Frame, 0, len(hotPath))
	for _, h := range hotPath {
		b, err := files.ReadFile("testdata/" + h.file)
		if err != nil {
			panic(fmt.Sprintf("perf: embedded %s: %v", h.file, err))
		}
		if strings.HasSuffix(h.file, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				panic(fmt.Sprintf("perf: gunzip %s: %v", h.file, err))
			}
			if b, err = io.ReadAll(zr); err != nil {
				panic(fmt.Sprintf("perf: gunzip %s: %v", h.file, err))
			}
		}
		out = append(out, Frame{Name: h.name, Event: h.event, Text: bytes.TrimSpace(b)})
	}
	return out
}

// FrameNamed returns the hot-path frame with that Name; it panics for an
// unknown name (a bug in the benchmark).
func FrameNamed(name string) Frame {
	for _, f := range Frames() {
		if f.Name == name {
			return f
		}
	}
	panic("perf: no frame " + name)
}
