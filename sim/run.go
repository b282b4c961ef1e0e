package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Status is the state of a run.
type Status int

// Run states.
const (
	StatusRunning   Status = iota // steps remain
	StatusCompleted               // took every step
	StatusConverged               // took every step and ended with ‖∇f‖ ≤ ConvergedGradNorm
	StatusDiverged                // stopped by the divergence rule
)

// ConvergedGradNorm is the gradient norm at or below which a completed run is
// reported as converged.
const ConvergedGradNorm = 1e-6

// String returns the status as the API spells it.
func (s Status) String() string {
	switch s {
	case StatusRunning:
		return "running"
	case StatusCompleted:
		return "completed"
	case StatusConverged:
		return "converged"
	case StatusDiverged:
		return "diverged"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Updates orders of the two players on a game surface.
const (
	UpdatesSimultaneous = "simultaneous" // both players use the gradient at (x_t, y_t)
	UpdatesAlternating  = "alternating"  // x moves first; y then uses the gradient at (x_{t+1}, y_t)
)

// RunConfig is one run of a scenario.
type RunConfig struct {
	Label     string
	Start     Point
	Optimizer OptimizerConfig
	Scheduler SchedulerConfig
	// Noise σ ≥ 0 adds σ·ε to each gradient, ε ~ N(0, I) drawn from a
	// generator seeded by Seed (two draws per step, x first, only when σ > 0).
	Noise float64
	Seed  uint64
	// OptimizerY is the optimizer of player y on a game surface; nil means a
	// copy of Optimizer. Ignored on other surfaces.
	OptimizerY *OptimizerConfig
	// Updates is UpdatesSimultaneous (the default when empty) or
	// UpdatesAlternating; used on game surfaces only.
	Updates string
	// BatchSize is the mini-batch size B on a data surface, 1 … N; 0 means
	// N (full batch). See sim/batch.go.
	BatchSize int
	// ClipGradNorm > 0 clips the gradient each step (noise included) as
	// torch.nn.utils.clip_grad_norm_(params, max_norm=ClipGradNorm) does:
	// scaled by max_norm/(‖g‖ + 1e-6) when that is below 1. On a game
	// each player's parameter is clipped apart, as each model's would
	// be. 0 leaves the gradient as it is.
	ClipGradNorm float64
}

// Location is one point of a trajectory with everything measured there.
type Location struct {
	Step      int     // index of the point: 0 is the start
	P         Point   // the parameters
	Loss      float64 // f(P)
	Grad      Point   // ∇f(P), without noise
	GradNorm  float64 // ‖∇f(P)‖
	LR        float64 // LR of the step that produced P; for the start, the LR step 0 will use
	Sharpness float64 // λmax of ∇²f(P)
	Velocity  Point   // the optimizer's momentum buffer or first moment after producing P
	TestLoss  float64 // f(P − shift) when the run has a test shift, else 0
	// Gauge is the optimizer's stability gauge at P for its next step
	// (stability.go); its NaNs (no limit) are not a divergence.
	Gauge Stability
	// BatchLoss is, on a data surface, the mini-batch loss that the step
	// producing P computed its gradient from (at the point before P, as
	// loss.item() reports it in a PyTorch loop); at the start, Loss.
	BatchLoss float64
}

// Run advances one trajectory step by step. It is not safe for concurrent
// use; one goroutine owns it.
type Run struct {
	_         noCopy // cur and low point into the run's own locs
	surf      Surface
	ev        evaluator // surf's, when it has one (a wrapped surface has not)
	game      bool
	cfg       RunConfig
	steps     int
	opt       Optimizer
	gauge     gauger    // opt's, looked up once rather than on every step
	optY      Optimizer // games only
	sched     Scheduler
	rng       *rand.Rand
	status    Status
	divAt     int
	lastShown bool // diverged and cur is the (finite) diverging point
	testShift *Point
	data      DataSurface // data surfaces only (sim/batch.go)
	batch     *batcher

	// cur is the latest point and low the last point with the lowest loss
	// so far (Overshoot), often the same one. Both point into locs, whose
	// third slot (at least) is free for Step to measure the new point in
	// place: a Location is about 170 bytes, and copying it into cur and low
	// on every step was a tenth of a step's time. (So a Run must not be
	// copied; NewRun gives a pointer.)
	cur, low *Location
	locs     [3]Location
}

// NewRun checks c and returns a run at its start point, which is Current().
// steps is the number of steps the run will take (≥ 1).
func NewRun(s Surface, c RunConfig, steps int) (*Run, error) {
	if s == nil {
		panic("sim: NewRun with nil surface")
	}
	if steps < 1 {
		return nil, fieldErrorf("steps", "must be at least 1, got %d", steps)
	}
	if !c.Start.Finite() {
		return nil, fieldErrorf("start", "must be two finite numbers")
	}
	if err := checkSettings(c); err != nil {
		return nil, err
	}
	r := &Run{surf: s, game: s.Info().Kind == KindGame, steps: steps, divAt: -1}
	r.ev, _ = s.(evaluator)
	opt, err := NewOptimizer(c.Optimizer)
	if err != nil {
		return nil, Prefix("optimizer", err)
	}
	r.opt = opt
	r.gauge, _ = opt.(gauger)
	if r.game {
		switch c.Updates {
		case "":
			c.Updates = UpdatesSimultaneous
		case UpdatesSimultaneous, UpdatesAlternating:
		default:
			return nil, fieldErrorf("updates", "unknown value %q; allowed: %s, %s", c.Updates, UpdatesSimultaneous, UpdatesAlternating)
		}
		if c.OptimizerY == nil {
			y := c.Optimizer
			c.OptimizerY = &y
		}
		optY, err := NewOptimizer(*c.OptimizerY)
		if err != nil {
			return nil, Prefix("optimizer_y", err)
		}
		r.optY = optY
	}
	sched, err := NewScheduler(c.Scheduler, c.Optimizer.LR, steps, c.Optimizer.Name)
	if err != nil {
		return nil, Prefix("scheduler", err)
	}
	r.sched = sched
	r.cfg = c
	r.rng = rand.New(rand.NewPCG(c.Seed, 0x9e3779b97f4a7c15))
	r.cur = &r.locs[0]
	r.measure(r.cur, 0, c.Start, sched.LR(0))
	if r.cur.leaves() {
		return nil, fieldErrorf("start", "f is not finite or too large at (%g, %g)", c.Start.X, c.Start.Y)
	}
	// The lowest point starts as a copy of the start as measured here:
	// the batch and test losses that initBatch and SetTestShift then give
	// the start are not in it.
	r.low = &r.locs[1]
	*r.low = *r.cur
	if err := r.initBatch(c); err != nil {
		return nil, err
	}
	return r, nil
}

// SetTestShift makes the run report TestLoss = f(P − shift).
func (r *Run) SetTestShift(shift Point) {
	r.testShift = &shift
	if r.low == r.cur { // the lowest point keeps the test loss it was measured with
		r.low = r.free()
		*r.low = *r.cur
	}
	r.cur.TestLoss = r.surf.Value(r.cur.P.Sub(shift))
}

// noCopy makes go vet's copylocks check report a Run copied by value: a
// copy's cur and low would still point into the original's locs.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// free returns a slot of locs that neither cur nor low holds.
func (r *Run) free() *Location {
	for i := range r.locs {
		if l := &r.locs[i]; l != r.cur && l != r.low {
			return l
		}
	}
	panic("sim: no free Location") // unreachable: cur and low hold two of three
}

// Surface returns the surface the run descends.
func (r *Run) Surface() Surface { return r.surf }

// Config returns the run's settings in use.
func (r *Run) Config() RunConfig { return r.cfg }

// Current returns the latest point.
func (r *Run) Current() Location { return *r.cur }

// Status returns the run's state.
func (r *Run) Status() Status { return r.status }

// DivergedAt returns the index of the point at which the run diverged, or −1.
func (r *Run) DivergedAt() int { return r.divAt }

// Steps returns the number of steps the run takes when it does not diverge.
func (r *Run) Steps() int { return r.steps }

// ScheduledLR returns the LR step t uses under the current settings.
func (r *Run) ScheduledLR(t int) float64 { return r.sched.LR(t) }

// finite reports whether every value of l that must be finite is.
func (l *Location) finite() bool {
	// x−x is 0 for a finite x and NaN otherwise, and a sum with a NaN
	// term is NaN: one test instead of ten, on every step.
	return (l.P.X-l.P.X)+(l.P.Y-l.P.Y)+(l.Loss-l.Loss)+(l.GradNorm-l.GradNorm)+(l.Sharpness-l.Sharpness)+
		(l.Grad.X-l.Grad.X)+(l.Grad.Y-l.Grad.Y)+(l.Velocity.X-l.Velocity.X)+(l.Velocity.Y-l.Velocity.Y)+
		(l.TestLoss-l.TestLoss)+(l.BatchLoss-l.BatchLoss) == 0
}

// leaves reports whether l breaks the divergence rule or has a value that
// is not finite: Leaves(l.P, l.Loss) || !l.finite(), without testing the
// point and its loss for finiteness twice.
func (l *Location) leaves() bool {
	return !l.finite() || math.Abs(l.Loss) > MaxLoss || math.Abs(l.P.X) > MaxCoord || math.Abs(l.P.Y) > MaxCoord
}

// measure fills l with the point p reached by step at lr. It writes into
// l, not a returned value: a Location is about 170 bytes, and the copies
// were a fifth of a step's time.
func (r *Run) measure(l *Location, step int, p Point, lr float64) {
	var (
		f, lmax float64
		g       Point
		h       Sym2
	)
	if r.ev != nil {
		f, g, h, lmax = r.ev.eval(p)
	} else {
		g, h = r.surf.Grad(p), r.surf.Hessian(p)
		f, lmax = r.surf.Value(p), h.MaxEigen()
	}
	l.Step, l.P, l.Loss, l.Grad, l.GradNorm, l.LR = step, p, f, g, g.Norm(), lr
	l.Sharpness, l.Velocity = lmax, r.opt.Velocity()
	if r.game {
		l.Gauge = noGauge() // x and y do not both descend f: f's curvature sets no limit
	} else {
		gaugeOf(&l.Gauge, r.gauge, p, g, h, lmax)
	}
	l.TestLoss, l.BatchLoss = 0, 0
	if r.testShift != nil {
		l.TestLoss = r.surf.Value(p.Sub(*r.testShift))
	}
}

// Step takes one step and reports whether its new point is shown, that is
// whether Current is now that point: true for every step but one that
// diverges to a point where some value is not finite (Current then stays
// the point before; a diverging point that is finite is shown). It returns
// false, and does nothing, once the run has taken all its steps or
// diverged, so `for r.Step() {}` runs a run to its end.
func (r *Run) Step() bool {
	if r.status != StatusRunning {
		return false
	}
	t := r.cur.Step
	var lr float64
	if c, ok := r.sched.(*constantSched); ok {
		// The default scheduler sets no momentum: its LR without the two
		// calls through the interface, a twentieth of a step on the quadratic.
		lr = c.lr
	} else {
		lr = r.sched.LR(t)
		if m, ok := r.sched.Momentum(t); ok {
			r.opt.SetMomentum(m)
			if r.optY != nil {
				r.optY.SetMomentum(m)
			}
		}
	}
	g, batchLoss := r.cur.Grad, r.cur.Loss
	if r.miniBatched() { // batchGrad is apart, so the common case makes no call
		g, batchLoss = r.batchGrad()
	}
	if r.cfg.Noise > 0 {
		g.X += r.cfg.Noise * r.rng.NormFloat64()
		g.Y += r.cfg.Noise * r.rng.NormFloat64()
	}
	var p Point
	if r.game {
		p = r.gameStep(r.cur.P, g, lr)
	} else {
		p = r.opt.Step(r.cur.P, clipGradNorm(g, r.cfg.ClipGradNorm), lr)
	}
	next := r.free()
	r.measure(next, t+1, p, lr)
	if r.batch != nil {
		next.BatchLoss = batchLoss
	}
	if next.leaves() {
		r.status = StatusDiverged
		r.divAt = t + 1
		if next.finite() {
			r.cur = next
			r.lastShown = true
			return true
		}
		r.lastShown = false
		return false
	}
	r.cur = next
	if next.Loss <= r.low.Loss {
		r.low = next
	}
	if t+1 >= r.steps {
		r.status = StatusCompleted
		if next.GradNorm <= ConvergedGradNorm {
			r.status = StatusConverged
		}
	}
	return true
}

// gameStep moves player x down f and player y up f. Each optimizer works
// element-wise, so each sees a gradient with only its own coordinate.
func (r *Run) gameStep(p, g Point, lr float64) Point {
	lrY := lr * r.optY.Config().LR / r.opt.Config().LR
	nx := r.opt.Step(p, clipGradNorm(Point{g.X, 0}, r.cfg.ClipGradNorm), lr).X
	gy := g.Y
	if r.cfg.Updates == UpdatesAlternating {
		gy = r.surf.Grad(Point{nx, p.Y}).Y
		if r.cfg.Noise > 0 {
			gy += g.Y - r.cur.Grad.Y // the same noise draw as the simultaneous update
		}
	}
	ny := r.optY.Step(p, clipGradNorm(Point{0, -gy}, r.cfg.ClipGradNorm), lrY).Y
	return Point{nx, ny}
}

// RunChange is a change of a live run's settings (Run.Set). A nil field
// keeps that setting; the zero value changes nothing.
type RunChange struct {
	Optimizer  *OptimizerConfig
	OptimizerY *OptimizerConfig // player y's optimizer; game surfaces only
	Scheduler  *SchedulerConfig
	// Settings writes the other run-level settings the change gives (the
	// noise, the batch size …) into the run's configuration; Set checks
	// the result as NewRun checks a new run's (checkSettings, and the
	// batch size against the data).
	Settings func(*RunConfig)
}

// Set changes the run's settings from its next step on. An optimizer of the
// same name keeps its state (as editing a PyTorch param_group does); another
// name starts from fresh state. The scheduler is rebuilt for the new LR and
// keeps counting from the run's current step. On an error (a FieldError
// naming the setting) the run is unchanged.
func (r *Run) Set(ch RunChange) error {
	cfg := r.cfg
	if ch.Settings != nil {
		ch.Settings(&cfg)
		if err := checkSettings(cfg); err != nil {
			return err
		}
		if cfg.BatchSize != r.cfg.BatchSize {
			if err := r.CheckBatchSize(cfg.BatchSize); err != nil {
				return err
			}
		}
	}
	newOpt, newOptY := r.opt, r.optY
	if ch.Optimizer != nil {
		o, err := replaceOptimizer(r.opt, *ch.Optimizer)
		if err != nil {
			return Prefix("optimizer", err)
		}
		newOpt, cfg.Optimizer = o, *ch.Optimizer
	}
	if ch.OptimizerY != nil && !r.game {
		return fieldErrorf("optimizer_y", "only a game surface has a second player; this run's surface is %s", r.surf.Info().Name)
	}
	if ch.OptimizerY != nil {
		o, err := replaceOptimizer(r.optY, *ch.OptimizerY)
		if err != nil {
			return Prefix("optimizer_y", err)
		}
		c := *ch.OptimizerY
		newOptY, cfg.OptimizerY = o, &c
	}
	if ch.Scheduler != nil {
		cfg.Scheduler = *ch.Scheduler
	}
	s, err := NewScheduler(cfg.Scheduler, cfg.Optimizer.LR, r.steps, cfg.Optimizer.Name)
	if err != nil {
		return Prefix("scheduler", err)
	}
	batch := cfg.BatchSize
	cfg.BatchSize = r.cfg.BatchSize // SetBatchSize's to change, with the batches
	r.opt, r.optY, r.sched, r.cfg = newOpt, newOptY, s, cfg
	r.gauge, _ = newOpt.(gauger)
	if batch != cfg.BatchSize {
		return r.SetBatchSize(batch) // checked above
	}
	return nil
}

// checkSettings checks the run-level settings of c that hold on any
// surface (what depends on the surface, such as the batch size, is
// checked with it).
func checkSettings(c RunConfig) error {
	if !isFinite(c.Noise) || c.Noise < 0 {
		return fieldErrorf("noise", "must be a finite number ≥ 0, got %v", c.Noise)
	}
	if !isFinite(c.ClipGradNorm) || c.ClipGradNorm < 0 {
		return fieldErrorf("clip_grad_norm", "must be a finite number ≥ 0 (0: no clipping), got %v", c.ClipGradNorm)
	}
	return nil
}

// clipGradNorm returns g as torch.nn.utils.clip_grad_norm_(params,
// max_norm) leaves it: the total 2-norm of the gradient, sqrt(Σ g²), then
// g times min(1, max_norm/(norm + 1e-6)). max 0 (or less) is no clipping.
func clipGradNorm(g Point, max float64) Point {
	if max <= 0 {
		return g
	}
	if c := max / (math.Sqrt(g.X*g.X+g.Y*g.Y) + 1e-6); c < 1 {
		g.X *= c
		g.Y *= c
	}
	return g
}

func replaceOptimizer(cur Optimizer, c OptimizerConfig) (Optimizer, error) {
	if c.Name == cur.Config().Name {
		if _, err := NewOptimizer(c); err != nil { // validate before touching state
			return nil, err
		}
		if err := cur.Reconfigure(c); err != nil {
			return nil, err
		}
		return cur, nil
	}
	return NewOptimizer(c)
}

// Trajectory is a whole run, as /api/v1/simulate returns it.
type Trajectory struct {
	Label     string
	X, Y      []float64 // start point, then the point after each step
	Loss      []float64
	GradNorm  []float64
	Sharpness []float64
	TestLoss  []float64 // nil without a test shift
	BatchLoss []float64 // data surfaces only: Location.BatchLoss of each point
	LR        []float64 // LR[t] is the LR used by step t; one entry per step taken
	// EdgeSharpness and StabilityLimit are each point's Gauge.Sharpness and
	// Gauge.Limit (NaN where there is none).
	EdgeSharpness  []float64
	StabilityLimit []float64
	Status         Status
	DivergedAt     int // −1 unless diverged
	// Overshoot is the index of the point where a diverged run began to
	// overshoot (Run.Overshoot); −1 unless diverged.
	Overshoot int
}

// Simulate runs r to its end and returns its trajectory, including the
// current point. It stops early after a divergence.
func Simulate(r *Run) Trajectory {
	n := r.steps - r.cur.Step + 1
	tr := Trajectory{
		Label:     r.cfg.Label,
		X:         make([]float64, 0, n),
		Y:         make([]float64, 0, n),
		Loss:      make([]float64, 0, n),
		GradNorm:  make([]float64, 0, n),
		Sharpness: make([]float64, 0, n),
		LR:        make([]float64, 0, n),
		Overshoot: -1,

		EdgeSharpness:  make([]float64, 0, n),
		StabilityLimit: make([]float64, 0, n),
	}
	if r.testShift != nil {
		tr.TestLoss = make([]float64, 0, n)
	}
	if r.batch != nil {
		tr.BatchLoss = make([]float64, 0, n)
	}
	add := func(l Location) {
		tr.X = append(tr.X, l.P.X)
		tr.Y = append(tr.Y, l.P.Y)
		tr.Loss = append(tr.Loss, l.Loss)
		tr.GradNorm = append(tr.GradNorm, l.GradNorm)
		tr.Sharpness = append(tr.Sharpness, l.Sharpness)
		tr.EdgeSharpness = append(tr.EdgeSharpness, l.Gauge.Sharpness)
		tr.StabilityLimit = append(tr.StabilityLimit, l.Gauge.Limit)
		if tr.TestLoss != nil {
			tr.TestLoss = append(tr.TestLoss, l.TestLoss)
		}
		if tr.BatchLoss != nil {
			tr.BatchLoss = append(tr.BatchLoss, l.BatchLoss)
		}
	}
	add(*r.cur)
	for r.status == StatusRunning {
		tr.LR = append(tr.LR, r.sched.LR(r.cur.Step))
		if r.Step() {
			add(*r.cur)
		}
	}
	tr.Status, tr.DivergedAt = r.status, r.divAt
	if r.status == StatusDiverged {
		tr.Overshoot = r.low.Step
	}
	return tr
}

// Overshoot returns the point at which the run began to overshoot, for
// explaining a divergence with the curvature where it started rather than
// after the blow-up: the last point with the lowest loss of the run so far
// (the start when the loss never fell below its start value). The diverging
// point itself never counts.
func (r *Run) Overshoot() Location { return *r.low }

// LastShown reports, for a diverged run, whether Current is the diverging
// point (every value finite) rather than the point before it.
func (r *Run) LastShown() bool { return r.lastShown }
