package e2e

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
)

// runData is one run of window.__lab.runs.
type runData struct {
	N          int       `json:"n"`
	Status     string    `json:"status"`
	DivergedAt *int      `json:"divergedAt"`
	X          []float64 `json:"x"`
	Y          []float64 `json:"y"`
	LR         []float64 `json:"lr"`
	Loss       []float64 `json:"loss"`
}

// labRun reads run i of window.__lab (NaN and ±Inf as null → they would fail
// to decode, so they are mapped to 1e308 and flagged by finite()).
func labRun(tb *tab, i int) runData {
	tb.t.Helper()
	return eval[runData](tb, fmt.Sprintf(`(() => {
		const d = __lab.runs[%d];
		const fin = (a) => Array.from(a.slice(0, d.n), (v) => (Number.isFinite(v) ? v : 1e308));
		return {n: d.n, status: d.status, divergedAt: d.divergedAt, x: fin(d.x), y: fin(d.y), lr: fin(d.lr), loss: fin(d.loss)};
	})()`, i))
}

func finite(v []float64) bool {
	for _, x := range v {
		if x >= 1e308 || math.IsNaN(x) {
			return false
		}
	}
	return true
}

// TestPlayDrawsTrajectory: pressing play on the default page streams a run
// and draws its trail on the map: many map pixels change, over an area
// that is more than a dot, and the loss chart gets drawn too.
func TestPlayDrawsTrajectory(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=quadratic&b=10&steps=120&rate=400&run=sgd,lr=0.05")
	tb.frames(3)

	// The map must be still before play, or the comparison means nothing
	// (a late layout change refetches the grid and repaints it).
	var d pixelDiff
	for try := 0; ; try++ {
		tb.canvasSnap("map", "idle")
		time.Sleep(250 * time.Millisecond)
		tb.frames(2)
		if d = tb.canvasDiff("map", "idle"); d.Changed == 0 {
			break
		}
		if try == 8 {
			t.Fatalf("the idle map keeps changing on its own: %+v", d)
		}
	}
	tb.canvasSnap("chart-loss", "loss")

	tb.play()
	tb.waitFor("points streamed", `__lab.runs[0] && __lab.runs[0].n > 10`, 10*time.Second, `__lab.runs.map((d) => d.n)`)
	tb.waitAllDone(10 * time.Second)
	tb.frames(3)

	r := labRun(tb, 0)
	if r.N != 121 || r.Status == "diverged" {
		t.Errorf("run 0: %d points, status %q; want 121 points (start + 120 steps), not diverged", r.N, r.Status)
	}
	if !finite(r.X) || !finite(r.Y) {
		t.Error("run 0 holds non-finite points")
	}

	d = tb.canvasDiff("map", "idle")
	t.Logf("map: %d of %d pixels changed, box x %d…%d y %d…%d", d.Changed, d.Total, d.MinX, d.MaxX, d.MinY, d.MaxY)
	if d.Changed < 0 {
		t.Fatalf("the map canvas was resized during the run (%d×%d)", d.W, d.H)
	}
	// A 120-step trail from (-2.5,1.5)-ish towards the minimum, 2 px wide
	// plus dots: hundreds of pixels over a box of tens of pixels each way.
	if d.Changed < 300 {
		t.Errorf("only %d map pixels changed after play; want a visible trail (≥ 300)", d.Changed)
	}
	if d.MaxX-d.MinX < 40 && d.MaxY-d.MinY < 40 {
		t.Errorf("the changed pixels fit in %d×%d px; want a trail longer than 40 px", d.MaxX-d.MinX, d.MaxY-d.MinY)
	}
	if ld := tb.canvasDiff("chart-loss", "loss"); ld.Changed < 50 {
		t.Errorf("the loss chart barely changed after the run: %+v", ld)
	}
}

// TestDivergedStatus: a share link with an LR beyond 2/λmax (quadratic
// b=10: λmax 10, limit 0.2; lr 0.25) diverges, and the legend says so:
// [data-run="0"] [data-status] becomes "diverged" with the step and the why.
func TestDivergedStatus(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=quadratic&b=10&rate=600&run=sgd,lr=0.25")
	if got := eval[string](tb, `__lab.query()`); !strings.Contains(got, "lr=0.25") {
		t.Errorf("the page did not read the share link: query %q", got)
	}
	tb.play()
	tb.waitFor(`[data-run="0"] [data-status="diverged"]`,
		`document.querySelector('[data-run="0"] [data-status]').dataset.status === 'diverged'`, 15*time.Second,
		`({status: document.querySelector('[data-run="0"] [data-status]').dataset.status, n: __lab.runs[0].n})`)
	tb.frames(2)

	r := labRun(tb, 0)
	if r.Status != "diverged" || r.DivergedAt == nil {
		t.Fatalf("run 0: status %q, diverged_at %v", r.Status, r.DivergedAt)
	}
	if !finite(r.X) || !finite(r.Y) || !finite(r.Loss) {
		t.Error("a diverged run holds non-finite values; the contract sends only finite ones")
	}
	text := eval[string](tb, `document.querySelector('[data-run="0"] [data-status]').textContent`)
	t.Logf("legend status: %q (diverged_at %d, %d points)", text, *r.DivergedAt, r.N)
	if !strings.Contains(text, "diverged") || !strings.Contains(text, fmt.Sprint(*r.DivergedAt)) {
		t.Errorf("legend status %q; want it to say diverged at step %d", text, *r.DivergedAt)
	}
	// lr 0.25 > 2/λmax = 0.2: the page can say why.
	if !regexp.MustCompile(`0\.25\b.*>.*0\.2\b`).MatchString(text) {
		t.Errorf("legend status %q does not explain lr 0.25 > 2/λmax 0.2", text)
	}
	if !eval[bool](tb, `document.getElementById('play').getAttribute('aria-pressed') === 'false'`) {
		t.Error("the play button still shows pause after the only run diverged")
	}
}

// TestLRSliderMidRun: moving the LR slider while a run streams changes the
// run from the next step on. The points before the change equal a fresh
// run of the old settings (POST /api/v1/simulate, same start), the points
// after it do not, and they carry the new LR.
func TestLRSliderMidRun(t *testing.T) {
	const oldLR, newLR, steps = 0.05, 0.15, 200
	tb := newTab(t, desktop)
	tb.open(fmt.Sprintf("/?surface=quadratic&b=10&steps=%d&rate=120&run=sgd,lr=%v", steps, oldLR))
	tb.play()
	tb.waitFor("30 points", `__lab.runs[0] && __lab.runs[0].n >= 30`, 10*time.Second, `__lab.runs.map((d) => d.n)`)
	if eval[string](tb, `__lab.runs[0].status`) != "running" {
		t.Fatal("the run ended before the slider moved; slow the rate down")
	}
	nAtMove := eval[int](tb, fmt.Sprintf(`(() => {
		const s = document.getElementById('lr-slider');
		s.value = String(Math.log10(%v));
		s.dispatchEvent(new Event('input', {bubbles: true}));
		s.dispatchEvent(new Event('change', {bubbles: true}));
		return __lab.runs[0].n;
	})()`, newLR))
	tb.waitAllDone(15 * time.Second)
	tb.frames(2)

	r := labRun(tb, 0)
	if r.N != steps+1 {
		t.Fatalf("run 0 has %d points; want %d", r.N, steps+1)
	}
	// The first point whose LR is the new one: the set applied from the
	// step that produced it.
	k := -1
	for i, lr := range r.LR {
		if math.Abs(lr-newLR) < 1e-12 {
			k = i
			break
		}
		if math.Abs(lr-oldLR) > 1e-12 {
			t.Fatalf("lr[%d] = %v; want %v until the change", i, lr, oldLR)
		}
	}
	t.Logf("slider moved at %d points; new LR from point %d", nAtMove, k)
	if k < 0 {
		t.Fatalf("the new LR %v never reached the run: lr tail %v", newLR, r.LR[len(r.LR)-5:])
	}
	if k < 10 || k > steps-10 {
		t.Errorf("the change applied at point %d; want mid-run", k)
	}
	for i := k; i < len(r.LR); i++ {
		if math.Abs(r.LR[i]-newLR) > 1e-12 {
			t.Fatalf("lr[%d] = %v after the change; want %v", i, r.LR[i], newLR)
		}
	}

	// The unchanged run, computed by the server.
	var ref struct {
		Runs []struct {
			X []float64 `json:"x"`
			Y []float64 `json:"y"`
		} `json:"runs"`
	}
	postJSON(t, "/api/v1/simulate", map[string]any{
		"surface": map[string]any{"name": "quadratic", "b": 10},
		"steps":   steps,
		"runs": []any{map[string]any{
			"start":     []float64{r.X[0], r.Y[0]},
			"optimizer": map[string]any{"name": "sgd", "lr": oldLR},
		}},
	}, &ref)
	rx, ry := ref.Runs[0].X, ref.Runs[0].Y
	if len(rx) != steps+1 {
		t.Fatalf("simulate returned %d points", len(rx))
	}
	for i := 0; i < k; i++ {
		if !close(r.X[i], rx[i]) || !close(r.Y[i], ry[i]) {
			t.Fatalf("point %d before the change is (%v, %v); the unchanged run has (%v, %v)", i, r.X[i], r.Y[i], rx[i], ry[i])
		}
	}
	maxDiff := 0.0
	for i := k; i < len(rx); i++ {
		maxDiff = max(maxDiff, math.Hypot(r.X[i]-rx[i], r.Y[i]-ry[i]))
	}
	t.Logf("after the change the trail moves up to %.3g away from the unchanged run", maxDiff)
	if maxDiff < 1e-3 {
		t.Errorf("the trail after the slider moved is the unchanged run's (max distance %g)", maxDiff)
	}

	// The controls and the share link follow the slider.
	ui := eval[map[string]string](tb, `({input: document.getElementById('lr-input').value, query: __lab.query(), legend: document.querySelector('[data-run="0"] [data-field="lr"]').textContent})`)
	if ui["input"] != "0.15" {
		t.Errorf("#lr-input shows %q; want 0.15", ui["input"])
	}
	if !strings.Contains(ui["query"], "lr=0.15") {
		t.Errorf("share query %q lacks lr=0.15", ui["query"])
	}
	if ui["legend"] != "0.15" {
		t.Errorf("legend LR now %q; want 0.15", ui["legend"])
	}
}

func close(a, b float64) bool {
	return math.Abs(a-b) <= 1e-12*max(1, math.Abs(a), math.Abs(b))
}
