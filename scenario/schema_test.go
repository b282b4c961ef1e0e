package scenario

import (
	"math"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"lrlab/sim"
)

// TestSchemaDefaultsAgreeWithSim: every default of the table is the one
// sim.DefaultOptimizer and sim.DefaultScheduler fill in, the derived ones
// for runs of many lengths.
func TestSchemaDefaultsAgreeWithSim(t *testing.T) {
	for _, g := range optimizerTable {
		lr := g.settings[0].Def.(float64)
		if lr != defaultLR(g.name) {
			t.Errorf("%s: lr default %v, defaultLR %v", g.name, lr, defaultLR(g.name))
		}
		c := sim.DefaultOptimizer(g.name, lr)
		for _, s := range g.settings {
			if got := reflect.ValueOf(s.field(&c)).Elem().Interface(); !reflect.DeepEqual(got, s.Def) {
				t.Errorf("%s.%s: schema default %#v, sim %#v", g.name, s.Key, s.Def, got)
			}
		}
	}
	for _, g := range schedulerTable {
		for _, steps := range []int{1, 2, 3, 4, 7, 10, 19, 50, 99, 200, 333, 1000, 9999, 10000} {
			c := sim.DefaultScheduler(g.name, steps)
			for _, s := range g.settings {
				got := reflect.ValueOf(s.field(&c)).Elem().Interface()
				want := s.Def
				switch {
				case s.Derive != nil && s.Derive.From == "lr":
					want = 0.0 // sim's "derive from the optimizer's lr"
				case s.Derive != nil:
					want = s.Derive.Value(steps, 0)
				case s.Optional && s.Def == nil:
					want = 0 // sim's "absent"
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s.%s, %d steps: schema default %#v, sim %#v", g.name, s.Key, steps, want, got)
				}
			}
		}
	}
}

// probes returns values just inside and just outside s's bounds.
func probes(s Spec) (inside, outside []float64) {
	eps := func(v float64) float64 { return math.Max(1e-9, math.Abs(v)*1e-9) }
	if s.Type == "int" || s.Type == "ints" {
		eps = func(float64) float64 { return 1 }
	}
	if s.Min != nil {
		lo := *s.Min
		if s.ExclusiveMin {
			inside, outside = append(inside, lo+eps(lo)), append(outside, lo)
		} else {
			inside, outside = append(inside, lo), append(outside, lo-eps(lo))
		}
	}
	if s.Max != nil {
		hi := *s.Max
		if s.ExclusiveMax {
			inside, outside = append(inside, hi-eps(hi)), append(outside, hi)
		} else {
			inside, outside = append(inside, hi), append(outside, hi+eps(hi))
		}
	}
	return inside, outside
}

// set writes v into the field ptr points to (every element of a pair).
func set(ptr any, v float64) {
	switch p := ptr.(type) {
	case *float64:
		*p = v
	case *int:
		*p = int(v)
	case *[2]float64:
		*p = [2]float64{v, v}
	case *[]int:
		*p = []int{int(v)}
	}
}

// TestSchemaBoundsAgreeWithSim: for every bound of an optimizer or
// scheduler setting, sim accepts the value just inside and refuses the one
// just outside, naming the setting.
func TestSchemaBoundsAgreeWithSim(t *testing.T) {
	for _, g := range optimizerTable {
		for _, s := range g.settings {
			inside, outside := probes(s.Spec)
			for _, v := range inside {
				c := sim.DefaultOptimizer(g.name, defaultLR(g.name))
				set(s.field(&c), v)
				if _, err := sim.NewOptimizer(c); err != nil {
					t.Errorf("%s.%s = %v is inside the schema's bounds, sim refuses it: %v", g.name, s.Key, v, err)
				}
			}
			for _, v := range outside {
				c := sim.DefaultOptimizer(g.name, defaultLR(g.name))
				set(s.field(&c), v)
				if _, err := sim.NewOptimizer(c); err == nil {
					t.Errorf("%s.%s = %v is outside the schema's bounds, sim accepts it", g.name, s.Key, v)
				}
			}
		}
	}
	const steps, lr = 100000, 0.1
	for _, g := range schedulerTable {
		for _, s := range g.settings {
			inside, outside := probes(s.Spec)
			check := func(v float64) error {
				n := steps
				if s.Key == "total_steps" {
					n = 1 // its real minimum is the run's steps
				}
				c := sim.DefaultScheduler(g.name, n)
				if g.name == sim.SchedCyclic {
					c.Mode = "exp_range" // the mode that uses gamma
				}
				set(s.field(&c), v)
				_, err := sim.NewScheduler(c, lr, n, sim.OptSGD)
				return err
			}
			for _, v := range inside {
				if err := check(v); err != nil {
					t.Errorf("%s.%s = %v is inside the schema's bounds, sim refuses it: %v", g.name, s.Key, v, err)
				}
			}
			for _, v := range outside {
				if v == 0 && (s.Derive != nil && s.Derive.From == "lr" || s.Optional) {
					continue // 0 is sim's "absent": derive from the lr, or step_size_down = step_size_up
				}
				if err := check(v); err == nil {
					t.Errorf("%s.%s = %v is outside the schema's bounds, sim accepts it", g.name, s.Key, v)
				}
			}
		}
	}
}

// TestSchemaRunBoundsAgreeWithDecode: the bounds of the numeric run-level
// and top-level settings are the ones Decode (and for rate, ParseQuery)
// enforce.
func TestSchemaRunBoundsAgreeWithDecode(t *testing.T) {
	lim := Limits{MaxRuns: 3, MaxSteps: 500}
	doc := Schema(lim)
	scen := func(key string, v float64) string {
		run := `{"optimizer":{"name":"sgd","lr":0.01}}`
		top := ""
		switch key {
		case "steps":
			top = `"steps":` + formatNumber(v) + `,`
		default:
			run = `{"optimizer":{"name":"sgd","lr":0.01},"` + key + `":` + formatNumber(v) + `}`
		}
		return `{"surface":{"name":"quadratic"},` + top + `"runs":[` + run + `]}`
	}
	var specs []Spec
	for _, s := range append(slices.Clone(doc.Run), doc.Top...) {
		if s.Min != nil && s.Key != "batch_size" && s.Key != "rate" { // batch_size: data surfaces only (data_test.go)
			specs = append(specs, s)
		}
	}
	if len(specs) != 4 {
		t.Fatalf("probed %d settings, want noise, seed, clip_grad_norm and steps", len(specs))
	}
	for _, s := range specs {
		inside, outside := probes(s)
		for _, v := range inside {
			if _, err := Decode([]byte(scen(s.Key, v)), lim); err != nil {
				t.Errorf("%s = %v is inside the schema's bounds, Decode refuses it: %v", s.Key, v, err)
			}
		}
		for _, v := range outside {
			_, err := Decode([]byte(scen(s.Key, v)), lim)
			if fe, ok := asFieldError(err); !ok || !strings.HasSuffix(fe.Field, s.Key) {
				t.Errorf("%s = %v is outside the schema's bounds, Decode gives %v", s.Key, v, err)
			}
		}
	}
	rate := doc.Top[1]
	if rate.Key != "rate" {
		t.Fatalf("top[1] is %s, want rate", rate.Key)
	}
	inside, outside := probes(rate)
	for _, v := range append(inside, outside...) {
		_, x, errs := ParseQuery(url.Values{"rate": {formatNumber(v)}}, lim)
		if ok := len(errs) == 0 && x.Rate == int(v); ok != slices.Contains(inside, v) {
			t.Errorf("rate = %v: inside the schema's bounds %v, ParseQuery errors %v", v, slices.Contains(inside, v), errs)
		}
	}
}
