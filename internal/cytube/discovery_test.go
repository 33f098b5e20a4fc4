package cytube

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDiscoverPrefersSecureAndSaysWhoWeAre(t *testing.T) {
	var gotUA, gotPath string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA, gotPath = r.UserAgent(), r.URL.Path
		if strings.Contains(r.URL.Path, "nope") {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"Channel \"nope\" does not exist."}`))
			return
		}
		_, _ = w.Write([]byte(`{"servers":[{"url":"http://cytube.example:1337","secure":false},{"url":"https://cytube.example:10443","secure":true}]}`))
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	cfg := Config{Host: host, Channel: "chan"}
	cfg.defaults()
	hp, secure, err := discover(context.Background(), srv.Client(), cfg.Header, host, false, "chan")
	if err != nil || hp != "cytube.example:10443" || !secure {
		t.Fatalf("discover = %q %v %v, want the secure server", hp, secure, err)
	}
	if gotUA != UserAgent || gotPath != "/socketconfig/chan.json" {
		t.Errorf("request UA %q path %q", gotUA, gotPath)
	}
	_, _, err = discover(context.Background(), srv.Client(), cfg.Header, host, false, "nope")
	var de *DiscoveryError
	if !errors.As(err, &de) || !de.NotFound() || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("404 = %v", err)
	}
	if !terminal(err) {
		t.Error("a channel that does not exist should stop the session")
	}
}
