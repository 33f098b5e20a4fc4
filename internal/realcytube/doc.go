// Package realcytube holds the integration suite that runs the connector
// against a real CyTube 3.86 (the kit in ../shared/cytube-server, started by
// `make test-cytube`). Its tests carry the build tag `cytube`, so `go test
// ./...` never compiles them; under the tag a missing server fails the test,
// it is never skipped.
//
// Every row of docs/command-outcomes.md has a test here. The tests run one
// after another (CyTube's accounts allow one login each, and its per-IP
// limits are shared); each test uses its own channel unless it needs the
// registered channel goldentest and its ranks.
package realcytube
