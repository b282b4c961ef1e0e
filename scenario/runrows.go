package scenario

import (
	"encoding/json"
	"slices"
	"strings"

	"lrlab/sim"
)

// This file reads and writes the run-level settings (runTable in schema.go)
// generically, by each row's type and field: the run's JSON object (Decode,
// MarshalJSON), its share-link run= value (ParseQuery, Query), and the
// websocket set (MergeRun). What a row needs beyond its Spec is in its
// runSetting: the field, the surfaces it applies to, its link keys.

// The surfaces a run-level row applies to (runSetting.only).
const (
	everySurface = ""
	gameSurfaces = "game" // kind sim.KindGame
	dataSurfaces = "data" // linreg, logreg
)

// runSetting is a run-level row: its spec, the field of sim.RunConfig it
// sets, and what is particular to it.
type runSetting struct {
	Spec
	// field returns a pointer to the setting's field: *string (string,
	// enum), *sim.Point (pair), **sim.OptimizerConfig (an optimizer merged
	// over the run's), *float64, *int or *uint64 (int).
	field func(*sim.RunConfig) any
	what  string // the meaning, for messages, or a pair's elements ("[x, y]")
	only  string // everySurface, gameSurfaces or dataSurfaces
	// surfaceDef is the default the surface gives, when Def gives none (the
	// start point, the data set's rows).
	surfaceDef func(sim.SurfaceInfo) any
	// surfaceMax is the upper bound the surface sets, when Max sets none.
	surfaceMax func(sim.SurfaceInfo) int
	// check is a further check of the value on the surface, after it is
	// read (or defaulted); path is the setting's JSON path.
	check func(rc *sim.RunConfig, info sim.SurfaceInfo, path string) error
	// link lists a pair's share-link keys, one per element (start: x, y).
	link []string
}

// applies reports whether the row is a setting of runs on the surface.
func (s *runSetting) applies(info sim.SurfaceInfo) bool {
	switch s.only {
	case gameSurfaces:
		return info.Kind == sim.KindGame
	case dataSurfaces:
		return info.Data != nil
	}
	return true
}

// notHere is the error for the row given on a surface it does not apply
// to; allowed lists the keys of the run there, for a game row.
func (s *runSetting) notHere(info sim.SurfaceInfo, path string, allowed []string) error {
	if s.only == dataSurfaces {
		return fieldErrorf(path, "only for the data surfaces %s and %s, and %s is not one", sim.SurfaceLinReg, sim.SurfaceLogReg, info.Name)
	}
	msg := "only for game surfaces (kind %q), and %s is not one"
	if allowed == nil {
		return fieldErrorf(path, msg, sim.KindGame, info.Name)
	}
	return fieldErrorf(path, msg+"; allowed: %s", sim.KindGame, info.Name, allowedKeys(allowed))
}

// omitZero reports whether the normalised JSON (and the link) leaves the
// row out at its zero value: a row of some surfaces only (zero elsewhere),
// or an optional one without a default of any kind.
func (s *runSetting) omitZero() bool {
	return s.only != everySurface || s.Optional && s.Def == nil && s.surfaceDef == nil
}

// queryKey is the row's share-link key.
func (s *runSetting) queryKey() string { return cmpOr(s.Query, s.Key) }

// isOptimizer reports whether the row is an optimizer object merged over
// the run's (optimizer_y).
func (s *runSetting) isOptimizer() bool {
	_, ok := s.field(&sim.RunConfig{}).(**sim.OptimizerConfig)
	return ok
}

// bounds returns an int row's range on the surface (nil: on any surface).
func (s *runSetting) bounds(info *sim.SurfaceInfo) (lo, hi int) {
	lo, hi = 0, maxInt
	if s.Min != nil {
		lo = int(*s.Min)
	}
	switch {
	case s.surfaceMax != nil && info != nil: // within Max, which bounds every surface
		hi = s.surfaceMax(*info)
	case s.Max != nil:
		hi = int(*s.Max)
	}
	return lo, hi
}

// allowedText describes a float row's range for a message: "≥ 0 (what)".
func (s *runSetting) allowedText() string {
	var parts []string
	if s.Min != nil {
		op := "≥ "
		if s.ExclusiveMin {
			op = "> "
		}
		parts = append(parts, op+formatNumber(*s.Min))
	}
	if s.Max != nil {
		op := "≤ "
		if s.ExclusiveMax {
			op = "< "
		}
		parts = append(parts, op+formatNumber(*s.Max))
	}
	t := strings.Join(parts, " and ")
	if s.what != "" {
		t += " (" + s.what + ")"
	}
	return t
}

// inRange reports whether v lies within a float row's bounds.
func (s *runSetting) inRange(v float64) bool {
	if s.Min != nil && (v < *s.Min || s.ExclusiveMin && v == *s.Min) {
		return false
	}
	return s.Max == nil || !(v > *s.Max || s.ExclusiveMax && v == *s.Max)
}

// checkEnum checks an enum row's value against its options.
func (s *runSetting) checkEnum(v, path string) error {
	if !slices.Contains(s.Options, v) {
		return fieldErrorf(path, "unknown value %s; allowed: %s", quote(v), strings.Join(s.Options, ", "))
	}
	return nil
}

// runRow returns the run-level row key.
func runRow(key string) (*runSetting, bool) {
	for i := range runTable {
		if runTable[i].Key == key {
			return &runTable[i], true
		}
	}
	return nil, false
}

// AnalysisRunKeys returns the keys of the run-level settings an analysis of
// one run (the LR range test, the sweep, the flat share) reads from its
// request beside the surface and the start, leaving out except (settings
// the analysis sets itself, such as the sweep's seeds). These are the
// table's rows, in its order, but for three kinds: the label, which only
// names a run; the start, which is read with the surface (Object.SurfaceStart);
// and a game's rows, since the analyses minimise a surface. So a run-level
// setting added to the table reaches the analyses with no change here.
func AnalysisRunKeys(except ...string) []string {
	var out []string
	for i := range runTable {
		s := &runTable[i]
		if s.Key == "label" || s.Key == "start" || s.only == gameSurfaces || slices.Contains(except, s.Key) {
			continue
		}
		out = append(out, s.Key)
	}
	return out
}

// RunDefaults returns the run-level settings a run on the surface takes
// when it gives none: each row's default (Def, or the surface's own, such
// as its start point), the zero value for a row that does not apply. The
// optimizer and the scheduler are left zero.
func RunDefaults(info sim.SurfaceInfo) sim.RunConfig {
	var rc sim.RunConfig
	for i := range runTable {
		s := &runTable[i]
		if !s.applies(info) {
			continue
		}
		switch {
		case s.Def != nil:
			setDefault(s.field(&rc), s.Def)
		case s.surfaceDef != nil:
			setDefault(s.field(&rc), s.surfaceDef(info))
		}
	}
	return rc
}

func setDefault(ptr, v any) {
	switch p := ptr.(type) {
	case *string:
		*p = v.(string)
	case *float64:
		*p = v.(float64)
	case *int:
		*p = v.(int)
	case *uint64:
		*p = uint64(v.(int))
	case *sim.Point:
		*p = v.(sim.Point)
	default:
		panic("scenario: default of a run field of unknown type")
	}
}

// readJSON reads raw, the value of row s at path, into rc, bounded on the
// surface info (nil: on any surface); an optimizer row merges over
// rc.Optimizer.
func (s *runSetting) readJSON(raw json.RawMessage, path string, info *sim.SurfaceInfo, rc *sim.RunConfig) error {
	switch p := s.field(rc).(type) {
	case *string:
		if s.Type == "enum" {
			v, err := readString(raw, path, maxString)
			if err != nil {
				return err
			}
			if err := s.checkEnum(v, path); err != nil {
				return err
			}
			*p = v
			return nil
		}
		v, err := readString(raw, path, s.MaxLength)
		if err != nil {
			return err
		}
		*p = v
	case *sim.Point:
		v, err := readPair(raw, path, s.what)
		if err != nil {
			return err
		}
		*p = sim.Point{X: v[0], Y: v[1]}
	case **sim.OptimizerConfig:
		y, err := decodeOptimizer(rc.Optimizer, raw, path)
		if err != nil {
			return err
		}
		*p = nil
		if y != rc.Optimizer { // an identical copy is the default
			*p = &y
		}
	case *float64:
		v, err := readNumberIn(raw, path, s.inRange, s.allowedText())
		if err != nil {
			return err
		}
		*p = v
	case *int:
		lo, hi := s.bounds(info)
		v, err := readInt(raw, path, lo, hi)
		if err != nil {
			return err
		}
		*p = v
	case *uint64:
		lo, hi := s.bounds(info)
		v, err := readInt(raw, path, lo, hi)
		if err != nil {
			return err
		}
		*p = uint64(v)
	default:
		panic("scenario: run field of unknown type")
	}
	return nil
}

// RunSetting reads the run-level setting key (a row of the schema's run,
// such as "start") of o into rc, as Decode reads it in a run: its type and
// range, the surface it applies to (info), the row's further check (the
// start's distance from the map). Absent or null, rc keeps its value. An
// analysis request reads its run settings so; errors name the key.
func (o *Object) RunSetting(rc *sim.RunConfig, key string, info sim.SurfaceInfo) error {
	s, ok := runRow(key)
	if !ok {
		panic("scenario: no run setting " + key)
	}
	path := join(o.path, key)
	raw := o.get(key)
	if raw != nil && !s.applies(info) {
		return s.notHere(info, path, nil)
	}
	if raw != nil {
		if err := s.readJSON(raw, path, &info, rc); err != nil {
			return err
		}
	}
	if s.check != nil {
		return s.check(rc, info, path)
	}
	return nil
}

// checkRunRows runs the further checks of the run rows on rc (the start's
// distance from the map); path names the run.
func checkRunRows(rc *sim.RunConfig, info sim.SurfaceInfo, path string) error {
	for i := range runTable {
		if s := &runTable[i]; s.check != nil && s.applies(info) {
			if err := s.check(rc, info, join(path, s.Key)); err != nil {
				return err
			}
		}
	}
	return nil
}

// runObjectKeys lists the keys of a run's JSON object on the surface (all
// surfaces when info is nil): the rows in order, the optimizer before the
// game rows and the scheduler after them.
func runObjectKeys(info *sim.SurfaceInfo) []string {
	var keys []string
	for i := range runTable {
		s := &runTable[i]
		if s.only == gameSurfaces && !slices.Contains(keys, "optimizer") {
			keys = append(keys, "optimizer")
		}
		if s.only != gameSurfaces && slices.Contains(keys, "optimizer") && !slices.Contains(keys, "scheduler") {
			keys = append(keys, "scheduler")
		}
		if info == nil || s.only != gameSurfaces || s.applies(*info) {
			keys = append(keys, s.Key)
		}
	}
	return keys
}

// decodeRun reads one run. Its values are checked by sim.NewRun afterwards.
func decodeRun(raw json.RawMessage, path string, info sim.SurfaceInfo, steps int) (sim.RunConfig, error) {
	o, err := readObject(raw, path, "a run")
	if err != nil {
		return sim.RunConfig{}, err
	}
	keys := runObjectKeys(&info)
	for i := range runTable {
		s := &runTable[i]
		if s.only == gameSurfaces && !s.applies(info) && o.has(s.Key) {
			return sim.RunConfig{}, s.notHere(info, join(path, s.Key), keys)
		}
	}
	if err := o.only("a run", keys...); err != nil {
		return sim.RunConfig{}, err
	}
	rc := RunDefaults(info)
	for _, k := range keys {
		if err := decodeRunKey(o, k, path, info, steps, &rc); err != nil {
			return rc, err
		}
	}
	return rc, nil
}

// decodeRunKey reads key k of the run object o into rc.
func decodeRunKey(o *Object, k, path string, info sim.SurfaceInfo, steps int, rc *sim.RunConfig) error {
	var err error
	switch k {
	case "optimizer":
		v := o.get("optimizer")
		if v == nil {
			return fieldError(join(path, "optimizer"), "required: an object such as {\"name\": \"sgd\", \"lr\": 0.1}")
		}
		rc.Optimizer, err = decodeOptimizer(sim.OptimizerConfig{}, v, join(path, "optimizer"))
	case "scheduler":
		rc.Scheduler = sim.DefaultScheduler(sim.SchedConstant, steps)
		if v := o.get("scheduler"); v != nil {
			rc.Scheduler, err = decodeScheduler(sim.SchedulerConfig{}, v, join(path, "scheduler"), steps)
		}
	default:
		err = o.RunSetting(rc, k, info)
	}
	return err
}

// writeRun writes a run's normalised JSON object.
func (w *jsonWriter) run(rc sim.RunConfig) {
	w.open('{')
	for _, k := range runObjectKeys(nil) {
		switch k {
		case "optimizer":
			w.key(k)
			w.optimizer(rc.Optimizer)
		case "scheduler":
			w.key(k)
			w.scheduler(rc.Scheduler)
		default:
			s, _ := runRow(k)
			ptr := s.field(&rc)
			if s.omitZero() && isZero(ptr) {
				continue
			}
			w.key(k)
			switch p := ptr.(type) {
			case **sim.OptimizerConfig:
				w.optimizer(**p)
			case *sim.Point:
				w.pair(p.X, p.Y)
			default:
				w.value(ptr)
			}
		}
	}
	w.close('}')
}

// isZero reports whether the run field ptr points to holds its zero value.
func isZero(ptr any) bool {
	switch p := ptr.(type) {
	case *string:
		return *p == ""
	case *float64:
		return *p == 0
	case *int:
		return *p == 0
	case *uint64:
		return *p == 0
	case *sim.Point:
		return *p == sim.Point{}
	case **sim.OptimizerConfig:
		return *p == nil
	}
	panic("scenario: run field of unknown type")
}

// linkRows lists the run rows in the order a run= value writes them: the
// rows of every surface, the string rows (the label) last among them, as
// they may hold a bare comma; then the game rows, then the data rows.
var linkRows = func() []*runSetting {
	var rows []*runSetting
	for _, pick := range []func(*runSetting) bool{
		func(s *runSetting) bool { return s.only == everySurface && s.Type != "string" },
		func(s *runSetting) bool { return s.only == everySurface && s.Type == "string" },
		func(s *runSetting) bool { return s.only == gameSurfaces },
		func(s *runSetting) bool { return s.only == dataSurfaces },
	} {
		for i := range runTable {
			if pick(&runTable[i]) {
				rows = append(rows, &runTable[i])
			}
		}
	}
	return rows
}()

// linkKeys lists the run= keys of the rows that pick accepts, in link
// order: a pair's element keys, an optimizer row's name key and its lr
// (opt_y, lr_y; its other keys are KEY_y, added by the caller).
func linkKeys(pick func(*runSetting) bool) []string {
	var keys []string
	for _, s := range linkRows {
		switch {
		case !pick(s):
		case s.link != nil:
			keys = append(keys, s.link...)
		case s.isOptimizer():
			keys = append(keys, s.queryKey(), "lr"+strings.TrimPrefix(s.Key, "optimizer"))
		default:
			keys = append(keys, s.queryKey())
		}
	}
	return keys
}

// linkRow returns the row of run= key k and the JSON path of k inside a
// run (x: start, "start[0]"; opt_y: optimizer_y, "optimizer_y.name"; lr_y:
// "optimizer_y.lr"), or nil.
func linkRow(k string) (*runSetting, string) {
	for _, s := range linkRows {
		if i := slices.Index(s.link, k); i >= 0 {
			return s, index(s.Key, i)
		}
		switch {
		case s.isOptimizer() && k == s.queryKey():
			return s, s.Key + ".name"
		case s.isOptimizer() && k == "lr"+strings.TrimPrefix(s.Key, "optimizer"):
			return s, s.Key + ".lr"
		case k == s.queryKey():
			return s, s.Key
		}
	}
	return nil, ""
}

// takesCommas reports whether the value of run= key k may hold a bare
// comma: a string row's (the label), written last.
func takesCommas(k string) bool {
	s, _ := linkRow(k)
	return s != nil && s.Type == "string"
}

// linkSetter parses val, the value of run= key k of row s at path at, into
// the change it makes to a run; q's surface bounds it.
func (s *runSetting) linkSetter(k, val, at string, info sim.SurfaceInfo) (func(b *runBuild), error) {
	switch s.field(&sim.RunConfig{}).(type) {
	case *string:
		v := val
		if s.Type == "enum" {
			if err := s.checkEnum(v, at); err != nil {
				return nil, err
			}
		} else {
			v = unescapeLabel(val)
			if n := len([]rune(v)); n > s.MaxLength {
				return nil, fieldErrorf(at, "must be at most %d characters, got %d", s.MaxLength, n)
			}
		}
		return func(b *runBuild) { *s.field(&b.rc).(*string) = v }, nil
	case *sim.Point:
		i := slices.Index(s.link, k)
		v, err := parseNumber(val, at)
		return func(b *runBuild) {
			pt := s.field(&b.rc).(*sim.Point)
			if i == 0 {
				pt.X = v
			} else {
				pt.Y = v
			}
		}, err
	case *float64:
		v, err := parseNumber(val, at)
		return func(b *runBuild) { *s.field(&b.rc).(*float64) = v }, err
	case *int, *uint64:
		lo, hi := s.bounds(&info)
		n, err := parseInt(val, at, lo, hi)
		return func(b *runBuild) {
			switch f := s.field(&b.rc).(type) {
			case *int:
				*f = n
			case *uint64:
				*f = uint64(n)
			}
		}, err
	}
	panic("scenario: run field of unknown type in a link")
}

// linkParts writes the run rows of rc that differ from the defaults def as
// run= pieces, in link order; an optimizer row is written by optimizerY.
func linkParts(rc, def sim.RunConfig, optimizerY func(*sim.OptimizerConfig) []string) []string {
	var parts []string
	for _, s := range linkRows {
		ptr, dptr := s.field(&rc), s.field(&def)
		if s.omitZero() && isZero(ptr) {
			continue
		}
		switch p := ptr.(type) {
		case **sim.OptimizerConfig:
			parts = append(parts, optimizerY(*p)...)
		case *sim.Point:
			if d := dptr.(*sim.Point); *p != *d {
				parts = append(parts, s.link[0]+"="+formatShort(p.X), s.link[1]+"="+formatShort(p.Y))
			}
		case *string:
			if *p != *dptr.(*string) {
				v := *p
				if s.Type == "string" {
					v = escapeLabel(v)
				}
				parts = append(parts, s.queryKey()+"="+v)
			}
		default:
			if v := formatText(ptr); v != formatText(dptr) {
				parts = append(parts, s.queryKey()+"="+v)
			}
		}
	}
	return parts
}
