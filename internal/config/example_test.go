package config_test

import (
	"errors"
	"flag"
	"fmt"

	"github.com/roseybot/cytube-connector/internal/config"
)

// Example shows how cmd/cytube-connector builds its configuration: the
// .env file, the real environment and the flags are layered by Resolve,
// then Validate reports every problem at once.
func Example() {
	fs := flag.NewFlagSet("cytube-connector", flag.ContinueOnError)
	flags := config.BindFlags(fs)
	if err := fs.Parse([]string{"-log-level", "debug"}); err != nil {
		fmt.Println(err)
		return
	}
	dotenv, err := config.LoadDotEnv(".env") // a missing file is fine
	if err != nil {
		fmt.Println(err)
		return
	}
	env := func(name string) (string, bool) {
		// os.LookupEnv in the real program; fixed values here.
		return map[string]string{"CYTUBE_HOST": "https://cytu.be", "NATS_URL": "nats://127.0.0.1:4222"}[name], name == "CYTUBE_HOST" || name == "NATS_URL"
	}
	cfg, err := config.Resolve(env, dotenv, flags)
	if err != nil {
		fmt.Println(err)
		return
	}
	var ve *config.ValidationError
	if err := cfg.Validate(); errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Println(p)
		}
	}
	fmt.Println("log level:", cfg.Log.Level)
	// Output:
	// CYTUBE_HOST must be a host name like cytu.be (without https://), got "https://cytu.be": drop the scheme, e.g. CYTUBE_HOST=cytu.be; choose http or https with CYTUBE_SECURE
	// CYTUBE_CHANNEL is not set: set it to the channel name, e.g. CYTUBE_CHANNEL=mychannel
	// log level: debug
}

// ExampleSecret shows that a Secret never prints its value.
func ExampleSecret() {
	pw := config.Secret("hunter2")
	fmt.Printf("%v %q %#v\n", pw, pw, pw)
	fmt.Println(len(pw.Reveal()))
	// Output:
	// [redacted] "[redacted]" config.Secret("[redacted]")
	// 7
}
