package scenario

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"lrlab/sim"
)

// TestReadObject checks the exported strict reader: the object's own errors,
// then each accessor's default, type, range and length checks.
func TestReadObject(t *testing.T) {
	positive := func(v float64) bool { return v > 0 }
	read := func(src string) (*Object, error) { return ReadObject([]byte(src), "a test object", "a", "n", "xs") }
	for _, c := range []struct {
		src, field, msg string
		use             func(o *Object) error
	}{
		{``, "", "empty input; want a test object", nil},
		{`[1]`, "", "must be an object (a test object), got an array", nil},
		{`{"a":1,}`, "", "malformed JSON at line 1, column 9 (byte 8)", nil},
		{`{"a":1} 2`, "", "trailing data after the JSON object at line 1, column 9 (byte 8)", nil},
		{`{"a":1,"a":2}`, "a", `duplicate key "a"`, nil},
		{`{"xss":1}`, "xss", `unknown key "xss" (did you mean "xs"?); allowed: a, n, xs`, nil},
		{`{"a":"1"}`, "a", "must be a number, got a string", func(o *Object) error { _, err := o.Number("a", 1, positive, "> 0"); return err }},
		{`{"a":1e999}`, "a", "must be a finite number, got 1e999 (out of range)", func(o *Object) error { _, err := o.Number("a", 1, positive, "> 0"); return err }},
		{`{"a":-2}`, "a", "must be > 0, got -2", func(o *Object) error { _, err := o.Number("a", 1, positive, "> 0"); return err }},
		{`{"n":2.5}`, "n", "must be an integer from 1 to 9, got 2.5", func(o *Object) error { _, err := o.Int("n", 1, 1, 9); return err }},
		{`{"n":true}`, "n", "must be an integer from 1 to 9, got a boolean", func(o *Object) error { _, err := o.Int("n", 1, 1, 9); return err }},
		{`{"xs":{}}`, "xs", "must be an array (of numbers), got an object", func(o *Object) error { _, err := o.Numbers("xs", nil, 2, positive, "> 0"); return err }},
		{`{"xs":[]}`, "xs", "must hold 1 to 2 elements, got 0", func(o *Object) error { _, err := o.Numbers("xs", nil, 2, positive, "> 0"); return err }},
		{`{"xs":[1,0]}`, "xs[1]", "must be > 0, got 0", func(o *Object) error { _, err := o.Numbers("xs", nil, 2, positive, "> 0"); return err }},
	} {
		o, err := read(c.src)
		if err == nil && c.use != nil {
			err = c.use(o)
		}
		var fe *sim.FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || !strings.HasPrefix(fe.Msg, c.msg) {
			t.Errorf("%s: error %v (field %q), want field %q and a message starting %q", c.src, err, fieldOf(fe), c.field, c.msg)
		}
	}

	o, err := read(` {"a": 0.5, "n": null, "xs": [1, 2]} `)
	if err != nil {
		t.Fatal(err)
	}
	a, errA := o.Number("a", 1, positive, "> 0")
	n, errN := o.Int("n", 7, 1, 9) // null: the default
	xs, errX := o.Numbers("xs", nil, 2, positive, "> 0")
	def := []float64{3}
	ys, errY := o.Numbers("ys", def, 2, positive, "> 0")
	if a != 0.5 || n != 7 || !slices.Equal(xs, []float64{1, 2}) || !slices.Equal(ys, def) || errors.Join(errA, errN, errX, errY) != nil {
		t.Errorf("got a %v, n %v, xs %v, ys %v (%v %v %v %v)", a, n, xs, ys, errA, errN, errX, errY)
	}
	if ys[0] = 4; def[0] != 3 {
		t.Errorf("Numbers returned def itself, not a copy")
	}
	if o.Raw("n") != nil || string(o.Raw("xs")) != "[1, 2]" {
		t.Errorf("Raw: n %s, xs %s", o.Raw("n"), o.Raw("xs"))
	}
	if _, err := ReadArray([]byte(`[1,2,3]`), "p", "of things", 2); err == nil || err.Error() != "p: must hold 1 to 2 elements, got 3" {
		t.Errorf("ReadArray: %v", err)
	}
}

func fieldOf(fe *sim.FieldError) string {
	if fe == nil {
		return "<none>"
	}
	return fe.Field
}
