// Package service wires the connector together: it starts or connects to
// NATS, runs one cytube.Session per configured channel, turns every CyTube
// event into its raw and normalized protobuf messages (internal/mapping)
// and publishes them (internal/bus), and executes the commands that arrive
// over NATS.
//
// It owns every goroutine it starts; Run returns after all of them ended.
// Shutdown order matters and is fixed here: stop taking commands and answer
// those in flight, stop the sessions (each leaves CyTube with `41`),
// publish the final status, drain NATS, stop the embedded server.
package service
