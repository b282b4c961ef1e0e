package scenario

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"

	"lrlab/sim"
)

// LiveSet is the change a websocket set makes to a live run: the objects
// merged into its optimizer and scheduler, and the values of the run rows
// that are Live, each read as in a run's JSON object. Read it with
// ReadLiveSet.
type LiveSet struct {
	keys []string                   // the keys given, in SetKeys' order
	raw  map[string]json.RawMessage // the values of the object keys
	vals sim.RunConfig              // the values of the others
}

// SetKeys lists the keys of a set's change, in a run's order: the
// optimizer, the scheduler and the Live run rows.
func SetKeys() []string { return setKeys }

var setKeys = func() []string {
	var keys []string
	for _, k := range runObjectKeys(nil) {
		if s, ok := runRow(k); !ok || s.Live {
			keys = append(keys, k)
		}
	}
	return keys
}()

// setObjectMsg is the message for a set's object key that is not one.
const setObjectMsg = "must be an object of settings, such as {\"lr\": 0.05}"

// ReadLiveSet reads the SetKeys of o (its other keys are the caller's):
// an optimizer or scheduler must be an object, merged into the run's later
// (MergeOptimizer, MergeScheduler); another value is read as a run's, its
// type and the row's bounds on any surface checked (the run checks what
// depends on its surface, such as batch_size against the rows). Errors
// name the key.
func ReadLiveSet(o *Object) (LiveSet, error) {
	ls := LiveSet{raw: map[string]json.RawMessage{}}
	for _, k := range setKeys {
		raw := o.get(k)
		if raw == nil {
			continue
		}
		s, row := runRow(k)
		if !row || s.isOptimizer() {
			if kindOf(raw) != "an object" {
				return LiveSet{}, fieldError(join(o.path, k), setObjectMsg)
			}
			ls.raw[k] = raw
		} else if err := s.readJSON(raw, join(o.path, k), nil, &ls.vals); err != nil {
			return LiveSet{}, err
		}
		ls.keys = append(ls.keys, k)
	}
	return ls, nil
}

// Keys lists the keys the set gives, in SetKeys' order.
func (ls LiveSet) Keys() []string { return ls.keys }

// Object returns the object the set gives for an object key (optimizer,
// optimizer_y, scheduler), or nil.
func (ls LiveSet) Object(key string) json.RawMessage { return ls.raw[key] }

// Value returns a pointer to the value the set gives for a run row's key
// (its field's type: a *float64 for a float row), or nil when it gives
// none.
func (ls LiveSet) Value(key string) any {
	s, ok := runRow(key)
	if !ok || !slices.Contains(ls.keys, key) || ls.raw[key] != nil {
		return nil
	}
	v := ls.vals // a copy: the caller's pointer does not alias the set
	return s.field(&v)
}

// Apply writes the values the set gives for run rows (not the objects:
// Object) into c, for sim.RunChange.Settings; Run.Set checks them.
func (ls LiveSet) Apply(c *sim.RunConfig) {
	for _, k := range ls.keys {
		if _, obj := ls.raw[k]; obj {
			continue
		}
		s, _ := runRow(k)
		v := ls.vals
		copyField(s.field(c), s.field(&v))
	}
}

// HasValues reports whether the set gives a run row's value (not only
// objects), so that it changes the run's Settings.
func (ls LiveSet) HasValues() bool {
	for _, k := range ls.keys {
		if _, obj := ls.raw[k]; !obj {
			return true
		}
	}
	return false
}

// copyField sets the field dst points to from src, both pointers of the
// same type (runSetting.field's, whatever the row's type).
func copyField(dst, src any) {
	reflect.ValueOf(dst).Elem().Set(reflect.ValueOf(src).Elem())
}

// AppendJSON appends the set as a JSON object of the keys it gives, in
// SetKeys' order, objects compacted and numbers written the shortest way:
// {"optimizer":{"lr":0.05}}.
func (ls LiveSet) AppendJSON(b []byte) []byte {
	w := &jsonWriter{}
	w.open('{')
	for _, k := range ls.keys {
		w.key(k)
		if raw, ok := ls.raw[k]; ok {
			var c bytes.Buffer
			if json.Compact(&c, raw) != nil {
				c.WriteString("{}")
			}
			w.buf.Write(c.Bytes())
			continue
		}
		s, _ := runRow(k)
		w.value(s.field(&ls.vals))
	}
	w.close('}')
	return append(b, w.buf.Bytes()...)
}
