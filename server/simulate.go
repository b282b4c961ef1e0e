package server

import (
	"log/slog"
	"net/http"
	"strconv"

	"lrlab/scenario"
	"lrlab/sim"
)

// handleSimulate serves POST /api/v1/simulate: the body is a scenario, the
// answer every run's whole trajectory as the contract describes:
//
//	{"runs":[{"label","x","y","loss","grad_norm","lr","sharpness","edge_sharpness","stability_limit",
//	  "test_loss"?,"status","diverged_at","overshoot_step"?}]}
//
// edge_sharpness and stability_limit are each point's stability gauge
// (sim.Stability; null where there is none).
//
// Its work (runs × steps × the surface's step cost and the cost of writing
// a point, cost.go) must fit the
// work budget of one request and is charged to the client's per-minute
// budget. The runs step on a sim.Cancellable surface, so they stop at once
// when the deadline passes or the client leaves.
// Failures: a body over the limit 413 (field "body"), a bad scenario or
// too much work 400 naming the setting, the client's work budget spent 429,
// a request past its deadline 503.
func handleSimulate(logger *slog.Logger, cfg Config, m *metrics, work *workLimiter) http.Handler {
	limits := cfg.limits()
	return handle(logger, func(w http.ResponseWriter, r *http.Request) error {
		body, err := readBody(r)
		if err != nil {
			return err
		}
		sc, err := scenario.Decode(body, limits)
		if err == nil {
			err = scenario.CheckWork(sc) // a data surface's rows (data.go)
		}
		if err != nil {
			return err
		}
		surf, _, err := sc.Build()
		if err != nil {
			return err
		}
		units, err := scenarioWork(int64(cfg.SweepBudget), sc, surf, simulatePointCost)
		if err != nil {
			return err
		}
		if err := work.chargeRequest(w, r, units); err != nil {
			return err
		}
		ctx := r.Context()
		cs, stop := stoppable(ctx, surf, units)
		defer stop()
		runs, err := sc.RunsOn(cs)
		if err := ctx.Err(); err != nil {
			return err // a start on the stopped surface is not finite: the deadline, not the scenario
		}
		if err != nil {
			return err
		}
		bp := getBuf()
		defer putBuf(bp)
		b := append((*bp)[:0], `{"runs":[`...)
		steps := 0
		for i, run := range runs {
			tr := sim.Simulate(run)
			if err := ctx.Err(); err != nil {
				return err
			}
			steps += len(tr.LR)
			if i > 0 {
				b = append(b, ',')
			}
			b = appendTrajectory(b, &tr)
		}
		b = append(b, "]}\n"...)
		*bp = b
		m.simSteps.Add(float64(steps))
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b)
		return nil
	})
}

// simulatePointCost is the work of writing one point of a trajectory (7
// numbers as JSON, then compressed), in work units on top of its step.
const simulatePointCost = 2

// appendTrajectory appends one run of the simulate response.
func appendTrajectory(b []byte, tr *sim.Trajectory) []byte {
	b = append(b, `{"label":`...)
	b = appendString(b, tr.Label)
	c := sliceColumns([numCols][]float64{tr.X, tr.Y, tr.Loss, tr.GradNorm, tr.LR, tr.Sharpness,
		tr.EdgeSharpness, tr.StabilityLimit, tr.TestLoss, tr.BatchLoss})
	b = c.appendPoints(b, "")
	b = append(b, `,"status":`...)
	b = appendString(b, tr.Status.String())
	b = append(b, `,"diverged_at":`...)
	b = appendDivergedAt(b, tr.Status, tr.DivergedAt)
	if tr.Status == sim.StatusDiverged {
		b = appendIntField(b, "overshoot_step", tr.Overshoot)
	}
	return append(b, '}')
}

// appendDivergedAt appends the index of the diverging point, or null.
func appendDivergedAt(b []byte, st sim.Status, at int) []byte {
	if st != sim.StatusDiverged || at < 0 {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(at), 10)
}
