//go:build profile

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
)

// startProfiles, in a binary built with -tags profile and run with
// CONNECTOR_PROFILE_DIR set, writes cpu.pprof for the process's whole life
// and allocs.pprof at its end, and trace.out with CONNECTOR_TRACE set (internal/perf's BenchmarkProcesses with
// PERF_PROFILE_DIR). Release builds have the no-op of profile_off.go.
func startProfiles() (stop func()) {
	dir := os.Getenv("CONNECTOR_PROFILE_DIR")
	if dir == "" {
		return func() {}
	}
	cpu, err := os.Create(filepath.Join(dir, "cpu.pprof"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
	}
	// An execution trace too, with CONNECTOR_TRACE set: where goroutines
	// waited (go tool trace -pprof=sched).
	var tf *os.File
	if os.Getenv("CONNECTOR_TRACE") != "" {
		if tf, err = os.Create(filepath.Join(dir, "trace.out")); err == nil {
			_ = trace.Start(tf)
		}
	}
	return func() {
		if tf != nil {
			trace.Stop()
			_ = tf.Close()
		}
		pprof.StopCPUProfile()
		_ = cpu.Close()
		runtime.GC()
		if f, err := os.Create(filepath.Join(dir, "allocs.pprof")); err == nil {
			_ = pprof.Lookup("allocs").WriteTo(f, 0)
			_ = f.Close()
		}
	}
}
