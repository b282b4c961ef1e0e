package sim

import (
	"math/rand/v2"
	"testing"
)

func rows2000(logistic bool) [][2]float64 {
	r := rand.New(rand.NewPCG(1, 2))
	rows := make([][2]float64, MaxDataRows)
	for i := range rows {
		x := r.NormFloat64()
		y := 2*x + 1 + r.NormFloat64()
		if logistic {
			y = float64(r.IntN(2))
		}
		rows[i] = [2]float64{x, y}
	}
	return rows
}

// BenchmarkDataGrid512 is the grid of a 2,000-row data set asked for at
// 512×512 (GOMAXPROCS cores), as GET/POST …/grid computes it: linreg at
// 512², logreg at GridSize's 45².
func BenchmarkDataGrid512(b *testing.B) {
	for _, name := range []string{SurfaceLinReg, SurfaceLogReg} {
		s, err := NewSurface(SurfaceConfig{Name: name, Data: rows2000(name == SurfaceLogReg)})
		if err != nil {
			b.Fatal(err)
		}
		n := GridSize(s, 512)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				Grid(s, s.Info().View, n, n)
			}
		})
	}
}

// BenchmarkDataRunStep is one recorded step on a 2,000-row data set, full
// batch and with B = 64, to set DataSurface.Cost.
func BenchmarkDataRunStep(b *testing.B) {
	for _, name := range []string{SurfaceLinReg, SurfaceLogReg} {
		s, _ := NewSurface(SurfaceConfig{Name: name, Data: rows2000(name == SurfaceLogReg)})
		for _, bs := range []int{0, 64} {
			b.Run(name+"/B="+map[int]string{0: "N", 64: "64"}[bs], func(b *testing.B) {
				r, err := NewRun(s, RunConfig{Start: s.Info().Start, Optimizer: DefaultOptimizer(OptSGD, 1e-3),
					Scheduler: DefaultScheduler(SchedConstant, 1), BatchSize: bs}, 1)
				if err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					r.status, r.cur.Step = StatusRunning, 0
					r.Step()
				}
			})
		}
	}
}
