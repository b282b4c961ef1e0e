package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"lrlab/sim"
)

// This file holds the strict, path-aware reading of JSON values: objects are
// read member by member (so duplicates and unknown keys can be named) and
// every scalar is checked for its type before use.

func fieldError(field, msg string) error { return &sim.FieldError{Field: field, Msg: msg} }

func fieldErrorf(field, format string, args ...any) error {
	return &sim.FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

func asFieldError(err error) (*sim.FieldError, bool) {
	var fe *sim.FieldError
	ok := errors.As(err, &fe)
	return fe, ok
}

// join returns the path of key inside the object at path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index returns the path of element i of the array at path.
func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

// member is one key and its raw value, in document order.
type member struct {
	key string
	val json.RawMessage
}

// Object is a JSON object read strictly, member by member (ReadObject):
// its keys are known to be distinct, and its values are read by key with
// their type and range checked; errors are *sim.FieldError naming the
// value's JSON path.
type Object struct {
	path    string
	members []member
}

// get returns the raw value of key, or nil when it is absent or null.
func (o *Object) get(key string) json.RawMessage {
	for _, m := range o.members {
		if m.key == key {
			if kindOf(m.val) == "null" {
				return nil
			}
			return m.val
		}
	}
	return nil
}

// has reports whether key is present with a value other than null.
func (o *Object) has(key string) bool { return o.get(key) != nil }

// only checks that every key of o is in keys (after the always-allowed
// ones); what names the object for the message ("sgd", "the scenario").
func (o *Object) only(what string, keys ...string) error {
	for _, m := range o.members {
		if !contains(keys, m.key) {
			return unknownKey(o.path, m.key, what, keys)
		}
	}
	return nil
}

// kindOf names the JSON type of a syntactically valid value.
func kindOf(raw json.RawMessage) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// readObject reads raw, which must be a JSON object, into its members.
// Duplicate keys are an error.
func readObject(raw json.RawMessage, path, what string) (*Object, error) {
	if k := kindOf(raw); k != "an object" {
		return nil, fieldErrorf(path, "must be an object (%s), got %s", what, k)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // '{'
		return nil, fieldErrorf(path, "invalid JSON: %v", err)
	}
	o := &Object{path: path}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fieldErrorf(path, "invalid JSON: %v", err)
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, fieldErrorf(join(path, key), "invalid JSON: %v", err)
		}
		if seen[key] {
			return nil, fieldErrorf(join(path, key), "duplicate key %s", quote(key))
		}
		seen[key] = true
		o.members = append(o.members, member{key, val})
	}
	return o, nil
}

// scenarioWant is what Decode wants when its input is empty.
const scenarioWant = "a scenario object {\"surface\": …, \"runs\": […]}"

// ReadObject reads data, which must hold one JSON object and nothing after
// it, as strictly as Decode reads a scenario: malformed JSON (located by
// line, column and byte), trailing data, duplicate keys and keys not in
// allowed are errors. what describes the object for messages, e.g. "an LR
// range test such as {\"surface\": {\"name\": \"quadratic\"}}". Every error
// is a *sim.FieldError whose Field is the key at fault ("" for the whole
// document).
func ReadObject(data []byte, what string, allowed ...string) (*Object, error) {
	raw, err := syntaxCheck(data, what)
	if err != nil {
		return nil, err
	}
	o, err := readObject(raw, "", what)
	if err != nil {
		return nil, err
	}
	if err := o.only("", allowed...); err != nil {
		return nil, err
	}
	return o, nil
}

// ReadAnyObject is ReadObject without the check of keys, for a caller that
// checks them itself (Keys), such as a message whose keys depend on its
// type.
func ReadAnyObject(data []byte, what string) (*Object, error) {
	raw, err := syntaxCheck(data, what)
	if err != nil {
		return nil, err
	}
	return readObject(raw, "", what)
}

// Keys returns the object's keys in their order.
func (o *Object) Keys() []string {
	keys := make([]string, len(o.members))
	for i, m := range o.members {
		keys[i] = m.key
	}
	return keys
}

// String reads key as a string of at most maxLen characters (strictly: no
// invalid UTF-8, no lone surrogate); def when key is absent or null.
func (o *Object) String(key, def string, maxLen int) (string, error) {
	raw := o.get(key)
	if raw == nil {
		return def, nil
	}
	return readString(raw, join(o.path, key), maxLen)
}

// ReadString reads raw, the value at path, as a string of at most maxLen
// characters, as strictly as Object.String (no invalid UTF-8, no lone
// surrogate), for a caller holding a value rather than its object.
func ReadString(raw json.RawMessage, path string, maxLen int) (string, error) {
	return readString(raw, path, maxLen)
}

// Raw returns the raw value of key, or nil when key is absent or null.
func (o *Object) Raw(key string) json.RawMessage { return o.get(key) }

// Number reads key as a finite number that ok accepts, or returns def when
// key is absent or null; allowed says which numbers ok accepts, for the
// message ("> 0", "in [0, 1)").
func (o *Object) Number(key string, def float64, ok func(float64) bool, allowed string) (float64, error) {
	raw := o.get(key)
	if raw == nil {
		return def, nil
	}
	return readNumberIn(raw, join(o.path, key), ok, allowed)
}

// Int reads key as a whole number from lo to hi, or returns def when key is
// absent or null.
func (o *Object) Int(key string, def, lo, hi int) (int, error) {
	raw := o.get(key)
	if raw == nil {
		return def, nil
	}
	return readInt(raw, join(o.path, key), lo, hi)
}

// Bool reads key as true or false, or returns def when key is absent or
// null.
func (o *Object) Bool(key string, def bool) (bool, error) {
	raw := o.get(key)
	if raw == nil {
		return def, nil
	}
	return readBool(raw, join(o.path, key))
}

// Numbers reads key as an array of 1 to maxLen numbers that ok accepts
// (allowed says which, as for Number), or returns a copy of def when key is
// absent or null.
func (o *Object) Numbers(key string, def []float64, maxLen int, ok func(float64) bool, allowed string) ([]float64, error) {
	raw := o.get(key)
	if raw == nil {
		return slices.Clone(def), nil
	}
	path := join(o.path, key)
	elems, err := readArrayLen(raw, path, "of numbers", "elements", maxLen)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(elems))
	for i, e := range elems {
		if out[i], err = readNumberIn(e, index(path, i), ok, allowed); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ReadArray reads raw, the value at path, which must be a JSON array of 1
// to maxLen elements; what describes the elements for messages ("of
// optimizers such as …").
func ReadArray(raw json.RawMessage, path, what string, maxLen int) ([]json.RawMessage, error) {
	return readArrayLen(raw, path, what, "elements", maxLen)
}

// readArrayLen reads raw as an array of 1 to maxLen elements; noun counts
// them in the message ("runs", "elements").
func readArrayLen(raw json.RawMessage, path, what, noun string, maxLen int) ([]json.RawMessage, error) {
	elems, err := readArray(raw, path, what)
	if err != nil {
		return nil, err
	}
	if len(elems) == 0 || len(elems) > maxLen {
		return nil, fieldErrorf(path, "must hold 1 to %d %s, got %d", maxLen, noun, len(elems))
	}
	return elems, nil
}

// readArray reads raw, which must be a JSON array, into its elements.
func readArray(raw json.RawMessage, path, what string) ([]json.RawMessage, error) {
	var elems []json.RawMessage
	if k := kindOf(raw); k != "an array" {
		return nil, fieldErrorf(path, "must be an array (%s), got %s", what, k)
	}
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, fieldErrorf(path, "invalid JSON: %v", err)
	}
	return elems, nil
}

// readNumber reads a JSON number. Numbers too large for float64 are an
// error (JSON has no NaN or infinity).
func readNumber(raw json.RawMessage, path string) (float64, error) {
	if k := kindOf(raw); k != "a number" {
		return 0, fieldErrorf(path, "must be a number, got %s", k)
	}
	s := string(bytes.TrimSpace(raw))
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !finite(v) {
		return 0, fieldErrorf(path, "must be a finite number, got %s (out of range)", abbreviate(s))
	}
	return v, nil
}

// readNumberIn reads a finite JSON number that ok accepts; allowed says
// which.
func readNumberIn(raw json.RawMessage, path string, ok func(float64) bool, allowed string) (float64, error) {
	v, err := readNumber(raw, path)
	if err != nil {
		return 0, err
	}
	if !ok(v) {
		return 0, fieldErrorf(path, "must be %s, got %s", allowed, formatNumber(v))
	}
	return v, nil
}

// readInt reads a JSON number that must be a whole number in [lo, hi].
func readInt(raw json.RawMessage, path string, lo, hi int) (int, error) {
	v, err := readNumber(raw, path)
	if err != nil {
		if k := kindOf(raw); k != "a number" {
			return 0, fieldErrorf(path, "must be an integer from %d to %d, got %s", lo, hi, k)
		}
		return 0, fieldErrorf(path, "must be an integer from %d to %d, got %s", lo, hi, abbreviate(string(bytes.TrimSpace(raw))))
	}
	return checkInt(v, path, lo, hi)
}

func checkInt(v float64, path string, lo, hi int) (int, error) {
	if v != math.Trunc(v) || v < float64(lo) || v > float64(hi) {
		return 0, fieldErrorf(path, "must be an integer from %d to %d, got %s", lo, hi, formatNumber(v))
	}
	return int(v), nil
}

// readSeed reads a seed: a whole number from 0 to 2^53−1.
func readSeed(raw json.RawMessage, path string) (uint64, error) {
	n, err := readInt(raw, path, 0, maxSeed)
	return uint64(n), err
}

func readBool(raw json.RawMessage, path string) (bool, error) {
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fieldErrorf(path, "must be true or false, got %s", kindOf(raw))
}

func readString(raw json.RawMessage, path string, maxLen int) (string, error) {
	if k := kindOf(raw); k != "a string" {
		return "", fieldErrorf(path, "must be a string, got %s", k)
	}
	if err := checkStringBytes(raw); err != nil {
		return "", fieldError(path, err.Error())
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fieldErrorf(path, "invalid string: %v", err)
	}
	if utf8.RuneCountInString(s) > maxLen {
		return "", fieldErrorf(path, "must be at most %d characters, got %d", maxLen, utf8.RuneCountInString(s))
	}
	return s, nil
}

// checkStringBytes reports invalid UTF-8 and lone UTF-16 surrogates
// (\ud800 without its pair) in the JSON string raw: encoding/json would
// replace them with U+FFFD silently.
func checkStringBytes(raw json.RawMessage) error {
	if !utf8.Valid(raw) {
		return errors.New("is not valid UTF-8")
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		i++
		if i >= len(raw) || raw[i] != 'u' || i+4 >= len(raw) {
			continue
		}
		r, err := strconv.ParseUint(string(raw[i+1:i+5]), 16, 16)
		if err != nil {
			continue
		}
		i += 4
		switch {
		case r >= 0xdc00 && r <= 0xdfff:
			return fmt.Errorf("has a lone UTF-16 surrogate \\u%04x, which is not a character", r)
		case r >= 0xd800 && r <= 0xdbff:
			if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				if lo, err := strconv.ParseUint(string(raw[i+3:i+7]), 16, 16); err == nil && lo >= 0xdc00 && lo <= 0xdfff {
					i += 6
					continue
				}
			}
			return fmt.Errorf("has a lone UTF-16 surrogate \\u%04x, which is not a character", r)
		}
	}
	return nil
}

// readPair reads [a, b], two finite numbers; what describes them.
func readPair(raw json.RawMessage, path, what string) ([2]float64, error) {
	elems, err := readArray(raw, path, what)
	if err != nil {
		return [2]float64{}, err
	}
	if len(elems) != 2 {
		return [2]float64{}, fieldErrorf(path, "must be an array of 2 numbers (%s), got %d", what, len(elems))
	}
	var p [2]float64
	for i, e := range elems {
		if p[i], err = readNumber(e, index(path, i)); err != nil {
			return p, err
		}
	}
	return p, nil
}

// readInts reads an array of whole numbers in [lo, hi].
func readInts(raw json.RawMessage, path string, lo, hi, maxLen int) ([]int, error) {
	elems, err := readArray(raw, path, "integers")
	if err != nil {
		return nil, err
	}
	if len(elems) > maxLen {
		return nil, fieldErrorf(path, "must have at most %d elements, got %d", maxLen, len(elems))
	}
	out := make([]int, len(elems))
	for i, e := range elems {
		if out[i], err = readInt(e, index(path, i), lo, hi); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// setField reads raw into the field ptr points to (from optimizerField or
// schedulerField).
func setField(ptr any, raw json.RawMessage, path string) error {
	var err error
	switch p := ptr.(type) {
	case *float64:
		*p, err = readNumber(raw, path)
	case *int:
		*p, err = readInt(raw, path, 0, maxInt)
	case *bool:
		*p, err = readBool(raw, path)
	case *string:
		*p, err = readString(raw, path, maxString)
	case *[2]float64:
		*p, err = readPair(raw, path, "[beta1, beta2]")
	case *[]int:
		*p, err = readInts(raw, path, 0, maxInt, maxMilestones)
	default:
		panic(fmt.Sprintf("scenario: field of type %T", ptr))
	}
	return err
}

// syntaxCheck reads data as one JSON value and nothing after it, reporting
// where it is malformed; want describes the value, for empty input.
func syntaxCheck(data []byte, want string) (json.RawMessage, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fieldError("", "empty input; want "+want)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		off := dec.InputOffset()
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			off = int64(len(data))
			return nil, fieldErrorf("", "malformed JSON at %s: unexpected end of input", position(data, off))
		}
		return nil, fieldErrorf("", "malformed JSON at %s: %v", position(data, off), err)
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		rest := bytes.TrimLeft(data[end:], " \t\r\n")
		off := int64(len(data) - len(rest))
		return nil, fieldErrorf("", "trailing data after the JSON object at %s", position(data, off))
	}
	return raw, nil
}

// position describes byte offset off of data as line, column and byte.
func position(data []byte, off int64) string {
	off = min(max(off, 0), int64(len(data)))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(data[:off], '\n')
	return fmt.Sprintf("line %d, column %d (byte %d)", line, col, off)
}

func abbreviate(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}

// formatNumber writes v the shortest way that reads back exactly.
func formatNumber(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
