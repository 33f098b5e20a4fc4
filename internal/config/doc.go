// Package config describes how the connector is set up and where each
// setting comes from: one typed Config built from defaults, an optional
// YAML file (CONNECTOR_CONFIG or -config), a .env file, the process
// environment and command-line flags, in rising order of precedence.
//
// The layers are applied by Default, LoadFile (or Load), FromEnv and
// Flags.Apply; Resolve runs them all in the documented order. None of
// these validates: call Config.Validate once the layers are applied. It
// returns a *ValidationError whose Problems name each bad setting by its
// environment variable (or file key), say what is wrong and how to fix
// it, one line each.
//
// The package knows nothing about CyTube sessions, sockets or NATS
// connections; it only describes them. It reads files (the config file,
// the .env file, password and token files) but starts no goroutines and
// keeps no package-level state, so every function may be called
// concurrently.
//
// Secrets (passwords and tokens) are held as Secret, which prints as
// "[redacted]" through fmt, log/slog, encoding/json and any
// encoding.TextMarshaler user; only Secret.Reveal returns the value.
// Credentials inside URLs are refused by Validate for the same reason.
//
// Errors callers can branch on: *ValidationError (errors.As) from
// Validate, FromEnv, LoadFile, Flags.Apply and Resolve when settings are
// wrong; other errors wrap the underlying os or YAML error (for example
// fs.ErrNotExist for a missing config file).
package config
