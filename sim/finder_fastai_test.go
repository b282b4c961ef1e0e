package sim_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"lrlab/sim"
)

// fastaiLRFind is a transcription of fastai's Learner.lr_find (fastai
// 2.7, fastai/callback/schedule.py and fastai/learner.py), written from
// its source line by line and independently of sim.LRFinder: the
// training loop with its callbacks in their order, Python's slicing and
// negative indexing, and the three suggestion functions. One batch is one
// step on the surface, with the lab's gradient noise.
//
//	LRFinder.before_batch: lr = SchedExp(start, end)(train_iter/num_it) = start·(end/start)^pos
//	forward: loss = f(params)            backward + opt.step(lr)
//	TrainEvalCallback.after_batch (order −10): train_iter += 1
//	Recorder.after_batch (order 50): smooth_loss.accumulate(loss); lrs.append(lr); losses.append(smooth_loss.value)
//	LRFinder.after_batch (order 60): best = min(best, smooth); if smooth > 4·best: stop; if train_iter ≥ num_it: stop
//	lr_find: lrs, losses = recorder.lrs[num_it//10:-5], recorder.losses[num_it//10:-5]; cut at the first NaN
func fastaiLRFind(s sim.Surface, start sim.Point, opt sim.OptimizerConfig, startLR, endLR float64, numIt int, beta float64, noise float64, seed uint64) (lrs, losses []float64, valley, steep, minimum float64) {
	o, err := sim.NewOptimizer(opt)
	if err != nil {
		panic(err)
	}
	var rng *rand.Rand
	if noise > 0 {
		rng = rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	}
	params := start
	trainIter := 0
	bestLoss := math.Inf(1)
	// AvgSmoothLoss
	count, val := 0, 0.0
	var recLRs, recLosses []float64
	for {
		pos := float64(trainIter) / float64(numIt)
		lr := startLR * math.Pow(endLR/startLR, pos)
		loss := s.Value(params)
		g := s.Grad(params)
		if rng != nil {
			g.X += noise * rng.NormFloat64()
			g.Y += noise * rng.NormFloat64()
		}
		params = o.Step(params, g, lr)
		trainIter++
		count++
		// torch.lerp(loss, val, beta), by torch's kernel
		if beta < 0.5 {
			val = loss + beta*(val-loss)
		} else {
			val = val - (val-loss)*(1-beta)
		}
		smooth := val / (1 - math.Pow(beta, float64(count)))
		recLRs = append(recLRs, lr)
		recLosses = append(recLosses, smooth)
		if smooth < bestLoss {
			bestLoss = smooth
		}
		if smooth > 4*bestLoss {
			break
		}
		if trainIter >= numIt {
			break
		}
	}
	// Python's a[num_it//10:-5]
	lo, hi := numIt/10, len(recLRs)-5
	if hi < lo {
		hi = lo
	}
	if lo > len(recLRs) {
		lo, hi = len(recLRs), len(recLRs)
	}
	lrs, losses = recLRs[lo:hi], recLosses[lo:hi]
	for i, l := range losses {
		if math.IsNaN(l) {
			lrs, losses = lrs[:i], losses[:i]
			break
		}
	}
	if len(losses) < 2 {
		return lrs, losses, 0, 0, 0
	}

	// valley
	n := len(losses)
	maxStart, maxEnd := 0, 0
	lds := make([]int, n)
	for i := range lds {
		lds[i] = 1
	}
	for i := 1; i < n; i++ {
		for j := 0; j < i; j++ {
			if losses[i] < losses[j] && lds[i] < lds[j]+1 {
				lds[i] = lds[j] + 1
			}
			if lds[maxEnd] < lds[i] {
				maxEnd = i
				maxStart = maxEnd - lds[maxEnd]
			}
		}
	}
	sections := float64(maxEnd-maxStart) / 3
	idx := maxStart + int(sections) + int(sections/2)
	if idx < 0 {
		idx += n
	}
	valley = lrs[idx]

	// steep: grads = (losses[1:]-losses[:-1]) / (lrs[1:].log()-lrs[:-1].log()); lrs[grads.argmin()]
	arg := 0
	for i := 1; i < n-1; i++ {
		gi := (losses[i+1] - losses[i]) / (math.Log(lrs[i+1]) - math.Log(lrs[i]))
		ga := (losses[arg+1] - losses[arg]) / (math.Log(lrs[arg+1]) - math.Log(lrs[arg]))
		if gi < ga {
			arg = i
		}
	}
	steep = lrs[arg]

	// minimum: lrs[losses.argmin()] / 10
	am := 0
	for i := range losses {
		if losses[i] < losses[am] {
			am = i
		}
	}
	minimum = lrs[am] / 10
	return lrs, losses, valley, steep, minimum
}

// sim.LRFinder is fastai's lr_find: the same LRs, the same smoothed losses
// in the same window and the same three suggestions as the transcription,
// on every surface to minimise, with SGD, momentum and Adam, with and
// without noise, at fastai's defaults and at other settings.
func TestLRFinderIsFastai(t *testing.T) {
	type setting struct {
		startLR, endLR float64
		numIt          int
		beta           float64
	}
	settings := []setting{{1e-7, 10, 100, 0.98}, {1e-5, 1, 60, 0.9}, {1e-6, 100, 300, 0.98}, {1e-3, 10, 20, 0.5}}
	mom := sim.DefaultOptimizer(sim.OptSGD, 0)
	mom.Momentum = 0.9
	opts := []sim.OptimizerConfig{sim.DefaultOptimizer(sim.OptSGD, 0), mom, sim.DefaultOptimizer(sim.OptAdam, 0)}
	checked := 0
	for _, info := range sim.Catalog() {
		if info.Kind == sim.KindGame {
			continue
		}
		s := analysisSurface(t, info.Name)
		for _, opt := range opts {
			for _, st := range settings {
				for _, noise := range []float64{0, 0.5} {
					c := sim.FinderConfig{Run: sim.RunConfig{Start: info.Start, Noise: noise, Seed: 3}, Optimizer: opt, StartLR: st.startLR, EndLR: st.endLR,
						NumIter: st.numIt, Smooth: st.beta, Diverge: 4}
					res, err := sim.LRFinder(s, c)
					if err != nil {
						t.Fatal(err)
					}
					o := opt
					o.LR = st.startLR
					lrs, losses, valley, steep, minimum := fastaiLRFind(s, info.Start, o, st.startLR, st.endLR, st.numIt, st.beta, noise, 3)
					name := info.Name + "/" + opt.Name
					if opt.Momentum > 0 {
						name += "+momentum"
					}
					w := res.Window
					if w[1]-w[0] != len(lrs) {
						t.Errorf("%s %+v σ=%v: window %v (%d points), fastai's has %d", name, st, noise, w, w[1]-w[0], len(lrs))
						continue
					}
					for i := range lrs {
						if res.LR[w[0]+i] != lrs[i] || res.Smoothed[w[0]+i] != losses[i] {
							t.Fatalf("%s %+v σ=%v: point %d: lr %v smoothed %v; fastai %v %v", name, st, noise, w[0]+i, res.LR[w[0]+i], res.Smoothed[w[0]+i], lrs[i], losses[i])
						}
					}
					g := res.Suggestions
					if g.Valley.LR != valley || g.Steep.LR != steep || g.Minimum.LR != minimum {
						t.Errorf("%s %+v σ=%v: valley %v steep %v minimum %v; fastai %v %v %v", name, st, noise, g.Valley.LR, g.Steep.LR, g.Minimum.LR, valley, steep, minimum)
					}
					checked++
				}
			}
		}
	}
	t.Logf("%d range tests agree with the transcription", checked)
}
