// Command gen-asyncapi writes the AsyncAPI document of the connector's bus
// (internal/asyncapi) from the JSON Schemas buf generated. `make generate`
// runs it after buf:
//
//	go run ./cmd/gen-asyncapi -schemas gen/jsonschema -o gen/asyncapi/asyncapi.yaml
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/roseybot/cytube-connector/internal/asyncapi"
)

func main() {
	schemas := flag.String("schemas", "gen/jsonschema", "directory of the bundled JSON Schemas (protoc-gen-jsonschema, target=json-bundle)")
	out := flag.String("o", asyncapi.Path, "file to write")
	flag.Parse()
	doc, err := asyncapi.Build(os.DirFS(*schemas))
	if err == nil {
		err = os.MkdirAll(filepath.Dir(*out), 0o755)
	}
	if err == nil {
		err = os.WriteFile(*out, doc, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen-asyncapi:", err)
		os.Exit(1)
	}
}
