//go:build !profile

package main

// startProfiles is a no-op; see profile.go (-tags profile).
func startProfiles() (stop func()) { return func() {} }
