package service

import (
	"context"
	"fmt"

	"github.com/roseybot/cytube-connector/internal/otlp"
)

// startTracing starts the OTLP exporter when an endpoint is configured,
// and returns its stop function, which sends what is queued. Without one
// s.spans stays nil and no span is ever built.
func (s *Service) startTracing(ctx context.Context) (func(), error) {
	t := s.cfg.Tracing
	if t.OTLPEndpoint == "" {
		return func() {}, nil
	}
	headers := make(map[string]string, len(t.Headers))
	for k, v := range t.Headers {
		headers[k] = v.Reveal()
	}
	exp, err := otlp.New(otlp.Config{Endpoint: t.OTLPEndpoint, Service: t.ServiceName, Version: s.opts.Version, Headers: headers, Logger: s.log})
	if err != nil {
		return nil, fmt.Errorf("service: %w", err)
	}
	s.spans = exp.Record
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { defer close(done); exp.Run(runCtx) }()
	s.log.Info("exporting the spans of sampled traces", "endpoint", t.OTLPEndpoint)
	return func() {
		cancel()
		<-done
		if n := exp.Dropped() + exp.Failed(); n > 0 {
			s.log.Warn("spans not exported", "dropped", exp.Dropped(), "failed", exp.Failed(), "exported", exp.Exported())
		}
	}, nil
}
