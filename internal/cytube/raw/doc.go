// Package raw decodes one CyTube event into its cytube.v1 message: the
// single parse of an event's argument. The session decodes every event
// once with Decode; its state, its dedupe key, the confirmations of sent
// commands and the published raw message are all read from the result.
//
// Chat, PM, addUser and mediaUpdate, the events of a busy channel, take a
// hand-written fast path over internal/jsonscan (fastpath.go); the rest go
// through encoding/json and protoreflect (decode.go). The two are fuzzed
// against each other. Keys the schema does not model are kept in a
// message's `extra` field or reported as unmodelled; values CyTube sends
// wider than a field are kept in a wider field beside it (widen.go).
package raw
