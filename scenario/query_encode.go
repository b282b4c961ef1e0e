package scenario

import (
	"net/url"
	"slices"
	"strings"

	"lrlab/sim"
)

// Query returns the scenario and the extras as share-link query values,
// leaving out every key at its default (ParseQuery reads them back to an
// equal scenario). Use Encode or EncodeQuery to write them in the link's
// order with readable escaping; url.Values.Encode also works but escapes
// the run values' commas.
func (s Scenario) Query(x Extras) url.Values {
	q := url.Values{}
	q.Set("surface", s.Surface.Name)
	info, _ := catalogEntry(s.Surface.Name)
	for _, k := range paramOrder(s.Surface) {
		v := s.Surface.Params[k]
		if p, ok := paramInfo(info, k); ok && p.Default == v {
			continue
		}
		q.Set(k, formatShort(v))
	}
	if s.Surface.Name == sim.SurfaceCustom {
		q.Set("formula", s.Surface.Formula)
	}
	queryData(q, s.Surface) // scenario/data.go
	if b := s.View; b != nil {
		q.Set("view", strings.Join([]string{formatShort(b.XMin), formatShort(b.XMax), formatShort(b.YMin), formatShort(b.YMax)}, ","))
	}
	if s.Steps != DefaultSteps {
		q.Set("steps", formatText(&s.Steps))
	}
	if x.Rate != DefaultRate {
		q.Set("rate", formatText(&x.Rate))
	}
	if p := s.TestShift; p != nil {
		q.Set("shift", formatShort(p.X)+","+formatShort(p.Y))
	}
	var def sim.RunConfig // the run rows' defaults on the surface
	if info, err := surfaceInfo(s.Surface); err == nil {
		def = RunDefaults(info)
	}
	for _, rc := range s.Runs {
		q.Add("run", encodeRun(rc, s.Steps, def))
	}
	if x.Lang != "" && x.Lang != DefaultExtras.Lang {
		q.Set("lang", x.Lang)
	}
	if x.Embed {
		q.Set("embed", "1")
	}
	if x.Present {
		q.Set("present", "1")
	}
	if x.Hide != "" {
		q.Set("hide", x.Hide)
	}
	if x.Branch != "" {
		q.Set("branch", x.Branch)
	}
	return q
}

// surfaceInfo describes the surface c names, built with its parameters.
func surfaceInfo(c sim.SurfaceConfig) (sim.SurfaceInfo, error) {
	surf, err := sim.NewSurface(c)
	if err != nil {
		return sim.SurfaceInfo{}, err
	}
	return surf.Info(), nil
}

// encodeRun writes one run as the value of a run= key, leaving out the run
// rows at their defaults rowDefs.
func encodeRun(rc sim.RunConfig, steps int, rowDefs sim.RunConfig) string {
	o := rc.Optimizer
	parts := []string{o.Name}
	def := sim.DefaultOptimizer(o.Name, defaultLR(o.Name))
	for _, k := range optimizerKeys[o.Name] {
		if k != "lr" {
			def.LR = o.LR // the other defaults do not depend on lr
		}
		if v := formatText(optimizerField(&o, k)); v != formatText(optimizerField(&def, k)) {
			parts = append(parts, k+"="+v)
		}
	}
	sc := rc.Scheduler
	if sc.Name != sim.SchedConstant {
		parts = append(parts, "sched="+sc.Name)
		sdef := sim.DefaultScheduler(sc.Name, steps)
		for _, k := range schedulerKeys[sc.Name] {
			if v := formatText(schedulerField(&sc, k)); v != formatText(schedulerField(&sdef, k)) {
				parts = append(parts, k+"="+v)
			}
		}
	}
	parts = append(parts, linkParts(rc, rowDefs, func(y *sim.OptimizerConfig) []string { // scenario/runrows.go
		var parts []string
		base := o
		if y.Name != o.Name {
			parts = append(parts, "opt_y="+y.Name)
			base = sim.DefaultOptimizer(y.Name, o.LR)
		}
		for _, k := range optimizerKeys[y.Name] {
			if v := formatText(optimizerField(y, k)); v != formatText(optimizerField(&base, k)) {
				parts = append(parts, k+"_y="+v)
			}
		}
		return parts
	})...)
	return strings.Join(parts, ",")
}

// Encode returns the scenario's share-link query (without "?") with the
// default extras: EncodeQuery(s.Query(DefaultExtras)).
func (s Scenario) Encode() string { return EncodeQuery(s.Query(DefaultExtras)) }

// EncodeQuery writes share-link query values in the link's order (surface,
// its parameters, formula, view, steps, rate, shift, the runs, lang, embed;
// any other keys sorted at the end), escaping what must be escaped but
// keeping ",", "=" and ":" as they are so that runs read as written:
// surface=quadratic&b=10&run=sgd,lr=0.19. The escaping is
// encodeURIComponent's (";" is escaped: Go's url.ParseQuery rejects it).
func EncodeQuery(q url.Values) string {
	var keys []string
	for _, k := range queryTopKeys[:1] {
		if _, ok := q[k]; ok {
			keys = append(keys, k)
		}
	}
	// The surface's parameters, in the catalog's order, then unknown keys.
	var params, rest []string
	info, _ := catalogEntry(q.Get("surface"))
	for _, p := range info.Params {
		if _, ok := q[p.Name]; ok {
			params = append(params, p.Name)
		}
	}
	for k := range q {
		if !slices.Contains(queryTopKeys, k) && !slices.Contains(params, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	keys = append(keys, params...)
	for _, k := range queryTopKeys[1:] {
		if _, ok := q[k]; ok {
			keys = append(keys, k)
		}
	}
	keys = append(keys, rest...)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(escapeComponent(k, false))
			b.WriteByte('=')
			b.WriteString(escapeComponent(v, true))
		}
	}
	return b.String()
}

// escapeComponent escapes s as JavaScript's encodeURIComponent does,
// keeping "," "=" and ":" in values.
func escapeComponent(s string, value bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-_.!~*'()", c) >= 0,
			value && strings.IndexByte(",=:", c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}
