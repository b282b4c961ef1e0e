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

// The keys of a run= value besides the optimizer's and the scheduler's:
// sched=, then the run rows' (scenario/runrows.go), the game rows' only on
// game surfaces.
var (
	runExtraKeys = append([]string{"sched"}, linkKeys(func(s *runSetting) bool { return s.only == everySurface })...)
	gameKeys     = linkKeys(func(s *runSetting) bool { return s.only == gameSurfaces })
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
	case *uint64:
		return strconv.FormatUint(*p, 10)
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

// runKeyField returns the JSON path, inside a run, of a run= key.
func runKeyField(k string, oKeys, sKeys []string) string {
	switch {
	case k == "sched":
		return "scheduler.name"
	case slices.Contains(oKeys, k):
		return "optimizer." + k
	case slices.Contains(sKeys, k):
		return "scheduler." + k
	}
	if _, field := linkRow(k); field != "" {
		return field
	}
	switch {
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
