package config

import (
	"slices"
	"testing"
)

func TestUnknownSettings(t *testing.T) {
	got := UnknownSettings([]string{
		"CYTUBE_USRNAME", "CYTUBE_CHANNEL", "NATS_URL", "NATS_JETSTREM", "NATS_CONTEXT",
		"HOME", "CYTUBE_MY_SECRET", "CYTUBE_USRNAME",
	}, func(name string) bool { return name == "CYTUBE_MY_SECRET" }) // a password_env
	want := []Unknown{
		{Name: "CYTUBE_USRNAME", Suggestion: "CYTUBE_USERNAME"},
		{Name: "NATS_CONTEXT"},
		{Name: "NATS_JETSTREM", Suggestion: "NATS_JETSTREAM"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("UnknownSettings = %+v, want %+v", got, want)
	}
}
