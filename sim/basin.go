package sim

import (
	"context"
	"fmt"
	"math"
)

// Labels of the two wells of a surface with a sharp and a flat minimum
// (Minimum.Label).
const (
	LabelSharp = "sharp"
	LabelFlat  = "flat"
)

// BasinRadius returns the distance from a labelled minimum within which
// Basin counts a point as having ended there: one eighth of the diagonal of
// the surface's view box (0.9 on a 6×4 view).
func BasinRadius(s Surface) float64 {
	v := s.Info().View
	return math.Hypot(v.XMax-v.XMin, v.YMax-v.YMin) / 8
}

// Basin returns the labelled minimum of s (Info().Minima, saddle points
// excepted) nearest to p, and true, when p lies within BasinRadius(s) of it;
// otherwise the zero Minimum and false.
func Basin(s Surface, p Point) (Minimum, bool) {
	if !p.Finite() {
		return Minimum{}, false
	}
	r := BasinRadius(s)
	best, bestD := Minimum{}, math.Inf(1)
	for _, m := range s.Info().Minima {
		if m.Label == "saddle" {
			continue
		}
		if d := math.Hypot(p.X-m.X, p.Y-m.Y); d < bestD {
			best, bestD = m, d
		}
	}
	if bestD > r {
		return Minimum{}, false
	}
	return best, true
}

// FlatShare runs opt (with each LR of lrs, a constant schedule) with base's
// run-level settings (its start, batch size, gradient clipping …; its
// optimizer, scheduler, noise and seed are FlatShare's) for steps steps with
// each gradient noise σ of noises and seeds 1 … seeds,
// on all cores, and returns share[i][j]: the fraction of the runs with
// noises[i] and lrs[j] that ended in the minimum labelled "flat" (Basin). A
// run that diverged did not. With σ = 0 every seed gives the same run, so it
// is run once. Bad settings are returned as *FieldError; when ctx is done,
// FlatShare returns ctx.Err() promptly.
func FlatShare(ctx context.Context, s Surface, base RunConfig, opt OptimizerConfig, lrs []float64, noises []float64, seeds int, steps int) ([][]float64, error) {
	if s == nil {
		panic("sim: FlatShare with nil surface")
	}
	if seeds < 1 {
		return nil, fieldErrorf("seeds", "must be at least 1, got %d", seeds)
	}
	if len(lrs) == 0 {
		return nil, fieldErrorf("lrs", "must list at least one LR")
	}
	if len(noises) == 0 {
		return nil, fieldErrorf("noises", "must list at least one noise level")
	}
	for j, lr := range lrs {
		if !isFinite(lr) || lr <= 0 {
			return nil, fieldErrorf(fmt.Sprintf("lrs[%d]", j), "must be > 0 and finite, got %v", lr)
		}
	}
	for i, n := range noises {
		if !isFinite(n) || n < 0 {
			return nil, fieldErrorf(fmt.Sprintf("noises[%d]", i), "must be a finite number ≥ 0, got %v", n)
		}
	}
	if _, err := NewRun(s, withNoise(sweepRun(base, opt, SchedulerConfig{}, lrs[0], 1), noises[0]), steps); err != nil {
		return nil, err
	}

	type job struct{ i, j, seed int }
	var jobs []job
	for i, n := range noises {
		ns := seeds
		if n == 0 {
			ns = 1
		}
		for j := range lrs {
			for k := 1; k <= ns; k++ {
				jobs = append(jobs, job{i, j, k})
			}
		}
	}
	flat := make([][]int, len(noises))
	runs := make([][]int, len(noises))
	for i := range noises {
		flat[i] = make([]int, len(lrs))
		runs[i] = make([]int, len(lrs))
	}
	err := parallelRuns(ctx, len(jobs), func(ctx context.Context, k int) (bool, error) {
		jb := jobs[k]
		r, err := NewRun(s, withNoise(sweepRun(base, opt, SchedulerConfig{}, lrs[jb.j], uint64(jb.seed)), noises[jb.i]), steps)
		if err != nil {
			return false, err
		}
		out, err := runToEnd(ctx, r)
		if err != nil || out.divergedAt >= 0 {
			return false, err
		}
		m, ok := Basin(s, out.final.P)
		return ok && m.Label == LabelFlat, nil
	}, func(k int, isFlat bool) {
		jb := jobs[k]
		runs[jb.i][jb.j]++
		if isFlat {
			flat[jb.i][jb.j]++
		}
	})
	if err != nil {
		return nil, err
	}
	share := make([][]float64, len(noises))
	for i := range noises {
		share[i] = make([]float64, len(lrs))
		for j := range lrs {
			share[i][j] = float64(flat[i][j]) / float64(runs[i][j])
		}
	}
	return share, nil
}

// withNoise returns rc with gradient noise σ.
func withNoise(rc RunConfig, sigma float64) RunConfig {
	rc.Noise = sigma
	return rc
}
