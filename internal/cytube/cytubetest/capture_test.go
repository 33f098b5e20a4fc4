package cytubetest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// readCapture reads a golden capture from testdata/ by file name, for
// example "handshake-wire.jsonl" (the ".jsonl" suffix may be omitted). The
// captures are test data: no code outside the tests reads or embeds them.
func readCapture(name string) ([]byte, error) {
	if !strings.HasSuffix(name, ".jsonl") {
		name += ".jsonl"
	}
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		return nil, fmt.Errorf("cytubetest: capture %s: %w", name, err)
	}
	return b, nil
}
