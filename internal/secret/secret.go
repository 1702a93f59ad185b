// Package secret holds values, such as API tokens, that must never reach a
// log line, an error message or a chat message.
package secret

import "log/slog"

// String is a secret string. Its String, GoString, MarshalText and LogValue
// methods all redact, so printing it by accident leaks nothing; Reveal is the
// one deliberate way to read it.
type String string

const redacted = "[redacted]"

// Reveal returns the secret value. Call it only where the value is sent to the
// service it authenticates against.
func (s String) Reveal() string { return string(s) }

// String implements fmt.Stringer and redacts the value.
func (s String) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString implements fmt.GoStringer (%#v) and redacts the value.
func (s String) GoString() string { return s.String() }

// LogValue implements slog.LogValuer and redacts the value.
func (s String) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText implements encoding.TextMarshaler (JSON, YAML) and redacts the value.
func (s String) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
