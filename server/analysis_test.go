package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"lrlab/api"
	"lrlab/scenario"
	"lrlab/sim"
)

// The quadratic's defaults: a = 1, b = 10, so λmax = 10 everywhere and plain
// sgd is stable below 2/λmax = 0.2.
const quadLimit = 0.2

// post sends body to path and decodes a 200 answer into out.
func post(t *testing.T, ts *httptest.Server, path, body string, out any) {
	t.Helper()
	resp, b := do(t, ts, "POST", path, body, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("POST %s: %s %s", path, resp.Status, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("POST %s: Content-Type %q", path, ct)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("POST %s: %v in %s", path, err, b)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

func TestAnalysisLRFinderQuadratic(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	var r api.FinderResponse
	post(t, ts, "/api/v1/lr-finder", `{"surface":{"name":"quadratic"}}`, &r)
	t.Logf("stopped at %.3g after %d steps; suggestions valley %.3g steep %.3g minimum %.3g",
		r.StoppedAt, len(r.LR), r.Suggestions["valley"].LR, r.Suggestions["steep"].LR, r.Suggestions["minimum"].LR)
	if r.StabilityLimit == nil || !near(*r.StabilityLimit, quadLimit) || !near(r.Sharpness, 10) {
		t.Errorf("stability limit %v, sharpness %v; want %v and 10", r.StabilityLimit, r.Sharpness, quadLimit)
	}
	// fastai's test from the quadratic's start takes all 100 steps (its
	// smoothed loss lags too far behind to pass 4× the best): sim's tests.
	if r.Diverged || r.StoppedAt <= quadLimit || len(r.LR) != 100 {
		t.Errorf("stopped at LR %v after %d steps (diverged %v), want all 100 steps", r.StoppedAt, len(r.LR), r.Diverged)
	}
	n := len(r.LR)
	if n < 10 || len(r.Loss) != n || len(r.Smoothed) != n || len(r.X) != n+1 || len(r.Y) != n+1 {
		t.Fatalf("lengths: lr %d loss %d smoothed %d x %d y %d", n, len(r.Loss), len(r.Smoothed), len(r.X), len(r.Y))
	}
	if r.X[0] != -2.5 || r.Y[0] != 1.5 || r.LR[0] != sim.DefaultFinderStartLR {
		t.Errorf("starts at (%v, %v) with LR %v", r.X[0], r.Y[0], r.LR[0])
	}
	for _, name := range []string{"valley", "steep", "minimum"} {
		s := r.Suggestions[name]
		if s == nil || !(s.LR > 0) || s.Index < r.Window[0] || s.Index >= r.Window[1] {
			t.Fatalf("%s suggestion %+v, want an LR inside the window %v", name, s, r.Window)
		}
		// each is tried for 200 steps: only the one past 2/λmax diverges
		if s.Diverged != (s.LR > quadLimit) {
			t.Errorf("%s: lr %v tried: diverged %v", name, s.LR, s.Diverged)
		}
	}
	// The first to offer is the one that trains best: steep.
	if r.First == nil || *r.First != "steep" || r.Steps != 200 || !(r.Suggestions["steep"].FinalLoss < r.Suggestions["valley"].FinalLoss) {
		t.Errorf("first %v after %d steps; want steep after 200", r.First, r.Steps)
	}
	// The momentum limit: 2(1+β)/λmax.
	post(t, ts, "/api/v1/lr-finder", `{"surface":{"name":"quadratic"},"optimizer":{"name":"sgd","momentum":0.9},"num_iter":50,"smooth":0}`, &r)
	if r.StabilityLimit == nil || !near(*r.StabilityLimit, 0.38) {
		t.Errorf("momentum 0.9: stability limit %v, want 0.38", r.StabilityLimit)
	}
	if len(r.LR) > 50 || !near(r.Smoothed[3], r.Loss[3]) {
		t.Errorf("num_iter 50, smooth 0: %d steps, smoothed %v vs loss %v", len(r.LR), r.Smoothed[3], r.Loss[3])
	}
	// λmax ≤ 0 at the start: no limit.
	post(t, ts, "/api/v1/lr-finder", `{"surface":{"name":"custom","formula":"-x^2-y^2"},"start":[0.5,0.5]}`, &r)
	if r.StabilityLimit != nil {
		t.Errorf("concave surface: stability limit %v, want null", *r.StabilityLimit)
	}
}

// TestAnalysisLRFinderClips checks that the range test runs with the run's
// gradient clipping: its first step is the clipped closed form.
func TestAnalysisLRFinderClips(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	var plain, clipped api.FinderResponse
	post(t, ts, "/api/v1/lr-finder", `{"surface":{"name":"quadratic"},"start":[-2.5,1.5],"num_iter":10}`, &plain)
	post(t, ts, "/api/v1/lr-finder", `{"surface":{"name":"quadratic"},"start":[-2.5,1.5],"num_iter":10,"clip_grad_norm":0.5}`, &clipped)
	// ∇f at (−2.5, 1.5) on the default quadratic (a = 1, b = 10, θ = 0) is (−2.5, 15)
	gx, gy := -2.5, 15.0
	f := 0.5 / (math.Sqrt(gx*gx+gy*gy) + 1e-6)
	lr := clipped.LR[0]
	if wx, wy := -2.5+-lr*(gx*f), 1.5+-lr*(gy*f); !near(clipped.X[1], wx) || !near(clipped.Y[1], wy) {
		t.Errorf("clipped first step (%v, %v), want (%v, %v)", clipped.X[1], clipped.Y[1], wx, wy)
	}
	if plain.X[1] == clipped.X[1] {
		t.Errorf("clip_grad_norm made no difference to the range test")
	}
}

func TestAnalysisBadInput(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	small, _ := newTestServer(t, Config{SweepBudget: 1000})
	quad := `"surface":{"name":"quadratic"}`
	for _, tc := range []struct {
		ts          *httptest.Server
		path, body  string
		status      int
		field, want string
	}{
		{ts, "lr-finder", `{` + quad + `,"nmu_iter":5}`, 400, "nmu_iter", "allowed: surface, start, optimizer, start_lr"},
		{ts, "lr-finder", `{` + quad + `,"num_iter":10,"num_iter":20}`, 400, "num_iter", "duplicate"},
		{ts, "lr-finder", `{` + quad + `,"steps":0}`, 400, "steps", "from 1 to 10000"},
		{ts, "lr-finder", `{` + quad + `,"start_lr":0.1,"end_lr":0.01}`, 400, "end_lr", "> start_lr (0.1)"},
		{ts, "lr-finder", `{` + quad + `,"start_lr":0}`, 400, "start_lr", "> 0"},
		{ts, "lr-finder", `{` + quad + `,"num_iter":5000}`, 400, "num_iter", "from 2 to 1000"},
		{ts, "lr-finder", `{` + quad + `,"smooth":1}`, 400, "smooth", "[0, 1)"},
		{ts, "lr-finder", `{` + quad + `,"diverge":"4"}`, 400, "diverge", "must be a number, got a string"},
		{ts, "lr-finder", `{"start":[0,0]}`, 400, "surface", "required"},
		{ts, "lr-finder", `{"surface":{"name":"quadratic","c":1}}`, 400, "surface.c", "allowed"},
		{ts, "lr-finder", `{"surface":{"name":"quadratc"}}`, 400, "surface.name", "quadratic"},
		{ts, "lr-finder", `{` + quad + `,"start":[1e5,0]}`, 400, "start[0]", "too far"},
		{ts, "lr-finder", `{` + quad + `,"optimizer":{"name":"sgd","momentum":-1}}`, 400, "optimizer.momentum", ""},
		{ts, "lr-finder", `{` + quad + `,"optimizer":{"name":"adam","momentum":0.9}}`, 400, "optimizer.momentum", "allowed"},
		{ts, "lr-finder", `{"surface":{"name":"bilinear"}}`, 400, "surface", "game"},
		{ts, "lr-finder", `{` + quad + `,}`, 400, "", "malformed JSON"},
		{ts, "lr-finder", `{` + quad + `} {}`, 400, "", "trailing data"},
		{ts, "lr-finder", `{"surface":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "body", "larger than"},
		{ts, "sweep", `{` + quad + `,"lr_min":1,"lr_max":0.1}`, 400, "lr_max", "≥ lr_min (1)"},
		{ts, "sweep", `{` + quad + `,"num":2000}`, 400, "num", "from 1 to 1000"},
		{ts, "sweep", `{` + quad + `,"seeds":17}`, 400, "seeds", "from 1 to 16"},
		{ts, "sweep", `{` + quad + `,"steps":20000}`, 400, "steps", "from 1 to 10000"},
		{ts, "sweep", `{` + quad + `,"noise":-1}`, 400, "noise", "≥ 0"},
		{ts, "sweep", `{` + quad + `,"optimizers":[]}`, 400, "optimizers", "1 to 8"},
		{ts, "sweep", `{` + quad + `,"optimizers":[{"name":"sgd"},{"name":"adma"}]}`, 400, "optimizers[1].name", "adam"},
		{ts, "sweep", `{` + quad + `,"steps":10000,"seeds":16,"noise":0.1}`, 400, "steps", "(-sweep-budget) is 1000000"},
		{ts, "sweep", `{` + quad + `,"num":1000,"seeds":16,"noise":1}`, 400, "num", "3 optimizers × 1000 LRs × 16 seeds × 200 steps"},
		{small, "sweep", `{` + quad + `,"num":2,"steps":200}`, 400, "steps", "(-sweep-budget) is 1000"},
		{ts, "sweep", `{"surface":{"name":"custom","formula":"x^2+y^2"},"num":40,"steps":2000,"seeds":4,"noise":1}`, 400, "steps",
			"960000 optimizer steps, each costing 2 steps on a built-in surface"},
		{ts, "sweep", `{"surface":{"name":"custom","formula":"x^y^x^y^x^y^x^y"},"start":[0.5,0.5],"num":40,"steps":1000}`, 400, "surface.formula",
			"each costing"},
		{ts, "flat-share", `{"noises":[0,-1]}`, 400, "noises[1]", "≥ 0"},
		{ts, "flat-share", `{"lrs":[]}`, 400, "lrs", "1 to 100"},
		{ts, "flat-share", `{"surface":{"name":"quadratic"}}`, 400, "surface", "flat"},
		{ts, "flat-share", `{"seeds":100,"steps":10000}`, 400, "steps", "(-sweep-budget)"},
		{ts, "flat-share", `{"lrs":[0.1],"noises":[0],"steps":10000,"seeds":100}`, 400, "", ""}, // σ = 0: one run per LR, within budget
		// the run-level settings, as a scenario's run has them (scenario.AnalysisRunKeys)
		{ts, "lr-finder", `{` + quad + `,"clip_grad_norm":-1}`, 400, "clip_grad_norm", "≥ 0"},
		{ts, "lr-finder", `{` + quad + `,"batch_size":8}`, 400, "batch_size", "data surfaces"},
		{ts, "lr-finder", `{` + quad + `,"label":"a"}`, 400, "label", "allowed"},
		{ts, "sweep", `{` + quad + `,"clip_grad_norm":"x"}`, 400, "clip_grad_norm", "number"},
		{ts, "sweep", `{` + quad + `,"seed":3}`, 400, "seed", "allowed"}, // the sweep's seeds are 1 … seeds
		{ts, "sweep", `{` + quad + `,"fit_steps":1}`, 400, "fit_steps", "true or false"},
		{ts, "flat-share", `{"noise":1}`, 400, "noise", "allowed"}, // its noise levels are noises
		{ts, "flat-share", `{"lrs":[0.1],"noises":[0],"steps":100,"seeds":1,"clip_grad_norm":0.5}`, 400, "", ""},
	} {
		resp, body := do(t, tc.ts, "POST", "/api/v1/"+tc.path, tc.body, nil)
		if tc.want == "" && tc.field == "" {
			if resp.StatusCode != 200 {
				t.Errorf("%s %.80s: %s %s, want 200", tc.path, tc.body, resp.Status, body)
			}
			continue
		}
		var e api.Error
		json.Unmarshal(body, &e)
		if resp.StatusCode != tc.status || e.Field != tc.field || !strings.Contains(e.Error, tc.want) {
			t.Errorf("%s %.80s: %d %+v; want %d, field %q, message containing %q", tc.path, tc.body, resp.StatusCode, e, tc.status, tc.field, tc.want)
		}
	}
}

func TestAnalysisSweepStabilityLimit(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	var r api.SweepResponse
	post(t, ts, "/api/v1/sweep", `{"surface":{"name":"quadratic"},"steps":500,"lr_min":0.01,"lr_max":1,"num":41,
		"optimizers":[{"name":"sgd"},{"name":"sgd","momentum":0.9,"lr":123}]}`, &r)
	if len(r.Results) != 2*41 || len(r.LRs) != 41 || r.LRs[0] != 0.01 || r.LRs[40] != 1 {
		t.Fatalf("%d results, lrs %v", len(r.Results), r.LRs)
	}
	limits := []float64{quadLimit, 2 * 1.9 / 10}
	if r.StabilityLimit == nil || !near(*r.StabilityLimit, quadLimit) || len(r.StabilityLimits) != 2 ||
		r.StabilityLimits[0] == nil || !near(*r.StabilityLimits[0], limits[0]) ||
		r.StabilityLimits[1] == nil || !near(*r.StabilityLimits[1], limits[1]) {
		t.Errorf("stability limits %v %v, want %v", r.StabilityLimit, r.StabilityLimits, limits)
	}
	for k, p := range r.Results {
		oi, li := k/41, k%41
		if p.Optimizer != oi || p.LR != r.LRs[li] || p.Label != []string{"sgd", "sgd momentum=0.9"}[oi] {
			t.Fatalf("result %d: %+v", k, p)
		}
		if p.FinalLoss == nil || p.LossMin == nil || p.LossMax == nil || (p.DivergedAt != nil) != p.Diverged {
			t.Errorf("result %d: %+v", k, p)
		}
		// Below the limit every run converges; from the first LR above it,
		// every run diverges (0.199 and 0.224 lie either side of 0.2).
		if want := p.LR > limits[oi]; p.Diverged != want {
			t.Errorf("%s at LR %.4g: diverged %v, want %v (limit %.3g)", p.Label, p.LR, p.Diverged, want, limits[oi])
		}
	}
	// Defaults: sgd, sgd momentum 0.9, adam at 40 LRs from 1e-5 to 10.
	post(t, ts, "/api/v1/sweep", `{"surface":{"name":"quadratic"}}`, &r)
	if len(r.Results) != 3*40 || r.LRs[0] != 1e-5 || r.LRs[39] != 10 || r.Results[80].Label != "adam" {
		t.Errorf("default sweep: %d results over %v … %v", len(r.Results), r.LRs[0], r.LRs[len(r.LRs)-1])
	}
	// Noise with seeds: the spread of final losses.
	post(t, ts, "/api/v1/sweep", `{"surface":{"name":"quadratic"},"optimizers":[{}],"num":3,"lr_min":0.01,"lr_max":0.1,"seeds":5,"noise":0.5}`, &r)
	for _, p := range r.Results {
		if !(*p.LossMin <= *p.FinalLoss && *p.FinalLoss <= *p.LossMax && *p.LossMin < *p.LossMax) {
			t.Errorf("noisy sweep at LR %v: min %v median %v max %v", p.LR, *p.LossMin, *p.FinalLoss, *p.LossMax)
		}
	}
}

// TestAnalysisSweepFitSteps checks the sweep's own budget rule: with
// fit_steps the runs take the most steps the work budget allows when the
// asked steps would pass it (a mini-batched run costs its batch's rows per
// step), and the answer says the steps and the seeds the runs took.
func TestAnalysisSweepFitSteps(t *testing.T) {
	ts, _ := newTestServer(t, Config{SweepBudget: 60000})
	cases := []struct {
		body         string
		steps, seeds int
	}{
		// 3 optimizers × 10 LRs × 1 seed (not random: seeds 4 run once) → 2000 steps fit
		{`"num":10,"seeds":4,"steps":5000,"fit_steps":true`, 2000, 1},
		// noise makes the runs random: 4 seeds run → 500 steps
		{`"num":10,"seeds":4,"steps":5000,"noise":0.1,"fit_steps":true`, 500, 4},
		// steps that fit are kept
		{`"num":10,"seeds":4,"steps":300,"noise":0.1,"fit_steps":true`, 300, 4},
		{`"num":10,"steps":300,"fit_steps":false`, 300, 1},
	}
	for _, c := range cases {
		var r api.SweepResponse
		post(t, ts, "/api/v1/sweep", `{"surface":{"name":"quadratic"},`+c.body+`}`, &r)
		if r.Steps != c.steps || r.Seeds != c.seeds || len(r.Results) != 30 {
			t.Errorf("%s: steps %d seeds %d (%d results), want steps %d seeds %d", c.body, r.Steps, r.Seeds, len(r.Results), c.steps, c.seeds)
		}
	}
	// a mini-batched data surface: a step costs its batch's share of the
	// rows (stepCostBatch); the batches are random, so 2 seeds run without noise
	data := `{"surface":{"name":"linreg"},"optimizers":[{"name":"sgd"}],"num":5,"seeds":2,"batch_size":10,"steps":10000,"fit_steps":true}`
	var r api.SweepResponse
	post(t, ts, "/api/v1/sweep", data, &r)
	s, err := sim.NewSurface(sim.SurfaceConfig{Name: "linreg"})
	if err != nil {
		t.Fatal(err)
	}
	want := min(10000, 60000/(5*2*stepCostBatch(s, 10)))
	if r.Seeds != 2 || r.Steps != want || want == 10000 {
		t.Errorf("mini-batched sweep: steps %d seeds %d, want steps %d seeds 2", r.Steps, r.Seeds, want)
	}
	// without fit_steps the same sweep is refused, naming the steps
	resp, body := do(t, ts, "POST", "/api/v1/sweep", strings.Replace(data, `"fit_steps":true`, `"fit_steps":false`, 1), nil)
	if resp.StatusCode != 400 || !strings.Contains(string(body), `"field":"steps"`) {
		t.Errorf("unfitted mini-batched sweep: %s %s", resp.Status, body)
	}
}

// TestAnalysisStabilityLimitFormulas checks each formula of stabilityLimit
// against runs on the quadratic at 0.97 and 1.03 times the limit.
func TestAnalysisStabilityLimitFormulas(t *testing.T) {
	s, err := sim.NewSurface(sim.SurfaceConfig{Name: "quadratic"})
	if err != nil {
		t.Fatal(err)
	}
	sgd := func(mom, damp, wd float64, nesterov bool) sim.OptimizerConfig {
		c := sim.DefaultOptimizer(sim.OptSGD, 1)
		c.Momentum, c.Dampening, c.WeightDecay, c.Nesterov = mom, damp, wd, nesterov
		return c
	}
	for _, opt := range []sim.OptimizerConfig{
		sgd(0, 0, 0, false), sgd(0.9, 0, 0, false), sgd(0.5, 0.5, 0, false), sgd(0.9, 0, 0, true), sgd(0, 0, 2, false), sgd(0.8, 0, 1, true),
	} {
		limit, formula, ok := stabilityLimit(10, opt)
		if !ok {
			t.Fatalf("%+v: no limit", opt)
		}
		for _, f := range []float64{0.97, 1.03} {
			opt.LR = f * limit
			r, err := sim.NewRun(s, sim.RunConfig{Start: s.Info().Start, Optimizer: opt, Scheduler: sim.DefaultScheduler(sim.SchedConstant, 0)}, 5000)
			if err != nil {
				t.Fatal(err)
			}
			for r.Step() {
			}
			if diverged := r.Status() == sim.StatusDiverged; diverged != (f > 1) {
				t.Errorf("%s = %.4g for %s: at %.2f× the limit, diverged = %v", formula, limit, sim.OptimizerLabel(opt), f, diverged)
			}
		}
	}
	if _, _, ok := stabilityLimit(0, sim.DefaultOptimizer(sim.OptSGD, 1)); ok {
		t.Error("λmax = 0 has a limit")
	}
	if _, _, ok := stabilityLimit(10, sgd(0.9, 1, 0, false)); ok {
		t.Error("dampening 1 has a limit")
	}
}

func TestAnalysisFlatShare(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	var r struct {
		LRs    []float64   `json:"lrs"`
		Noises []float64   `json:"noises"`
		Seeds  int         `json:"seeds"`
		Steps  int         `json:"steps"`
		Share  [][]float64 `json:"share"`
	}
	post(t, ts, "/api/v1/flat-share", `{"lrs":[0.01,0.03,0.1],"noises":[0,1],"seeds":8,"steps":600}`, &r)
	if len(r.Share) != 2 || len(r.Share[0]) != 3 || len(r.Share[1]) != 3 || r.Seeds != 8 || r.Steps != 600 {
		t.Fatalf("share %v (seeds %d, steps %d)", r.Share, r.Seeds, r.Steps)
	}
	for i, row := range r.Share {
		for j, v := range row {
			if !(v >= 0 && v <= 1) || (i == 0 && v != 0 && v != 1) {
				t.Errorf("share[%d][%d] = %v", i, j, v)
			}
		}
	}
	// Defaults: sharp_flat, 3 noise levels × 6 LRs.
	post(t, ts, "/api/v1/flat-share", `{}`, &r)
	if len(r.Share) != 3 || len(r.Share[0]) != 6 || r.Share[0][0] != 0 || r.Share[0][5] != 1 {
		t.Errorf("default flat share %v over lrs %v noises %v", r.Share, r.LRs, r.Noises)
	}
}

// wsRaw is a websocket test client that hands each message over raw (a
// context that expires in Read would close the connection, so a goroutine
// reads).
type wsRaw struct {
	t    *testing.T
	c    *websocket.Conn
	msgs chan []byte
}

func dialRaw(t *testing.T, ts *httptest.Server) *wsRaw {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/ws", &websocket.DialOptions{HTTPClient: ts.Client()})
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(-1)
	w := &wsRaw{t, c, make(chan []byte, 1024)}
	go func() {
		defer close(w.msgs)
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			w.msgs <- b
		}
	}()
	t.Cleanup(func() { c.CloseNow() })
	return w
}

func (w *wsRaw) send(msg string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		w.t.Fatal(err)
	}
}

// next returns the next message within d, decoded as a sweep message and
// raw; ok is false when none came.
func (w *wsRaw) next(d time.Duration) (m api.SweepResponse, raw []byte, ok bool) {
	w.t.Helper()
	select {
	case b, open := <-w.msgs:
		if !open {
			w.t.Fatal("connection closed")
		}
		if err := json.Unmarshal(b, &m); err != nil {
			w.t.Fatalf("%v in %s", err, b)
		}
		return m, b, true
	case <-time.After(d):
		return m, nil, false
	}
}

// untilResult reads sweep messages until the result of id, checking that
// progress comes first, counts up to the total, and not too often.
func (w *wsRaw) untilResult(id string) (api.SweepResponse, int) {
	w.t.Helper()
	progress, lastDone := 0, -1
	var first time.Time
	for {
		m, raw, ok := w.next(10 * time.Second)
		if !ok {
			w.t.Fatalf("no sweep_result for %q", id)
		}
		switch {
		case m.Type == "sweep_progress" && m.ID != id && progress == 0:
			// from the sweep this one replaced, written before it started
		case m.Type == "sweep_progress" && m.ID == id:
			if progress == 0 {
				first = time.Now()
				if m.Done != 0 || m.Total <= 0 {
					w.t.Errorf("first progress %s", raw)
				}
			}
			progress++
			if m.Done <= lastDone || m.Done > m.Total {
				w.t.Errorf("progress %s after done %d", raw, lastDone)
			}
			lastDone = m.Done
		case m.Type == "sweep_result" && m.ID == id:
			if progress == 0 {
				w.t.Errorf("result without progress first")
			}
			if progress > 1 {
				if rate := float64(progress-1) / time.Since(first).Seconds(); rate > 12 {
					w.t.Errorf("%d progress messages at %.1f per second", progress, rate)
				}
			}
			return m, progress
		default:
			w.t.Fatalf("while waiting for the result of %q: %s", id, raw)
		}
	}
}

func TestAnalysisWSSweep(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t, goleak.IgnoreCurrent()) })
	ts, _ := newTestServer(t, Config{SweepBudget: 1e9, WorkPerMinute: 1e12})
	c := dialRaw(t, ts)

	// A sweep streams its progress, then its result, while the scenario
	// keeps streaming on the same socket.
	start := time.Now()
	c.send(`{"type":"sweep","id":"a","surface":{"name":"quadratic"},"steps":10000,"num":100,"lr_max":0.1}`)
	res, progress := c.untilResult("a")
	if len(res.Results) != 300 || res.StabilityLimit == nil || !near(*res.StabilityLimit, quadLimit) {
		t.Errorf("result: %d results, limit %v", len(res.Results), res.StabilityLimit)
	}
	t.Logf("sweep of 300 runs × 10000 steps in %v: %d progress messages", time.Since(start), progress)

	// Bad sweeps: the usual error message, with the field and the id.
	c.send(`{"type":"sweep","id":"b","surface":{"name":"quadratic"},"num":0}`)
	if m, raw, _ := c.next(5 * time.Second); m.Type != "error" || m.Field != "num" || m.ID != "b" {
		t.Errorf("bad num: %s", raw)
	}
	c.send(`{"type":"sweep","surface":{"name":"quadratic"},"nmu":3}`)
	if m, raw, _ := c.next(5 * time.Second); m.Type != "error" || m.Field != "nmu" || !strings.Contains(m.Error, "lr_min") {
		t.Errorf("unknown key: %s", raw)
	}

	// cancel_sweep stops a long sweep: no result comes.
	long := `{"type":"sweep","id":"long","surface":{"name":"rosenbrock"},"steps":10000,"num":1000,"seeds":16,"noise":0.1}`
	c.send(long)
	if m, raw, _ := c.next(5 * time.Second); m.Type != "sweep_progress" || m.Total != 3*1000*16 {
		t.Fatalf("long sweep: %s", raw)
	}
	c.send(`{"type":"cancel_sweep"}`)
	for n := 0; ; n++ {
		m, raw, ok := c.next(500 * time.Millisecond)
		if !ok {
			break
		}
		if m.Type != "sweep_progress" || n >= 2 { // one may be on its way
			t.Fatalf("after cancel_sweep: %s", raw)
		}
	}

	// A new sweep replaces the running one: only its result comes.
	c.send(long)
	c.send(`{"type":"sweep","id":"short","surface":{"name":"quadratic"},"num":5}`)
	if res, _ := c.untilResult("short"); len(res.Results) != 15 {
		t.Errorf("short sweep: %d results", len(res.Results))
	}

	// Leaving mid-sweep ends the sweep's goroutines with the session's
	// (goleak checks at cleanup, after the server closes).
	c2 := dialRaw(t, ts)
	c2.send(long)
	if m, raw, _ := c2.next(5 * time.Second); m.Type != "sweep_progress" {
		t.Fatalf("long sweep: %s", raw)
	}
	start = time.Now()
	c2.c.Close(websocket.StatusNormalClosure, "bye")
	c.c.Close(websocket.StatusNormalClosure, "bye")
	ts.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("closing took %v", d)
	}
}

// TestAnalysisWSSweepRate checks that a session may start only
// ComputePerMinute sweeps a minute, and that errors carry the id.
func TestAnalysisWSSweepRate(t *testing.T) {
	ts, _ := newTestServer(t, Config{ComputePerMinute: 1})
	c := dialRaw(t, ts)
	c.send(`{"type":"sweep","id":"one","surface":{"name":"quadratic"},"num":2}`)
	c.untilResult("one")
	c.send(`{"type":"sweep","id":"two","surface":{"name":"quadratic"},"num":2}`)
	if m, raw, _ := c.next(5 * time.Second); m.Type != "error" || m.Field != "type" || m.ID != "two" || !strings.Contains(m.Error, "at most 1 a minute") {
		t.Errorf("second sweep: %s", raw)
	}
	c.send(`{"type":"sweep","id":"three","surface":{"name":"quadratic"},"bad":1}`)
	if m, raw, _ := c.next(5 * time.Second); m.Type != "error" || m.Field != "bad" || m.ID != "three" || !strings.Contains(m.Error, "allowed: type, id, surface") {
		t.Errorf("unknown key: %s", raw)
	}
}

// TestAnalysisDoneReason checks that a run that diverges says why in its
// done message, and that frames carry sharpness and the test loss.
func TestAnalysisDoneReason(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	c := dialRaw(t, ts)
	c.send(`{"type":"start","rate":0,"scenario":{"surface":{"name":"quadratic"},"steps":300,"test_shift":[0.1,0],
		"runs":[{"optimizer":{"name":"sgd","lr":0.21}},{"optimizer":{"name":"sgd","lr":0.5,"momentum":0.9}},{"optimizer":{"name":"sgd","lr":0.19}}]}}`)
	want := []string{
		"LR 0.21 > 2/λmax = 0.2 (λmax = 10 at step 0, the last point before the loss began to grow)",
		"LR 0.5 > 2(1+β)/λmax = 0.38 (β = 0.9, λmax = 10 at step 0, the last point before the loss began to grow)",
		"",
	}
	points := make([]int, len(want))
	for left := len(want); left > 0; {
		_, raw, ok := c.next(5 * time.Second)
		if !ok {
			t.Fatal("no message within 5 s")
		}
		var m struct {
			Type       string `json:"type"`
			Run        int    `json:"run"`
			Status     string `json:"status"`
			DivergedAt *int   `json:"diverged_at"`
			Reason     *string
			Runs       []api.FrameRun `json:"runs"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		switch m.Type {
		case "frame":
			for _, f := range m.Runs {
				if len(f.Sharpness) != len(f.X) || len(f.TestLoss) != len(f.X) {
					t.Errorf("run %d: frame of %d points with %d sharpness, %d test loss", f.Run, len(f.X), len(f.Sharpness), len(f.TestLoss))
				}
				points[f.Run] += len(f.X)
			}
		case "done":
			left--
			w := want[m.Run]
			if w == "" {
				if m.Reason != nil || m.Status == "diverged" {
					t.Errorf("run %d: %s", m.Run, raw)
				}
				continue
			}
			if m.Status != "diverged" || m.DivergedAt == nil || m.Reason == nil {
				t.Fatalf("run %d: %s", m.Run, raw)
			}
			prefix := "diverged at step " + strconv.Itoa(*m.DivergedAt) + ": "
			if *m.Reason != prefix+w {
				t.Errorf("run %d: reason %q, want %q", m.Run, *m.Reason, prefix+w)
			}
		case "started":
		default:
			t.Fatalf("unexpected %s", raw)
		}
	}
	if points[2] != 301 {
		t.Errorf("run 2: %d points, want 301", points[2])
	}
}

// BenchmarkAnalysisSweepBudget times sweeps of about 1,000,000 optimizer
// steps (3 optimizers × 40 LRs × 16 seeds × 500 steps with noise) where no
// run diverges early, the worst case the sweep budget must keep short.
func BenchmarkAnalysisSweepBudget(b *testing.B) {
	for _, surf := range []string{
		`{"name":"quadratic"}`,
		`{"name":"sharp_flat"}`,
		`{"name":"rosenbrock"}`,
		`{"name":"custom","formula":"x^2 + 10*y^2 + sin(3*x)*cos(3*y)"}`,
		`{"name":"custom","formula":"x^2+10*y^2"}`,
		`{"name":"custom","formula":"` + strings.Repeat("sin(x+y)*cos(x-y)+exp(-x^2)*", 16) + `x^2"}`,
	} {
		f, err := scenario.ReadObject([]byte(`{"surface":`+surf+`,"steps":500,"seeds":16,"noise":0.01,"lr_min":1e-5,"lr_max":1e-3}`), "", sweepKeys...)
		if err != nil {
			b.Fatal(err)
		}
		req, err := decodeSweep(f, DefaultConfig())
		if err != nil {
			b.Fatal(err)
		}
		b.Run(strings.Trim(surf[8:20], `",`), func(b *testing.B) {
			for b.Loop() {
				if _, err := sim.Sweep(context.Background(), req.cfg, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestAnalysisDoneReasonQuotesTheOvershoot checks issue 11's major 2 and 3:
// a divergence is explained with the curvature where the run began to
// overshoot, not the one after the blow-up (/p/warmup's run without warmup
// quoted "2/λmax = 2e-12"), and a game gets no 2/λmax verdict.
func TestAnalysisDoneReasonQuotesTheOvershoot(t *testing.T) {
	surf, _ := sim.NewSurface(sim.SurfaceConfig{Name: "himmelblau"})
	start := sim.Point{X: 4.5, Y: 4.5}
	limit0 := 2 / surf.Hessian(start).MaxEigen()
	ts, _ := newTestServer(t, Config{})
	c := dialRaw(t, ts)
	c.send(`{"type":"start","rate":0,"scenario":{"surface":{"name":"himmelblau"},"steps":200,
		"runs":[{"start":[4.5,4.5],"optimizer":{"name":"sgd","lr":0.03}}]}}`)
	for {
		m, raw, ok := c.next(5 * time.Second)
		if !ok {
			t.Fatal("no done within 5 s")
		}
		if m.Type != "done" {
			continue
		}
		var d struct {
			Reason   string   `json:"reason"`
			Step     *int     `json:"overshoot_step"`
			Limit    *float64 `json:"overshoot_limit"`
			Sharp    *float64 `json:"overshoot_sharpness"`
			Formula  string   `json:"limit_formula"`
			LastSeen float64  `json:"sharpness"`
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		if d.Step == nil || *d.Step != 0 || d.Limit == nil || math.Abs(*d.Limit-limit0) > 1e-12*limit0 || d.Formula != "2/λmax" {
			t.Errorf("done %s; want overshoot at step 0 with limit %v", raw, limit0)
		}
		want := fmt.Sprintf("LR 0.03 > 2/λmax = %s (λmax = %s at step 0,", formatG(limit0), formatG(2/limit0))
		if !strings.Contains(d.Reason, want) {
			t.Errorf("reason %q, want it to contain %q", d.Reason, want)
		}
		break
	}
	c.send(`{"type":"start","rate":0,"scenario":{"surface":{"name":"bilinear"},"steps":2000,
		"runs":[{"optimizer":{"name":"sgd","lr":0.5}}]}}`)
	for {
		m, raw, ok := c.next(5 * time.Second)
		if !ok {
			t.Fatal("no done within 5 s")
		}
		if m.Type == "frame" && strings.Contains(string(raw), `"stability_limit":[`) && !strings.Contains(string(raw), `"stability_limit":[null`) {
			t.Errorf("a game frame with a stability limit: %.300s", raw)
		}
		if m.Type != "done" {
			continue
		}
		var d struct {
			Reason string   `json:"reason"`
			Limit  *float64 `json:"overshoot_limit"`
		}
		json.Unmarshal(raw, &d)
		if d.Limit != nil || strings.Contains(d.Reason, "2/λmax =") || !strings.Contains(d.Reason, "bilinear game spirals out at any LR") {
			t.Errorf("game done %s", raw)
		}
		break
	}
}
