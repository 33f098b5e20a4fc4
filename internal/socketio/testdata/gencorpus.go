//go:build ignore

// gencorpus regenerates the committed seed corpus of FuzzDecodePacket from
// the CyTube golden captures. From internal/socketio run:
//
//	go run testdata/gencorpus.go <dir with the golden *.jsonl files>
//
// It keeps the smallest frame of every distinct packet shape (engine type,
// socket.io type, event name) up to maxFrame bytes, plus the smallest frame
// holding a lone UTF-16 surrogate escape, and writes them in the
// "go test fuzz v1" format to testdata/fuzz/FuzzDecodePacket/.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

const (
	maxFrame = 1500
	outDir   = "testdata/fuzz/FuzzDecodePacket"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: go run testdata/gencorpus.go <golden dir>")
	}
	files, err := filepath.Glob(filepath.Join(os.Args[1], "*.jsonl"))
	if err != nil || len(files) == 0 {
		log.Fatalf("no *.jsonl in %s: %v", os.Args[1], err)
	}
	best := map[string]string{}
	surrogate := ""
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			log.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			var line struct {
				Frame *string `json:"frame"`
			}
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				log.Fatalf("%s: %v", f, err)
			}
			if line.Frame == nil || *line.Frame == "" {
				continue
			}
			fr := *line.Frame
			if strings.Contains(fr, `\ud83c`) && (surrogate == "" || len(fr) < len(surrogate)) {
				surrogate = fr
			}
			if len(fr) > maxFrame {
				continue
			}
			k := key(fr)
			if old, ok := best[k]; !ok || len(fr) < len(old) {
				best[k] = fr
			}
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			log.Fatalf("%s: %v", f, err)
		}
	}
	if surrogate != "" {
		best["surrogate"] = surrogate
	}
	keys := make([]string, 0, len(best))
	for k := range best {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if err := os.RemoveAll(outDir); err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		log.Fatal(err)
	}
	for _, k := range keys {
		fr := best[k]
		body := "go test fuzz v1\n[]byte(" + strconv.Quote(fr) + ")\n"
		name := fmt.Sprintf("%x", sha256.Sum256([]byte(fr)))[:16]
		if err := os.WriteFile(filepath.Join(outDir, name), []byte(body), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("wrote %d seeds to %s\n", len(keys), outDir)
}

// key names the shape of a frame: its first two bytes, plus the event name
// for EVENT packets.
func key(fr string) string {
	if !strings.HasPrefix(fr, "42") {
		if len(fr) > 2 {
			return fr[:2]
		}
		return fr
	}
	var all []json.RawMessage
	if json.Unmarshal([]byte(fr[2:]), &all) != nil || len(all) == 0 {
		return "42-bad"
	}
	return "42" + string(all[0])
}
