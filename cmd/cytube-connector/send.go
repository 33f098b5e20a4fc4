package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"github.com/nats-io/nuid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/mapping"
)

var sendCommand = command{
	name:     "send",
	synopsis: "send [flags] <action> [json | text]",
	about: `
Sends one command to the connector as a NATS request on
rosey.platform.cytube.send.<action> (with -channel X:
rosey.platform.cytube.X.send.<action>) and prints the
rosey.commands.v1.CommandResult as JSON.

The body is a JSON object (protojson of the action's command message), given
as the argument or on stdin ("-" or no argument with piped input). Shortcuts:
  send chat hello everyone          same as send chat '{"message": "hello everyone"}'
  send pm -to bob hi                same as send pm '{"username": "bob", "message": "hi"}'
  send media_queue '{"media": {"type": "cu", "id": "<iframe src=\"https://example.com/embed/1\"></iframe>", "title": "one"}}'
                                    (a custom embed; "yt" items need the CyTube
                                    server to have a YouTube API key)

Actions: ` + strings.Join(mapping.Actions(), ", ") + `.
"cytube-connector send <action> -h" lists an action's fields.

Exit codes: 0 the command was confirmed, 1 it failed (code and reason on
stderr) or no answer came in time, 2 bad usage, 3 no connector answers on the
subject.`,
}

// Reply headers of NATS micro services carrying an error.
const (
	headerServiceError     = micro.ErrorHeader
	headerServiceErrorCode = micro.ErrorCodeHeader
)

func (c *cli) send(args []string) int {
	fs := c.newFlagSet(sendCommand)
	nf := bindNATSFlags(fs)
	channel := fs.String("channel", "", "send to this channel's subjects (connectors with SUBJECT_MODE=channel or several channels)")
	subject := fs.String("subject", "", "send to this subject instead (the body is then not checked locally)")
	to := fs.String("to", "", "recipient of a pm")
	timeout := fs.Duration("timeout", 15*time.Second, "how long the connector may take; also sent as the "+bus.HeaderDeadlineMs+" header")
	verbose := fs.Bool("v", false, "log NATS connection details to stderr")
	if action, ok := actionHelp(args); ok {
		// send <action> -h: the action's fields.
		fmt.Fprint(c.stdout, describeAction(action))
		return exitOK
	}
	pos, code, ok := c.parseInterspersed(fs, sendCommand, args)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		return c.usageError(sendCommand, "missing the action; actions: %s", strings.Join(mapping.Actions(), ", "))
	}
	action, rest := pos[0], pos[1:]
	if !slices.Contains(mapping.Actions(), action) {
		return c.usageError(sendCommand, "unknown action %q; actions: %s", action, strings.Join(mapping.Actions(), ", "))
	}
	if *timeout <= 0 {
		return c.usageError(sendCommand, "-timeout must be positive")
	}
	if *to != "" && action != "pm" {
		return c.usageError(sendCommand, "-to is only for pm")
	}
	body, err := c.commandBody(action, rest, *to)
	if err != nil {
		return c.usageError(sendCommand, "%v", err)
	}
	subj := *subject
	if subj == "" {
		m, ignored, err := mapping.DecodeCommand(action, body, true)
		if err != nil {
			return c.usageError(sendCommand, "%v", err)
		}
		if len(ignored) > 0 {
			// The connector ignores unknown fields (forward compatible);
			// typed by hand they are mistakes.
			return c.usageError(sendCommand, "%s has no field %s; its fields: %s", action, strings.Join(ignored, ", "), strings.Join(fieldNames(m), ", "))
		}
		scope := bus.Scope{Platform: mapping.Platform, Channel: strings.ToLower(strings.TrimSpace(*channel))}
		if err := scope.Validate(); err != nil {
			return c.usageError(sendCommand, "-channel %q cannot be used: %v", *channel, err)
		}
		subj = scope.Command(action)
	}

	cc, err := nf.clientConfig(c.lookupEnv, progName+"-send")
	if err != nil {
		c.printConfigError(err)
		return exitUsage
	}
	level := slog.LevelError
	if *verbose {
		level = slog.LevelInfo
	}
	log := stderrLogger(c.stderr, level)
	ctx, stop := c.signalContext(context.Background(), log)
	defer stop()

	connCtx, cancel := context.WithTimeout(ctx, min(*timeout, 5*time.Second))
	nc, err := bus.Connect(connCtx, cc, log)
	cancel()
	if err != nil {
		return c.fail(fmt.Errorf("%w (is the connector running? without NATS_URL it serves NATS on 127.0.0.1:4222)", err))
	}
	defer nc.Close()

	msg := nats.NewMsg(subj)
	msg.Data = body
	msg.Header.Set(bus.HeaderContentType, bus.ContentTypeJSON)
	msg.Header.Set(bus.HeaderDeadlineMs, strconv.FormatInt(timeout.Milliseconds(), 10))
	msg.Header.Set(bus.HeaderID, nuid.Next())
	// A little grace so that the connector's own timeout answer arrives.
	reqCtx, cancel := context.WithTimeout(ctx, *timeout+2*time.Second)
	defer cancel()
	reply, err := nc.RequestMsgWithContext(reqCtx, msg)
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		fmt.Fprintf(c.stderr, "%s: is the connector running? no service answers on %s\n", progName, subj)
		return exitNoResponder
	case errors.Is(err, context.DeadlineExceeded):
		return c.fail(fmt.Errorf("no answer on %s within %v", subj, *timeout))
	case err != nil:
		return c.fail(fmt.Errorf("request on %s: %w", subj, err))
	}
	return c.printResult(reply)
}

// parseInterspersed parses flags that may appear between positional
// arguments (send pm -to bob hi); "--" ends the flags.
func (c *cli) parseInterspersed(fs *flag.FlagSet, cmd command, args []string) (pos []string, code int, ok bool) {
	for {
		if code, ok := c.parse(fs, cmd, args); !ok {
			return nil, code, false
		}
		consumed := len(args) - fs.NArg()
		rest := fs.Args()
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), 0, true
		}
		if len(rest) == 0 {
			return pos, 0, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// commandBody builds the JSON body from the arguments or stdin.
func (c *cli) commandBody(action string, rest []string, to string) ([]byte, error) {
	var text string
	fromStdin := len(rest) == 1 && rest[0] == "-"
	if len(rest) == 0 && stdinIsPiped(c.stdin) {
		fromStdin = true
	}
	if fromStdin {
		b, err := io.ReadAll(io.LimitReader(c.stdin, 1<<20))
		if err != nil {
			return nil, fmt.Errorf("read stdin: %w", err)
		}
		text = strings.TrimSpace(string(b))
	} else {
		text = strings.Join(rest, " ")
	}
	trimmed := strings.TrimSpace(text)
	if strings.HasPrefix(trimmed, "{") {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(trimmed), &obj); err != nil {
			return nil, fmt.Errorf("the body is not a JSON object: %v", err)
		}
		if to != "" {
			if _, has := obj["username"]; !has {
				obj["username"], _ = json.Marshal(to)
			}
		}
		return json.Marshal(obj)
	}
	switch {
	case action == "chat" && trimmed != "":
		return json.Marshal(map[string]string{"message": text})
	case action == "pm" && trimmed != "":
		if to == "" {
			return nil, errors.New(`a pm needs a recipient: send pm -to NAME "text"`)
		}
		return json.Marshal(map[string]string{"username": to, "message": text})
	case trimmed == "":
		if to != "" {
			return json.Marshal(map[string]string{"username": to})
		}
		return []byte("{}"), nil
	}
	return nil, fmt.Errorf("%s takes a JSON object, e.g. send %s '{...}'; got %q", action, action, short(text, 40))
}

// stdinIsPiped reports whether r is a pipe or file rather than a terminal
// or /dev/null.
func stdinIsPiped(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return r != nil
	}
	st, err := f.Stat()
	if err != nil {
		return false
	}
	return st.Mode()&os.ModeCharDevice == 0
}

// printResult prints the reply's CommandResult on stdout and returns 0 when
// it is ok, 1 otherwise (with the code and reason on stderr).
func (c *cli) printResult(reply *nats.Msg) int {
	errCode := reply.Header.Get(headerServiceErrorCode)
	errDesc := reply.Header.Get(headerServiceError)
	var res *commandsv1.CommandResult
	if len(bytes.TrimSpace(reply.Data)) > 0 {
		res = &commandsv1.CommandResult{}
		ct := strings.ToLower(reply.Header.Get(bus.HeaderContentType))
		var err error
		if strings.HasPrefix(ct, bus.ContentTypeJSON) || (ct == "" && bytes.HasPrefix(bytes.TrimSpace(reply.Data), []byte("{"))) {
			err = protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(reply.Data, res)
		} else {
			err = proto.Unmarshal(reply.Data, res)
		}
		if err != nil {
			fmt.Fprintf(c.stderr, "%s: the reply is not a CommandResult (%v): %s\n", progName, err, preview(reply.Data))
			return exitError
		}
		out, note := protoJSON(res)
		if out == nil {
			fmt.Fprintf(c.stderr, "%s: %s\n", progName, note)
			return exitError
		}
		fmt.Fprintf(c.stdout, "%s\n", out)
	}
	if res != nil && res.GetOk() && errCode == "" {
		return exitOK
	}
	code, reason := errCode, errDesc
	if res != nil {
		if res.GetCode() != commandsv1.ErrorCode_ERROR_CODE_UNSPECIFIED {
			code = strings.TrimPrefix(res.GetCode().String(), "ERROR_CODE_")
		}
		if res.GetReason() != "" {
			reason = res.GetReason()
		}
		if sm := res.GetServerMessage(); sm != "" && !strings.Contains(reason, sm) {
			reason += " (CyTube: " + sm + ")"
		}
	}
	if code == "" {
		code = "FAILED"
	}
	if reason == "" {
		reason = "the connector gave no reason"
	}
	fmt.Fprintf(c.stderr, "%s: command failed: %s: %s\n", progName, code, oneLine(reason))
	return exitError
}

// fieldNames lists a command's JSON field names.
// actionHelp reports "send <action> -h": an action among args and a help
// flag.
func actionHelp(args []string) (string, bool) {
	help, action := false, ""
	for _, a := range args {
		switch {
		case a == "-h" || a == "-help" || a == "--help":
			help = true
		case action == "" && slices.Contains(mapping.Actions(), a):
			action = a
		}
	}
	return action, help && action != ""
}

// describeAction lists the JSON fields of an action's command message,
// nested messages indented, with their types and enum values.
func describeAction(action string) string {
	m, _ := mapping.NewCommand(action)
	md := m.ProtoReflect().Descriptor()
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: %s send [flags] %s '<json>'\n\nThe body is %s as JSON (protojson); its fields:\n", progName, action, md.FullName())
	if md.Fields().Len() == 0 {
		b.WriteString("  (none: send an empty body)\n")
	}
	describeFields(&b, md, "  ", 0)
	return b.String()
}

func describeFields(b *strings.Builder, md protoreflect.MessageDescriptor, indent string, depth int) {
	fs := md.Fields()
	for i := range fs.Len() {
		f := fs.Get(i)
		typ := f.Kind().String()
		switch f.Kind() {
		case protoreflect.MessageKind, protoreflect.GroupKind:
			typ = "object"
		case protoreflect.EnumKind:
			var vals []string
			ev := f.Enum().Values()
			for j := range ev.Len() {
				if ev.Get(j).Number() != 0 {
					vals = append(vals, string(ev.Get(j).Name()))
				}
			}
			typ = "one of " + strings.Join(vals, ", ")
		case protoreflect.Int64Kind, protoreflect.Uint64Kind, protoreflect.Sint64Kind, protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
			typ += " (a number or a string)"
		}
		if f.IsList() {
			typ = "list of " + typ
		}
		if f.IsMap() {
			typ = "object of " + f.MapValue().Kind().String()
		}
		if od := f.ContainingOneof(); od != nil && !od.IsSynthetic() {
			typ += fmt.Sprintf(" (one of the %s choices)", od.Name())
		}
		fmt.Fprintf(b, "%s%-*s %s\n", indent, max(1, 22-len(indent)), f.JSONName(), typ)
		if f.Kind() == protoreflect.MessageKind && !f.IsMap() && depth < 3 && !strings.HasPrefix(string(f.Message().FullName()), "google.protobuf.") {
			describeFields(b, f.Message(), indent+"  ", depth+1)
		}
	}
}

func fieldNames(m proto.Message) []string {
	fs := m.ProtoReflect().Descriptor().Fields()
	out := make([]string, 0, fs.Len())
	for i := range fs.Len() {
		out = append(out, fs.Get(i).JSONName())
	}
	return out
}
