package main

import (
	"fmt"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
)

var versionCommand = command{
	name:     "version",
	synopsis: "version",
	about:    "Prints the module version, the VCS commit it was built from and the Go version.",
}

// buildInfo is what the binary knows about its own build.
type buildInfo struct {
	Main     string // module version: v1.2.3, a pseudo-version or (devel)
	Commit   string // vcs.revision, "" when unknown
	Modified bool   // vcs.modified
	Time     string // vcs.time
	Go       string
}

func buildVersion() buildInfo {
	b := buildInfo{Main: "(devel)", Go: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if bi.Main.Version != "" {
		b.Main = bi.Main.Version
	}
	b.Go = bi.GoVersion
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		case "vcs.time":
			b.Time = s.Value
		}
	}
	return b
}

// String is the one-line version: "cytube-connector v1.2.3 commit abc123
// (modified) built 2025-01-02T03:04:05Z go1.26.8".
func (b buildInfo) String() string {
	var s strings.Builder
	s.WriteString(progName + " " + b.Main)
	if b.Commit != "" {
		s.WriteString(" commit " + short(b.Commit, 12))
		if b.Modified {
			s.WriteString(" (modified)")
		}
	}
	if b.Time != "" {
		s.WriteString(" built " + b.Time)
	}
	s.WriteString(" " + b.Go)
	return s.String()
}

// semVer is the SemVer 2.0 grammar that NATS micro services require.
var semVer = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// semver is the version for the micro service and status events: the
// module version without its "v", or 0.0.0-devel(+commit) for builds
// outside a module version.
func (b buildInfo) semver() string {
	if v := strings.TrimPrefix(b.Main, "v"); semVer.MatchString(v) {
		return v
	}
	v := "0.0.0-devel"
	if b.Commit != "" {
		v += "+" + short(b.Commit, 12)
	}
	if !semVer.MatchString(v) {
		return "0.0.0-devel"
	}
	return v
}

func short(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (c *cli) version(args []string) int {
	fs := c.newFlagSet(versionCommand)
	if code, ok := c.parse(fs, versionCommand, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return c.usageError(versionCommand, "unexpected argument %q", fs.Arg(0))
	}
	fmt.Fprintln(c.stdout, buildVersion())
	return exitOK
}
