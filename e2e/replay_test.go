package e2e

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"lrlab/api"
)

// legendNumber reads the number shown in run i's legend field ("step",
// "loss", "lr").
func legendNumber(tb *tab, i int, field string) float64 {
	tb.t.Helper()
	s := eval[string](tb, fmt.Sprintf(`document.querySelector('[data-run="%d"] [data-field=%q]').textContent`, i, field))
	s = strings.ReplaceAll(strings.Fields(s + " ")[0], ",", "")
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		tb.t.Fatalf("legend %s of run %d is %q, not a number", field, i, s)
	}
	return v
}

// scrub sets the timeline to step k as a user's drag would (an input event).
func scrub(tb *tab, k int) {
	tb.t.Helper()
	// the timeline's range follows the runs at the next render: a value set
	// before it would be clamped
	tb.waitFor("the timeline reaching the step", fmt.Sprintf(`Number(document.getElementById('timeline').max) >= %d`, k), 3*time.Second, `document.getElementById('timeline').max`)
	eval[bool](tb, fmt.Sprintf(`(() => { const t = document.getElementById('timeline'); t.value = '%d'; t.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`, k))
	tb.frames(2)
}

// changedNear counts the map's pixels within r device pixels of (px, py)
// that changed since the snapshot key.
func changedNear(tb *tab, key string, px, py, r float64) int {
	tb.t.Helper()
	return eval[int](tb, fmt.Sprintf(`(() => {
		const c = document.getElementById('map'), s = window.__e2eSnaps[%q];
		const now = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		let n = 0;
		for (let y = Math.max(0, Math.floor(%f - %f)); y <= Math.min(c.height - 1, %f + %f); y++)
			for (let x = Math.max(0, Math.floor(%f - %f)); x <= Math.min(c.width - 1, %f + %f); x++) {
				const i = (y * c.width + x) * 4;
				if (Math.abs(now[i] - s.data[i]) + Math.abs(now[i+1] - s.data[i+1]) + Math.abs(now[i+2] - s.data[i+2]) > 60) n++;
			}
		return n;
	})()`, key, py, r, py, r, px, r, px, r))
}

// TestTimelineScrubFinishedRun: scrubbing a finished run to step 50 shows
// step 50's step, loss and LR in the legend and moves the run's marker to
// the step-50 point (the map changes there and at the old marker); the
// chart's step line shows; "Latest" puts everything back.
func TestTimelineScrubFinishedRun(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) { testTimelineScrub(t, lang) })
	}
}

func testTimelineScrub(t *testing.T, lang string) {
	tb := newTab(t, desktop)
	tb.open("/?surface=quadratic&steps=120&rate=0&run=sgd,lr=0.02&run=sgd,lr=0.05,momentum=0.5&lang=" + lang)
	tb.play()
	tb.waitAllDone(10 * time.Second)
	tb.frames(3)
	d := labRun(tb, 0)
	if d.N != 121 {
		t.Fatalf("the run has %d points, want 121", d.N)
	}
	if got := legendNumber(tb, 0, "step"); got != 120 {
		t.Fatalf("legend step before scrubbing = %v, want 120", got)
	}
	tb.canvasSnap("map", "end")
	scrub(tb, 50)
	if c := eval[float64](tb, `__lab.cursor`); c != 50 {
		t.Fatalf("cursor = %v after scrubbing to 50", c)
	}
	if got := legendNumber(tb, 0, "step"); got != 50 {
		t.Errorf("legend step = %v, want 50", got)
	}
	if got, want := legendNumber(tb, 0, "loss"), d.Loss[50]; math.Abs(got-want) > 0.01*math.Abs(want) {
		t.Errorf("legend loss = %v, want step 50's %v (and not the last, %v)", got, want, d.Loss[120])
	}
	p50 := eval[[]float64](tb, fmt.Sprintf(`__lab.toPixel(%v, %v)`, d.X[50], d.Y[50]))
	pEnd := eval[[]float64](tb, fmt.Sprintf(`__lab.toPixel(%v, %v)`, d.X[120], d.Y[120]))
	if math.Hypot(p50[0]-pEnd[0], p50[1]-pEnd[1]) < 30 {
		t.Fatalf("step 50 and the end are %v px apart: the test cannot tell them apart", math.Hypot(p50[0]-pEnd[0], p50[1]-pEnd[1]))
	}
	if n := changedNear(tb, "end", p50[0], p50[1], 8); n < 20 {
		t.Errorf("only %d pixels changed at the step-50 point: the marker is not there", n)
	}
	if n := changedNear(tb, "end", pEnd[0], pEnd[1], 8); n < 20 {
		t.Errorf("only %d pixels changed at the last point: the marker did not leave it", n)
	}
	if eval[bool](tb, `document.querySelector('#chart-loss').parentElement.querySelector('.chart-step').hidden`) {
		t.Error("the loss chart shows no step line at the scrubbed step")
	}
	tb.screenshot("timeline-scrub-" + lang + ".png")
	tb.click("#timeline-live")
	tb.frames(2)
	if got := legendNumber(tb, 0, "step"); got != 120 {
		t.Errorf("legend step after Latest = %v, want 120", got)
	}
}

// TestTimelineArrowKeysWhenPaused: ← on a paused running run steps the
// timeline back one step at a time; → goes forward again; play from a
// scrubbed step replays to the newest point, then the run goes on live.
func TestTimelineArrowKeysWhenPaused(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=quadratic&steps=400&rate=40&run=sgd,lr=0.02")
	tb.play()
	tb.waitFor("30 points", `__lab.runs[0].n > 30`, 10*time.Second, `__lab.runs[0].n`)
	tb.click("#play") // pause
	tb.waitFor("paused", `!__lab.playing`, 2*time.Second, "")
	time.Sleep(200 * time.Millisecond) // a frame in flight
	tb.frames(2)
	n := eval[int](tb, `__lab.runs[0].n`)
	eval[bool](tb, `(document.activeElement && document.activeElement.blur(), true)`)
	tb.do("←", chromedp.KeyEvent(kb.ArrowLeft))
	tb.frames(2)
	if got := legendNumber(tb, 0, "step"); got != float64(n-2) {
		t.Errorf("after ← the legend says step %v, want %d (the run is at step %d)", got, n-2, n-1)
	}
	tb.do("←", chromedp.KeyEvent(kb.ArrowLeft))
	tb.frames(2)
	if got := legendNumber(tb, 0, "step"); got != float64(n-3) {
		t.Errorf("after ← ← the legend says step %v, want %d", got, n-3)
	}
	tb.do("→", chromedp.KeyEvent(kb.ArrowRight))
	tb.frames(2)
	if got := legendNumber(tb, 0, "step"); got != float64(n-2) {
		t.Errorf("after ← ← → the legend says step %v, want %d", got, n-2)
	}
	if got := eval[int](tb, `__lab.runs[0].n`); got != n {
		t.Errorf("the arrows changed the run: %d points, had %d", got, n)
	}
	// play from the scrubbed step: the record is replayed, then the run goes on
	scrub(tb, 5)
	tb.click("#play")
	tb.waitFor("the replay reaches the newest point and the run goes on", fmt.Sprintf(`__lab.cursor === null && __lab.runs[0].n > %d`, n+5), 15*time.Second,
		`({cursor: __lab.cursor, n: __lab.runs[0].n, playing: __lab.playing})`)
}

// inViewport reports, for each selector, whether its element is shown and
// wholly inside the window.
func inViewport(tb *tab, sels ...string) map[string]bool {
	tb.t.Helper()
	js := `((sels) => Object.fromEntries(sels.map((s) => {
		const e = document.querySelector(s);
		if (!e) return [s, false];
		const r = e.getBoundingClientRect();
		return [s, r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5];
	})))(` + jsonList(sels) + `)`
	return eval[map[string]bool](tb, js)
}

func jsonList(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = strconv.Quote(v)
	}
	return "[" + strings.Join(q, ",") + "]"
}

// TestPresentFitsOneScreen: ?present=1 on a lesson shows the map, the loss
// chart, the LR slider and the lesson text inside the window at 1280×800,
// 1920×1080 and 1920×1080 zoomed to 150 % (1280×720 CSS pixels), in English
// and Japanese, with the header and the analysis hidden; the button leaves
// presentation mode and the link follows.
func TestPresentFitsOneScreen(t *testing.T) {
	cases := []struct {
		vp   viewport
		lang string
	}{{desktop, "en"}, {wide, "en"}, {wide, "ja"}, {viewport{w: 1280, h: 720}, "ja"}}
	for _, c := range cases {
		vp := c.vp
		t.Run(vp.String()+"-"+c.lang, func(t *testing.T) {
			tb := newTab(t, vp)
			tb.open("/p/summary?present=1&lang=" + c.lang)
			tb.waitFor("the lesson banner", `!document.getElementById('lesson').hidden`, 5*time.Second, "")
			tb.frames(2)
			for sel, ok := range inViewport(tb, "#map", "#chart-loss", "#lr-slider", "#lesson", "#play", "#timeline") {
				if !ok {
					t.Errorf("%s is not wholly in the %v window in presentation mode", sel, vp)
				}
			}
			if eval[bool](tb, `getComputedStyle(document.querySelector('header.top')).display !== 'none' || getComputedStyle(document.getElementById('analysis')).display !== 'none'`) {
				t.Error("the header or the analysis is shown in presentation mode")
			}
			tb.play()
			tb.waitAllDone(15 * time.Second)
			tb.frames(2)
			tb.screenshot("present-" + vp.String() + "-" + c.lang + ".png")
			tb.click("#present")
			tb.waitFor("presentation mode left, and the link without present=1", `!document.body.classList.contains('present') && !/present=/.test(location.search)`, 3*time.Second,
				`({cls: document.body.className, search: location.search})`)
		})
	}
}

// TestHideFlags: hide= leaves out exactly the controls it names, and the
// link keeps them.
func TestHideFlags(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=quadratic&run=sgd,lr=0.1&hide=legend,grad_chart,analysis")
	shown := eval[map[string]bool](tb, `Object.fromEntries(['#legend', '#chart-grad', '#analysis', '#chart-loss', '#run-panel', '#map'].map((s) => [s, document.querySelector(s).getBoundingClientRect().height > 0]))`)
	want := map[string]bool{"#legend": false, "#chart-grad": false, "#analysis": false, "#chart-loss": true, "#run-panel": true, "#map": true}
	for k, v := range want {
		if shown[k] != v {
			t.Errorf("%s shown = %v, want %v", k, shown[k], v)
		}
	}
	if q := eval[string](tb, `__lab.query()`); !strings.Contains(q, "hide=legend,analysis,grad_chart") && !strings.Contains(q, "hide=legend,grad_chart,analysis") {
		t.Errorf("the link lost the hide flags: %s", q)
	}
}

// TestUndoCompareLRs: "Compare LRs" adds two runs; Ctrl+Z puts back the one
// run (and its link), Shift+Ctrl+Z and the Redo button bring the three back;
// a removal is undone by the Undo button.
func TestUndoCompareLRs(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=quadratic&run=sgd,lr=0.05")
	before := eval[string](tb, `__lab.query()`)
	if eval[bool](tb, `!document.getElementById('undo').disabled`) {
		t.Error("Undo is enabled before any change")
	}
	tb.click("#compare-lrs")
	tb.frames(2)
	if n := eval[int](tb, `__lab.state.runs.length`); n != 3 {
		t.Fatalf("Compare LRs made %d runs, want 3", n)
	}
	compared := eval[string](tb, `__lab.query()`)
	eval[bool](tb, `(document.activeElement && document.activeElement.blur(), true)`)
	tb.do("Ctrl+Z", chromedp.KeyEvent("z", chromedp.KeyModifiers(2 /* ctrl */)))
	tb.frames(2)
	if got := eval[string](tb, `__lab.query()`); got != before {
		t.Errorf("after Ctrl+Z the scenario is %s, want %s", got, before)
	}
	tb.do("Shift+Ctrl+Z", chromedp.KeyEvent("Z", chromedp.KeyModifiers(2|8 /* ctrl, shift */)))
	tb.frames(2)
	if got := eval[string](tb, `__lab.query()`); got != compared {
		t.Errorf("after Shift+Ctrl+Z the scenario is %s, want %s", got, compared)
	}
	// a removal, undone by the button; redone by the other
	tb.click(`[data-run="0"] [data-act="del"]`)
	tb.frames(2)
	if n := eval[int](tb, `__lab.state.runs.length`); n != 2 {
		t.Fatalf("removing a run left %d runs", n)
	}
	tb.click("#undo")
	tb.frames(2)
	if got := eval[string](tb, `__lab.query()`); got != compared {
		t.Errorf("Undo after a removal: %s, want %s", got, compared)
	}
	tb.click("#undo")
	tb.frames(2)
	if got := eval[string](tb, `__lab.query()`); got != before {
		t.Errorf("a second Undo: %s, want %s", got, before)
	}
	tb.click("#redo")
	tb.frames(2)
	if got := eval[string](tb, `__lab.query()`); got != compared {
		t.Errorf("Redo: %s, want %s", got, compared)
	}
	// the restored runs run: play draws all three
	tb.play()
	tb.waitFor("three runs with points", `__lab.runs.length === 3 && __lab.runs.every((d) => d.n > 5)`, 10*time.Second, `__lab.runs.map((d) => d.n)`)
}

// TestUndoFormulaEdit: a typed formula is undone by the Undo button: the
// previous formula is back in the scenario and in the field.
func TestUndoFormulaEdit(t *testing.T) {
	const first, second = "x^2 + 10*y^2", "0.5*x^2 + y^2"
	tb := newTab(t, desktop)
	tb.open("/?surface=custom&formula=" + strings.ReplaceAll(first, "+", "%2B") + "&run=sgd,lr=0.05")
	tb.typeFormula(second)
	tb.waitFor("the typed formula applied", `__lab.state.formula === `+jsString(second), 10*time.Second, `__lab.state.formula`)
	time.Sleep(700 * time.Millisecond) // one entry for the whole typing, then a pause
	tb.click("#undo")
	tb.waitFor("the first formula back", `__lab.state.formula === `+jsString(first), 3*time.Second, `__lab.state.formula`)
	tb.waitFor("the field shows it", `document.querySelector('#surface-panel input[id^="formula-"]').value === `+jsString(first), 3*time.Second,
		`document.querySelector('#surface-panel input[id^="formula-"]').value`)
}

// glSnap copies the 3D view's pixels (a WebGL canvas) under key, and
// glDiff counts the pixels that changed since; glColours counts the
// distinct colours (in steps of 16) of the view.
func glSnap(tb *tab, key string) {
	tb.t.Helper()
	eval[bool](tb, fmt.Sprintf(`(() => {
		const c = document.getElementById('view3d'), k = document.createElement('canvas');
		k.width = c.width; k.height = c.height;
		const x = k.getContext('2d'); x.drawImage(c, 0, 0);
		(window.__e2eSnaps ||= {})[%q] = x.getImageData(0, 0, k.width, k.height).data;
		return true;
	})()`, key))
}

func glDiff(tb *tab, a, b string) (changed, colours int) {
	tb.t.Helper()
	r := eval[[]int](tb, fmt.Sprintf(`(() => {
		const p = window.__e2eSnaps[%q], q = window.__e2eSnaps[%q];
		let n = 0; const set = new Set();
		for (let i = 0; i < q.length; i += 4) {
			if (p.length === q.length && Math.abs(p[i] - q[i]) + Math.abs(p[i+1] - q[i+1]) + Math.abs(p[i+2] - q[i+2]) > 30) n++;
			set.add((q[i] >> 4) << 8 | (q[i+1] >> 4) << 4 | (q[i+2] >> 4));
		}
		return [n, set.size];
	})()`, a, b))
	return r[0], r[1]
}

// TestView3D: the 3D view of Rosenbrock with three runs draws a lit
// surface (many colours), shows the runs' colours on it, changes when
// dragged (rotation) and when the wheel turns (zoom), follows the
// timeline, and goes back to the 2D map in one click; no console errors.
func TestView3D(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			tb := newTab(t, desktop)
			tb.open("/?surface=rosenbrock&steps=400&rate=0&run=adam,lr=0.05&run=sgd,lr=0.001,momentum=0.9&run=rmsprop,lr=0.01&lang=" + lang)
			tb.play()
			tb.waitAllDone(15 * time.Second)
			tb.click("#view3d-toggle")
			waitView3D(tb)
			tb.frames(3)
			if eval[bool](tb, `document.querySelector('.view3d-note').classList.contains('fallback')`) {
				t.Fatalf("the 3D view fell back: %s", eval[string](tb, `document.querySelector('.view3d-note').textContent`))
			}
			glSnap(tb, "a")
			_, colours := glDiff(tb, "a", "a")
			if colours < 40 {
				t.Errorf("the 3D view has %d colours: no lit surface drawn", colours)
			}
			// the runs' colours (vermillion, blue, orange) are on it
			has := eval[[]bool](tb, `(() => {
				const q = window.__e2eSnaps.a, want = [[0xD5, 0x5E, 0x00], [0x00, 0x72, 0xB2], [0xE6, 0x9F, 0x00]];
				return want.map(([r, g, b]) => { let n = 0; for (let i = 0; i < q.length; i += 4) if (Math.abs(q[i] - r) + Math.abs(q[i+1] - g) + Math.abs(q[i+2] - b) < 40) n++; return n > 20; });
			})()`)
			for i, ok := range has {
				if !ok {
					t.Errorf("run %d's colour is not in the 3D view", i)
				}
			}
			r := eval[[]float64](tb, `(() => { const b = document.getElementById('view3d').getBoundingClientRect(); return [b.left + b.width / 2, b.top + b.height / 2]; })()`)
			tb.do("drag the 3D view",
				chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, r[0], r[1], chromedp.ButtonType(input.MouseButtonLeft), chromedp.ClickCount(1)),
				chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, r[0]+60, r[1]+10, chromedp.ButtonType(input.MouseButtonLeft)),
				chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, r[0]+120, r[1]+20, chromedp.ButtonType(input.MouseButtonLeft)),
				chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, r[0]+120, r[1]+20, chromedp.ButtonType(input.MouseButtonLeft), chromedp.ClickCount(1)))
			tb.frames(2)
			glSnap(tb, "b")
			if n, _ := glDiff(tb, "a", "b"); n < 2000 {
				t.Errorf("dragging changed %d pixels of the 3D view: it did not rotate", n)
			}
			eval[bool](tb, `document.getElementById('view3d').dispatchEvent(new WheelEvent('wheel', {deltaY: -300, bubbles: true, cancelable: true})) || true`)
			tb.frames(2)
			glSnap(tb, "c")
			if n, _ := glDiff(tb, "b", "c"); n < 2000 {
				t.Errorf("the wheel changed %d pixels of the 3D view: it did not zoom", n)
			}
			tb.screenshot("view3d-rosenbrock-" + lang + ".png")
			scrub(tb, 20)
			glSnap(tb, "d")
			if n, _ := glDiff(tb, "c", "d"); n < 50 {
				t.Errorf("scrubbing to step 20 changed %d pixels of the 3D view: it does not follow the timeline", n)
			}
			tb.click("#view3d-toggle")
			tb.frames(1)
			if !eval[bool](tb, `document.querySelector('.view3d-box').hidden && document.getElementById('map').getBoundingClientRect().height > 100`) {
				t.Error("the second click did not bring the 2D map back")
			}
		})
	}
}

// TestView3DFallback: without WebGL the 3D view says so, in words, and the
// 2D map is one click away.
func TestView3DFallback(t *testing.T) {
	tb := newTab(t, desktop)
	tb.addScriptOnLoad(`(() => { const g = HTMLCanvasElement.prototype.getContext; HTMLCanvasElement.prototype.getContext = function (k, o) { return /webgl/.test(k) ? null : g.call(this, k, o); }; })()`)
	tb.open("/?surface=rosenbrock&run=adam,lr=0.05")
	tb.click("#view3d-toggle")
	waitView3D(tb)
	tb.frames(2)
	msg := eval[string](tb, `document.querySelector('.view3d-note.fallback') ? document.querySelector('.view3d-note').textContent : ''`)
	if !strings.Contains(msg, "WebGL") {
		t.Errorf("no fallback message without WebGL: %q", msg)
	}
	tb.click("#view3d-toggle")
	tb.frames(1)
	if !eval[bool](tb, `document.querySelector('.view3d-box').hidden`) {
		t.Error("the 2D map is not back after the second click")
	}
}

// waitView3D waits for the 3D view that a click on #view3d-toggle asked
// for: view3d.js is loaded by the click, and on a busy machine that takes
// more than a few frames.
func waitView3D(tb *tab) {
	tb.t.Helper()
	tb.waitFor("the 3D view (its note)", `!!document.querySelector('.view3d-note')`, 10*time.Second,
		`document.querySelector('.view3d-box') && document.querySelector('.view3d-box').outerHTML.slice(0, 300)`)
}

// closeSeries reports the first index where a and b differ by more than
// 1e-12 relative (−1: none), for n values.
func closeSeries(a, b []float64, n int) int {
	for i := 0; i < n; i++ {
		if math.Abs(a[i]-b[i]) > 1e-12*math.Max(1, math.Abs(b[i])) {
			return i
		}
	}
	return -1
}

// TestBranchEqualsFreshRun: a link with run 1 branching off run 0 at step
// 50 (branch=1:0:50) runs run 1 as run 0 up to step 50 and with its own LR
// after; its steps from 50 on are those of a fresh run started from step
// 50's state. Plain SGD: the state is the point, so the fresh run is
// POST /api/v1/simulate from it. SGD with momentum: the state is the point
// and the momentum buffer, recovered from the trajectory (PyTorch: v ←
// μv + g, p ← p − lr·v, so v_k = (p_{k−1} − p_k)/lr) and continued here by
// PyTorch's documented update on f = ½(x² + 10y²).
func TestBranchEqualsFreshRun(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=quadratic&steps=120&rate=0&run=sgd,lr=0.02&run=sgd,lr=0.08&run=sgd,lr=0.01,momentum=0.9&run=sgd,lr=0.004,momentum=0.9&branch=1:0:50,3:2:50")
	if got := eval[string](tb, `__lab.query()`); !strings.Contains(got, "branch=1:0:50,3:2:50") {
		t.Fatalf("the link lost the branches: %s", got)
	}
	tb.play()
	tb.waitAllDone(15 * time.Second)
	r0, r1, r2, r3 := labRun(tb, 0), labRun(tb, 1), labRun(tb, 2), labRun(tb, 3)
	for _, r := range []runData{r0, r1, r2, r3} {
		if r.N != 121 {
			t.Fatalf("a run has %d points, want 121", r.N)
		}
	}
	if i := closeSeries(r1.X, r0.X, 51); i >= 0 || closeSeries(r1.Y, r0.Y, 51) >= 0 {
		t.Errorf("the branch differs from its parent before step 50 (x at %d)", i)
	}
	if closeSeries(r1.X[51:], r0.X[51:], 70) < 0 {
		t.Error("the branch is its parent after step 50 too: the new LR was not applied")
	}
	// the page's lr[k] is the LR of the step that led to point k
	if r1.LR[50] != 0.02 || r1.LR[51] != 0.08 || eval[int](tb, `__lab.runs[1].setFrom[0]`) != 50 {
		t.Errorf("the branch's LR of steps 49, 50 = %v, %v; want 0.02, 0.08 (set from step %d)", r1.LR[50], r1.LR[51], eval[int](tb, `__lab.runs[1].setFrom[0]`))
	}
	// plain SGD: a fresh run from the point of step 50
	var out struct{ Runs []api.SimRun }
	postJSON(t, "/api/v1/simulate", map[string]any{
		"surface": map[string]any{"name": "quadratic"}, "steps": 70,
		"runs": []any{map[string]any{"start": []float64{r1.X[50], r1.Y[50]}, "optimizer": map[string]any{"name": "sgd", "lr": 0.08}}},
	}, &out)
	if len(out.Runs) != 1 || len(out.Runs[0].X) != 71 {
		t.Fatalf("simulate: %+v", out)
	}
	if i := closeSeries(r1.X[50:], out.Runs[0].X, 71); i >= 0 {
		t.Errorf("branch x[%d] = %v, the fresh run from step 50's point has %v", 50+i, r1.X[50+i], out.Runs[0].X[i])
	}
	if i := closeSeries(r1.Y[50:], out.Runs[0].Y, 71); i >= 0 {
		t.Errorf("branch y[%d] = %v, the fresh run from step 50's point has %v", 50+i, r1.Y[50+i], out.Runs[0].Y[i])
	}
	// momentum: the point and the momentum buffer of step 50, continued at lr 0.004
	if closeSeries(r3.X, r2.X, 51) >= 0 || closeSeries(r3.Y, r2.Y, 51) >= 0 {
		t.Error("the momentum branch differs from its parent before step 50")
	}
	px, py := r2.X[50], r2.Y[50]
	vx, vy := (r2.X[49]-px)/0.01, (r2.Y[49]-py)/0.01
	for k := 50; k < 120; k++ {
		gx, gy := px, 10*py // ∇½(x² + 10y²)
		vx, vy = 0.9*vx+gx, 0.9*vy+gy
		px, py = px-0.004*vx, py-0.004*vy
		if math.Abs(r3.X[k+1]-px) > 1e-9*math.Max(1, math.Abs(px)) || math.Abs(r3.Y[k+1]-py) > 1e-9*math.Max(1, math.Abs(py)) {
			t.Fatalf("momentum branch at point %d = (%v, %v), a fresh run from step 50's point and buffer gives (%v, %v)", k+1, r3.X[k+1], r3.Y[k+1], px, py)
		}
	}
}

// TestBranchHereButton: scrub to step 50, "Branch here", change the LR: the
// new run follows the old to step 50 and the new LR after; the link says
// branch=1:0:50; the old run is drawn faintly; undo takes the branch away.
func TestBranchHereButton(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=quadratic&steps=120&rate=0&run=sgd,lr=0.02")
	tb.play()
	tb.waitAllDone(10 * time.Second)
	scrub(tb, 50)
	tb.click("#branch-here")
	tb.waitFor("the branch in the link", `/branch=1:0:50/.test(__lab.query()) && __lab.selected === 1`, 3*time.Second,
		`({q: __lab.query(), cursor: __lab.cursor, disabled: document.getElementById('branch-here').disabled, timeline: document.getElementById('timeline').value, n: __lab.runs.map((d) => d.n)})`)
	eval[bool](tb, `(() => { const e = document.getElementById('lr-input'); e.value = '0.08'; e.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	tb.waitFor("the branch run done with the new LR", `__lab.runs.length === 2 && __lab.runs[1].n === 121 && __lab.runs[1].lr[60] === 0.08 && ['completed', 'converged'].includes(__lab.runs[1].status)`, 10*time.Second,
		`({q: __lab.query(), n: __lab.runs.map((d) => d.n), lr: __lab.runs[1] && __lab.runs[1].lr[60]})`)
	r0, r1 := labRun(tb, 0), labRun(tb, 1)
	if i := closeSeries(r1.X, r0.X, 51); i >= 0 || r1.LR[49] != 0.02 {
		t.Errorf("the branch does not follow the old run up to step 50: x differs first at step %d, LR at step 49 %v", i, r1.LR[49])
	}
	if !strings.Contains(eval[string](tb, `__lab.query()`), "run=sgd,lr=0.02&run=sgd,lr=0.08&branch=1:0:50") {
		t.Errorf("link %s", eval[string](tb, `__lab.query()`))
	}
	tb.screenshot("branch-here-en.png")
	tb.click("#undo")
	tb.click("#undo")
	tb.waitFor("undo took the branch away", `__lab.state.runs.length === 1 && !/branch=/.test(__lab.query())`, 3*time.Second, `__lab.query()`)
}
