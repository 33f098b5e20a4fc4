package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// unknownFieldRE matches yaml.v3's message for a key the struct lacks
// (KnownFields): "line 3: field usrname not found in type config.fileChannel".
var unknownFieldRE = regexp.MustCompile(`^line (\d+): field (.+) not found in type (.+)$`)

// yamlError turns a decoding error of the config file into Problems that
// name the file and line, say which section the key is not a setting of,
// and suggest the closest key; other errors keep yaml's text after the
// file name.
func yamlError(path string, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return &ValidationError{Problems: []Problem{{
			Setting: path,
			// yaml.v3 names the line where the block it could not parse
			// starts, which can be above the mistake.
			Issue: "is not valid YAML (" + strings.TrimPrefix(err.Error(), "yaml: ") + "; the mistake can be further down that block)",
			Fix:   "fix the syntax there: indent with spaces, write key: value, and quote values that contain ': ' or ' #'",
		}}}
	}
	sections := yamlSections()
	var ps problems
	for _, e := range te.Errors {
		m := unknownFieldRE.FindStringSubmatch(e)
		if m == nil {
			ps.add(path, "has a value of the wrong type ("+e+")", "see docs/configuration.md for the key's type")
			continue
		}
		line, key, typ := m[1], m[2], m[3]
		sec := sections[typ]
		fix := "remove it; docs/configuration.md lists the file's keys"
		if s := closest(key, sec.keys); s != "" {
			fix = "did you mean " + s + "?"
		}
		ps.add(fmt.Sprintf("%s line %s", path, line), fmt.Sprintf("has %q, which is not a key of %s", key, sec.name), fix)
	}
	return ps.err()
}

// yamlSection is one struct of the config file: how to name it and its
// keys.
type yamlSection struct {
	name string
	keys []string
}

// yamlSections maps each struct type of fileConfig (as yaml.v3 names it,
// reflect.Type.String) to its section.
func yamlSections() map[string]yamlSection {
	out := map[string]yamlSection{}
	var walk func(name string, t reflect.Type)
	walk = func(name string, t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			if t.Kind() == reflect.Slice {
				name += "[]"
			}
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return
		}
		var keys []string
		for i := range t.NumField() {
			f := t.Field(i)
			key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			keys = append(keys, key)
			sub := key
			if name != "" {
				sub = name + "." + key
			}
			walk(sub, f.Type)
		}
		label := "the top level"
		if name != "" {
			label = name
			if strings.HasSuffix(name, "[]") {
				label = "an entry of " + strings.TrimSuffix(name, "[]")
			}
		}
		out[t.String()] = yamlSection{name: label, keys: keys}
	}
	walk("", reflect.TypeFor[fileConfig]())
	return out
}
