// Command cytube-connector bridges CyTube channels and NATS: it joins the
// channels over CyTube's Socket.IO protocol, publishes every event as a
// raw (rosey.platform.cytube.*) and, where it has a generic meaning, a
// normalized (rosey.events.*) protobuf message, and executes the commands
// that arrive on rosey.platform.cytube.send.<action>.
//
// Subcommands:
//
//	cytube-connector [run] [flags]   run the connector (the default). Settings
//	                                 come from flags, the environment, a .env
//	                                 file and an optional YAML file
//	                                 (internal/config); a bad setting exits 2
//	                                 with one line per problem. The first
//	                                 SIGINT/SIGTERM shuts down cleanly, a
//	                                 second one exits at once with code 130.
//	cytube-connector monitor         print every event on NATS, one line each,
//	                                 decoding protobuf payloads by their
//	                                 ce-dataschema header.
//	cytube-connector send <action> [json|text]
//	                                 send one command as a NATS request and
//	                                 print its rosey.commands.v1.CommandResult.
//	cytube-connector demo            run the whole pipeline offline: an
//	                                 embedded NATS server, a CyTube-compatible
//	                                 test server, the connector and a monitor,
//	                                 with a short scripted scene.
//	cytube-connector version         print the module version, VCS commit and
//	                                 Go version.
//
// Exit codes: 0 success, 1 runtime error (or a command that was not ok),
// 2 bad usage or configuration, 3 no connector answered a command, 130 a
// second interrupt during shutdown.
//
// This package is the only place that configures log/slog and handles
// signals; everything else is in internal/ packages.
package main
