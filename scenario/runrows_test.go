package scenario

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"lrlab/sim"
)

// runRowCases holds, for every run-level row, a value other than its
// default, written as JSON, and a bad value with its message: a row added
// to runTable without a case here fails TestRunRowsRoundTrip.
var runRowCases = map[string]struct{ value, bad, msg string }{
	"label":          {`"a, b=c%d"`, `"` + strings.Repeat("x", maxLabel+1) + `"`, "must be at most 60 characters, got 61"},
	"start":          {`[1.5,-0.5]`, `[1]`, "must be an array of 2 numbers ([x, y]), got 1"},
	"optimizer_y":    {`{"name":"adam","lr":0.01}`, `{"name":"adamm"}`, `unknown optimizer "adamm"`},
	"updates":        {`"alternating"`, `"sequential"`, `unknown value "sequential"; allowed: simultaneous, alternating`},
	"noise":          {`0.25`, `-1`, "must be ≥ 0 (the gradient noise σ), got -1"},
	"seed":           {`7`, `-1`, "must be an integer from 0 to 9007199254740991, got -1"},
	"clip_grad_norm": {`1.5`, `-1`, "must be ≥ 0 (the largest gradient norm; 0: no clipping), got -1"},
	"batch_size":     {`4`, `101`, "must be an integer from 1 to 100, got 101"},
}

// rowSurface is a surface the row applies to.
func rowSurface(s *runSetting) string {
	switch s.only {
	case gameSurfaces:
		return `{"name":"bilinear"}`
	case dataSurfaces:
		return `{"name":"linreg","dataset":"noisy_line"}`
	}
	return `{"name":"quadratic"}`
}

// TestRunRowsRoundTrip checks every run-level row through each generic
// path: a value other than the default reads from the run's JSON, writes
// back and reads back equal, does so through a share link too, and (a Live
// row) through a websocket set's change; a bad value's message comes from
// the row's bounds.
func TestRunRowsRoundTrip(t *testing.T) {
	for i := range runTable {
		s := &runTable[i]
		c, ok := runRowCases[s.Key]
		if !ok {
			t.Errorf("run row %s has no case in runRowCases", s.Key)
			continue
		}
		t.Run(s.Key, func(t *testing.T) {
			doc := func(v string) string {
				return `{"surface":` + rowSurface(s) + `,"runs":[{"optimizer":{"name":"sgd","lr":0.01},"` + s.Key + `":` + v + `}]}`
			}
			sc := mustDecode(t, doc(c.value))
			surf, _ := sim.NewSurface(sc.Surface)
			def := RunDefaults(surf.Info())
			rc := sc.Runs[0]
			if reflect.DeepEqual(s.field(&rc), s.field(&def)) {
				t.Fatalf("%s: %s reads as the default", s.Key, c.value)
			}
			b, err := json.Marshal(sc)
			if err != nil {
				t.Fatal(err)
			}
			if back := mustDecode(t, string(b)); !reflect.DeepEqual(back, sc) {
				t.Errorf("JSON %s reads back as %+v, want %+v", b, back.Runs[0], rc)
			}
			checkQueryRoundTrip(t, sc)

			_, err = Decode([]byte(doc(c.bad)), DefaultLimits)
			fe, _ := asFieldError(err)
			if fe == nil || !strings.HasPrefix(fe.Field, "runs[0]."+s.Key) || !strings.Contains(fe.Msg, c.msg) {
				t.Errorf("%s: %s: got %v, want a message with %q", s.Key, c.bad, err, c.msg)
			}

			if !s.Live {
				if slices.Contains(SetKeys(), s.Key) {
					t.Errorf("%s is not Live but a set takes it", s.Key)
				}
				return
			}
			o, err := ReadObject([]byte(`{"`+s.Key+`":`+c.value+`}`), "a set", SetKeys()...)
			if err != nil {
				t.Fatal(err)
			}
			ls, err := ReadLiveSet(o)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ls.Keys(), []string{s.Key}) {
				t.Errorf("set keys %v, want [%s]", ls.Keys(), s.Key)
			}
			out := ls.AppendJSON(nil)
			o2, _ := ReadObject(out, "a set", SetKeys()...)
			ls2, err := ReadLiveSet(o2)
			if err != nil || !reflect.DeepEqual(ls2, ls) {
				t.Errorf("set %s reads back as %+v (%v), want %+v", out, ls2, err, ls)
			}
			if v := ls.Value(s.Key); v != nil && !reflect.DeepEqual(v, s.field(&rc)) {
				t.Errorf("set value %v, want the run's %v", v, s.field(&rc))
			}
			if v := ls.Value(s.Key); v == nil && ls.Object(s.Key) == nil {
				t.Errorf("set gives neither a value nor an object for %s", s.Key)
			}
		})
	}
}

// TestSetKeys checks the keys a set takes, in the order the set message's
// errors list them.
func TestSetKeys(t *testing.T) {
	want := []string{"optimizer", "optimizer_y", "scheduler", "noise", "clip_grad_norm", "batch_size"}
	if got := SetKeys(); !slices.Equal(got, want) {
		t.Errorf("SetKeys() = %v, want %v", got, want)
	}
	o, _ := ReadObject([]byte(`{"scheduler":1}`), "a set", SetKeys()...)
	if _, err := ReadLiveSet(o); err == nil || err.Error() != `scheduler: must be an object of settings, such as {"lr": 0.05}` {
		t.Errorf("scheduler 1: %v", err)
	}
}

// TestRunObjectKeys checks the keys of a run's JSON object, which the
// messages of unknown keys list, on every kind of surface.
func TestRunObjectKeys(t *testing.T) {
	if got, want := runObjectKeys(nil), []string{"label", "start", "optimizer", "optimizer_y", "updates", "scheduler", "noise", "seed", "clip_grad_norm", "batch_size"}; !slices.Equal(got, want) {
		t.Errorf("run keys %v, want %v", got, want)
	}
	quad := sim.SurfaceInfo{Name: "quadratic"}
	if got, want := runObjectKeys(&quad), []string{"label", "start", "optimizer", "scheduler", "noise", "seed", "clip_grad_norm", "batch_size"}; !slices.Equal(got, want) {
		t.Errorf("quadratic run keys %v, want %v", got, want)
	}
	if got, want := runExtraKeys, []string{"sched", "x", "y", "noise", "seed", "clip_grad_norm", "label"}; !slices.Equal(got, want) {
		t.Errorf("link run keys %v, want %v", got, want)
	}
	if got, want := gameKeys, []string{"opt_y", "lr_y", "updates"}; !slices.Equal(got, want) {
		t.Errorf("link game keys %v, want %v", got, want)
	}
}

// TestSurfaceStart checks the surface and start of an analysis request:
// errors name the request's own keys.
func TestSurfaceStart(t *testing.T) {
	for _, tt := range []struct{ body, def, field, msg string }{
		{`{}`, "", "surface", "required"},
		{`{"surface":{"name":"quadratic","b":"1"}}`, "", "surface.b", "must be a number, got a string"},
		{`{"start":[1e9,0]}`, "quadratic", "start[0]", "too far outside the map"},
		{`{"surface":{"name":"custom","formula":"1/x"},"start":[0,0]}`, "", "start", "not finite"},
	} {
		o, err := ReadObject([]byte(tt.body), "a request", "surface", "start")
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = o.SurfaceStart(tt.def)
		fe, _ := asFieldError(err)
		if fe == nil || fe.Field != tt.field || !strings.Contains(fe.Msg, tt.msg) {
			t.Errorf("%s: %v, want %s: …%s…", tt.body, err, tt.field, tt.msg)
		}
	}
	o, _ := ReadObject([]byte(`{"start":[0.5,0.25]}`), "a request", "surface", "start")
	s, p, err := o.SurfaceStart("sharp_flat")
	if err != nil || s.Info().Name != "sharp_flat" || p != (sim.Point{X: 0.5, Y: 0.25}) {
		t.Errorf("sharp_flat at (0.5, 0.25): %v %v %v", s, p, err)
	}
}
