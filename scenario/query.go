package scenario

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"lrlab/sim"
)

// Extras are the settings of a share link that are not part of the
// scenario. Start from DefaultExtras: the zero value asks for rate 0.
type Extras struct {
	Lang  string // page language, "en" or "ja"; "" means the default, en
	Embed bool   // embed=1: the bare view for an iframe
	Rate  int    // steps per second per run, 0 … 10000; 0 is as fast as possible
	// Present is present=1: the page opens in presentation mode (large
	// type, only the map, the loss chart, the LR slider and the lesson).
	Present bool
	// Hide is hide=: the page controls left out, as a comma-separated list
	// of HideKeys in that order, each once ("" hides nothing).
	Hide string
	// Branch is branch=: runs that branch off another at a step, as
	// "RUN:FROM:STEP" items joined by ',' in the order of RUN ("" none).
	// Run RUN takes run FROM's settings, start and seed for its steps
	// 0 … STEP−1 and its own settings from step STEP on; the page does so
	// by changing it with a websocket set at that step.
	Branch string
}

// parseBranch reads branch= against the runs and steps of the link: each
// item RUN:FROM:STEP with 0 ≤ FROM < RUN < runs, 1 ≤ STEP < steps, each RUN
// once and no FROM itself a branch. It returns the valid items in RUN's
// order and an error on "branch" for each bad one.
func parseBranch(v string, runs, steps int) (string, []error) {
	type item struct{ run, from, at int }
	var items []item
	var errs []error
	for _, raw := range strings.Split(v, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		var it item
		if !branchSyntax.MatchString(raw) {
			errs = append(errs, fieldErrorf("branch", "%s is not RUN:FROM:STEP (such as 1:0:50: run 1 branches off run 0 at step 50)", quote(raw)))
			continue
		}
		fmt.Sscanf(raw, "%d:%d:%d", &it.run, &it.from, &it.at)
		switch {
		case it.run >= runs || it.from >= it.run:
			errs = append(errs, fieldErrorf("branch", "%s: FROM must be an earlier run than RUN, both below %d (the link's runs)", quote(raw), runs))
			continue
		case it.at < 1 || it.at >= steps:
			errs = append(errs, fieldErrorf("branch", "%s: STEP must be from 1 to %d (the steps less one)", quote(raw), steps-1))
			continue
		}
		items = append(items, it)
	}
	slices.SortStableFunc(items, func(a, b item) int { return a.run - b.run })
	var out []string
	seen := map[int]bool{}
	for _, it := range items {
		if seen[it.run] {
			errs = append(errs, fieldErrorf("branch", "run %d branches twice; the first is used", it.run))
			continue
		}
		if seen[it.from] {
			errs = append(errs, fieldErrorf("branch", "run %d branches off run %d, itself a branch; left out", it.run, it.from))
			continue
		}
		seen[it.run] = true
		out = append(out, fmt.Sprintf("%d:%d:%d", it.run, it.from, it.at))
	}
	return strings.Join(out, ","), errs
}

var branchSyntax = regexp.MustCompile(`^[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,5}$`)

// HideKeys are the names hide= accepts, each a part of the page (the
// browser's state.js keeps the same list): the header, the lesson banner,
// the transport row, the timeline, the legend, the run panel, the surface
// panel, all charts, the LR chart, the gradient chart, the analysis
// panels, the share panel and the reference card.
var HideKeys = []string{"header", "lesson", "transport", "timeline", "legend", "run", "surface", "charts", "lr_chart", "grad_chart", "analysis", "share", "card"}

// parseHide reads hide=: the names of HideKeys, in any order and repeated;
// it returns them in HideKeys' order, once each, and an error naming each
// unknown one (the known ones are kept).
func parseHide(v string) (string, []error) {
	var errs []error
	seen := map[string]bool{}
	for _, name := range strings.Split(v, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !slices.Contains(HideKeys, name) {
			errs = append(errs, fieldErrorf("hide", "unknown control %s; allowed: %s", quote(name), strings.Join(HideKeys, ", ")))
			continue
		}
		seen[name] = true
	}
	var out []string
	for _, k := range HideKeys {
		if seen[k] {
			out = append(out, k)
		}
	}
	return strings.Join(out, ","), errs
}

// DefaultRate is the rate of a link that does not give one.
const DefaultRate = 60

// MaxRate is the highest rate a link may ask for.
const MaxRate = 10000

// DefaultExtras are the extras of a link that gives none; Query leaves out
// the extras that equal them.
var DefaultExtras = Extras{Lang: "en", Rate: DefaultRate}

// Langs are the languages of the page.
var Langs = []string{"en", "ja"}

// defaultSurface is the surface of a link that names none (or a bad one).
const defaultSurface = "quadratic"

// defaultLR is the LR of a run that gives none: PyTorch's default where it
// has one (adam, adamw: 1e-3; rmsprop, adagrad: 1e-2) and 1e-3 for sgd.
func defaultLR(optimizer string) float64 {
	switch optimizer {
	case sim.OptRMSprop, sim.OptAdagrad:
		return 1e-2
	}
	return 1e-3
}

// DefaultRun is the run= value of a link that has none (/, /?lang=ja,
// /?embed=1 alike): plain SGD that moves visibly. On the ill-conditioned
// bowl its LR is 1.7/λmax (2 significant digits), between 1/λmax, which
// settles the steep direction in one step (an L), and the stability limit
// 2/λmax, so that the first view shows the zig-zag of ill-conditioning.
// The page's state.js defaultRun is the same rule; the shared
// testdata/share_cases.json keeps the two equal.
func DefaultRun(info sim.SurfaceInfo) string {
	if info.Name == "quadratic" {
		lam := 0.0
		for _, p := range info.Params {
			if (p.Name == "a" || p.Name == "b") && p.Value > lam {
				lam = p.Value
			}
		}
		if lam > 0 {
			return sim.OptSGD + ",lr=" + strconv.FormatFloat(1.7/lam, 'g', 2, 64)
		}
	}
	return sim.OptSGD + ",lr=0.01"
}

// queryTopKeys are the top-level keys other than the surface's parameters,
// in the order Encode writes them (the parameters come after "surface").
var queryTopKeys = []string{"surface", "formula", "dataset", "data", "view", "steps", "rate", "shift", "run", "lang", "embed", "present", "hide", "branch"}

// runExtraKeys are the keys of a run= value that are not optimizer or
// scheduler keys; gameKeys only on game surfaces.
var (
	runExtraKeys = []string{"sched", "x", "y", "noise", "seed", "label"}
	gameKeys     = []string{"opt_y", "lr_y", "updates"}
)

// numberSyntax is JSON's number syntax, the one syntax of numbers in a
// link and in a scenario (web/static/state.js has the same): no '+', no
// leading or trailing '.', no leading zeros, no spaces, no hex.
var numberSyntax = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// parseNumber reads a number of the query syntax.
func parseNumber(s, path string) (float64, error) {
	t := s
	if !numberSyntax.MatchString(t) {
		return 0, fieldErrorf(path, "must be a number such as 0.1 or 1e-3, got %s", quote(s))
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !finite(v) {
		return 0, fieldErrorf(path, "must be a finite number, got %s (out of range)", quote(s))
	}
	return v, nil
}

// ParseNumber reads s as a number of a link: JSON's syntax, finite. The
// error (a *sim.FieldError) names field. Every query value the server reads
// as a number goes through it or ParseInt.
func ParseNumber(s, field string) (float64, error) { return parseNumber(s, field) }

// ParseInt reads s as a whole number of a link from lo to hi.
func ParseInt(s, field string, lo, hi int) (int, error) { return parseInt(s, field, lo, hi) }

func parseInt(s, path string, lo, hi int) (int, error) {
	v, err := parseNumber(s, path)
	if err != nil {
		return 0, fieldErrorf(path, "must be an integer from %d to %d, got %s", lo, hi, quote(s))
	}
	return checkInt(v, path, lo, hi)
}

func parseBool(s, path string) (bool, error) {
	switch s {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fieldErrorf(path, "must be true or false, got %s", quote(s))
}

// parseNumbers reads n numbers separated by sep.
func parseNumbers(s, sep string, n int, path, what string) ([]float64, error) {
	parts := strings.Split(s, sep)
	if len(parts) != n {
		return nil, fieldErrorf(path, "must be %d numbers %s, got %s", n, what, quote(s))
	}
	out := make([]float64, n)
	for i, p := range parts {
		v, err := parseNumber(p, path)
		if err != nil {
			return nil, fieldErrorf(path, "must be %d numbers %s, got %s", n, what, quote(s))
		}
		out[i] = v
	}
	return out, nil
}

// parseText reads the value of the field ptr points to (from
// optimizerField or schedulerField) from its query spelling.
func parseText(ptr any, s, path string) (func(), error) {
	switch p := ptr.(type) {
	case *float64:
		v, err := parseNumber(s, path)
		return func() { *p = v }, err
	case *int:
		v, err := parseInt(s, path, 0, maxInt)
		return func() { *p = v }, err
	case *bool:
		v, err := parseBool(s, path)
		return func() { *p = v }, err
	case *string:
		v := unescapeLabel(s)
		if len(v) > maxString {
			return nil, fieldErrorf(path, "must be at most %d characters", maxString)
		}
		return func() { *p = v }, nil
	case *[2]float64:
		v, err := parseNumbers(s, ";", 2, path, "beta1;beta2")
		if err != nil {
			return nil, err
		}
		return func() { *p = [2]float64{v[0], v[1]} }, nil
	case *[]int:
		var out []int
		if s != "" {
			parts := strings.Split(s, ";")
			if len(parts) > maxMilestones {
				return nil, fieldErrorf(path, "must have at most %d elements, got %d", maxMilestones, len(parts))
			}
			for _, part := range parts {
				v, err := parseInt(part, path, 0, maxInt)
				if err != nil {
					return nil, fieldErrorf(path, "must be integers separated by \";\" such as 50;75, got %s", quote(s))
				}
				out = append(out, v)
			}
		}
		if out == nil {
			out = []int{}
		}
		return func() { *p = slices.Clone(out) }, nil
	}
	panic("scenario: field of unknown type")
}

// formatText writes the field ptr points to in its query spelling.
func formatText(ptr any) string {
	switch p := ptr.(type) {
	case *float64:
		return formatShort(*p)
	case *int:
		return strconv.Itoa(*p)
	case *bool:
		return strconv.FormatBool(*p)
	case *string:
		return escapeLabel(*p)
	case *[2]float64:
		return formatShort(p[0]) + ";" + formatShort(p[1])
	case *[]int:
		parts := make([]string, len(*p))
		for i, n := range *p {
			parts[i] = strconv.Itoa(n)
		}
		return strings.Join(parts, ";")
	}
	panic("scenario: field of unknown type")
}

// formatShort writes v as the shorter of its plain and exponential
// spellings (plain on a tie), each of which reads back as exactly v.
func formatShort(v float64) string {
	plain := strconv.FormatFloat(v, 'f', -1, 64)
	exp := strconv.FormatFloat(v, 'e', -1, 64)
	mant, e, _ := strings.Cut(exp, "e")
	sign := ""
	if e[0] == '-' {
		sign = "-"
	}
	e = strings.TrimLeft(e[1:], "0")
	if e == "" {
		e = "0"
	}
	exp = mant + "e" + sign + e
	if len(exp) < len(plain) {
		return exp
	}
	return plain
}

func escapeLabel(s string) string {
	return strings.NewReplacer("%", "%25", ",", "%2C", "=", "%3D").Replace(s)
}

// unescapeLabel undoes %XX escapes; a value that is not validly escaped is
// kept as given.
func unescapeLabel(s string) string {
	if v, err := url.PathUnescape(s); err == nil {
		return v
	}
	return s
}

// setter is one key=value of a run that was read without error; apply
// writes it into the run being built.
type setter struct {
	key   string // as given in the query
	field string // JSON path inside the run ("optimizer.lr", "start[0]")
	apply func(b *runBuild)
}

// runBuild is a run while its settings are applied.
type runBuild struct {
	rc    sim.RunConfig
	y     sim.OptimizerConfig // player y's optimizer before it is compared with rc.Optimizer
	hasY  bool
	yName string
}

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
	var errs []error
	report := func(err error) { errs = append(errs, err) }
	x := DefaultExtras
	first := func(key string) (string, bool) {
		v, ok := q[key]
		if !ok || len(v) == 0 {
			return "", false
		}
		if len(v) > 1 && key != "run" {
			report(fieldErrorf(queryPath(key), "given %d times; the first is used", len(v)))
		}
		return v[0], true
	}

	// Surface.
	var s Scenario
	name := defaultSurface
	if v, ok := first("surface"); ok {
		if _, known := catalogEntry(v); known || v == sim.SurfaceCustom {
			name = v
		} else {
			report(unknownName("surface.name", "surface", v, surfaceNames(), sim.ErrUnknownSurface))
		}
	}
	surf, cfg := parseSurface(q, name, first, report)
	s.Surface = cfg
	info := surf.Info()

	// Unknown top-level keys.
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range q {
			if !yield(k) {
				return
			}
		}
	})
	allowed := slices.Clone(queryTopKeys)
	for _, p := range info.Params {
		allowed = append(allowed, p.Name)
	}
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			report(unknownKey("", k, "a link on "+info.Name, allowed))
		}
	}

	s.Steps = min(DefaultSteps, lim.MaxSteps)
	if v, ok := first("steps"); ok {
		if n, err := parseInt(v, "steps", 1, lim.MaxSteps); err != nil {
			report(err)
		} else {
			s.Steps = n
		}
	}
	if v, ok := first("view"); ok {
		if p, err := parseNumbers(v, ",", 4, "view", "xmin,xmax,ymin,ymax"); err != nil {
			report(err)
		} else {
			b := sim.Box{XMin: p[0], XMax: p[1], YMin: p[2], YMax: p[3]}
			if err := checkView(b, "view"); err != nil {
				report(fieldError("view", err.(*sim.FieldError).Msg))
			} else {
				s.View = &b
			}
		}
	}
	if v, ok := first("shift"); ok {
		if p, err := parseNumbers(v, ",", 2, "test_shift", "dx,dy"); err != nil {
			report(err)
		} else if err := checkShift([2]float64{p[0], p[1]}, info.View, "test_shift"); err != nil {
			report(err)
		} else {
			s.TestShift = &sim.Point{X: p[0], Y: p[1]}
		}
	}

	// Extras.
	if v, ok := first("lang"); ok {
		if slices.Contains(Langs, v) {
			x.Lang = v
		} else {
			report(fieldErrorf("lang", "unknown language %s; allowed: %s", quote(v), strings.Join(Langs, ", ")))
		}
	}
	if v, ok := first("embed"); ok {
		switch v {
		case "", "1", "true":
			x.Embed = true
		case "0", "false":
		default:
			report(fieldErrorf("embed", "must be 1 (or true, or empty) for the bare view, or 0 (false); got %s", quote(v)))
		}
	}
	if v, ok := first("present"); ok {
		switch v {
		case "", "1", "true":
			x.Present = true
		case "0", "false":
		default:
			report(fieldErrorf("present", "must be 1 (or true, or empty) for presentation mode, or 0 (false); got %s", quote(v)))
		}
	}
	if v, ok := first("hide"); ok {
		h, herrs := parseHide(v)
		x.Hide = h
		errs = append(errs, herrs...)
	}
	if v, ok := first("rate"); ok {
		if v == "max" {
			x.Rate = 0
		} else if n, err := parseInt(v, "rate", 0, MaxRate); err != nil {
			report(fieldErrorf("rate", "must be an integer from 0 to %d (steps per second; 0 or max: as fast as possible), got %s", MaxRate, quote(v)))
		} else {
			x.Rate = n
		}
	}

	// Runs.
	runs := q["run"]
	if len(runs) > lim.MaxRuns {
		report(fieldErrorf("runs", "at most %d runs; the other %d are left out", lim.MaxRuns, len(runs)-lim.MaxRuns))
		runs = runs[:lim.MaxRuns]
	}
	for i, raw := range runs {
		rc, ok, rerrs := parseRun(raw, index("runs", i), surf, s.Steps)
		errs = append(errs, rerrs...)
		if ok {
			s.Runs = append(s.Runs, rc)
		}
	}
	if len(s.Runs) == 0 {
		rc, ok, _ := parseRun(DefaultRun(surf.Info()), "runs[0]", surf, s.Steps)
		if !ok {
			// Not even a default run can start: the surface is not finite at
			// its start point (a formula such as 0^x). Use the default surface.
			field := "surface.name"
			if s.Surface.Name == sim.SurfaceCustom {
				field = "surface.formula"
			}
			report(fieldErrorf(field, "f or its derivatives are not finite at the start point (%s, %s), so no run can start there; the default surface is used",
				formatNumber(info.Start.X), formatNumber(info.Start.Y)))
			surf, s.Surface = defaultSurfaceBuilt()
			s.View, s.TestShift = nil, nil
			rc, _, _ = parseRun(DefaultRun(surf.Info()), "runs[0]", surf, s.Steps)
		}
		s.Runs = append(s.Runs, rc)
	}
	if v, ok := first("branch"); ok {
		b, berrs := parseBranch(v, len(s.Runs), s.Steps)
		x.Branch = b
		errs = append(errs, berrs...)
	}
	if s.TestShift != nil {
		for _, rc := range s.Runs {
			if f := surf.Value(rc.Start.Sub(*s.TestShift)); !finite(f) {
				report(fieldError("test_shift", "makes the test loss not finite at a run's start; left out"))
				s.TestShift = nil
				break
			}
		}
	}
	return s, x, errs
}

// queryPath names a top-level query key as the JSON path of its setting.
func queryPath(key string) string {
	switch key {
	case "surface":
		return "surface.name"
	case "formula", "dataset", "data":
		return "surface." + key
	case "shift":
		return "test_shift"
	case "run":
		return "runs"
	}
	if slices.Contains(queryTopKeys, key) {
		return key
	}
	return "surface." + key
}

// parseSurface reads the surface's parameters (and formula) and builds it;
// a parameter sim rejects keeps its default, a bad formula falls back to
// the default surface.
func parseSurface(q url.Values, name string, first func(string) (string, bool), report func(error)) (sim.Surface, sim.SurfaceConfig) {
	cfg := sim.SurfaceConfig{Name: name, Params: map[string]float64{}}
	info, _ := catalogEntry(name)
	for _, p := range info.Params {
		cfg.Params[p.Name] = p.Default
	}
	given := map[string]bool{}
	for _, p := range info.Params {
		if v, ok := first(p.Name); ok {
			if f, err := parseNumber(v, "surface."+p.Name); err != nil {
				report(err)
			} else {
				cfg.Params[p.Name] = f
				given[p.Name] = true
			}
		}
	}
	if v, ok := first("formula"); ok {
		if name != sim.SurfaceCustom {
			report(fieldErrorf("surface.formula", "only the custom surface takes a formula (this link's surface is %s)", name))
		} else {
			cfg.Formula = v
		}
	}
	parseDataQuery(first, &cfg, report) // scenario/data.go
	for range len(info.Params) + 1 {
		surf, err := sim.NewSurface(cfg)
		if err == nil {
			return surf, cfg
		}
		fe, _ := asFieldError(err)
		report(sim.Prefix("surface", err))
		if fe != nil && given[fe.Field] {
			p, _ := paramInfo(info, fe.Field)
			cfg.Params[fe.Field] = p.Default
			delete(given, fe.Field)
			continue
		}
		break
	}
	// The surface cannot be built (a bad formula): use the default one.
	return defaultSurfaceBuilt()
}

// defaultSurfaceBuilt returns the default surface with its default
// parameters, which a link falls back to when its own cannot be used.
func defaultSurfaceBuilt() (sim.Surface, sim.SurfaceConfig) {
	info, _ := catalogEntry(defaultSurface)
	cfg := sim.SurfaceConfig{Name: defaultSurface, Params: map[string]float64{}}
	for _, p := range info.Params {
		cfg.Params[p.Name] = p.Default
	}
	surf, err := sim.NewSurface(cfg)
	if err != nil {
		panic("scenario: the default surface cannot be built: " + err.Error())
	}
	return surf, cfg
}

func paramInfo(info sim.SurfaceInfo, name string) (sim.ParamInfo, bool) {
	for _, p := range info.Params {
		if p.Name == name {
			return p, true
		}
	}
	return sim.ParamInfo{}, false
}

// parseRun reads one run= value. ok is false when the run is left out (its
// optimizer is unknown); errs has one error per bad setting, each of which
// keeps its default.
func parseRun(raw, path string, surf sim.Surface, steps int) (rc sim.RunConfig, ok bool, errs []error) {
	info := surf.Info()
	game := info.Kind == sim.KindGame
	report := func(err error) { errs = append(errs, err) }

	pieces := strings.Split(raw, ",")
	name := strings.TrimSpace(pieces[0])
	oKeys, known := optimizerKeys[name]
	if !known {
		report(unknownName(join(path, "optimizer.name"), "optimizer", name, sim.OptimizerNames, sim.ErrUnknownOptimizer))
		return rc, false, errs
	}
	type pair struct{ key, val string }
	var pairs []pair
	for _, p := range pieces[1:] {
		k, v, hasEq := strings.Cut(p, "=")
		if (!hasEq || k == "") && len(pairs) > 0 && pairs[len(pairs)-1].key == "label" {
			pairs[len(pairs)-1].val += "," + p // a label written with a bare comma
			continue
		}
		if p == "" {
			report(fieldErrorf(path, "an empty setting (two commas in a row, or one at the end); write key=value between commas"))
			continue
		}
		if !hasEq || k == "" {
			report(fieldErrorf(path, "%s is not key=value", quote(p)))
			continue
		}
		pairs = append(pairs, pair{k, v})
	}

	sched := sim.SchedConstant
	yName := name
	for _, p := range pairs {
		switch p.key {
		case "sched":
			if _, ok := schedulerKeys[p.val]; ok {
				sched = p.val
			} else {
				report(unknownName(join(path, "scheduler.name"), "scheduler", p.val, sim.SchedulerNames, sim.ErrUnknownScheduler))
			}
		case "opt_y":
			if !game {
				break // reported below with the other game keys
			}
			if _, ok := optimizerKeys[p.val]; ok {
				yName = p.val
			} else {
				report(unknownName(join(path, "optimizer_y.name"), "optimizer", p.val, sim.OptimizerNames, sim.ErrUnknownOptimizer))
			}
		}
	}
	sKeys := schedulerKeys[sched]
	allowed := slices.Concat(oKeys, sKeys, runExtraKeys)
	if info.Data != nil {
		allowed = append(allowed, "batch_size") // scenario/data.go
	}
	if game {
		allowed = append(allowed, gameKeys...)
		for _, k := range optimizerKeys[yName] {
			if k != "lr" {
				allowed = append(allowed, k+"_y")
			}
		}
	}

	var sets []setter
	seen := map[string]bool{}
	for _, p := range pairs {
		k := p.key
		if !slices.Contains(allowed, k) {
			what := name
			if sched != sim.SchedConstant {
				what += " with " + sched
			}
			if !game && (slices.Contains(gameKeys, k) || strings.HasSuffix(k, "_y")) {
				report(fieldErrorf(join(path, k), "only for game surfaces (kind %q), and %s is not one", sim.KindGame, info.Name))
				continue
			}
			report(unknownKey(path, k, what, allowed))
			continue
		}
		field := runKeyField(k, oKeys, sKeys)
		if seen[k] {
			report(fieldErrorf(join(path, field), "%s is given twice; the first is used", quote(k)))
			continue
		}
		seen[k] = true
		at := join(path, field)
		val := p.val
		var set func(b *runBuild)
		var err error
		switch {
		case k == "sched" || k == "opt_y":
			continue // read above
		case slices.Contains(oKeys, k):
			var probe sim.OptimizerConfig
			if _, err = parseText(optimizerField(&probe, k), val, at); err == nil {
				set = func(b *runBuild) { must(parseText(optimizerField(&b.rc.Optimizer, k), val, at)) }
			}
		case slices.Contains(sKeys, k):
			var probe sim.SchedulerConfig
			if _, err = parseText(schedulerField(&probe, k), val, at); err == nil {
				set = func(b *runBuild) { must(parseText(schedulerField(&b.rc.Scheduler, k), val, at)) }
			}
		case k == "x" || k == "y":
			var v float64
			if v, err = parseNumber(val, at); err == nil {
				if k == "x" {
					set = func(b *runBuild) { b.rc.Start.X = v }
				} else {
					set = func(b *runBuild) { b.rc.Start.Y = v }
				}
			}
		case k == "noise":
			var v float64
			if v, err = parseNumber(val, at); err == nil {
				set = func(b *runBuild) { b.rc.Noise = v }
			}
		case k == "seed":
			var n int
			if n, err = parseInt(val, at, 0, maxSeed); err == nil {
				set = func(b *runBuild) { b.rc.Seed = uint64(n) }
			}
		case k == "batch_size":
			var n int
			if n, err = parseInt(val, at, 1, info.Data.Rows); err == nil {
				set = func(b *runBuild) { b.rc.BatchSize = n }
			}
		case k == "label":
			v := unescapeLabel(val)
			if n := len([]rune(v)); n > maxLabel {
				err = fieldErrorf(at, "must be at most %d characters, got %d", maxLabel, n)
			} else {
				set = func(b *runBuild) { b.rc.Label = v }
			}
		case k == "updates":
			if val == sim.UpdatesSimultaneous || val == sim.UpdatesAlternating {
				set = func(b *runBuild) { b.rc.Updates = val }
			} else {
				err = fieldErrorf(at, "unknown value %s; allowed: %s, %s", quote(val), sim.UpdatesSimultaneous, sim.UpdatesAlternating)
			}
		default: // lr_y and KEY_y
			yk := strings.TrimSuffix(k, "_y")
			var probe sim.OptimizerConfig
			if _, err = parseText(optimizerField(&probe, yk), val, at); err == nil {
				set = func(b *runBuild) { b.hasY = true; must(parseText(optimizerField(&b.y, yk), val, at)) }
			}
		}
		if err != nil {
			report(err)
			continue
		}
		sets = append(sets, setter{key: k, field: field, apply: set})
	}

	build := func() sim.RunConfig {
		b := &runBuild{yName: yName}
		b.rc.Optimizer = sim.DefaultOptimizer(name, defaultLR(name))
		b.rc.Scheduler = sim.DefaultScheduler(sched, steps)
		b.rc.Start = info.Start
		if info.Data != nil {
			b.rc.BatchSize = info.Data.Rows
		}
		for _, s := range sets {
			if !strings.HasPrefix(s.field, "optimizer_y") {
				s.apply(b)
			}
		}
		if game {
			b.rc.Updates = cmpOr(b.rc.Updates, sim.UpdatesSimultaneous)
			if yName != name {
				b.hasY = true
				b.y = sim.DefaultOptimizer(yName, b.rc.Optimizer.LR)
			} else {
				b.y = b.rc.Optimizer
			}
			for _, s := range sets {
				if strings.HasPrefix(s.field, "optimizer_y") {
					s.apply(b)
				}
			}
			if b.hasY && b.y != b.rc.Optimizer {
				y := b.y
				b.rc.OptimizerY = &y
			}
		}
		return b.rc
	}

	drop := func(match func(setter) bool) bool {
		n := len(sets)
		sets = slices.DeleteFunc(sets, match)
		return len(sets) < n
	}
	for range len(sets) + 2 {
		rc = build()
		err := checkStart(rc.Start, info.View, join(path, "start"))
		if err == nil {
			if _, err = sim.NewRun(surf, rc, steps); err == nil {
				return rc, true, errs
			}
			err = sim.Prefix(path, err)
		}
		report(err)
		fe, _ := asFieldError(err)
		field := strings.TrimPrefix(fe.Field, path+".")
		base := trailingIndex.ReplaceAllString(field, "")
		switch {
		case field == "start[0]" || field == "start[1]":
			if drop(func(s setter) bool { return s.field == field }) {
				continue
			}
		case base == "start":
			if drop(func(s setter) bool { return strings.HasPrefix(s.field, "start") }) {
				continue
			}
		}
		if drop(func(s setter) bool { return s.field == base }) {
			continue
		}
		// The error is about a default or a combination: give up the part.
		switch {
		case strings.HasPrefix(field, "scheduler") && sched != sim.SchedConstant:
			sched = sim.SchedConstant
			drop(func(s setter) bool { return strings.HasPrefix(s.field, "scheduler") })
			continue
		case strings.HasPrefix(field, "optimizer_y"):
			dropped := drop(func(s setter) bool { return strings.HasPrefix(s.field, "optimizer_y") })
			if dropped || yName != name {
				yName = name
				continue
			}
		}
		return rc, false, errs
	}
	return rc, false, errs
}

// runKeyField returns the JSON path, inside a run, of a run= key.
func runKeyField(k string, oKeys, sKeys []string) string {
	switch {
	case k == "sched":
		return "scheduler.name"
	case k == "opt_y":
		return "optimizer_y.name"
	case k == "lr_y":
		return "optimizer_y.lr"
	case k == "x":
		return "start[0]"
	case k == "y":
		return "start[1]"
	case slices.Contains(oKeys, k):
		return "optimizer." + k
	case slices.Contains(sKeys, k):
		return "scheduler." + k
	case slices.Contains(runExtraKeys, k) || k == "updates":
		return k
	case strings.HasSuffix(k, "_y"):
		return "optimizer_y." + strings.TrimSuffix(k, "_y")
	}
	return k
}

var trailingIndex = regexp.MustCompile(`\[[0-9]+\]$`)

// must runs the assignment parseText returned for a value it has read
// before without error.
func must(assign func(), err error) {
	if err != nil {
		panic("scenario: value read twice differently: " + err.Error())
	}
	assign()
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
