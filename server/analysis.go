package server

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"

	"lrlab/scenario"
	"lrlab/sim"
)

// This file serves the analyses of the lab: the LR range test
// (POST /api/v1/lr-finder), LR sweeps (POST /api/v1/sweep, and the
// websocket's sweep message in sweepws.go) and the share of runs that end in
// the flat minimum (POST /api/v1/flat-share). Requests are read as strictly
// as scenarios: unknown and duplicate keys, wrong types and out-of-range
// values are *sim.FieldError naming the key, which the error adapter answers
// with 400.

// Limits and defaults of the analysis requests.
const (
	maxSweepOptimizers = 8   // optimizers in one sweep
	maxSweepSeeds      = 16  // seeds of one sweep
	maxFlatAxis        = 100 // lrs and noises of one flat-share request, each
	maxFlatSeeds       = 100 // seeds of one flat-share request
	maxSweepID         = 64  // characters of a websocket sweep's id

	defaultSweepSteps = 200
	defaultFlatSteps  = 1000
	defaultFlatSeeds  = 20
	defaultFlatSurf   = "sharp_flat"
)

// The run-level settings each analysis reads as a scenario's run reads them
// (scenario.AnalysisRun, which the schema serves to the page).
var (
	finderRunKeys    = scenario.AnalysisRun["lr_finder"]
	sweepRunKeys     = scenario.AnalysisRun["sweep"]
	flatShareRunKeys = scenario.AnalysisRun["flat_share"]
)

// Keys of each request.
var (
	finderKeys    = append([]string{"surface", "start", "optimizer", "start_lr", "end_lr", "num_iter", "smooth", "diverge", "steps"}, finderRunKeys...)
	sweepKeys     = append([]string{"surface", "start", "steps", "fit_steps", "optimizers", "lr_min", "lr_max", "num", "seeds"}, sweepRunKeys...)
	flatShareKeys = append([]string{"surface", "start", "optimizer", "lrs", "noises", "seeds", "steps"}, flatShareRunKeys...)
)

// defaultSweepOptimizers are the optimizers a sweep compares when the
// request names none: plain sgd, sgd with momentum 0.9 and adam.
func defaultSweepOptimizers() []sim.OptimizerConfig {
	mom := sim.DefaultOptimizer(sim.OptSGD, 1)
	mom.Momentum = 0.9
	return []sim.OptimizerConfig{sim.DefaultOptimizer(sim.OptSGD, 1), mom, sim.DefaultOptimizer(sim.OptAdam, 1)}
}

// Default grid of a flat-share request.
var (
	defaultFlatLRs    = []float64{0.01, 0.02, 0.03, 0.05, 0.07, 0.1}
	defaultFlatNoises = []float64{0, 0.5, 1}
)

// ---------------------------------------------------------------------------
// Handlers.

// handleLRFinder serves POST /api/v1/lr-finder: an LR range test (fastai's
// lr_find) on a surface,
//
//	{"surface":{"name":"quadratic"},"start":[-2.5,1.5],"optimizer":{"name":"sgd"},
//	 "start_lr":1e-7,"end_lr":10,"num_iter":100,"smooth":0.98,"diverge":4,"noise":0,"seed":0,"steps":200}
//
// where only surface is required (the optimizer's lr, if given, is ignored:
// the test sets every step's LR; smooth 0 turns smoothing off; steps is how
// long each suggestion is tried, sim.TrySuggestions). The answer:
//
//	{"lr":[…],"loss":[…],"smoothed":[…],"x":[…],"y":[…],"stopped_at":0.25,"diverged":true,
//	 "sharpness":10,"stability_limit":0.2,"window":[10,62],
//	 "suggestions":{"valley":{"lr":…,"index":…,"rule":"valley","final_loss":…,"diverged":false},"steep":{…},"minimum":{…}},
//	 "first":"steep","steps":200}
//
// stability_limit is the largest stable constant LR on the quadratic model at
// the start (stabilityLimit), null when λmax ≤ 0; the suggestions are null
// when the window holds too few points for fastai's rules; first names the
// suggestion that trains best in steps (null when each one diverged). Failures: 413 for a body over the limit,
// 400 naming the setting, 503 past the request's deadline.
func handleLRFinder(logger *slog.Logger, cfg Config, work *workLimiter) http.Handler {
	return handle(logger, func(w http.ResponseWriter, r *http.Request) error {
		body, err := readBody(r)
		if err != nil {
			return err
		}
		req, err := decodeFinder(body, cfg)
		if err != nil {
			return err
		}
		if err := work.chargeRequest(w, r, req.work); err != nil {
			return err
		}
		surf, stop := stoppable(r.Context(), req.surface, req.work)
		defer stop()
		res, err := sim.LRFinder(surf, req.cfg)
		if err := r.Context().Err(); err != nil {
			return err // checked first: on the stopped surface the start is not finite
		}
		if err != nil {
			return err
		}
		trials, first, err := sim.TrySuggestions(req.surface, req.cfg, res.Suggestions, req.steps)
		if err != nil {
			return err
		}
		return writeJSONBody(w, func(b []byte) []byte { return appendFinder(b, &req, &res, trials, first) })
	})
}

// handleSweep serves POST /api/v1/sweep: every optimizer at every LR from
// lr_min to lr_max (num of them, spaced evenly in log, both ends included)
// with every seed, on all cores,
//
//	{"surface":{"name":"quadratic"},"start":[-2.5,1.5],"steps":200,
//	 "optimizers":[{"name":"sgd"},{"name":"sgd","momentum":0.9},{"name":"adam"}],
//	 "lr_min":1e-5,"lr_max":10,"num":40,"seeds":1,"noise":0,"fit_steps":false}
//
// (only surface is required; those are the defaults), answered with
//
//	{"lrs":[…],"steps":200,"seeds":1,"sharpness":10,"stability_limit":0.2,"stability_limits":[0.2,0.38,0.2],
//	 "results":[{"optimizer":0,"label":"sgd","lr":1e-5,"final_loss":…,"diverged":false,
//	             "diverged_at":null,"diverged_runs":0,"loss_min":…,"loss_max":…},…]}
//
// results are ordered by optimizer (its index in the request) then LR.
// Optimizers × num × seeds run × steps must stay within the server's sweep
// budget (Config.SweepBudget); the seeds run are the answer's seeds (one
// when the runs are not random: sim.SweepConfig.SeedsRun). With fit_steps
// the runs take fewer steps than asked when that is what the budget
// allows, and the answer's steps says how many. Failures as
// handleLRFinder's.
func handleSweep(logger *slog.Logger, cfg Config, work *workLimiter) http.Handler {
	return handle(logger, func(w http.ResponseWriter, r *http.Request) error {
		body, err := readBody(r)
		if err != nil {
			return err
		}
		f, err := scenario.ReadObject(body, "a sweep such as {\"surface\": {\"name\": \"quadratic\"}}", sweepKeys...)
		if err != nil {
			return err
		}
		req, err := decodeSweep(f, cfg)
		if err != nil {
			return err
		}
		if err := work.chargeRequest(w, r, req.work); err != nil {
			return err
		}
		var stop func()
		req.cfg.Surface, stop = stoppable(r.Context(), req.cfg.Surface, req.work)
		defer stop()
		res, err := sim.Sweep(r.Context(), req.cfg, nil)
		if err := r.Context().Err(); err != nil {
			return err // checked first: on the stopped surface the start is not finite
		}
		if err != nil {
			return err
		}
		return writeJSONBody(w, func(b []byte) []byte {
			b = append(b, '{')
			b = appendSweep(b, &req, &res)
			return append(b, "}\n"...)
		})
	})
}

// handleFlatShare serves POST /api/v1/flat-share: for each gradient noise
// σ and each LR, the share of runs (seeds 1 … seeds) that end in the minimum
// labelled "flat",
//
//	{"surface":{"name":"sharp_flat"},"start":[…],"optimizer":{"name":"sgd"},
//	 "lrs":[0.01,0.02,0.03,0.05,0.07,0.1],"noises":[0,0.5,1],"seeds":20,"steps":1000}
//
// (every key optional; those are the defaults) answered with
//
//	{"lrs":[…],"noises":[…],"seeds":20,"steps":1000,"share":[[…one per LR…],…one row per noise…]}
//
// The surface must have a minimum labelled "flat" (sharp_flat has). The
// runs taken (one per LR at σ = 0, seeds per LR otherwise) × steps must stay
// within the sweep budget. Failures as handleLRFinder's.
func handleFlatShare(logger *slog.Logger, cfg Config, work *workLimiter) http.Handler {
	return handle(logger, func(w http.ResponseWriter, r *http.Request) error {
		body, err := readBody(r)
		if err != nil {
			return err
		}
		req, err := decodeFlatShare(body, cfg)
		if err != nil {
			return err
		}
		if err := work.chargeRequest(w, r, req.work); err != nil {
			return err
		}
		surf, stop := stoppable(r.Context(), req.surface, req.work)
		defer stop()
		share, err := sim.FlatShare(r.Context(), surf, req.run, req.opt, req.lrs, req.noises, req.seeds, req.steps)
		if err := r.Context().Err(); err != nil {
			return err // checked first: on the stopped surface the start is not finite
		}
		if err != nil {
			return err
		}
		return writeJSONBody(w, func(b []byte) []byte {
			b = append(b, '{')
			b = appendFloatsFirst(b, "lrs", req.lrs)
			b = appendFloats(b, "noises", req.noises)
			b = appendIntField(b, "seeds", req.seeds)
			b = appendIntField(b, "steps", req.steps)
			b = append(b, `,"share":[`...)
			for i, row := range share {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, '[')
				for j, v := range row {
					if j > 0 {
						b = append(b, ',')
					}
					b = appendFloat(b, v)
				}
				b = append(b, ']')
			}
			return append(b, "]}\n"...)
		})
	})
}

// writeJSONBody renders a 200 JSON response with build into a pooled
// buffer, then writes it.
func writeJSONBody(w http.ResponseWriter, build func([]byte) []byte) error {
	bp := getBuf()
	defer putBuf(bp)
	b := build((*bp)[:0])
	*bp = b
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
	return nil
}

// ---------------------------------------------------------------------------
// The stability limit.

// stabilityLimit is sim.StabilityLimit: the rule lives in sim, once.
func stabilityLimit(lambda float64, opt sim.OptimizerConfig) (limit float64, formula string, ok bool) {
	return sim.StabilityLimit(lambda, opt)
}

// appendLimit appends opt's stability limit at curvature lambda, or null
// (also on game surfaces, where the players' steps do not descend f alone).
func appendLimit(b []byte, lambda float64, opt sim.OptimizerConfig, s sim.Surface) []byte {
	limit, _, ok := stabilityLimit(lambda, opt)
	if !ok || s.Info().Kind == sim.KindGame {
		return append(b, "null"...)
	}
	return appendFloat(b, limit)
}

// appendOvershoot appends the done message's account of where diverged
// run r began to overshoot: ,"overshoot_step":k,"overshoot_sharpness":λmax,
// "overshoot_edge_sharpness":S,"overshoot_limit":limit,"limit_formula":"…"
// (limit null where there is none, e.g. on games).
func appendOvershoot(b []byte, r *sim.Run) []byte {
	o := r.Overshoot()
	b = appendIntField(b, "overshoot_step", o.Step)
	b = append(b, `,"overshoot_sharpness":`...)
	b = appendFloat(b, o.Sharpness)
	b = append(b, `,"overshoot_edge_sharpness":`...)
	b = appendFloat(b, o.Gauge.Sharpness)
	b = append(b, `,"overshoot_lr":`...)
	b = appendFloat(b, r.ScheduledLR(o.Step))
	b = append(b, `,"overshoot_limit":`...)
	b = appendFloat(b, o.Gauge.Limit)
	if o.Gauge.Formula != "" {
		b = append(b, `,"limit_formula":`...)
		b = appendString(b, o.Gauge.Formula)
	}
	return b
}

// formatG writes v with 3 significant digits, for messages.
func formatG(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }

// ---------------------------------------------------------------------------
// The work budget.

// budgetTerm is one factor of a request's work: the key that sets it, its
// value, its default and what it counts.
type budgetTerm struct {
	field    string
	n, def   int
	counting string
}

// ---------------------------------------------------------------------------
// Reading the request objects (strictly, with scenario.ReadObject).

func positive(v float64) bool    { return v > 0 }
func nonNegative(v float64) bool { return v >= 0 }

// decodeOptimizer reads an optimizer object as a scenario run's (PyTorch's
// names and defaults, default name sgd); its lr, when given, is checked but
// the analyses set their own.
func decodeOptimizer(raw json.RawMessage, path string) (sim.OptimizerConfig, error) {
	c, err := scenario.MergeOptimizer(sim.DefaultOptimizer(sim.OptSGD, 1), raw)
	if err != nil {
		return c, sim.Prefix(path, err)
	}
	return c, nil
}

// decodeOptimizers reads an array of 1 … maxLen optimizer objects.
func decodeOptimizers(raw json.RawMessage, path string, maxLen int) ([]sim.OptimizerConfig, error) {
	elems, err := scenario.ReadArray(raw, path, "of optimizers such as [{\"name\": \"sgd\"}, {\"name\": \"adam\"}]", maxLen)
	if err != nil {
		return nil, err
	}
	out := make([]sim.OptimizerConfig, len(elems))
	for i, e := range elems {
		if out[i], err = decodeOptimizer(e, path+"["+strconv.Itoa(i)+"]"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// appendFloatsFirst appends "key":[…] as the first member of an object.
func appendFloatsFirst(b []byte, key string, vs []float64) []byte {
	n := len(b)
	b = appendFloats(b, key, vs)
	return append(b[:n], b[n+1:]...) // drop appendFloats' leading comma
}

// appendIntField appends ,"key":n.
func appendIntField(b []byte, key string, n int) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, `":`...)
	return strconv.AppendInt(b, int64(n), 10)
}
