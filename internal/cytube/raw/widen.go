package raw

import (
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Widened fields. Where CyTube sends values an existing field cannot hold
// (a fraction or a huge number for an int64, an object for a string), the
// schema keeps the old field, deprecated, and adds a wider one beside it
// (proto/cytube/v1/events.proto has the CyTube source lines for each). The
// CyTube key stays the old field's json_name; the decoder fills the wider
// field always and the old one when the value fits it, so existing
// consumers keep working for every value they could read before.
type widening struct {
	// to is the wider field: a double (`<old>_number`) or a
	// google.protobuf.Value (`<old>_value`).
	to protoreflect.Name
	// js reads the value as JavaScript's Number() does (numeric strings,
	// booleans, one-element arrays), for options CyTube stores unchecked and
	// then uses in arithmetic. Otherwise a double takes JSON numbers only.
	js bool
}

// widened is keyed by the full name of the deprecated field.
var widened = map[protoreflect.FullName]widening{
	"cytube.v1.Cooldown.value":                             {to: "value_number"},
	"cytube.v1.Voteskip.need":                              {to: "need_number"},
	"cytube.v1.ChannelOpts.maxlength":                      {to: "maxlength_number"},
	"cytube.v1.ChannelOpts.playlist_max_per_user":          {to: "playlist_max_per_user_number"},
	"cytube.v1.ChannelOpts.playlist_max_duration_per_user": {to: "playlist_max_duration_per_user_number"},
	"cytube.v1.ChannelOpts.new_user_chat_delay":            {to: "new_user_chat_delay_number", js: true},
	"cytube.v1.ChannelOpts.new_user_chat_link_delay":       {to: "new_user_chat_link_delay_number", js: true},
	"cytube.v1.Login.error":                                {to: "error_value"},
	"cytube.v1.ErrorMsg.msg":                               {to: "msg_value"},
}

// wideFields holds the full names of the wider fields. They have no CyTube
// key of their own: a key equal to one of their JSON names is treated as
// any key the schema does not model.
var wideFields = func() map[protoreflect.FullName]bool {
	out := map[protoreflect.FullName]bool{}
	for old, w := range widened {
		out[old.Parent().Append(w.to)] = true
	}
	return out
}()

// looseUIDs are uid fields CyTube compares with `!=` (src/ullist.js:119),
// so that a string naming a uid as a JavaScript number ("7", " 7", "7.0")
// stands for that uid. Only MoveVideo.after gets one onto the wire: CyTube
// broadcasts the mover's moveMedia payload as it is.
var looseUIDs = map[protoreflect.FullName]bool{
	"cytube.v1.MoveVideo.after_uid": true,
}

// member fills fd, the field of a CyTube key, from val: directly, or for a
// widened field both the wider field and, when val fits it, fd.
func (d *decoder) member(m protoreflect.Message, fd protoreflect.FieldDescriptor, val any, path string) {
	w, ok := widened[fd.FullName()]
	if !ok {
		d.field(m, fd, val, path)
		return
	}
	if val == nil {
		return // JSON null: leave both unset.
	}
	to := m.Descriptor().Fields().ByName(w.to)
	if to == nil {
		d.fail(path, "message %s has no field %s", m.Descriptor().FullName(), w.to)
		return
	}
	if to.Kind() == protoreflect.MessageKind { // google.protobuf.Value
		if !d.message(m.Mutable(to).Message(), val, path) {
			m.Clear(to)
			return
		}
		if v, ok := fits(fd, val); ok {
			m.Set(fd, v)
		}
		return
	}
	var f float64
	if w.js {
		f, ok = jsNumber(val)
		if !ok {
			d.fail(path, "want a number, got %s", jsonType(val))
			return
		}
	} else {
		n, isNum := val.(json.Number)
		if !isNum {
			d.fail(path, "want a number, got %s", jsonType(val))
			return
		}
		var err error
		if f, err = n.Float64(); err != nil {
			d.fail(path, "number %s out of range", n)
			return
		}
	}
	m.Set(to, protoreflect.ValueOfFloat64(f))
	if n, isNum := val.(json.Number); isNum {
		if i, err := integer(n); err == nil {
			m.Set(fd, protoreflect.ValueOfInt64(i))
		}
	} else if i, ok := wholeInt64(f); ok {
		m.Set(fd, protoreflect.ValueOfInt64(i))
	}
}

// fits returns val as a value of the scalar field fd when its JSON type is
// fd's, without reporting an error when it is not.
func fits(fd protoreflect.FieldDescriptor, val any) (protoreflect.Value, bool) {
	if fd.Kind() == protoreflect.StringKind {
		if s, ok := val.(string); ok {
			return protoreflect.ValueOfString(s), true
		}
	}
	return protoreflect.Value{}, false
}

// looseUID reads a uid CyTube matched with `!=` from a string.
func looseUID(s string) (int64, bool) {
	f, ok := jsStringNumber(s)
	if !ok {
		return 0, false
	}
	return wholeInt64(f)
}

// wholeInt64 returns f as an int64 when it is a whole number in range.
func wholeInt64(f float64) (int64, bool) {
	if f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// jsNumber converts a decoded JSON value (UseNumber) as JavaScript's
// Number(v) does; false stands for NaN.
func jsNumber(v any) (float64, bool) {
	switch v := v.(type) {
	case nil:
		return 0, true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case string:
		return jsStringNumber(v)
	case []any:
		// Number(array) is Number(array.join(",")): 0 for [], the element's
		// number for [x] (null → "" → 0, true → "true" → NaN), and NaN for
		// two or more elements (the comma).
		switch len(v) {
		case 0:
			return 0, true
		case 1:
			switch e := v[0].(type) {
			case nil:
				return 0, true
			case bool, map[string]any:
				return 0, false
			default:
				return jsNumber(e)
			}
		}
	}
	return 0, false // objects: "[object Object]"
}

// jsStringNumber is JavaScript's StringToNumber: surrounding white space
// is ignored, "" is 0, 0x/0o/0b integers and [+-]Infinity are numbers, any
// other text must be a decimal literal.
func jsStringNumber(s string) (float64, bool) {
	s = strings.TrimFunc(s, isJSSpace)
	if s == "" {
		return 0, true
	}
	if len(s) > 2 && s[0] == '0' {
		base := 0
		switch s[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 0 {
			digits := s[2:]
			for i := 0; i < len(digits); i++ {
				if !isDigitIn(digits[i], base) {
					return 0, false
				}
			}
			n, ok := new(big.Int).SetString(digits, base)
			if !ok {
				return 0, false
			}
			f, _ := new(big.Float).SetInt(n).Float64()
			return f, true
		}
	}
	body := s
	if body[0] == '+' || body[0] == '-' {
		body = body[1:]
	}
	if body == "Infinity" {
		if s[0] == '-' {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	if !isDecimalLiteral(body) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeError(err) {
		return 0, false
	}
	return f, true // out of range: ±Inf or 0, as in JavaScript
}

func isRangeError(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// isDecimalLiteral matches StrUnsignedDecimalLiteral without Infinity:
// digits [. digits] [exponent], or . digits [exponent].
func isDecimalLiteral(s string) bool {
	i, n := 0, len(s)
	intDigits := 0
	for i < n && s[i] >= '0' && s[i] <= '9' {
		i++
		intDigits++
	}
	fracDigits := 0
	if i < n && s[i] == '.' {
		i++
		for i < n && s[i] >= '0' && s[i] <= '9' {
			i++
			fracDigits++
		}
	}
	if intDigits == 0 && fracDigits == 0 {
		return false
	}
	if i < n && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < n && (s[i] == '+' || s[i] == '-') {
			i++
		}
		expDigits := 0
		for i < n && s[i] >= '0' && s[i] <= '9' {
			i++
			expDigits++
		}
		if expDigits == 0 {
			return false
		}
	}
	return i == n
}

func isDigitIn(c byte, base int) bool {
	switch base {
	case 2:
		return c == '0' || c == '1'
	case 8:
		return c >= '0' && c <= '7'
	}
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
}

// isJSSpace is StrWhiteSpaceChar: WhiteSpace (tab, VT, FF, ZWNBSP and the
// Zs category) and LineTerminator.
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\v', '\f', '\n', '\r', '\u2028', '\u2029', '\ufeff':
		return true
	}
	return unicode.Is(unicode.Zs, r)
}
