package cytube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// DiscoveryError is a failed GET /socketconfig/<channel>.json.
type DiscoveryError struct {
	URL    string
	Status int
	// Message is CyTube's {"error": ...} text when it sent one.
	Message string
	Err     error
}

func (e *DiscoveryError) Error() string {
	switch {
	case e.Message != "":
		return fmt.Sprintf("cytube: socket discovery %s: %d: %s", e.URL, e.Status, e.Message)
	case e.Err != nil:
		return fmt.Sprintf("cytube: socket discovery %s: %v", e.URL, e.Err)
	default:
		return fmt.Sprintf("cytube: socket discovery %s: HTTP %d", e.URL, e.Status)
	}
}

func (e *DiscoveryError) Unwrap() error { return e.Err }

// NotFound reports whether CyTube said the channel does not exist (404),
// which it does for invalid channel names.
func (e *DiscoveryError) NotFound() bool { return e.Status == http.StatusNotFound }

// socketServer is one entry of the socketconfig answer.
type socketServer struct {
	URL    string `json:"url"`
	Secure bool   `json:"secure"`
}

// discover asks CyTube which socket server serves channel, the way the web
// client does, and returns its ws(s) host:port and whether it is TLS. The
// host CyTube names is used as given: it comes from the server's own
// io.domain configuration.
func discover(ctx context.Context, client *http.Client, header http.Header, host string, secure bool, channel string) (hostport string, tls bool, err error) {
	scheme := "http"
	if secure {
		scheme = "https"
	}
	u := scheme + "://" + host + "/socketconfig/" + url.PathEscape(channel) + ".json"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", false, &DiscoveryError{URL: u, Err: err}
	}
	if ua := header.Get("User-Agent"); ua != "" {
		req.Header.Set("User-Agent", ua)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", false, &DiscoveryError{URL: u, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", false, &DiscoveryError{URL: u, Status: resp.StatusCode, Err: err}
	}
	var v struct {
		Servers []socketServer `json:"servers"`
		Error   string         `json:"error"`
	}
	jerr := json.Unmarshal(body, &v)
	if resp.StatusCode != http.StatusOK {
		return "", false, &DiscoveryError{URL: u, Status: resp.StatusCode, Message: v.Error}
	}
	if jerr != nil {
		return "", false, &DiscoveryError{URL: u, Status: resp.StatusCode, Err: fmt.Errorf("decode answer: %w", jerr)}
	}
	s, ok := pickServer(v.Servers)
	if !ok {
		return "", false, &DiscoveryError{URL: u, Status: resp.StatusCode, Err: errors.New("answer lists no socket server")}
	}
	return splitSocketURL(s)
}

// pickServer prefers a secure server, as CyTube's own client does.
func pickServer(servers []socketServer) (socketServer, bool) {
	for _, s := range servers {
		if s.Secure && s.URL != "" {
			return s, true
		}
	}
	for _, s := range servers {
		if s.URL != "" {
			return s, true
		}
	}
	return socketServer{}, false
}

func splitSocketURL(s socketServer) (string, bool, error) {
	u, err := url.Parse(s.URL)
	if err != nil || u.Host == "" {
		return "", false, fmt.Errorf("cytube: socket server url %q: not an absolute URL", s.URL)
	}
	var secure bool
	switch strings.ToLower(u.Scheme) {
	case "https", "wss":
		secure = true
	case "http", "ws":
		secure = false
	default:
		return "", false, fmt.Errorf("cytube: socket server url %q: unsupported scheme", s.URL)
	}
	return u.Host, secure, nil
}

// ParseSocketURL accepts an explicitly configured socket server, as
// ws(s)://host:port or http(s)://host:port, and returns host:port and TLS.
func ParseSocketURL(raw string) (hostport string, secure bool, err error) {
	return splitSocketURL(socketServer{URL: raw})
}
