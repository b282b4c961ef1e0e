package scenario

import (
	"maps"
	"net/url"
	"slices"
	"strings"

	"lrlab/sim"
)

// ParseQuery reads a share link's query. It returns the part that is valid
// (every bad setting keeps its default, a run whose optimizer is unknown is
// left out, runs beyond lim.MaxRuns are left out, a link without a valid run
// gets one SGD run) and one *sim.FieldError for each thing that was wrong.
// Fields are the JSON paths of the scenario ("runs[1].optimizer.lr",
// "surface.b", "steps", "test_shift", "runs"), with the run's index the
// position of its run= in the link; an unknown top-level key is named by
// itself ("bb"), an unknown key of a run as "runs[0].KEY".
func ParseQuery(q url.Values, lim Limits) (Scenario, Extras, []error) {
	lim = lim.withDefaults()
	r := &linkReader{q: q}
	s, surf := r.readSurface()
	info := surf.Info()
	r.readTop(&s, info, lim)
	x := r.readExtras()
	surf = r.readRuns(&s, surf, lim)
	if v, ok := r.first("branch"); ok {
		b, berrs := parseBranch(v, len(s.Runs), s.Steps)
		x.Branch = b
		r.errs = append(r.errs, berrs...)
	}
	if s.TestShift != nil {
		for _, rc := range s.Runs {
			if f := surf.Value(rc.Start.Sub(*s.TestShift)); !finite(f) {
				r.report(fieldError("test_shift", "makes the test loss not finite at a run's start; left out"))
				s.TestShift = nil
				break
			}
		}
	}
	return s, x, r.errs
}

// linkReader is a share link's query while ParseQuery reads it, with one
// error for each thing that was wrong.
type linkReader struct {
	q    url.Values
	errs []error
}

func (r *linkReader) report(err error) { r.errs = append(r.errs, err) }

// first returns the first value of key (every key but run is given once:
// more are reported, and the first is used).
func (r *linkReader) first(key string) (string, bool) {
	v, ok := r.q[key]
	if !ok || len(v) == 0 {
		return "", false
	}
	if len(v) > 1 && key != "run" {
		r.report(fieldErrorf(queryPath(key), "given %d times; the first is used", len(v)))
	}
	return v[0], true
}

// readSurface reads the surface and its parameters, and reports the
// top-level keys that neither a link nor this surface takes.
func (r *linkReader) readSurface() (Scenario, sim.Surface) {
	var s Scenario
	name := defaultSurface
	if v, ok := r.first("surface"); ok {
		if _, known := catalogEntry(v); known || v == sim.SurfaceCustom {
			name = v
		} else {
			r.report(unknownName("surface.name", "surface", v, surfaceNames(), sim.ErrUnknownSurface))
		}
	}
	surf, cfg := parseSurface(r.q, name, r.first, r.report)
	s.Surface = cfg
	info := surf.Info()
	allowed := slices.Clone(queryTopKeys)
	for _, p := range info.Params {
		allowed = append(allowed, p.Name)
	}
	for _, k := range slices.Sorted(maps.Keys(r.q)) {
		if !slices.Contains(allowed, k) {
			r.report(unknownKey("", k, "a link on "+info.Name, allowed))
		}
	}
	return s, surf
}

// readTop reads steps, view and shift.
func (r *linkReader) readTop(s *Scenario, info sim.SurfaceInfo, lim Limits) {
	s.Steps = min(DefaultSteps, lim.MaxSteps)
	if v, ok := r.first("steps"); ok {
		if n, err := parseInt(v, "steps", 1, lim.MaxSteps); err != nil {
			r.report(err)
		} else {
			s.Steps = n
		}
	}
	if v, ok := r.first("view"); ok {
		if p, err := parseNumbers(v, ",", 4, "view", "xmin,xmax,ymin,ymax"); err != nil {
			r.report(err)
		} else {
			b := sim.Box{XMin: p[0], XMax: p[1], YMin: p[2], YMax: p[3]}
			if err := checkView(b, "view"); err != nil {
				r.report(fieldError("view", err.(*sim.FieldError).Msg))
			} else {
				s.View = &b
			}
		}
	}
	if v, ok := r.first("shift"); ok {
		if p, err := parseNumbers(v, ",", 2, "test_shift", "dx,dy"); err != nil {
			r.report(err)
		} else if err := checkShift([2]float64{p[0], p[1]}, info.View, "test_shift"); err != nil {
			r.report(err)
		} else {
			s.TestShift = &sim.Point{X: p[0], Y: p[1]}
		}
	}
}

// readExtras reads what a link says beside its scenario: lang, embed,
// present, hide and rate.
func (r *linkReader) readExtras() Extras {
	x := DefaultExtras
	if v, ok := r.first("lang"); ok {
		if slices.Contains(Langs, v) {
			x.Lang = v
		} else {
			r.report(fieldErrorf("lang", "unknown language %s; allowed: %s", quote(v), strings.Join(Langs, ", ")))
		}
	}
	x.Embed = r.readFlag("embed", "for the bare view")
	x.Present = r.readFlag("present", "for presentation mode")
	if v, ok := r.first("hide"); ok {
		h, herrs := parseHide(v)
		x.Hide = h
		r.errs = append(r.errs, herrs...)
	}
	if v, ok := r.first("rate"); ok {
		if v == "max" {
			x.Rate = 0
		} else if n, err := parseInt(v, "rate", 0, MaxRate); err != nil {
			r.report(fieldErrorf("rate", "must be an integer from 0 to %d (steps per second; 0 or max: as fast as possible), got %s", MaxRate, quote(v)))
		} else {
			x.Rate = n
		}
	}
	return x
}

// readFlag reads a switch such as embed=1: "", 1 and true turn it on, 0 and
// false off; what it does is said in a bad value's error.
func (r *linkReader) readFlag(key, what string) bool {
	v, ok := r.first(key)
	if !ok {
		return false
	}
	switch v {
	case "", "1", "true":
		return true
	case "0", "false":
		return false
	}
	r.report(fieldErrorf(key, "must be 1 (or true, or empty) %s, or 0 (false); got %s", what, quote(v)))
	return false
}

// readRuns reads the run= values, at most lim.MaxRuns of them; a link
// without a valid run gets the surface's default run (on the default
// surface when not even that can start). It returns the surface the runs
// are on.
func (r *linkReader) readRuns(s *Scenario, surf sim.Surface, lim Limits) sim.Surface {
	runs := r.q["run"]
	if len(runs) > lim.MaxRuns {
		r.report(fieldErrorf("runs", "at most %d runs; the other %d are left out", lim.MaxRuns, len(runs)-lim.MaxRuns))
		runs = runs[:lim.MaxRuns]
	}
	for i, raw := range runs {
		rc, ok, rerrs := parseRun(raw, index("runs", i), surf, s.Steps)
		r.errs = append(r.errs, rerrs...)
		if ok {
			s.Runs = append(s.Runs, rc)
		}
	}
	if len(s.Runs) > 0 {
		return surf
	}
	rc, ok, _ := parseRun(DefaultRun(surf.Info()), "runs[0]", surf, s.Steps)
	if !ok {
		// Not even a default run can start: the surface is not finite at
		// its start point (a formula such as 0^x). Use the default surface.
		info := surf.Info()
		field := "surface.name"
		if s.Surface.Name == sim.SurfaceCustom {
			field = "surface.formula"
		}
		r.report(fieldErrorf(field, "f or its derivatives are not finite at the start point (%s, %s), so no run can start there; the default surface is used",
			formatNumber(info.Start.X), formatNumber(info.Start.Y)))
		surf, s.Surface = defaultSurfaceBuilt()
		s.View, s.TestShift = nil, nil
		rc, _, _ = parseRun(DefaultRun(surf.Info()), "runs[0]", surf, s.Steps)
	}
	s.Runs = append(s.Runs, rc)
	return surf
}
