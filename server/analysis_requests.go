package server

// The requests and answers of the three analyses that analysis.go serves:
// the LR range test, the sweep and the flat share, each decoded strictly
// and answered in JSON written by hand.

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"lrlab/scenario"
	"lrlab/sim"
)

// ---------------------------------------------------------------------------
// The LR range test.

// finderRequest is a decoded lr-finder request.
type finderRequest struct {
	surface sim.Surface
	cfg     sim.FinderConfig
	lambda  float64 // λmax of the Hessian at the start
	steps   int     // how long each suggestion is tried
	work    int64   // work units (cost.go)
}

// decodeFinder reads an lr-finder request body.
func decodeFinder(body []byte, cfg Config) (finderRequest, error) {
	var req finderRequest
	f, err := scenario.ReadObject(body, "an LR range test such as {\"surface\": {\"name\": \"quadratic\"}}", finderKeys...)
	if err != nil {
		return req, err
	}
	var start sim.Point
	if req.surface, start, err = f.SurfaceStart(""); err != nil {
		return req, err
	}
	c := sim.DefaultFinderConfig(start, sim.DefaultOptimizer(sim.OptSGD, 1))
	if raw := f.Raw("optimizer"); raw != nil {
		if c.Optimizer, err = decodeOptimizer(raw, "optimizer"); err != nil {
			return req, err
		}
	}
	if c.StartLR, err = f.Number("start_lr", c.StartLR, positive, "> 0"); err != nil {
		return req, err
	}
	lo := c.StartLR
	if c.EndLR, err = f.Number("end_lr", c.EndLR, func(v float64) bool { return v > lo }, "> start_lr ("+formatG(lo)+")"); err != nil {
		return req, err
	}
	if c.NumIter, err = f.Int("num_iter", c.NumIter, 2, sim.MaxFinderNumIter); err != nil {
		return req, err
	}
	if c.Smooth, err = f.Number("smooth", c.Smooth, func(v float64) bool { return v >= 0 && v < 1 }, "in [0, 1)"); err != nil {
		return req, err
	}
	if c.Smooth == 0 {
		c.Smooth = math.SmallestNonzeroFloat64 // sim reads 0 as its default; this is no smoothing
	}
	if c.Diverge, err = f.Number("diverge", c.Diverge, func(v float64) bool { return v > 1 }, "> 1"); err != nil {
		return req, err
	}
	if err := readRunSettings(f, req.surface, &c.Run, finderRunKeys...); err != nil {
		return req, err
	}
	if req.steps, err = f.Int("steps", min(scenario.DefaultSteps, cfg.MaxSteps), 1, cfg.MaxSteps); err != nil {
		return req, err
	}
	if req.work, err = checkWork(int64(cfg.SweepBudget), stepCostBatch(req.surface, c.Run.BatchSize), costField(req.surface), []budgetTerm{
		{"num_iter", c.NumIter, 100, "steps"},
	}, "lower num_iter, or use fewer rows"); err != nil {
		return req, err
	}
	req.cfg = c
	req.lambda = req.surface.Hessian(start).MaxEigen()
	return req, nil
}

// appendFinder appends the lr-finder response.
func appendFinder(b []byte, req *finderRequest, res *sim.FinderResult, trials []sim.SuggestionTrial, first int) []byte {
	b = append(b, '{')
	b = appendFloatsFirst(b, "lr", res.LR)
	b = appendFloats(b, "loss", res.Loss)
	b = appendFloats(b, "smoothed", res.Smoothed)
	b = appendFloats(b, "x", res.X)
	b = appendFloats(b, "y", res.Y)
	b = append(b, `,"stopped_at":`...)
	b = appendFloat(b, res.StoppedAt)
	b = append(b, `,"diverged":`...)
	b = strconv.AppendBool(b, res.Diverged)
	b = append(b, `,"sharpness":`...)
	b = appendFloat(b, req.lambda)
	b = append(b, `,"stability_limit":`...)
	b = appendLimit(b, req.lambda, req.cfg.Optimizer, req.surface)
	b = append(b, `,"window":[`...)
	b = strconv.AppendInt(b, int64(res.Window[0]), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(res.Window[1]), 10)
	b = append(b, `],"suggestions":{`...)
	for i, s := range []struct {
		key string
		sg  sim.Suggestion
	}{{"valley", res.Suggestions.Valley}, {"steep", res.Suggestions.Steep}, {"minimum", res.Suggestions.Minimum}} {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s.key)
		b = append(b, ':')
		k := slices.IndexFunc(trials, func(t sim.SuggestionTrial) bool { return t.Rule == s.sg.Rule })
		if k < 0 {
			b = append(b, "null"...)
			continue
		}
		b = append(b, `{"lr":`...)
		b = appendFloat(b, s.sg.LR)
		b = append(b, `,"index":`...)
		b = strconv.AppendInt(b, int64(s.sg.Index), 10)
		b = append(b, `,"rule":`...)
		b = appendString(b, s.sg.Rule)
		b = append(b, `,"final_loss":`...)
		b = appendFloat(b, trials[k].FinalLoss)
		b = append(b, `,"diverged":`...)
		b = strconv.AppendBool(b, trials[k].Diverged)
		b = append(b, '}')
	}
	b = append(b, `},"first":`...)
	if first < 0 {
		b = append(b, "null"...)
	} else {
		b = appendString(b, map[string]string{sim.RuleValley: "valley", sim.RuleSteep: "steep", sim.RuleMinimum: "minimum"}[trials[first].Rule])
	}
	b = append(b, `,"steps":`...)
	b = strconv.AppendInt(b, int64(req.steps), 10)
	return append(b, "}\n"...)
}

// ---------------------------------------------------------------------------
// Sweeps.

// sweepRequest is a decoded sweep, ready for sim.Sweep.
type sweepRequest struct {
	cfg    sim.SweepConfig
	lambda float64 // λmax of the Hessian at the start
	work   int64   // work units (cost.go)
}

// decodeSweep reads the fields of a sweep (the HTTP body, or a websocket
// sweep message).
func decodeSweep(f *scenario.Object, cfg Config) (sweepRequest, error) {
	var req sweepRequest
	s, start, err := f.SurfaceStart("")
	if err != nil {
		return req, err
	}
	c := sim.SweepConfig{Surface: s, Run: sim.RunConfig{Start: start}}
	if c.Steps, err = f.Int("steps", defaultSweepSteps, 1, cfg.MaxSteps); err != nil {
		return req, err
	}
	c.Optimizers = defaultSweepOptimizers()
	if raw := f.Raw("optimizers"); raw != nil {
		if c.Optimizers, err = decodeOptimizers(raw, "optimizers", maxSweepOptimizers); err != nil {
			return req, err
		}
	}
	if c.LRMin, err = f.Number("lr_min", sim.DefaultSweepLRMin, positive, "> 0"); err != nil {
		return req, err
	}
	lo := c.LRMin
	if c.LRMax, err = f.Number("lr_max", sim.DefaultSweepLRMax, func(v float64) bool { return v >= lo }, "≥ lr_min ("+formatG(lo)+")"); err != nil {
		return req, err
	}
	if c.Num, err = f.Int("num", sim.DefaultSweepNum, 1, sim.MaxSweepNum); err != nil {
		return req, err
	}
	seeds, err := f.Int("seeds", 1, 1, maxSweepSeeds)
	if err != nil {
		return req, err
	}
	for i := range seeds {
		c.Seeds = append(c.Seeds, uint64(i+1))
	}
	if err := readRunSettings(f, s, &c.Run, sweepRunKeys...); err != nil {
		return req, err
	}
	fit, err := f.Bool("fit_steps", false)
	if err != nil {
		return req, err
	}
	ran := c.SeedsRun()
	cost := stepCostBatch(s, c.Run.BatchSize)
	if fit {
		// the most steps the budget allows, when that is fewer (at least
		// one: a sweep too large even for that is refused below)
		perStep := int64(len(c.Optimizers)) * int64(c.Num) * int64(ran) * int64(cost)
		c.Steps = int(max(1, min(int64(c.Steps), int64(cfg.SweepBudget)/perStep)))
	}
	req.work, err = checkWork(int64(cfg.SweepBudget), cost, costField(s), []budgetTerm{
		{"optimizers", len(c.Optimizers), len(defaultSweepOptimizers()), "optimizers"},
		{"num", c.Num, sim.DefaultSweepNum, "LRs"},
		{"seeds", ran, 1, "seeds"},
		{"steps", c.Steps, defaultSweepSteps, "steps"},
	}, "lower steps, num, seeds or the number of optimizers")
	if err != nil {
		return req, err
	}
	req.cfg = c
	req.lambda = s.Hessian(start).MaxEigen()
	return req, nil
}

// appendSweep appends the members of a sweep's answer (without braces), so
// that the websocket's sweep_result can carry them too.
func appendSweep(b []byte, req *sweepRequest, res *sim.SweepResult) []byte {
	b = appendFloatsFirst(b, "lrs", res.LRs)
	b = append(b, `,"steps":`...)
	b = strconv.AppendInt(b, int64(req.cfg.Steps), 10)
	b = append(b, `,"seeds":`...)
	b = strconv.AppendInt(b, int64(req.cfg.SeedsRun()), 10)
	b = append(b, `,"sharpness":`...)
	b = appendFloat(b, req.lambda)
	b = append(b, `,"stability_limit":`...)
	b = appendLimit(b, req.lambda, sim.DefaultOptimizer(sim.OptSGD, 1), req.cfg.Surface)
	b = append(b, `,"stability_limits":[`...)
	for i, o := range req.cfg.Optimizers {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendLimit(b, req.lambda, o, req.cfg.Surface)
	}
	b = append(b, `],"results":[`...)
	for i := range res.Points {
		p := &res.Points[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"optimizer":`...)
		b = strconv.AppendInt(b, int64(p.OptIndex), 10)
		b = append(b, `,"label":`...)
		b = appendString(b, p.Optimizer)
		b = append(b, `,"lr":`...)
		b = appendFloat(b, p.LR)
		b = append(b, `,"final_loss":`...)
		b = appendFloat(b, p.FinalLoss)
		b = append(b, `,"diverged":`...)
		b = strconv.AppendBool(b, p.Diverged)
		b = append(b, `,"diverged_at":`...)
		if p.Diverged {
			b = strconv.AppendInt(b, int64(p.DivergedAt), 10)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"diverged_runs":`...)
		b = strconv.AppendInt(b, int64(p.DivergedRuns), 10)
		b = append(b, `,"loss_min":`...)
		b = appendFloat(b, p.LossMin)
		b = append(b, `,"loss_max":`...)
		b = appendFloat(b, p.LossMax)
		b = append(b, '}')
	}
	return append(b, ']')
}

// ---------------------------------------------------------------------------
// Flat share.

// flatShareRequest is a decoded flat-share request.
type flatShareRequest struct {
	surface      sim.Surface
	run          sim.RunConfig // the run-level settings: the start, the clipping …
	opt          sim.OptimizerConfig
	lrs, noises  []float64
	seeds, steps int
	work         int64 // work units (cost.go)
}

// decodeFlatShare reads a flat-share request body.
func decodeFlatShare(body []byte, cfg Config) (flatShareRequest, error) {
	var req flatShareRequest
	f, err := scenario.ReadObject(body, "a flat-share request such as {\"lrs\": [0.01, 0.1], \"noises\": [0, 1]}", flatShareKeys...)
	if err != nil {
		return req, err
	}
	if req.surface, req.run.Start, err = f.SurfaceStart(defaultFlatSurf); err != nil {
		return req, err
	}
	info := req.surface.Info()
	if !slices.ContainsFunc(info.Minima, func(m sim.Minimum) bool { return m.Label == sim.LabelFlat }) {
		return req, &sim.FieldError{Field: "surface", Msg: fmt.Sprintf(
			"%s has no minimum labelled %q; use a surface with a sharp and a flat minimum, such as %s", info.Name, sim.LabelFlat, defaultFlatSurf)}
	}
	req.opt = sim.DefaultOptimizer(sim.OptSGD, 1)
	if raw := f.Raw("optimizer"); raw != nil {
		if req.opt, err = decodeOptimizer(raw, "optimizer"); err != nil {
			return req, err
		}
	}
	if req.lrs, err = f.Numbers("lrs", defaultFlatLRs, maxFlatAxis, positive, "> 0"); err != nil {
		return req, err
	}
	if req.noises, err = f.Numbers("noises", defaultFlatNoises, maxFlatAxis, nonNegative, "≥ 0 (a gradient noise σ)"); err != nil {
		return req, err
	}
	if req.seeds, err = f.Int("seeds", defaultFlatSeeds, 1, maxFlatSeeds); err != nil {
		return req, err
	}
	if req.steps, err = f.Int("steps", defaultFlatSteps, 1, cfg.MaxSteps); err != nil {
		return req, err
	}
	if err := readRunSettings(f, req.surface, &req.run, flatShareRunKeys...); err != nil {
		return req, err
	}
	runs := 0 // per LR: one run without noise, seeds runs with
	for _, n := range req.noises {
		if n == 0 {
			runs++
		} else {
			runs += req.seeds
		}
	}
	seedTerm := budgetTerm{"seeds", runs, len(defaultFlatNoises) * defaultFlatSeeds, "runs per LR (noise levels × seeds)"}
	if runs == len(req.noises) {
		seedTerm.field = "noises" // no noise at all: the seeds do not count
	}
	req.work, err = checkWork(int64(cfg.SweepBudget), stepCost(req.surface), costField(req.surface), []budgetTerm{
		{"lrs", len(req.lrs), len(defaultFlatLRs), "LRs"},
		seedTerm,
		{"steps", req.steps, defaultFlatSteps, "steps"},
	}, "lower steps, seeds, or the number of lrs or noises")
	return req, err
}

// readRunSettings reads the run-level settings keys of an analysis request
// (rows of the schema's run, scenario.AnalysisRunKeys) into rc, as a
// scenario's run reads them on s; an absent key leaves rc's value.
func readRunSettings(f *scenario.Object, s sim.Surface, rc *sim.RunConfig, keys ...string) error {
	info := s.Info()
	for _, k := range keys {
		if err := f.RunSetting(rc, k, info); err != nil {
			return err
		}
	}
	return nil
}
