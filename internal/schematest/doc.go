// Package schematest holds the schema checks that span languages and
// revisions; it has no API of its own beyond this comment.
//
// Its tests check two things:
//
//   - Cross-language agreement: representative messages of the cytube.v1,
//     rosey.events.v1 and rosey.commands.v1 packages are encoded by Go into
//     binary goldens (testdata/*.binpb, with their proto3 JSON in
//     testdata/*.json and the type of each in testdata/manifest.json). The
//     same bytes are decoded by the generated TypeScript (node, gen/ts) and
//     Python (python3, gen/python) through the shared decoders of
//     internal/crosslang. Each language prints proto3 JSON with its own
//     printer's default options, and the parsed JSON values must be equal
//     to Go's. `go test ./internal/schematest -update` rewrites the goldens.
//
//   - The breaking-change gate: `buf breaking` must refuse deleting,
//     renumbering or renaming the JSON name of a field, and accept an
//     unchanged schema or an added field.
//
// The tests need node (>= 20), npm (to install gen/ts dependencies with
// `npm ci` when gen/ts/node_modules is missing), python3 with the protobuf
// runtime (Debian python3-protobuf; override the interpreter with $PYTHON),
// and the buf pinned in internal/tools/go.mod. They fail, never skip, when
// one is missing. The package starts no goroutines.
package schematest
