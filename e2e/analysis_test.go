package e2e

import (
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// recordFetches makes the page keep the JSON answer of every fetch whose
// URL contains one of parts in window.__e2eFetched[path], before its own
// scripts run.
func (tb *tab) recordFetches(parts ...string) {
	tb.t.Helper()
	list, _ := json.Marshal(parts)
	tb.addScriptOnLoad(`(() => {
		const parts = ` + string(list) + `;
		const orig = window.fetch;
		window.__e2eFetched = {};
		window.fetch = async (...args) => {
			const res = await orig(...args);
			const u = new URL(String(args[0] && args[0].url ? args[0].url : args[0]), location.href);
			if (parts.some((p) => u.pathname.includes(p))) {
				res.clone().json().then((b) => { (window.__e2eFetched[u.pathname] ||= []).push({query: u.search, status: res.status, body: b}); }).catch(() => {});
			}
			return res;
		};
	})()`)
}

// nameCanvas gives the first canvas matched by sel the id, so that
// canvasSnap and canvasDiff can read it.
func (tb *tab) nameCanvas(sel, id string) {
	tb.t.Helper()
	if !eval[bool](tb, `(() => { const c = document.querySelector(`+jsString(sel)+`); if (!c) return false; c.id = `+jsString(id)+`; c.scrollIntoView({block: 'center'}); return true; })()`) {
		tb.t.Fatalf("no canvas %s", sel)
	}
}

// roundLR is analysis.js's roundLR: two significant digits.
func roundLR(lr float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(lr, 'g', 2, 64), 64)
	return v
}

// TestAnalysisFinder: on the lr-finder preset (SGD at lr 1e-4 on the bowl)
// the LR range test draws its chart with no console error; its first
// suggestion's "Use this LR" sets the selected run's LR field, slider and
// setting to that suggestion (rounded as the page shows it), and the run
// at that LR, played, ends lower than the run at the preset's LR did,
// without diverging (what the preset's text promises).
func TestAnalysisFinder(t *testing.T) {
	tb := newTab(t, desktop)
	tb.recordFetches("/api/v1/lr-finder")
	tb.open("/p/lr-finder")
	tb.maxSpeed()
	tb.play()
	tb.waitAllDone(15 * time.Second)
	before := labTracks(tb)[0]
	tb.nameCanvas("#an-finder canvas.an-chart", "e2e-finder-chart")
	tb.frames(2)
	tb.canvasSnap("e2e-finder-chart", "empty")
	tb.click("#finder-run")
	tb.waitFor("the finder's suggestions", `window.__e2eFetched['/api/v1/lr-finder'] && document.querySelectorAll('#an-finder .an-suggestions li button').length > 0 && !document.getElementById('finder-run').disabled`,
		15*time.Second, `({fetched: window.__e2eFetched, items: document.querySelector('#an-finder').innerText})`)
	tb.frames(3)
	if d := tb.canvasDiff("e2e-finder-chart", "empty"); d.Changed < 500 {
		t.Errorf("the LR range test chart barely changed: %+v", d)
	}

	type suggestion struct {
		LR       float64 `json:"lr"`
		Diverged bool    `json:"diverged"`
	}
	var res []struct {
		Status int `json:"status"`
		Body   struct {
			Suggestions map[string]*suggestion `json:"suggestions"`
			Limit       *float64               `json:"stability_limit"`
			First       *string                `json:"first"`
			Steps       int                    `json:"steps"`
		} `json:"body"`
	}
	raw := eval[json.RawMessage](tb, `window.__e2eFetched['/api/v1/lr-finder']`)
	if err := json.Unmarshal(raw, &res); err != nil || len(res) != 1 || res[0].Status != 200 {
		t.Fatalf("the page's lr-finder request: %s (%v)", raw, err)
	}
	// The first suggestion offered is the one that trained best when the
	// server tried each for the scenario's steps.
	body := res[0].Body
	if body.First == nil || body.Suggestions[*body.First] == nil || body.Steps != 200 {
		t.Fatalf("the finder offers nothing first: %s", raw)
	}
	rule := *body.First
	first := body.Suggestions[rule]
	want := roundLR(first.LR)
	t.Logf("%s suggestion %.4g → Use this LR %v (stability limit %v)", rule, first.LR, want, *body.Limit)
	type offered struct {
		Rule   string `json:"rule"`
		Button string `json:"button"`
		Text   string `json:"text"`
	}
	got := eval[offered](tb, `(() => { const li = document.querySelector('#an-finder .an-suggestions li[data-rule]');
		return {rule: li.dataset.rule, button: li.querySelector('button').textContent, text: li.innerText}; })()`)
	if got.Rule != rule || got.Button != "Use this LR" || !strings.Contains(got.Text, "best here") || !strings.Contains(got.Text, "fastai") {
		t.Errorf("the first suggestion shown is %+v; want %s, best here, with its rule explained", got, rule)
	}
	if d := eval[bool](tb, `[...document.querySelectorAll('#an-finder .an-suggestions li[data-rule]')].some((li) => /diverges within 200 steps/.test(li.innerText))`); d != slices.ContainsFunc([]string{"valley", "steep", "minimum"}, func(id string) bool {
		return body.Suggestions[id] != nil && body.Suggestions[id].Diverged
	}) {
		t.Errorf("the panel says a suggestion diverges: %v; the server's trials disagree", d)
	}

	// "Use this LR" adds a run at the suggestion, labelled with it; the run
	// the lesson compares against keeps its LR and its label.
	tb.click("#an-finder .an-suggestions li[data-rule] button")
	tb.waitFor("a second run", `__lab.state.runs.length === 2`, 5*time.Second, `__lab.state.runs.length`)
	type runLR struct {
		LR    float64 `json:"lr"`
		Label string  `json:"label"`
	}
	runs := eval[[]runLR](tb, `__lab.state.runs.map((r) => ({lr: r.optimizer.lr, label: r.label}))`)
	if runs[0].LR != 1e-4 || runs[0].Label != "LR 0.0001" {
		t.Errorf("after Use this LR run 0 is %+v; want LR 1e-4, labelled LR 0.0001, as the lesson has it", runs[0])
	}
	if runs[1].LR != want || !strings.Contains(runs[1].Label, strconv.FormatFloat(want, 'g', -1, 64)) && !strings.Contains(runs[1].Label, strings.Replace(strconv.FormatFloat(want, 'e', -1, 64), "e-0", "e-", 1)) {
		t.Errorf("the new run is %+v; want LR %v, labelled with it", runs[1], want)
	}
	if sel := eval[int](tb, `__lab.selected`); sel != 1 {
		t.Errorf("selected run %d; want the new one", sel)
	}
	if msg := eval[string](tb, `document.querySelector('#an-finder .an-use').textContent`); !strings.Contains(msg, runs[1].Label) {
		t.Errorf("the panel says %q; want it to name the run added", msg)
	}

	if !eval[bool](tb, `__lab.playing`) {
		tb.play()
	}
	tb.waitFor("the run at the new LR", `__lab.runs[1] && __lab.runs[1].n > 0 && __lab.runs[1].lr[0] === `+strconv.FormatFloat(want, 'g', -1, 64), 10*time.Second, `__lab.runs[1] && __lab.runs[1].lr[0]`)
	tb.waitAllDone(15 * time.Second)
	tr := labTracks(tb)
	r := tr[1]
	t.Logf("final loss at lr 1e-4: %.4g; at the suggestion: %.4g", before.Loss[before.N-1], r.Loss[r.N-1])
	if r.Status == "diverged" || r.LR[0] != want || !(r.Loss[r.N-1] < before.Loss[before.N-1]) {
		t.Errorf("at the suggested LR: status %s, lr %v, final loss %.3g; want a run at %v that ends below %.3g (lr 1e-4)", r.Status, r.LR[0], r.Loss[r.N-1], want, before.Loss[before.N-1])
	}
	if tr[0].LR[0] != 1e-4 {
		t.Errorf("run 0 ran at lr %v; want the lesson's 1e-4", tr[0].LR[0])
	}
}

// TestAnalysisFinderTakesTheRunsSettings: the range test of a run that
// clips its gradient clips too (its first step is the clipped closed form),
// and "Use this LR" adds a run with the same clipping.
func TestAnalysisFinderTakesTheRunsSettings(t *testing.T) {
	tb := newTab(t, desktop)
	tb.recordFetches("/api/v1/lr-finder")
	tb.open("/?surface=quadratic&run=sgd,lr=0.05,x=-2.5,y=1.5,clip_grad_norm=0.5")
	tb.click("#finder-run")
	tb.waitFor("the finder's answer", `window.__e2eFetched['/api/v1/lr-finder'] && document.querySelectorAll('#an-finder .an-suggestions li button').length > 0`,
		15*time.Second, `({fetched: window.__e2eFetched, items: document.querySelector('#an-finder').innerText})`)
	var res []struct {
		Status int `json:"status"`
		Body   struct {
			LR []float64 `json:"lr"`
			X  []float64 `json:"x"`
			Y  []float64 `json:"y"`
		} `json:"body"`
	}
	raw := eval[json.RawMessage](tb, `window.__e2eFetched['/api/v1/lr-finder']`)
	if err := json.Unmarshal(raw, &res); err != nil || len(res) != 1 || res[0].Status != 200 || len(res[0].Body.X) < 2 {
		t.Fatalf("the page's lr-finder request: %.300s (%v)", raw, err)
	}
	// ∇f at (−2.5, 1.5) on the default quadratic is (−2.5, 15); clip_grad_norm_ scales it to norm 0.5
	b := res[0].Body
	gx, gy := -2.5, 15.0
	f := 0.5 / (math.Sqrt(gx*gx+gy*gy) + 1e-6)
	if wx, wy := -2.5+-b.LR[0]*(gx*f), 1.5+-b.LR[0]*(gy*f); math.Abs(b.X[1]-wx) > 1e-15 || math.Abs(b.Y[1]-wy) > 1e-15 {
		t.Errorf("the range test's first step is (%v, %v); clipped, it is (%v, %v)", b.X[1], b.Y[1], wx, wy)
	}
	tb.click("#an-finder .an-suggestions li[data-rule] button")
	tb.waitFor("a second run", `__lab.state.runs.length === 2`, 5*time.Second, `__lab.state.runs.length`)
	if c := eval[float64](tb, `__lab.state.runs[1].clip_grad_norm`); c != 0.5 {
		t.Errorf("the run added at the suggestion clips at %v; want the tested run's 0.5", c)
	}
}

// TestLabelFollowsLR: a label that states the run's LR follows a change of
// the LR; the reader's own label does not change.
func TestLabelFollowsLR(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/p/too-small")
	setLR := func(v string) {
		eval[bool](tb, `(() => { const f = document.getElementById('lr-input'); f.value = '`+v+`';
			f.dispatchEvent(new Event('input', {bubbles: true})); f.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	}
	setLR("0.0005")
	tb.waitFor("the LR set", `__lab.state.runs[0].optimizer.lr === 0.0005`, 5*time.Second, `__lab.state.runs[0].optimizer.lr`)
	if l := eval[string](tb, `__lab.state.runs[0].label`); l != "LR 5e-4" {
		t.Errorf("run 0 (LR 0.0001 → 0.0005) is labelled %q; want LR 5e-4", l)
	}
	tb.frames(2)
	if lg := eval[string](tb, `document.querySelector('#legend [data-run="0"]').innerText`); !strings.Contains(lg, "LR 5e-4") {
		t.Errorf("the legend shows %q", short(lg))
	}
	// the reader's own label stays
	eval[bool](tb, `(() => { const f = [...document.querySelectorAll('#panel input[type=text], input[type=text]')].find((e) => e.maxLength === 60);
		f.value = 'mine'; f.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	tb.waitFor("the label set", `__lab.state.runs[0].label === 'mine'`, 5*time.Second, `__lab.state.runs[0].label`)
	setLR("0.002")
	tb.waitFor("the LR set", `__lab.state.runs[0].optimizer.lr === 0.002`, 5*time.Second, `__lab.state.runs[0].optimizer.lr`)
	if l := eval[string](tb, `__lab.state.runs[0].label`); l != "mine" {
		t.Errorf("the reader's label became %q", l)
	}
}

// TestAnalysisSweepShortened: a sweep of a noisy run asks the server for
// five seeds and the scenario's 5000 steps, fitted to the work budget; the
// server runs what fits (10^6 steps / (5 optimizers × 31 LRs × 5 seeds) =
// 1290 steps a run) and the panel says that the runs were shortened.
func TestAnalysisSweepShortened(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=quadratic&steps=5000&run=sgd,lr=0.05,noise=0.1")
	tb.click("#sweep-run")
	tb.waitFor("the sweep's result", `document.querySelectorAll('#an-sweep .an-sweep-key li').length >= 5 && !document.getElementById('sweep-run').disabled`,
		30*time.Second, `document.getElementById('an-sweep').innerText`)
	hint := eval[string](tb, `document.querySelector('#an-sweep .an-sweep-key').nextElementSibling.textContent`)
	if !strings.Contains(hint, "took 1290 steps each, not the scenario’s 5000") {
		t.Errorf("the sweep's note: %q", hint)
	}
}

// TestAnalysisSweep: the LR sweep draws its chart, and a click on one of
// its points (an Adam point, found by hovering over the chart until the
// readout names one) adds a run with that optimizer and that LR, from the
// selected run's start, and selects it.
func TestAnalysisSweep(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=quadratic&steps=100&run=sgd,lr=0.05")
	tb.nameCanvas("#an-sweep canvas.an-chart", "e2e-sweep-chart")
	tb.frames(2)
	tb.canvasSnap("e2e-sweep-chart", "empty")
	tb.click("#sweep-run")
	tb.waitFor("the sweep's result", `document.querySelectorAll('#an-sweep .an-sweep-key li').length >= 5 && !document.getElementById('sweep-run').disabled`,
		20*time.Second, `document.getElementById('an-sweep').innerText`)
	tb.frames(3)
	if d := tb.canvasDiff("e2e-sweep-chart", "empty"); d.Changed < 500 {
		t.Errorf("the sweep chart barely changed: %+v", d)
	}
	if hint := eval[string](tb, `document.querySelector('#an-sweep .an-sweep-key').nextElementSibling.textContent`); strings.Contains(hint, "took") {
		t.Errorf("a sweep that fits the budget says it was shortened: %q", hint)
	}

	type hit struct {
		X    float64 `json:"x"`
		Y    float64 `json:"y"`
		Text string  `json:"text"`
	}
	// Hover over the chart at whole pixels; keep the Adam points whose
	// readout is the same 2 px around (clear of other curves' points).
	hits := eval[[]hit](tb, `(() => {
		const c = document.getElementById('e2e-sweep-chart');
		c.scrollIntoView({block: 'center'});
		const r = c.getBoundingClientRect();
		const out = document.querySelector('#an-sweep .an-readout');
		const at = (x, y) => { c.dispatchEvent(new PointerEvent('pointermove', {clientX: x, clientY: y, bubbles: true})); return out.textContent; };
		const hits = [];
		for (let y = Math.ceil(r.top) + 3; y < r.bottom - 3; y += 2) {
			for (let x = Math.ceil(r.left) + 3; x < r.right - 3; x += 2) {
				const text = at(x, y);
				if (hits.length || !text.startsWith('Adam, lr ')) continue;
				if ([[-2, 0], [2, 0], [0, -2], [0, 2]].every(([dx, dy]) => at(x + dx, y + dy) === text)) { hits.push({x, y, text}); break; }
			}
		}
		c.dispatchEvent(new PointerEvent('pointerleave'));
		return hits;
	})()`)
	var pick *hit
	for i := range hits {
		if strings.Contains(hits[i].Text, "final loss") {
			pick = &hits[i]
			break
		}
	}
	if pick == nil {
		t.Fatalf("hovering the sweep chart found no Adam point clear of the others: %d hits %v", len(hits), hits[:min(len(hits), 8)])
	}
	m := regexp.MustCompile(`lr ([0-9.]+(?:e[−-]?\d+)?)`).FindStringSubmatch(pick.Text)
	shown, err := strconv.ParseFloat(strings.ReplaceAll(m[1], "−", "-"), 64)
	if err != nil {
		t.Fatalf("readout %q: %v", pick.Text, err)
	}
	t.Logf("clicking %q at (%.0f, %.0f)", pick.Text, pick.X, pick.Y)
	tb.do("click the sweep point", chromedp.MouseClickXY(pick.X, pick.Y))
	tb.waitFor("a run added", `__lab.state.runs.length === 2 && document.querySelector('#legend [data-run="1"] .name')`, 5*time.Second, `({runs: __lab.state.runs.length, msg: document.querySelector('#an-sweep .an-status').textContent})`)
	type added struct {
		Name     string  `json:"name"`
		LR       float64 `json:"lr"`
		Selected int     `json:"selected"`
		Msg      string  `json:"msg"`
		Input    float64 `json:"input"`
		Legend   string  `json:"legend"`
	}
	a := eval[added](tb, `(() => { const r = __lab.state.runs[1]; return {name: r.optimizer.name, lr: r.optimizer.lr, selected: __lab.selected,
		msg: document.querySelector('#an-sweep .an-status').textContent, input: Number(document.getElementById('lr-input').value),
		legend: document.querySelector('#legend [data-run="1"] .name').textContent}; })()`)
	t.Logf("added: %+v", a)
	if a.Name != "adam" || math.Abs(a.LR-shown) > 0.05*shown || a.Selected != 1 || a.Input != a.LR {
		t.Errorf("the click added %s lr %v (selected %d, LR field %v); want adam at the point's lr %v, selected", a.Name, a.LR, a.Selected, a.Input, shown)
	}
	if s := strconv.FormatFloat(a.LR, 'g', -1, 64); len(strings.TrimLeft(strings.Split(strings.ReplaceAll(s, ".", ""), "e")[0], "0")) > 3 {
		t.Errorf("the added LR %v has more than 3 significant digits", a.LR)
	}
	if !strings.HasPrefix(a.Msg, "Added Adam") || !strings.Contains(a.Legend, "Adam") {
		t.Errorf("status %q, legend %q; want them to name the added Adam run", a.Msg, a.Legend)
	}
	if !eval[bool](tb, `JSON.stringify([__lab.state.runs[0].x, __lab.state.runs[0].y]) === JSON.stringify([__lab.state.runs[1].x, __lab.state.runs[1].y])`) {
		t.Error("the added run does not start where the selected run does")
	}
}

// TestAnalysisGauge: on the quadratic bowl (b = 10: λmax 10, 2/λmax = 0.2)
// the stability gauge beside the LR slider is "ok" at lr 0.1, turns "over"
// when the slider goes to 0.25 (and the limit line under the slider turns
// red), and back when it returns to 0.15. The flat-share panel is hidden
// off sharp_flat.
func TestAnalysisGauge(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=quadratic&b=10&run=sgd,lr=0.1")
	gauge := `({state: document.getElementById('lr-gauge').dataset.state, text: document.getElementById('lr-gauge').textContent, limit: document.getElementById('lr-limit').className})`
	tb.waitFor("gauge ok at lr 0.1", `document.getElementById('lr-gauge').dataset.state === 'ok'`, 5*time.Second, gauge)
	text := eval[string](tb, `document.getElementById('lr-gauge').textContent`)
	if !strings.Contains(text, "2/λmax") || !strings.Contains(text, "0.2") {
		t.Errorf("gauge text %q; want it to name the limit 2/λmax = 0.2", text)
	}
	if eval[bool](tb, `document.getElementById('lr-gauge').previousElementSibling !== document.getElementById('lr-limit')`) {
		t.Error("the gauge is not beside the LR slider (after #lr-limit)")
	}
	slide := func(lr float64) {
		eval[bool](tb, `(() => {
			const s = document.getElementById('lr-slider');
			s.value = String(Math.log10(`+strconv.FormatFloat(lr, 'g', -1, 64)+`));
			s.dispatchEvent(new Event('input', {bubbles: true}));
			s.dispatchEvent(new Event('change', {bubbles: true}));
			return true;
		})()`)
	}
	slide(0.25)
	tb.waitFor("gauge over at lr 0.25", `document.getElementById('lr-gauge').dataset.state === 'over' && document.getElementById('lr-limit').classList.contains('over') && __lab.state.runs[0].optimizer.lr === 0.25`, 5*time.Second, gauge)
	text = eval[string](tb, `document.getElementById('lr-gauge').textContent`)
	if !strings.Contains(text, "too large") || !strings.Contains(text, "1.25") {
		t.Errorf("gauge text over the limit %q; want 1.25× the limit, too large", text)
	}
	// the gauge says the LR as the field shows it (5.2e-4, not a rounded 5e-4)
	slide(5.2e-4)
	tb.waitFor("gauge at lr 5.2e-4", `__lab.state.runs[0].optimizer.lr === 5.2e-4`, 5*time.Second, gauge)
	tb.waitFor("gauge says lr 5.2e-4", `document.getElementById('lr-gauge').textContent.includes('5.2e-4')`, 5*time.Second, gauge)
	slide(0.15)
	tb.waitFor("gauge ok at lr 0.15", `document.getElementById('lr-gauge').dataset.state === 'ok' && !document.getElementById('lr-limit').classList.contains('over')`, 5*time.Second, gauge)
	if !eval[bool](tb, `document.getElementById('an-flat').hidden && document.getElementById('an-flat').getClientRects().length === 0`) {
		t.Error("the flat-share panel shows on the quadratic bowl")
	}
}

// TestAnalysisFlatShare: on sharp_flat the flat-share panel is there, and
// its run button draws the share of seeds ending in the flat well against
// the LR, one curve per noise level (4), without an error.
func TestAnalysisFlatShare(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=sharp_flat&run=sgd,lr=0.015")
	if !eval[bool](tb, `!document.getElementById('an-flat').hidden && document.getElementById('an-flat').getClientRects().length > 0`) {
		t.Fatal("the flat-share panel is hidden on sharp_flat")
	}
	tb.nameCanvas("#an-flat canvas.an-chart", "e2e-flat-chart")
	tb.frames(2)
	tb.canvasSnap("e2e-flat-chart", "empty")
	tb.click("#flat-run")
	tb.waitFor("the flat-share chart", `document.querySelectorAll('#an-flat .an-key li').length === 4 && !document.getElementById('flat-run').disabled`,
		30*time.Second, `document.getElementById('an-flat').innerText`)
	tb.frames(3)
	if d := tb.canvasDiff("e2e-flat-chart", "empty"); d.Changed < 500 {
		t.Errorf("the flat-share chart barely changed: %+v", d)
	}
	if s := eval[string](tb, `document.querySelector('#an-flat .an-status').hidden ? '' : document.querySelector('#an-flat .an-status').textContent`); s != "" {
		t.Errorf("the flat-share panel says %q", s)
	}
}
