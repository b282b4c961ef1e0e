package sim

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// dataSurfaces returns every built-in data set's surface and two made of
// pseudo-random rows (one per model).
func dataSurfaces(t *testing.T) map[string]DataSurface {
	t.Helper()
	out := map[string]DataSurface{}
	for _, d := range Datasets() {
		s, err := NewSurface(SurfaceConfig{Name: d.Surface, Dataset: d.Name})
		if err != nil {
			t.Fatal(err)
		}
		out[d.Name] = s.(DataSurface)
	}
	r := rand.New(rand.NewPCG(9, 9))
	lin, log := make([][2]float64, 333), make([][2]float64, 333)
	for i := range lin {
		x := 5*r.NormFloat64() + 3
		lin[i] = [2]float64{x, -0.7*x + 4 + r.NormFloat64()}
		log[i] = [2]float64{x, float64(r.IntN(2))}
	}
	for name, rows := range map[string][][2]float64{SurfaceLinReg: lin, SurfaceLogReg: log} {
		s, err := NewSurface(SurfaceConfig{Name: name, Data: rows})
		if err != nil {
			t.Fatal(err)
		}
		out["random "+name] = s.(DataSurface)
	}
	return out
}

// bruteForce returns the loss, gradient and Hessian of s summed row by row
// from the textbook formulas (the logistic one as y·log(1+e^−z) +
// (1−y)·log(1+e^z), valid where e^|z| does not overflow).
func bruteForce(s DataSurface, p Point) (float64, Point, Sym2) {
	rows := s.Data()
	n := float64(len(rows))
	var l float64
	var g Point
	var h Sym2
	logistic := s.Info().Name == SurfaceLogReg
	for _, r := range rows {
		x, y := r[0], r[1]
		z := p.X*x + p.Y
		if logistic {
			sig := 1 / (1 + math.Exp(-z))
			l += y*math.Log(1+math.Exp(-z)) + (1-y)*math.Log(1+math.Exp(z))
			g = g.Add(Point{(sig - y) * x, sig - y})
			q := sig * (1 - sig)
			h = Sym2{h.XX + q*x*x, h.XY + q*x, h.YY + q}
		} else {
			e := z - y
			l += e * e
			g = g.Add(Point{2 * e * x, 2 * e})
			h = Sym2{h.XX + 2*x*x, h.XY + 2*x, h.YY + 2}
		}
	}
	return l / n, g.Scale(1 / n), Sym2{h.XX / n, h.XY / n, h.YY / n}
}

func relErr(got, want float64) float64 {
	return math.Abs(got-want) / max(math.Abs(want), 1e-12)
}

const (
	closedFormTol = 1e-9 // the moment form of linreg against the row sums
	fdTol         = 1e-5 // central differences against the analytic derivatives
)

func TestDataSurfacesAgainstClosedForms(t *testing.T) {
	for name, s := range dataSurfaces(t) {
		t.Run(name, func(t *testing.T) {
			in := s.Info()
			for _, p := range dataProbes(in) {
				l, g, h := bruteForce(s, p)
				scale := max(math.Abs(l), 1e-3)
				if d := math.Abs(s.Value(p) - l); d > closedFormTol*scale {
					t.Errorf("L%v = %.17g, row sum %.17g", p, s.Value(p), l)
				}
				sg := s.Grad(p)
				gs := max(g.Norm(), 1e-3)
				if d := sg.Sub(g).Norm(); d > closedFormTol*gs {
					t.Errorf("∇L%v = %v, row sum %v", p, sg, g)
				}
				sh := s.Hessian(p)
				hs := max(math.Abs(h.XX), math.Abs(h.YY), 1e-6)
				for _, d := range []float64{sh.XX - h.XX, sh.XY - h.XY, sh.YY - h.YY} {
					if math.Abs(d) > closedFormTol*hs {
						t.Errorf("∇²L%v = %+v, row sum %+v", p, sh, h)
						break
					}
				}
				bl, bg := s.BatchLossGrad(p, allRows(s.Rows()))
				if relErr(bl, l) > closedFormTol || bg.Sub(g).Norm() > closedFormTol*gs {
					t.Errorf("batch of every row at %v: %g %v, want %g %v", p, bl, bg, l, g)
				}
			}
		})
	}
}

// TestLinRegHessian checks linreg's Hessian against the closed
// form 2/N·[[Σx², Σx], [Σx, N]] written out from the rows.
func TestLinRegHessian(t *testing.T) {
	rows, _ := DatasetRows("hundreds")
	var sx, sxx float64
	for _, r := range rows {
		sx += r[0]
		sxx += r[0] * r[0]
	}
	n := float64(len(rows))
	s, _ := NewSurface(SurfaceConfig{Name: SurfaceLinReg, Dataset: "hundreds"})
	h := s.Hessian(Point{0.3, -7})
	want := Sym2{2 / n * sxx, 2 / n * sx, 2}
	if relErr(h.XX, want.XX) > 1e-12 || relErr(h.XY, want.XY) > 1e-12 || h.YY != 2 {
		t.Errorf("Hessian %+v, want %+v", h, want)
	}
	// The lesson normalise-inputs relies on these: tens of thousands for the
	// raw set's condition number, a round bowl for its standardised twin.
	hi, lo := h.Eigen()
	if c := hi / lo; c < 1e4 || c > 1e5 {
		t.Errorf("condition number of hundreds %g, want in the tens of thousands", c)
	}
	st, _ := NewSurface(SurfaceConfig{Name: SurfaceLinReg, Dataset: "hundreds_std"})
	if hi2, lo2 := st.Hessian(Point{}).Eigen(); relErr(hi2, 2) > 1e-3 || relErr(lo2, 2) > 1e-3 {
		t.Errorf("standardised Hessian eigenvalues %g, %g, want both ≈ 2", hi2, lo2)
	}
}

func TestDataSurfacesFiniteDifferences(t *testing.T) {
	for name, s := range dataSurfaces(t) {
		t.Run(name, func(t *testing.T) {
			for _, p := range dataProbes(s.Info()) {
				hx := 1e-5 * max(1, math.Abs(p.X))
				hy := 1e-5 * max(1, math.Abs(p.Y))
				fd := Point{
					(s.Value(Point{p.X + hx, p.Y}) - s.Value(Point{p.X - hx, p.Y})) / (2 * hx),
					(s.Value(Point{p.X, p.Y + hy}) - s.Value(Point{p.X, p.Y - hy})) / (2 * hy),
				}
				g := s.Grad(p)
				if d := fd.Sub(g).Norm(); d > fdTol*max(1, g.Norm(), s.Value(p)) {
					t.Errorf("∇L%v = %v, central differences %v", p, g, fd)
				}
				gx1, gx0 := s.Grad(Point{p.X + hx, p.Y}), s.Grad(Point{p.X - hx, p.Y})
				gy1, gy0 := s.Grad(Point{p.X, p.Y + hy}), s.Grad(Point{p.X, p.Y - hy})
				fh := Sym2{(gx1.X - gx0.X) / (2 * hx), (gx1.Y - gx0.Y) / (2 * hx), (gy1.Y - gy0.Y) / (2 * hy)}
				h := s.Hessian(p)
				tol := fdTol * max(1, math.Abs(h.XX), math.Abs(h.YY))
				if math.Abs(fh.XX-h.XX) > tol || math.Abs(fh.XY-h.XY) > tol || math.Abs(fh.YY-h.YY) > tol {
					t.Errorf("∇²L%v = %+v, central differences %+v", p, h, fh)
				}
			}
		})
	}
}

// TestLogRegStable checks BCEWithLogits far out, where the naive formula
// overflows: for z = ±1000 the loss is the hinge max(z, 0) − y·z to
// double precision and the gradient is (σ − y)·(x, 1) with σ 0 or 1.
func TestLogRegStable(t *testing.T) {
	s, err := NewSurface(SurfaceConfig{Name: SurfaceLogReg, Data: [][2]float64{{1, 0}, {-1, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	p := Point{1000, 0} // z = 1000 for label 0, −1000 for label 1: both wrong
	if l := s.Value(p); l != 1000 {
		t.Errorf("L = %v, want 1000", l)
	}
	if g := s.Grad(p); g != (Point{1, 0}) {
		t.Errorf("∇L = %v, want (1, 0)", g)
	}
	if h := s.Hessian(p); !(h.XX >= 0 && h.XX < 1e-300) {
		t.Errorf("∇²L = %+v, want ≈ 0", h)
	}
	if l := s.Value(Point{-1000, 0}); l != 0 {
		t.Errorf("L(−1000, 0) = %v, want 0", l)
	}
	for _, z := range []float64{-800, -40, -1e-9, 0, 1e-9, 40, 800} {
		if v := bceLogits(z, 1); !isFinite(v) || v < 0 {
			t.Errorf("bceLogits(%g, 1) = %v", z, v)
		}
		if sg := sigmoid(z); !(sg >= 0 && sg <= 1) {
			t.Errorf("sigmoid(%g) = %v", z, sg)
		}
	}
	if got, want := bceLogits(0, 1), math.Ln2; relErr(got, want) > 1e-15 {
		t.Errorf("bceLogits(0, 1) = %v, want ln 2", got)
	}
}

func TestDataValidation(t *testing.T) {
	rows := make([][2]float64, 20)
	for i := range rows {
		rows[i] = [2]float64{float64(i), float64(i % 2)}
	}
	bad := slices.Clone(rows)
	bad[17][1] = math.NaN()
	label := slices.Clone(rows)
	label[17][1] = 0.5
	big := slices.Clone(rows)
	big[3][0] = 2e6
	for _, c := range []struct {
		cfg   SurfaceConfig
		field string
		msg   string
	}{
		{SurfaceConfig{Name: SurfaceLinReg, Data: bad}, "data[17][1]", "finite number from -1e+06 to 1e+06"},
		{SurfaceConfig{Name: SurfaceLogReg, Data: label}, "data[17][1]", "label 0 or 1"},
		{SurfaceConfig{Name: SurfaceLinReg, Data: big}, "data[3][0]", "got 2e+06"},
		{SurfaceConfig{Name: SurfaceLinReg, Data: [][2]float64{}}, "data", "1 to 2000 rows"},
		{SurfaceConfig{Name: SurfaceLinReg, Data: make([][2]float64, 2001)}, "data", "got 2001"},
		{SurfaceConfig{Name: SurfaceLinReg, Dataset: "separable"}, "dataset", "allowed: line, noisy_line, hundreds, hundreds_std"},
		{SurfaceConfig{Name: SurfaceLogReg, Dataset: "nope"}, "dataset", "allowed: separable, overlapping"},
		{SurfaceConfig{Name: SurfaceLinReg, Dataset: "line", Data: rows}, "dataset", "not both"},
		{SurfaceConfig{Name: SurfaceLinReg, Params: map[string]float64{"a": 1}}, "a", "no parameters"},
		{SurfaceConfig{Name: "quadratic", Dataset: "line"}, "data", "only the data surfaces"},
	} {
		_, err := NewSurface(c.cfg)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || !strings.Contains(fe.Msg, c.msg) {
			t.Errorf("NewSurface(%s, %d rows, %q): %v; want a FieldError on %s containing %q", c.cfg.Name, len(c.cfg.Data), c.cfg.Dataset, err, c.field, c.msg)
		}
	}
	if _, err := NewSurface(SurfaceConfig{Name: SurfaceLinReg, Data: make([][2]float64, MaxDataRows)}); err != nil {
		t.Errorf("%d rows: %v", MaxDataRows, err)
	}
}

// TestDatasetsGolden pins the generated data sets: a change of generator
// would silently change every lesson and link that names them.
func TestDatasetsGolden(t *testing.T) {
	for _, c := range []struct {
		name  string
		n     int
		first [2]float64
	}{
		{"line", 21, [2]float64{-1, -1}},
		{"noisy_line", 100, [2]float64{-0.19, 0.99}},
		{"hundreds", 50, [2]float64{35, 3.06}},
		{"hundreds_std", 50, [2]float64{-1.2164, 3.06}},
		{"separable", 40, [2]float64{}},
		{"overlapping", 100, [2]float64{-1.84, 0}},
	} {
		rows, ok := DatasetRows(c.name)
		if !ok || len(rows) != c.n {
			t.Errorf("%s: %d rows, want %d", c.name, len(rows), c.n)
			continue
		}
		if c.first != [2]float64{} && rows[0] != c.first {
			t.Errorf("%s: first row %v, want %v", c.name, rows[0], c.first)
		}
	}
	for _, d := range Datasets() {
		s, _ := NewSurface(SurfaceConfig{Name: d.Surface, Dataset: d.Name})
		in := s.Info()
		if in.Data == nil || in.Data.Dataset != d.Name || in.Data.Rows != d.Rows {
			t.Errorf("%s: data info %+v", d.Name, in.Data)
		}
		v := in.View
		for _, m := range in.Minima {
			if m.X < v.XMin || m.X > v.XMax || m.Y < v.YMin || m.Y > v.YMax {
				t.Errorf("%s: minimum %+v outside the view %+v", d.Name, m, v)
			}
		}
	}
}

// TestBatchesGolden pins the mini-batch sequence of a seed: 10 rows in
// batches of 4 are two batches of 4 and one of 2 per epoch, each epoch a
// new permutation.
func TestBatchesGolden(t *testing.T) {
	got := Batches(10, 4, 7, 6)
	want := [][]int{{1, 9, 3, 4}, {7, 6, 8, 2}, {5, 0}, {1, 2, 8, 6}, {7, 9, 4, 0}, {3, 5}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("Batches(10, 4, seed 7) = %v, want %v", got, want)
	}
	// Every epoch covers each row once, whatever the sizes.
	for _, c := range [][3]int{{100, 8, 1}, {100, 1, 2}, {7, 3, 3}, {2000, 64, 4}} {
		n, b := c[0], c[1]
		per := (n + b - 1) / b
		bs := Batches(n, b, uint64(c[2]), 3*per)
		for e := range 3 {
			var all []int
			for k, batch := range bs[e*per : (e+1)*per] {
				wantLen := b
				if k == per-1 && n%b != 0 {
					wantLen = n % b
				}
				if len(batch) != wantLen {
					t.Errorf("n=%d b=%d epoch %d batch %d: %v", n, b, e, k, batch)
				}
				all = append(all, batch...)
			}
			slices.Sort(all)
			if !slices.Equal(all, allRows(n)) {
				t.Errorf("n=%d b=%d epoch %d does not cover every row once", n, b, e)
			}
		}
	}
	if a, b := Batches(100, 8, 5, 20), Batches(100, 8, 6, 20); slices.EqualFunc(a, b, slices.Equal) {
		t.Error("seeds 5 and 6 draw the same batches")
	}
}

func allRows(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func dataRun(t *testing.T, s Surface, b int, seed uint64, lr float64, steps int) *Run {
	t.Helper()
	r, err := NewRun(s, RunConfig{Start: s.Info().Start, Optimizer: DefaultOptimizer(OptSGD, lr),
		Scheduler: DefaultScheduler(SchedConstant, steps), BatchSize: b, Seed: seed}, steps)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestFullBatchExact checks that B = N is full-batch descent to the last
// bit (same trajectory as B = 0), and that a smaller B differs.
func TestFullBatchExact(t *testing.T) {
	for _, name := range []string{"noisy_line", "overlapping"} {
		d := findDataset(name)
		s, _ := NewSurface(SurfaceConfig{Name: d.Surface, Dataset: name})
		full := Simulate(dataRun(t, s, 0, 3, 0.1, 300))
		n := Simulate(dataRun(t, s, len(d.rows), 3, 0.1, 300))
		if !slices.Equal(full.X, n.X) || !slices.Equal(full.Y, n.Y) || !slices.Equal(full.Loss, n.Loss) {
			t.Errorf("%s: B = N differs from full batch", name)
		}
		// The full-batch run's batch loss is its loss one point earlier.
		if !slices.Equal(full.BatchLoss[1:], full.Loss[:len(full.Loss)-1]) || full.BatchLoss[0] != full.Loss[0] {
			t.Errorf("%s: full-batch batch loss is not the loss at the step's start", name)
		}
		mini := Simulate(dataRun(t, s, 8, 3, 0.1, 300))
		if slices.Equal(full.X, mini.X) {
			t.Errorf("%s: B = 8 follows the full-batch path", name)
		}
		again := Simulate(dataRun(t, s, 8, 3, 0.1, 300))
		if !slices.Equal(again.X, mini.X) || !slices.Equal(again.BatchLoss, mini.BatchLoss) {
			t.Errorf("%s: the same seed gave another trajectory", name)
		}
	}
}

// TestMiniBatchStep checks one mini-batch step by hand: SGD moves by lr
// times the gradient of the first batch that Batches lists, and the batch
// loss reported is that batch's loss at the start.
func TestMiniBatchStep(t *testing.T) {
	s, _ := NewSurface(SurfaceConfig{Name: SurfaceLinReg, Dataset: "noisy_line"})
	ds := s.(DataSurface)
	r := dataRun(t, s, 8, 11, 0.05, 10)
	start := r.Current().P
	idx := Batches(100, 8, 11, 1)[0]
	loss, g := ds.BatchLossGrad(start, idx)
	r.Step()
	want := start.Sub(g.Scale(0.05))
	if got := r.Current(); got.P != want || got.BatchLoss != loss || got.Loss != s.Value(want) {
		t.Errorf("after one step: %v batch loss %v loss %v; want %v, %v, %v", got.P, got.BatchLoss, got.Loss, want, loss, s.Value(want))
	}
}

// TestBatchEveryOptimizerScheduler runs each optimizer and scheduler with
// B = 4 on both data surfaces: every value finite and the batch loss
// differing from the full loss.
func TestBatchEveryOptimizerScheduler(t *testing.T) {
	for _, surf := range []string{SurfaceLinReg, SurfaceLogReg} {
		s, _ := NewSurface(SurfaceConfig{Name: surf})
		for _, opt := range OptimizerNames {
			for _, sc := range SchedulerNames {
				c := RunConfig{Start: s.Info().Start, Optimizer: DefaultOptimizer(opt, 0.01),
					Scheduler: DefaultScheduler(sc, 100), BatchSize: 4, Seed: 1}
				if opt == OptAdagrad {
					c.Scheduler.CycleMomentum = false
				}
				r, err := NewRun(s, c, 100)
				if err != nil {
					t.Fatalf("%s %s %s: %v", surf, opt, sc, err)
				}
				tr := Simulate(r)
				if tr.Status == StatusDiverged || len(tr.BatchLoss) != 101 || slices.Equal(tr.BatchLoss[1:], tr.Loss[:100]) {
					t.Errorf("%s %s %s: status %v, %d batch losses", surf, opt, sc, tr.Status, len(tr.BatchLoss))
				}
			}
		}
	}
}

func TestSetBatchSize(t *testing.T) {
	s, _ := NewSurface(SurfaceConfig{Name: SurfaceLinReg, Dataset: "noisy_line"})
	a, b := dataRun(t, s, 0, 2, 0.1, 100), dataRun(t, s, 0, 2, 0.1, 100)
	for range 10 {
		a.Step()
		b.Step()
	}
	if err := b.SetBatchSize(4); err != nil {
		t.Fatal(err)
	}
	if b.Config().BatchSize != 4 {
		t.Errorf("config batch size %d", b.Config().BatchSize)
	}
	// The first batch after the change starts a new epoch of the run's
	// batch generator (the first permutation it draws).
	p := b.Current().P
	_, g := s.(DataSurface).BatchLossGrad(p, Batches(100, 4, 2, 1)[0])
	b.Step()
	if want := p.Sub(g.Scale(0.1)); b.Current().P != want {
		t.Errorf("step after set: %v, want %v", b.Current().P, want)
	}
	a.Step()
	if a.Current().P == b.Current().P {
		t.Error("changing B changed nothing")
	}
	for _, bad := range []int{-1, 101} {
		err := b.SetBatchSize(bad)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "batch_size" || !strings.Contains(fe.Msg, "from 1 to 100") {
			t.Errorf("SetBatchSize(%d): %v", bad, err)
		}
	}
	q, _ := NewSurface(SurfaceConfig{Name: "quadratic"})
	r := dataRun(t, q, 0, 0, 0.1, 10)
	if err := r.SetBatchSize(4); err == nil || !strings.Contains(err.Error(), "only the data surfaces") {
		t.Errorf("SetBatchSize on quadratic: %v", err)
	}
	if _, err := NewRun(q, RunConfig{Start: Point{1, 1}, Optimizer: DefaultOptimizer(OptSGD, 0.1), Scheduler: DefaultScheduler(SchedConstant, 10), BatchSize: 4}, 10); err == nil {
		t.Error("NewRun with batch_size on quadratic: no error")
	}
}

// dataProbes returns points over the view enlarged by half, and the start.
func dataProbes(in SurfaceInfo) []Point {
	v := in.View
	w, h := v.XMax-v.XMin, v.YMax-v.YMin
	out := []Point{in.Start}
	for i := range 5 {
		for j := range 5 {
			out = append(out, Point{v.XMin - w/2 + 2*w*float64(i)/4, v.YMin - h/2 + 2*h*float64(j)/4})
		}
	}
	return out
}

func TestGridSize(t *testing.T) {
	lin, _ := NewSurface(SurfaceConfig{Name: SurfaceLinReg, Data: rows2000(false)})
	log, _ := NewSurface(SurfaceConfig{Name: SurfaceLogReg, Data: rows2000(true)})
	small, _ := NewSurface(SurfaceConfig{Name: SurfaceLogReg, Dataset: "separable"})
	q, _ := NewSurface(SurfaceConfig{Name: "quadratic"})
	for _, c := range []struct {
		s       Surface
		n, want int
	}{{lin, 512, 512}, {q, 512, 512}, {log, 512, 45}, {log, 16, 16}, {small, 512, 323}, {small, 100, 100}} {
		if got := GridSize(c.s, c.n); got != c.want {
			t.Errorf("GridSize(%s, %d) = %d, want %d", c.s.Info().Name, c.n, got, c.want)
		}
	}
}
