package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"lrlab/scenario"
	"lrlab/scenario/scenariotest"
	"lrlab/sim"
)

// labTrack is one run of window.__lab.runs with everything the presets'
// expectations look at. Values that are not finite arrive as null (NaN
// when decoded by jsonFloats).
type labTrack struct {
	N          int        `json:"n"`
	Status     string     `json:"status"`
	DivergedAt *int       `json:"divergedAt"`
	X          jsonFloats `json:"x"`
	Y          jsonFloats `json:"y"`
	Loss       jsonFloats `json:"loss"`
	TestLoss   jsonFloats `json:"test_loss"`
	LR         jsonFloats `json:"lr"`
	// the sharpness and the server's stability gauge, for the research
	// lessons' expectations
	Sharpness jsonFloats `json:"sharpness"`
	Edge      jsonFloats `json:"edge_sharpness"`
	Limit     jsonFloats `json:"stability_limit"`
}

// jsonFloats decodes a JSON array of numbers in which null stands for a
// value that is not finite (NaN).
type jsonFloats []float64

func (f *jsonFloats) UnmarshalJSON(b []byte) error {
	var raw []*float64
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make([]float64, len(raw))
	for i, v := range raw {
		out[i] = math.NaN()
		if v != nil {
			out[i] = *v
		}
	}
	*f = out
	return nil
}

// labTracks reads every run of window.__lab (its first n points).
func labTracks(tb *tab) []labTrack {
	tb.t.Helper()
	raw := eval[json.RawMessage](tb, `JSON.stringify(__lab.runs.map((d) => {
		const cut = (a) => Array.from((a || []).slice(0, d.n), (v) => (Number.isFinite(v) ? v : null));
		return {n: d.n, status: d.status, divergedAt: d.divergedAt, x: cut(d.x), y: cut(d.y), loss: cut(d.loss),
			test_loss: d.test_loss && d.test_loss.length ? cut(d.test_loss) : [], lr: cut(d.lr),
			sharpness: cut(d.sharpness), edge_sharpness: cut(d.edge_sharpness), stability_limit: cut(d.stability_limit)};
	}))`)
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		tb.t.Fatalf("reading __lab.runs: %v", err)
	}
	var out []labTrack
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		tb.t.Fatalf("decoding __lab.runs: %v", err)
	}
	return out
}

// trajectory turns a run of the page into the sim.Trajectory that
// scenario's expectations are checked on.
func (r labTrack) trajectory() sim.Trajectory {
	// The page's lr[k] is the LR of the step that produced point k (lr[0]
	// the one step 0 uses); a Trajectory's LR[t] is the LR step t used.
	lr := r.LR
	if len(lr) > 1 {
		lr = lr[1:]
	}
	tr := sim.Trajectory{X: r.X, Y: r.Y, Loss: r.Loss, LR: lr, DivergedAt: -1, Status: sim.StatusCompleted,
		Sharpness: r.Sharpness, EdgeSharpness: r.Edge, StabilityLimit: r.Limit}
	if len(r.TestLoss) > 0 {
		tr.TestLoss = r.TestLoss
	}
	switch r.Status {
	case "diverged":
		tr.Status = sim.StatusDiverged
		if r.DivergedAt != nil {
			tr.DivergedAt = *r.DivergedAt
		}
	case "converged":
		tr.Status = sim.StatusConverged
	}
	return tr
}

// maxSpeed moves the playback speed slider to its top ("max": as fast as
// the server streams) the way a user does.
func (tb *tab) maxSpeed() {
	tb.t.Helper()
	eval[bool](tb, `(() => {
		const s = document.getElementById('speed');
		s.value = s.max;
		s.dispatchEvent(new Event('input', {bubbles: true}));
		s.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`)
	tb.waitFor("rate 0 (max speed)", `__lab.state.rate === 0`, 5*time.Second, `__lab.state.rate`)
}

// waitStill waits until the canvas #id stops changing (two looks 200 ms
// apart see the same pixels) and leaves its snapshot under key.
func (tb *tab) waitStill(id, key string, timeout time.Duration) {
	tb.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		tb.canvasSnap(id, key)
		time.Sleep(200 * time.Millisecond)
		tb.frames(2)
		d := tb.canvasDiff(id, key)
		if d.Changed == 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("the #%s canvas keeps changing: %+v", id, d)
		}
	}
}

// TestPresets: every preset opens at its /p/{id} without console errors,
// shows its lesson, holds the preset's runs and, played at top speed,
// reaches every outcome its text promises: the browser's final points and
// statuses are checked with the preset's own Expect entries
// (scenariotest.Outcome.Check, as the scenario package checks the simulation),
// and the legend agrees (diverged where a run must diverge and nowhere a
// run must take every step; the minimum an ends_in run is near).
func TestPresets(t *testing.T) {
	requireBrowser(t)
	presets := scenario.Presets()
	// The page's list is the server's: every preset is there.
	res, err := http.Get(url("/api/v1/presets"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var listed []struct {
		ID   string `json:"id"`
		Link string `json:"link"`
	}
	if err := json.Unmarshal(body, &listed); err != nil || res.StatusCode != 200 {
		t.Fatalf("GET /api/v1/presets: %s %v", res.Status, err)
	}
	if len(listed) != len(presets) {
		t.Errorf("GET /api/v1/presets lists %d presets; scenario.Presets() has %d", len(listed), len(presets))
	}

	start := time.Now()
	t.Cleanup(func() { t.Logf("%d presets in %v", len(presets), time.Since(start).Round(time.Millisecond)) })
	for _, p := range presets {
		if !slices.ContainsFunc(listed, func(l struct {
			ID   string `json:"id"`
			Link string `json:"link"`
		}) bool {
			return l.ID == p.ID && l.Link == "/p/"+p.ID
		}) {
			t.Errorf("preset %s is not listed with link /p/%s", p.ID, p.ID)
		}
		t.Run(p.ID, func(t *testing.T) {
			t.Parallel() // two at a time (GOMAXPROCS on this machine)
			checkPreset(t, p)
		})
	}
}

func checkPreset(t *testing.T, p scenario.Preset) {
	tb := newTab(t, desktop)
	tb.open("/p/" + p.ID)

	// The page opened the preset and says what to look for.
	type opened struct {
		Runs   int       `json:"runs"`
		LRs    []float64 `json:"lrs"`
		Opts   []string  `json:"opts"`
		Lesson string    `json:"lesson"`
		Shown  bool      `json:"shown"`
		Select string    `json:"select"`
	}
	got := eval[opened](tb, `(() => {
		const st = __lab.state, box = document.getElementById('lesson');
		return {runs: st.runs.length, lrs: st.runs.map((r) => r.optimizer.lr ?? -1), opts: st.runs.map((r) => r.optimizer.name),
			lesson: box.innerText, shown: !box.hidden, select: document.getElementById('presets').value};
	})()`)
	if got.Runs != len(p.Scenario.Runs) {
		t.Fatalf("the page holds %d runs; preset %s has %d", got.Runs, p.ID, len(p.Scenario.Runs))
	}
	for i, r := range p.Scenario.Runs {
		if got.Opts[i] != r.Optimizer.Name || math.Abs(got.LRs[i]-r.Optimizer.LR) > 1e-12*r.Optimizer.LR {
			t.Errorf("run %d is %s lr %v; the preset has %s lr %v", i, got.Opts[i], got.LRs[i], r.Optimizer.Name, r.Optimizer.LR)
		}
	}
	if !got.Shown || !strings.Contains(got.Lesson, p.Title["en"]) || got.Select != p.ID {
		t.Errorf("lesson shown %v with %q, presets menu on %q; want preset %s's title %q", got.Shown, short(got.Lesson), got.Select, p.ID, p.Title["en"])
	}

	tb.maxSpeed()
	tb.play()
	tb.waitAllDone(20 * time.Second)
	tb.frames(2)
	runs := labTracks(tb)
	if len(runs) != len(p.Scenario.Runs) {
		t.Fatalf("%d runs streamed; want %d", len(runs), len(p.Scenario.Runs))
	}

	surf, _, err := p.Scenario.Build()
	if err != nil {
		t.Fatal(err)
	}
	out := scenariotest.Outcome{Scenario: p.Scenario, Surface: surf}
	for i, r := range runs {
		tr := r.trajectory()
		if r.N == 0 || len(tr.X) != r.N || len(tr.Loss) != r.N {
			t.Fatalf("run %d: %d points, %d x, %d losses", i, r.N, len(tr.X), len(tr.Loss))
		}
		if s := p.Scenario.Runs[i].Start; math.Hypot(tr.X[0]-s.X, tr.Y[0]-s.Y) > 1e-9 {
			t.Errorf("run %d starts at (%v, %v); the preset at (%v, %v)", i, tr.X[0], tr.Y[0], s.X, s.Y)
		}
		if p.Scenario.TestShift != nil && tr.TestLoss == nil {
			t.Errorf("run %d has no test loss; the preset has a test shift", i)
		}
		out.Trajectories = append(out.Trajectories, tr)
	}
	for _, e := range p.Expect {
		if err := out.Check([]scenario.Expectation{e}); err != nil {
			t.Errorf("the page does not show what preset %s promises: %v", p.ID, err)
		} else {
			t.Logf("ok: %v", e)
		}
	}

	// The legend tells the same story.
	type row struct {
		Status string `json:"status"`
		Text   string `json:"text"`
		Basin  string `json:"basin"`
	}
	rows := eval[[]row](tb, `__lab.state.runs.map((_, i) => {
		const li = document.querySelector('#legend [data-run="' + i + '"]');
		const st = li && li.querySelector('[data-status]');
		const b = li && li.querySelector('.basin');
		return {status: st ? st.dataset.status : '', text: st ? st.textContent : '', basin: b ? b.className : ''};
	})`)
	for i, r := range runs {
		if rows[i].Status != r.Status {
			t.Errorf("legend row %d says %q; the run is %q", i, rows[i].Status, r.Status)
		}
	}
	for _, e := range p.Expect {
		st := rows[e.Run]
		switch e.Kind {
		case scenario.ExpectDiverges:
			if st.Status != "diverged" || !strings.Contains(st.Text, "diverged") {
				t.Errorf("%v: legend row %d shows %q (%q)", e, e.Run, st.Status, st.Text)
			}
		case scenario.ExpectZigzags:
		default:
			if st.Status == "diverged" || st.Status == "running" {
				t.Errorf("%v: legend row %d shows %q", e, e.Run, st.Status)
			}
		}
		if e.Kind == scenario.ExpectEndsIn && !strings.Contains(" "+st.Basin+" ", " basin-"+e.Label+" ") {
			t.Errorf("%v: legend row %d marks the minimum as %q; want basin-%s", e, e.Run, st.Basin, e.Label)
		}
	}
	if t.Failed() {
		t.Logf("screenshot: %s", tb.screenshot(fmt.Sprintf("preset-%s.png", p.ID)))
	}
}
