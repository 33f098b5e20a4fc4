// Package metrics exposes the connector's Prometheus metrics and its
// health endpoints over HTTP: /metrics (Prometheus text format), /healthz
// (200 while the process runs) and /readyz (200 only when the caller's
// readiness check finds nothing wrong, 503 with the reasons otherwise).
//
// It knows metric names, label names and HTTP, and nothing about CyTube,
// NATS or the service: callers report what happened through the Metrics
// methods (EventIn, Published, Command, Reconnect) with label values they
// have already bounded, and describe the current state through the
// Config.Snapshot and Config.Ready callbacks, which run on every scrape or
// probe. Every metric lives in a private prometheus.Registry (plus the Go
// runtime and process collectors), never in the global default registry,
// so two Metrics in one process do not collide.
//
// Goroutines: Listen starts one goroutine that serves HTTP; Server.Shutdown
// stops it and returns after it ended. The Metrics methods are safe for
// concurrent use and start nothing.
//
// Errors: New fails only on an invalid Config; Listen returns the listener
// error as is (errors.Is(err, syscall.EADDRINUSE) works).
package metrics
