package scenario

import (
	"slices"
	"strings"

	"lrlab/sim"
)

// runQuery is one run= value of a share link while it is read: its pieces,
// the settings taken from them, and one error per bad setting.
type runQuery struct {
	path  string
	surf  sim.Surface
	info  sim.SurfaceInfo
	game  bool
	steps int

	name, sched, yName string   // the optimizer, the scheduler, player y's optimizer
	oKeys, sKeys       []string // the optimizer's and the scheduler's keys
	pairs              []queryPair
	sets               []setter
	errs               []error
}

// queryPair is one key=value of a run.
type queryPair struct{ key, val string }

// parseRun reads one run= value. ok is false when the run is left out (its
// optimizer is unknown); errs has one error per bad setting, each of which
// keeps its default.
func parseRun(raw, path string, surf sim.Surface, steps int) (rc sim.RunConfig, ok bool, errs []error) {
	q := &runQuery{path: path, surf: surf, info: surf.Info(), steps: steps}
	q.game = q.info.Kind == sim.KindGame
	if !q.readPairs(raw) {
		return rc, false, q.errs
	}
	q.readNames()
	allowed := q.allowed()
	seen := map[string]bool{}
	for _, p := range q.pairs {
		q.readSetting(p, allowed, seen)
	}
	rc, ok = q.settle()
	return rc, ok, q.errs
}

func (q *runQuery) report(err error) { q.errs = append(q.errs, err) }

// readPairs reads the optimizer's name and the key=value pieces after it; it
// is false when the optimizer is unknown.
func (q *runQuery) readPairs(raw string) bool {
	pieces := strings.Split(raw, ",")
	q.name = strings.TrimSpace(pieces[0])
	oKeys, known := optimizerKeys[q.name]
	if !known {
		q.report(unknownName(join(q.path, "optimizer.name"), "optimizer", q.name, sim.OptimizerNames, sim.ErrUnknownOptimizer))
		return false
	}
	q.oKeys = oKeys
	for _, p := range pieces[1:] {
		k, v, hasEq := strings.Cut(p, "=")
		if (!hasEq || k == "") && len(q.pairs) > 0 && takesCommas(q.pairs[len(q.pairs)-1].key) {
			q.pairs[len(q.pairs)-1].val += "," + p // a label written with a bare comma
			continue
		}
		if p == "" {
			q.report(fieldErrorf(q.path, "an empty setting (two commas in a row, or one at the end); write key=value between commas"))
			continue
		}
		if !hasEq || k == "" {
			q.report(fieldErrorf(q.path, "%s is not key=value", quote(p)))
			continue
		}
		q.pairs = append(q.pairs, queryPair{k, v})
	}
	return true
}

// readNames reads sched= and (on a game surface) opt_y=, which decide the
// keys the other settings may take.
func (q *runQuery) readNames() {
	q.sched, q.yName = sim.SchedConstant, q.name
	for _, p := range q.pairs {
		switch {
		case p.key == "sched":
			if _, ok := schedulerKeys[p.val]; ok {
				q.sched = p.val
			} else {
				q.report(unknownName(join(q.path, "scheduler.name"), "scheduler", p.val, sim.SchedulerNames, sim.ErrUnknownScheduler))
			}
		case p.key == "opt_y" && q.game: // elsewhere reported with the other game keys
			if _, ok := optimizerKeys[p.val]; ok {
				q.yName = p.val
			} else {
				q.report(unknownName(join(q.path, "optimizer_y.name"), "optimizer", p.val, sim.OptimizerNames, sim.ErrUnknownOptimizer))
			}
		}
	}
	q.sKeys = schedulerKeys[q.sched]
}

// allowed returns the keys this run may take.
func (q *runQuery) allowed() []string {
	allowed := slices.Concat(q.oKeys, q.sKeys, runExtraKeys,
		linkKeys(func(s *runSetting) bool { return s.only != everySurface && s.applies(q.info) }))
	if q.game {
		for _, k := range optimizerKeys[q.yName] {
			if k != "lr" {
				allowed = append(allowed, k+"_y")
			}
		}
	}
	return allowed
}

// readSetting checks pair p's key and value and keeps its setter; a bad one
// is reported and keeps its default.
func (q *runQuery) readSetting(p queryPair, allowed []string, seen map[string]bool) {
	k := p.key
	if !slices.Contains(allowed, k) {
		what := q.name
		if q.sched != sim.SchedConstant {
			what += " with " + q.sched
		}
		if !q.game && (slices.Contains(gameKeys, k) || strings.HasSuffix(k, "_y")) {
			q.report(fieldErrorf(join(q.path, k), "only for game surfaces (kind %q), and %s is not one", sim.KindGame, q.info.Name))
			return
		}
		q.report(unknownKey(q.path, k, what, allowed))
		return
	}
	field := runKeyField(k, q.oKeys, q.sKeys)
	if seen[k] {
		q.report(fieldErrorf(join(q.path, field), "%s is given twice; the first is used", quote(k)))
		return
	}
	seen[k] = true
	if k == "sched" || k == "opt_y" {
		return // read by readNames
	}
	set, err := q.setterOf(k, p.val, join(q.path, field))
	if err != nil {
		q.report(err)
		return
	}
	q.sets = append(q.sets, setter{key: k, field: field, apply: set})
}

// setterOf parses val, the value of key k at path at, into the change it
// makes to a run.
func (q *runQuery) setterOf(k, val, at string) (func(b *runBuild), error) {
	switch {
	case slices.Contains(q.oKeys, k):
		var probe sim.OptimizerConfig
		if _, err := parseText(optimizerField(&probe, k), val, at); err != nil {
			return nil, err
		}
		return func(b *runBuild) { must(parseText(optimizerField(&b.rc.Optimizer, k), val, at)) }, nil
	case slices.Contains(q.sKeys, k):
		var probe sim.SchedulerConfig
		if _, err := parseText(schedulerField(&probe, k), val, at); err != nil {
			return nil, err
		}
		return func(b *runBuild) { must(parseText(schedulerField(&b.rc.Scheduler, k), val, at)) }, nil
	}
	if s, _ := linkRow(k); s != nil && !s.isOptimizer() {
		return s.linkSetter(k, val, at, q.info) // scenario/runrows.go
	}
	// lr_y and KEY_y
	yk := strings.TrimSuffix(k, "_y")
	var probe sim.OptimizerConfig
	if _, err := parseText(optimizerField(&probe, yk), val, at); err != nil {
		return nil, err
	}
	return func(b *runBuild) { b.hasY = true; must(parseText(optimizerField(&b.y, yk), val, at)) }, nil
}

// build applies the settings kept to the defaults of the run.
func (q *runQuery) build() sim.RunConfig {
	b := &runBuild{yName: q.yName, rc: RunDefaults(q.info)}
	b.rc.Optimizer = sim.DefaultOptimizer(q.name, defaultLR(q.name))
	b.rc.Scheduler = sim.DefaultScheduler(q.sched, q.steps)
	q.apply(b, false)
	if q.game {
		if q.yName != q.name {
			b.hasY = true
			b.y = sim.DefaultOptimizer(q.yName, b.rc.Optimizer.LR)
		} else {
			b.y = b.rc.Optimizer
		}
		q.apply(b, true)
		if b.hasY && b.y != b.rc.Optimizer {
			y := b.y
			b.rc.OptimizerY = &y
		}
	}
	return b.rc
}

// apply applies the settings of player y's optimizer (y) or the others.
func (q *runQuery) apply(b *runBuild, y bool) {
	for _, s := range q.sets {
		if strings.HasPrefix(s.field, "optimizer_y") == y {
			s.apply(b)
		}
	}
}

// drop removes the settings that match; it reports whether there were any.
func (q *runQuery) drop(match func(setter) bool) bool {
	n := len(q.sets)
	q.sets = slices.DeleteFunc(q.sets, match)
	return len(q.sets) < n
}

// settle builds the run, and while sim refuses it, reports why and gives
// up the setting (or, for a default or a combination, the part) it names.
func (q *runQuery) settle() (sim.RunConfig, bool) {
	var rc sim.RunConfig
	for range len(q.sets) + 2 {
		rc = q.build()
		err := checkRunRows(&rc, q.info, q.path)
		if err == nil {
			if _, err = sim.NewRun(q.surf, rc, q.steps); err == nil {
				return rc, true
			}
			err = sim.Prefix(q.path, err)
		}
		q.report(err)
		if !q.giveUp(err) {
			return rc, false
		}
	}
	return rc, false
}

// giveUp drops what err names; it is false when there is nothing left to
// drop.
func (q *runQuery) giveUp(err error) bool {
	fe, _ := asFieldError(err)
	field := strings.TrimPrefix(fe.Field, q.path+".")
	base := trailingIndex.ReplaceAllString(field, "")
	if r, _ := runRow(base); r != nil && r.link != nil {
		// a pair written one key per element: the element named, or all
		whole := field == base
		if q.drop(func(s setter) bool { return s.field == field || whole && strings.HasPrefix(s.field, base+"[") }) {
			return true
		}
	}
	if q.drop(func(s setter) bool { return s.field == base }) {
		return true
	}
	// The error is about a default or a combination: give up the part.
	switch {
	case strings.HasPrefix(field, "scheduler") && q.sched != sim.SchedConstant:
		q.sched = sim.SchedConstant
		q.drop(func(s setter) bool { return strings.HasPrefix(s.field, "scheduler") })
		return true
	case strings.HasPrefix(field, "optimizer_y"):
		dropped := q.drop(func(s setter) bool { return strings.HasPrefix(s.field, "optimizer_y") })
		if dropped || q.yName != q.name {
			q.yName = q.name
			return true
		}
	}
	return false
}
