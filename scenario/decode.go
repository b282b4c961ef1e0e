package scenario

import (
	"encoding/json"
	"slices"

	"lrlab/sim"
)

// Top-level and run keys of the scenario JSON.
var (
	scenarioKeys = []string{"surface", "steps", "view", "test_shift", "runs"}
	viewKeys     = []string{"xmin", "xmax", "ymin", "ymax"}
)

// Decode reads a scenario from its JSON form, strictly: unknown or duplicate
// keys, values of the wrong type, unknown names, out-of-range values and
// trailing data are errors, and so is anything sim.NewSurface, sim.NewRun
// (and through it sim.NewOptimizer and sim.NewScheduler) reject. Every error
// is a *sim.FieldError whose Field is the JSON path of the culprit
// ("runs[0].optimizer.momentom", "surface.b", "steps"; "" for malformed
// JSON, whose message gives line, column and byte offset).
//
// Omitted settings take their defaults: steps 200, the surface's own
// parameters, optimizer "sgd" with PyTorch's defaults (lr is required),
// scheduler "constant", and each run-level row's (RunDefaults: the
// surface's start point, …); a game surface's optimizer_y defaults to the
// optimizer (its keys are merged into a copy of the optimizer; a copy that
// ends up identical is dropped, OptimizerY nil).
// lim bounds the number of runs and steps (zero fields: DefaultLimits).
func Decode(data []byte, lim Limits) (Scenario, error) {
	lim = lim.withDefaults()
	raw, err := syntaxCheck(data, scenarioWant)
	if err != nil {
		return Scenario{}, err
	}
	top, err := readObject(raw, "", "the scenario")
	if err != nil {
		return Scenario{}, err
	}
	if err := top.only("a scenario", scenarioKeys...); err != nil {
		return Scenario{}, err
	}
	var s Scenario

	// Surface.
	rawSurf := top.get("surface")
	if rawSurf == nil {
		return Scenario{}, fieldError("surface", "required: an object such as {\"name\": \"quadratic\", \"a\": 1, \"b\": 10}")
	}
	var surf sim.Surface
	if s.Surface, surf, err = decodeSurface(rawSurf, "surface"); err != nil {
		return Scenario{}, err
	}
	info := surf.Info()

	// Steps.
	if s.Steps, err = top.Int("steps", min(DefaultSteps, lim.MaxSteps), 1, lim.MaxSteps); err != nil {
		return Scenario{}, err
	}

	// View and test shift.
	if v := top.get("view"); v != nil {
		box, err := decodeView(v, "view")
		if err != nil {
			return Scenario{}, err
		}
		s.View = &box
	}
	if v := top.get("test_shift"); v != nil {
		p, err := readPair(v, "test_shift", "[dx, dy]")
		if err != nil {
			return Scenario{}, err
		}
		if err := checkShift(p, info.View, "test_shift"); err != nil {
			return Scenario{}, err
		}
		s.TestShift = &sim.Point{X: p[0], Y: p[1]}
	}

	// Runs.
	rawRuns := top.get("runs")
	if rawRuns == nil {
		return Scenario{}, fieldErrorf("runs", "required: an array of 1 to %d runs", lim.MaxRuns)
	}
	elems, err := readArrayLen(rawRuns, "runs", "of runs", "runs", lim.MaxRuns)
	if err != nil {
		return Scenario{}, err
	}
	for i, e := range elems {
		path := index("runs", i)
		rc, err := decodeRun(e, path, info, s.Steps) // scenario/runrows.go
		if err != nil {
			return Scenario{}, err
		}
		r, err := sim.NewRun(surf, rc, s.Steps)
		if err != nil {
			return Scenario{}, sim.Prefix(path, err)
		}
		if s.TestShift != nil {
			r.SetTestShift(*s.TestShift)
			if l := r.Current(); !finite(l.TestLoss) {
				return Scenario{}, fieldError("test_shift", "makes the test loss not finite at the start of "+path)
			}
		}
		s.Runs = append(s.Runs, rc)
	}
	return s, nil
}

// catalogEntry returns the catalog's description of the named surface.
func catalogEntry(name string) (sim.SurfaceInfo, bool) {
	for _, info := range sim.Catalog() {
		if info.Name == name {
			return info, true
		}
	}
	return sim.SurfaceInfo{}, false
}

// surfaceNames lists the surfaces a scenario may name.
func surfaceNames() []string {
	var names []string
	for _, info := range sim.Catalog() {
		names = append(names, info.Name)
	}
	if !slices.Contains(names, "custom") {
		names = append(names, "custom")
	}
	return names
}

// decodeSurface reads {"name": …, params…, "formula": …} and builds the
// surface, so that its values are checked.
func decodeSurface(raw json.RawMessage, path string) (sim.SurfaceConfig, sim.Surface, error) {
	var c sim.SurfaceConfig
	o, err := readObject(raw, path, "the surface")
	if err != nil {
		return c, nil, err
	}
	rawName := o.get("name")
	if rawName == nil {
		return c, nil, fieldError(join(path, "name"), "required; allowed: "+allowedKeys(surfaceNames()))
	}
	if c.Name, err = readString(rawName, join(path, "name"), 64); err != nil {
		return c, nil, err
	}
	info, known := catalogEntry(c.Name)
	if !known && c.Name != "custom" {
		return c, nil, unknownName(join(path, "name"), "surface", c.Name, surfaceNames(), sim.ErrUnknownSurface)
	}
	keys := []string{"name"}
	for _, p := range info.Params {
		keys = append(keys, p.Name)
	}
	if c.Name == "custom" {
		keys = append(keys, "formula")
	}
	if sim.IsDataSurface(c.Name) {
		keys = append(keys, dataKeys...) // scenario/data.go
	}
	if err := o.only(c.Name, keys...); err != nil {
		return c, nil, err
	}
	c.Params = map[string]float64{}
	for _, p := range info.Params {
		c.Params[p.Name] = p.Default
		if v := o.get(p.Name); v != nil {
			if c.Params[p.Name], err = readNumber(v, join(path, p.Name)); err != nil {
				return c, nil, err
			}
		}
	}
	if c.Name == "custom" {
		v := o.get("formula")
		if v == nil {
			return c, nil, fieldError(join(path, "formula"), "required for the custom surface: an expression in x and y, such as \"x^2 + 10*y^2\"")
		}
		if c.Formula, err = readString(v, join(path, "formula"), 500); err != nil {
			return c, nil, err
		}
	}
	if sim.IsDataSurface(c.Name) {
		if err := decodeData(o, &c, path); err != nil {
			return c, nil, err
		}
	}
	surf, err := sim.NewSurface(c)
	if err != nil {
		return c, nil, sim.Prefix(path, err)
	}
	return c, surf, nil
}

// decodeView reads {"xmin", "xmax", "ymin", "ymax"}, all four required.
func decodeView(raw json.RawMessage, path string) (sim.Box, error) {
	var b sim.Box
	o, err := readObject(raw, path, "{\"xmin\", \"xmax\", \"ymin\", \"ymax\"}")
	if err != nil {
		return b, err
	}
	if err := o.only("the view", viewKeys...); err != nil {
		return b, err
	}
	ptrs := []*float64{&b.XMin, &b.XMax, &b.YMin, &b.YMax}
	for i, k := range viewKeys {
		v := o.get(k)
		if v == nil {
			return b, fieldError(join(path, k), "required: the view needs xmin, xmax, ymin and ymax")
		}
		if *ptrs[i], err = readNumber(v, join(path, k)); err != nil {
			return b, err
		}
	}
	return b, checkView(b, path)
}

// checkView checks that b is a non-empty box within the map's reach.
func checkView(b sim.Box, path string) error {
	const reach = sim.MaxCoord
	for i, v := range []float64{b.XMin, b.XMax, b.YMin, b.YMax} {
		if !finite(v) || v < -reach || v > reach {
			return fieldErrorf(join(path, viewKeys[i]), "must be a number from %g to %g, got %s", -reach, reach, formatNumber(v))
		}
	}
	if !(b.XMin < b.XMax) {
		return fieldErrorf(join(path, "xmax"), "must be greater than xmin (%s), got %s", formatNumber(b.XMin), formatNumber(b.XMax))
	}
	if !(b.YMin < b.YMax) {
		return fieldErrorf(join(path, "ymax"), "must be greater than ymin (%s), got %s", formatNumber(b.YMin), formatNumber(b.YMax))
	}
	return nil
}

// checkShift checks that a test shift is no larger than the surface's view.
func checkShift(p [2]float64, v sim.Box, path string) error {
	lim := [2]float64{v.XMax - v.XMin, v.YMax - v.YMin}
	for i := range p {
		if !finite(p[i]) || p[i] < -lim[i] || p[i] > lim[i] {
			return fieldErrorf(index(path, i), "must be from %s to %s (the width of the surface's view), got %s",
				formatNumber(-lim[i]), formatNumber(lim[i]), formatNumber(p[i]))
		}
	}
	return nil
}

// checkStart checks that a start point lies inside the surface's default
// view enlarged startReach times about its centre.
func checkStart(p sim.Point, v sim.Box, path string) error {
	b := startBox(v)
	if !finite(p.X) || p.X < b.XMin || p.X > b.XMax {
		return fieldErrorf(index(path, 0), "x = %s is too far outside the map; allowed: %s … %s",
			formatNumber(p.X), formatNumber(b.XMin), formatNumber(b.XMax))
	}
	if !finite(p.Y) || p.Y < b.YMin || p.Y > b.YMax {
		return fieldErrorf(index(path, 1), "y = %s is too far outside the map; allowed: %s … %s",
			formatNumber(p.Y), formatNumber(b.YMin), formatNumber(b.YMax))
	}
	return nil
}

// decodeOptimizer reads an optimizer object over cur. With cur.Name empty
// it starts from PyTorch's defaults of the named optimizer (default "sgd"),
// lr included where PyTorch has one (sgd has none: lr is required); otherwise the keys are merged into cur, and a
// different name starts from that optimizer's defaults keeping cur's lr.
// Field paths are relative to path.
func decodeOptimizer(cur sim.OptimizerConfig, raw json.RawMessage, path string) (sim.OptimizerConfig, error) {
	o, err := readObject(raw, path, "an optimizer such as {\"name\": \"sgd\", \"lr\": 0.1}")
	if err != nil {
		return cur, err
	}
	name := cur.Name
	if name == "" {
		name = sim.OptSGD
	}
	if v := o.get("name"); v != nil {
		if name, err = readString(v, join(path, "name"), 64); err != nil {
			return cur, err
		}
	}
	keys, ok := optimizerKeys[name]
	if !ok {
		return cur, unknownName(join(path, "name"), "optimizer", name, sim.OptimizerNames, sim.ErrUnknownOptimizer)
	}
	c := cur
	if name != cur.Name {
		c = sim.DefaultOptimizer(name, cur.LR)
	}
	if err := o.only(name, append([]string{"name"}, keys...)...); err != nil {
		return cur, err
	}
	if c.LR == 0 && !o.has("lr") {
		// PyTorch's own default where it has one (the contract: omitted
		// keys take PyTorch's defaults); its SGD has none, so lr is required.
		if name == sim.OptSGD {
			return cur, fieldError(join(path, "lr"), "required for sgd (PyTorch's SGD has no default learning rate): a number > 0")
		}
		c.LR = defaultLR(name)
	}
	for _, k := range keys {
		if v := o.get(k); v != nil {
			if err := setField(optimizerField(&c, k), v, join(path, k)); err != nil {
				return cur, err
			}
		}
	}
	return c, nil
}

// decodeScheduler reads a scheduler object over cur, as decodeOptimizer
// does: a different (or first) name starts from sim.DefaultScheduler for
// that name and steps.
func decodeScheduler(cur sim.SchedulerConfig, raw json.RawMessage, path string, steps int) (sim.SchedulerConfig, error) {
	o, err := readObject(raw, path, "a scheduler such as {\"name\": \"cosine\", \"T_max\": 200}")
	if err != nil {
		return cur, err
	}
	name := cur.Name
	if name == "" {
		name = sim.SchedConstant
	}
	if v := o.get("name"); v != nil {
		if name, err = readString(v, join(path, "name"), 64); err != nil {
			return cur, err
		}
	}
	keys, ok := schedulerKeys[name]
	if !ok {
		return cur, unknownName(join(path, "name"), "scheduler", name, sim.SchedulerNames, sim.ErrUnknownScheduler)
	}
	c := cur
	if name != cur.Name {
		c = sim.DefaultScheduler(name, steps)
	}
	if err := o.only(name, append([]string{"name"}, keys...)...); err != nil {
		return cur, err
	}
	for _, k := range keys {
		if v := o.get(k); v != nil {
			if err := setField(schedulerField(&c, k), v, join(path, k)); err != nil {
				return cur, err
			}
		}
	}
	return c, nil
}

// MergeOptimizer merges the keys of the JSON object raw into cur, as the
// websocket "set" message does: {"lr": 0.05} changes only the LR; a
// different "name" starts from that optimizer's PyTorch defaults and keeps
// cur's lr. The result is checked by sim.NewOptimizer. Errors are
// *sim.FieldError with fields relative to the object ("lr", "betas[1]").
func MergeOptimizer(cur sim.OptimizerConfig, raw json.RawMessage) (sim.OptimizerConfig, error) {
	if _, err := syntaxCheck(raw, scenarioWant); err != nil {
		return cur, err
	}
	if cur.Name == "" {
		cur = sim.DefaultOptimizer(sim.OptSGD, cur.LR)
	}
	c, err := decodeOptimizer(cur, raw, "")
	if err != nil {
		return cur, err
	}
	if _, err := sim.NewOptimizer(c); err != nil {
		return cur, err
	}
	return c, nil
}

// MergeScheduler merges the keys of the JSON object raw into cur, as the
// websocket "set" message does; a different "name" starts from
// sim.DefaultScheduler for that name and steps (the run's step count). Only
// the structure is checked here (names, keys, types): the values depend on
// the run's LR and optimizer and are checked by sim.Run.Set. Errors are
// *sim.FieldError with fields relative to the object ("T_max").
func MergeScheduler(cur sim.SchedulerConfig, raw json.RawMessage, steps int) (sim.SchedulerConfig, error) {
	if _, err := syntaxCheck(raw, scenarioWant); err != nil {
		return cur, err
	}
	if cur.Name == "" {
		cur = sim.DefaultScheduler(sim.SchedConstant, steps)
	}
	return decodeScheduler(cur, raw, "", steps)
}

// SurfaceStart reads o's "surface" and "start" as Decode reads a scenario's
// surface and a run's start, with the same checks (names, parameters and
// their ranges, formulas, how far the start may lie from the map, a finite
// loss there); error fields are o's keys ("surface.b", "start[0]").
// Without a surface, def is used, or the surface is required when def is
// "". The start defaults to the surface's. An analysis request reads its
// surface so.
func (o *Object) SurfaceStart(def string) (sim.Surface, sim.Point, error) {
	raw := o.get("surface")
	if raw == nil {
		if def == "" {
			return nil, sim.Point{}, fieldError(join(o.path, "surface"), "required: an object such as {\"name\": \"quadratic\", \"a\": 1, \"b\": 10}")
		}
		raw, _ = json.Marshal(map[string]string{"name": def})
	}
	_, surf, err := decodeSurface(raw, join(o.path, "surface"))
	if err != nil {
		return nil, sim.Point{}, err
	}
	info := surf.Info()
	rc := RunDefaults(info)
	if err := o.RunSetting(&rc, "start", info); err != nil {
		return nil, sim.Point{}, err
	}
	// the one-step run Decode would build there: its start must be finite
	rc.Optimizer = sim.DefaultOptimizer(sim.OptSGD, 1)
	rc.Scheduler = sim.DefaultScheduler(sim.SchedConstant, 1)
	if _, err := sim.NewRun(surf, rc, 1); err != nil {
		if o.path != "" {
			err = sim.Prefix(o.path, err)
		}
		return nil, sim.Point{}, err
	}
	return surf, rc.Start, nil
}
