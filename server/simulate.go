package server

import (
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"lrlab/scenario"
	"lrlab/sim"
)

// handleSimulate serves POST /api/v1/simulate: the body is a scenario, the
// answer every run's whole trajectory as the contract describes:
//
//	{"runs":[{"label","x","y","loss","grad_norm","lr","sharpness","test_loss"?,"status","diverged_at"}]}
//
// Failures: a body over the limit 413 (field "body"), a bad scenario 400
// naming the setting, a request past its deadline 503.
func handleSimulate(logger *slog.Logger, cfg Config, m *metrics) http.Handler {
	limits := cfg.limits()
	return handle(logger, func(w http.ResponseWriter, r *http.Request) error {
		body, err := io.ReadAll(r.Body)
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
		_, runs, err := sc.Build()
		if err != nil {
			return err
		}
		bp := getBuf()
		defer putBuf(bp)
		b := append((*bp)[:0], `{"runs":[`...)
		steps := 0
		for i, run := range runs {
			if err := r.Context().Err(); err != nil {
				return err
			}
			tr := sim.Simulate(run)
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

// appendTrajectory appends one run of the simulate response.
func appendTrajectory(b []byte, tr *sim.Trajectory) []byte {
	b = append(b, `{"label":`...)
	b = appendString(b, tr.Label)
	b = appendFloats(b, "x", tr.X)
	b = appendFloats(b, "y", tr.Y)
	b = appendFloats(b, "loss", tr.Loss)
	b = appendFloats(b, "grad_norm", tr.GradNorm)
	b = appendFloats(b, "lr", tr.LR)
	b = appendFloats(b, "sharpness", tr.Sharpness)
	if tr.TestLoss != nil {
		b = appendFloats(b, "test_loss", tr.TestLoss)
	}
	if tr.BatchLoss != nil {
		b = appendFloats(b, "batch_loss", tr.BatchLoss)
	}
	b = append(b, `,"status":`...)
	b = appendString(b, tr.Status.String())
	b = append(b, `,"diverged_at":`...)
	b = appendDivergedAt(b, tr.Status, tr.DivergedAt)
	return append(b, '}')
}

// appendDivergedAt appends the index of the diverging point, or null.
func appendDivergedAt(b []byte, st sim.Status, at int) []byte {
	if st != sim.StatusDiverged || at < 0 {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(at), 10)
}
