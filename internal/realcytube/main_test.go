//go:build cytube

package realcytube

import (
	"testing"

	"go.uber.org/goleak"
)

// Socket discovery (GET /socketconfig/<channel>.json) keeps idle
// keep-alive connections in net/http's shared transport; they are not the
// connector's goroutines.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}
