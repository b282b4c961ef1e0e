package e2e

import (
	"context"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"lrlab/server"
)

// tap touches the centre of the element sel (scrolled into view) and lifts
// the finger, as a phone does; the tab must emulate touch (a mobile viewport).
func (tb *tab) tap(sel string) {
	tb.t.Helper()
	eval[bool](tb, `(document.querySelector(`+jsString(sel)+`).scrollIntoView({block: 'center'}), true)`)
	tb.frames(2)
	c := eval[[]float64](tb, `(() => { const r = document.querySelector(`+jsString(sel)+`).getBoundingClientRect(); return [r.left + r.width * 0.6, r.top + r.height * 0.4]; })()`)
	pts := []*input.TouchPoint{{X: c[0], Y: c[1]}}
	if _, err := chromedp.Call(tb.ctx, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: input.DispatchTouchEventTypeTouchStart, TouchPoints: pts}); err != nil {
		tb.t.Fatalf("touch start: %v", err)
	}
	if _, err := chromedp.Call(tb.ctx, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: input.DispatchTouchEventTypeTouchEnd, TouchPoints: []*input.TouchPoint{}}); err != nil {
		tb.t.Fatalf("touch end: %v", err)
	}
	tb.frames(3)
}

// TestPhoneTaps (issue 11, minors): on a phone one tap on the map while the
// runs play does not restart them (it says to pause first), and a tap on a
// chart shows its read-out.
func TestPhoneTaps(t *testing.T) {
	tb := newTab(t, phone390)
	tb.open("/?surface=quadratic&b=10&steps=5000&rate=60&run=sgd,lr=0.05")
	tb.play()
	tb.waitFor("some steps", `__lab.runs[0].n >= 20`, 5*time.Second, `__lab.runs[0].n`)
	start := eval[string](tb, `JSON.stringify([__lab.state.runs[0].x, __lab.state.runs[0].y])`)
	tb.tap("#map")
	n := eval[int](tb, `__lab.runs[0].n`)
	if n < 20 {
		t.Errorf("a tap on the map while playing restarted the run (n = %d)", n)
	}
	if got := eval[string](tb, `JSON.stringify([__lab.state.runs[0].x, __lab.state.runs[0].y])`); got != start {
		t.Errorf("a tap while playing moved the start: %s → %s", start, got)
	}
	if m := eval[string](tb, `document.getElementById('map-readout').textContent`); !strings.Contains(m, "Pause first") {
		t.Errorf("the map says %q after a tap while playing; want a hint to pause first", m)
	}
	tb.tap("#chart-loss")
	if !eval[bool](tb, `(() => { const r = document.querySelector('#chart-loss').parentElement.querySelector('.chart-readout'); return !!r && !r.hidden && r.textContent.length > 0; })()`) {
		t.Errorf("a tap on the loss chart shows no read-out")
	}
	// paused, a tap sets the start as before
	tb.click("#play")
	tb.frames(2)
	tb.tap("#map")
	if got := eval[string](tb, `JSON.stringify([__lab.state.runs[0].x, __lab.state.runs[0].y])`); got == start {
		t.Errorf("a tap on the paused map did not set the start (%s)", got)
	}
}

// TestArrowsBeforeStart (issue 11, minor): "Arrows" draws the first step
// −lr·∇f at each run's start before anything has run.
func TestArrowsBeforeStart(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=quadratic&b=10&run=sgd,lr=0.05&run=sgd,lr=0.15,x=1,y=-1.5")
	tb.frames(3)
	tb.canvasSnap("map", "before")
	tb.click("#arrows")
	tb.frames(3)
	d := tb.canvasDiff("map", "before")
	t.Logf("changed %d pixels; %s", d.Changed, tb.viewShot("arrows-before-start.png"))
	if d.Changed < 150 {
		t.Errorf("Arrows before a run starts changed %d pixels of the map; want the arrows drawn", d.Changed)
	}
}

// TestAddRunAndFinished (issue 11, minors): "+ Add run" adds the selected
// run at half its LR, not an exact copy hidden under it; the selected run's
// panel says, once a run has finished, that a change runs everything again
// from step 0.
func TestAddRunAndFinished(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=quadratic&b=10&steps=50&rate=0&run=sgd,lr=0.1")
	tb.click("#add-run")
	tb.frames(2)
	if got := eval[string](tb, `__lab.state.runs.map((r) => r.optimizer.lr).join(' ')`); got != "0.1 0.05" {
		t.Errorf("+ Add run: LRs %q; want \"0.1 0.05\"", got)
	}
	note := `(() => { const n = document.querySelector('#run-panel .run-finished'); return n && !n.hidden ? n.textContent : ''; })()`
	if s := eval[string](tb, note); s != "" {
		t.Errorf("before any run the panel says %q", s)
	}
	tb.play()
	tb.waitAllDone(10 * time.Second)
	tb.frames(3)
	if s := eval[string](tb, note); !strings.Contains(s, "step 0") {
		t.Errorf("a finished run's panel says %q; want that a change starts again from step 0", s)
	}
}

// TestServerRestart (issue 11, minor): when the server goes away mid-run
// the legend stops saying "running"; Play pressed meanwhile says that the
// runs start once the connection is back, and they do when a new server
// answers.
func TestServerRestart(t *testing.T) {
	var cur atomic.Pointer[server.Server]
	cur.Store(server.NewServer(slog.New(slog.DiscardHandler), server.Config{}))
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { cur.Load().ServeHTTP(w, r) }))
	defer hs.Close()

	tb := newTab(t, desktop)
	tb.allow = append(tb.allow, "/ws") // the refused reconnections while the server is away
	tb.do("navigate", chromedp.Navigate(hs.URL+"/?surface=quadratic&b=10&steps=5000&rate=30&run=sgd,lr=0.05"))
	tb.waitFor("page ready", `document.body.dataset.ready === '1' && document.getElementById('conn').dataset.state === 'open'`, 15*time.Second, "")
	tb.play()
	tb.waitFor("some steps", `__lab.runs[0].n >= 10`, 10*time.Second, `__lab.runs[0].n`)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := cur.Load().Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the page sees the server gone", `document.getElementById('conn').dataset.state !== 'open'`, 10*time.Second, "")
	tb.frames(3)
	status := `document.querySelector('#legend [data-run="0"] [data-status]').textContent`
	if s := eval[string](tb, status); s == "running" {
		t.Errorf("with the server gone the legend says %q", s)
	}
	tb.click("#play")
	tb.frames(2)
	if m := eval[string](tb, `document.getElementById('play-msg').hidden ? '' : document.getElementById('play-msg').textContent`); !strings.Contains(m, "Not connected") {
		t.Errorf("Play while the server is away says %q; want that the runs start once it is back", m)
	}
	cur.Store(server.NewServer(slog.New(slog.DiscardHandler), server.Config{}))
	tb.waitFor("the runs start on the new server", `__lab.playing && __lab.runs[0].n >= 3 && document.getElementById('conn').dataset.state === 'open'`, 20*time.Second, `({n: __lab.runs[0].n, conn: document.getElementById('conn').dataset.state})`)
}

// TestLossAxisFollows (issue 11, minor): the loss chart's log axis follows
// a converging run down (SGD at 0.15 on the bowl reaches ~1e-282 in 2,000
// steps) instead of bottoming out 24 decades under the top.
func TestLossAxisFollows(t *testing.T) {
	tb := newTab(t, desktop)
	tb.addScriptOnLoad(`(() => { const o = CanvasRenderingContext2D.prototype.fillText; window.__ticks = []; CanvasRenderingContext2D.prototype.fillText = function (s, ...a) { if (this.canvas.id === 'chart-loss') __ticks.push(String(s)); return o.call(this, s, ...a); }; })()`)
	tb.open("/?surface=quadratic&b=10&steps=2000&rate=0&run=sgd,lr=0.15")
	tb.play()
	tb.waitAllDone(20 * time.Second)
	time.Sleep(400 * time.Millisecond) // a rescale waits up to 250 ms after the last
	tb.frames(5)
	low := eval[float64](tb, `(() => { const v = __ticks.slice(-12).map(Number).filter((x) => x > 0); return Math.min(...v); })()`)
	loss := eval[float64](tb, `Math.min(...__lab.runs[0].loss.slice(0, __lab.runs[0].n))`)
	if !(low <= 1e-200) {
		t.Errorf("the loss chart's lowest tick is %g while the loss reaches %g; want the axis to follow it down", low, loss)
	}
}

// TestReloadKeepsProgress (issue 11, minor): a reload mid-run runs the
// scenario again to the step it had reached (and plays on if it played),
// with the same points, and says so.
func TestReloadKeepsProgress(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=quadratic&b=10&steps=3000&rate=40&run=sgd,lr=0.05&run=adam,lr=0.05")
	tb.play()
	tb.waitFor("some steps", `__lab.runs[0].n >= 40`, 10*time.Second, `__lab.runs[0].n`)
	tb.click("#play") // pause, so that the step is known
	tb.frames(5)
	time.Sleep(200 * time.Millisecond)
	before := eval[[]float64](tb, `[__lab.runs[0].n, __lab.runs[0].x[__lab.runs[0].n - 1], __lab.runs[1].y[__lab.runs[1].n - 1]]`)
	tb.do("reload", chromedp.Reload())
	tb.waitFor("page ready", `document.body.dataset.ready === '1' && document.getElementById('conn').dataset.state === 'open'`, 15*time.Second, "")
	tb.waitFor("the runs back at their step", `__lab.runs[0] && __lab.runs[0].n >= `+jsNum(before[0]), 10*time.Second, `__lab.runs.map((d) => d.n)`)
	k := int(before[0]) - 1
	after := eval[[]float64](tb, `[__lab.runs[0].n, __lab.runs[0].x[`+jsNum(float64(k))+`], __lab.runs[1].y[`+jsNum(float64(k))+`]]`)
	if after[1] != before[1] || after[2] != before[2] {
		t.Errorf("after the reload the points at step %d differ: %v, was %v", k, after, before)
	}
	if m := eval[string](tb, `document.getElementById('play-msg').textContent`); !strings.Contains(m, "Reloaded") {
		t.Errorf("the page says %q after the reload", m)
	}
	if eval[bool](tb, `__lab.playing`) {
		t.Errorf("paused before the reload, playing after it")
	}
}

func jsNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// TestGames (issue 11, minor): on a game player y's LR has a slider and is
// drawn on the LR chart (dotted), and a run blown up to ±1e9 on the linear
// loss axis does not flatten the others (the axis keeps their range).
func TestGames(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/p/gan-two-lrs")
	if !eval[bool](tb, `!!document.getElementById('lr-y-slider')`) {
		t.Fatalf("no slider for player y's LR")
	}
	tb.click(`#legend [data-run="1"] button[data-act="sel"]`)
	tb.frames(2)
	if v := eval[float64](tb, `10 ** Number(document.getElementById('lr-y-slider').value)`); v < 0.09 || v > 0.11 {
		t.Errorf("player y's slider is at %v; want 0.1 (the run's lr_y)", v)
	}
	tb.maxSpeed()
	tb.play()
	tb.waitAllDone(20 * time.Second)
	time.Sleep(400 * time.Millisecond)
	tb.frames(4)
	got := eval[[]float64](tb, `[__lab.runs[1].lr_y ? __lab.runs[1].lr_y[5] : NaN, __lab.runs[1].lr[5]]`)
	if !(got[0] > 0.09 && got[0] < 0.11) {
		t.Errorf("player y's LR series at step 5 = %v (x's %v); want 0.1", got[0], got[1])
	}
	sizes := eval[[]float64](tb, `__lab.runs.map((d) => Math.max(...Array.from(d.loss.slice(0, d.n)).filter(Number.isFinite).map(Math.abs)))`)
	// the span of the narrow runs on the loss chart, in CSS px
	span := eval[float64](tb, `Math.abs(__lab.chartY(0, 1) - __lab.chartY(0, -1))`)
	height := eval[float64](tb, `document.getElementById('chart-loss').getBoundingClientRect().height`)
	t.Logf("the runs' largest |loss| %v; ±1 spans %.1f px of the loss chart's %.0f; %s", sizes, span, height, tb.viewShot("game-symlog.png"))
	lo, hi := sizes[0], sizes[0]
	for _, v := range sizes {
		lo, hi = min(lo, v), max(hi, v)
	}
	if hi < 1000*lo {
		t.Fatalf("the lesson's runs no longer differ by 1000× in size (%v): the test needs another scenario", sizes)
	}
	if !(span >= 0.08*height) {
		t.Errorf("±1 spans %.1f px of the loss chart's %.0f while one run reaches %g: the runs within ±1 are flat", span, height, hi)
	}
}

// TestExportPNG (issue 11, minor): the exported PNG has the charts under the
// map and its legend: the image is taller than the map by more than the
// legend, and its bottom part is not blank.
func TestExportPNG(t *testing.T) {
	tb := newTab(t, desktop)
	tb.addScriptOnLoad(`(() => { const o = HTMLCanvasElement.prototype.toBlob; HTMLCanvasElement.prototype.toBlob = function (cb, ...a) {
		const ctx = this.getContext('2d');
		const h = this.height, w = this.width;
		// the share of non-background pixels in the bottom fifth
		const d = ctx.getImageData(0, Math.floor(h * 0.8), w, Math.floor(h * 0.2)).data;
		let ink = 0;
		for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - d[0]) + Math.abs(d[i + 1] - d[1]) + Math.abs(d[i + 2] - d[2]) > 60) ink++;
		window.__png = {w, h, ink: ink / (d.length / 4)};
		window.__pngURL = this.toDataURL('image/png');
		return o.call(this, () => {}, ...a); // no download in the test
	}; })()`)
	tb.open(classroom)
	tb.play()
	tb.waitAllDone(15 * time.Second)
	tb.frames(2)
	tb.click("#export-png")
	tb.waitFor("the PNG", `!!window.__png`, 5*time.Second, "")
	png := eval[map[string]float64](tb, `window.__png`)
	if b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(eval[string](tb, `window.__pngURL`), "data:image/png;base64,")); err == nil {
		p := filepath.Join(artifacts(t), "export.png")
		if os.WriteFile(p, b, 0o644) == nil {
			t.Logf("wrote %s", p)
		}
	}
	mapH := eval[float64](tb, `document.getElementById('map').height`)
	if png["h"] < mapH*1.25 || png["ink"] < 0.01 {
		t.Errorf("the PNG is %v×%v with %.1f%% ink in its bottom fifth; the map alone is %v high: want the charts under it", png["w"], png["h"], 100*png["ink"], mapH)
	}
}

// TestEmbedLesson (issue 11, minor): an embedded lesson shows its text and
// Reset beside Play, and its map still fits the frame under the text.
func TestEmbedLesson(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/p/too-large?embed=1")
	tb.waitFor("the lesson's text", `!document.getElementById('lesson').hidden && getComputedStyle(document.getElementById('lesson')).display !== 'none'`, 5*time.Second, "")
	tb.frames(3)
	got := eval[map[string]float64](tb, `({reset: document.getElementById('reset').getBoundingClientRect().width, bottom: document.getElementById('map').getBoundingClientRect().bottom, h: innerHeight})`)
	if got["reset"] == 0 {
		t.Errorf("no Reset in the embedded page")
	}
	if got["bottom"] > got["h"]+0.5 {
		t.Errorf("the embedded map ends at %v, below the frame's %v", got["bottom"], got["h"])
	}
}
