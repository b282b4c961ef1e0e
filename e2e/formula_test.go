package e2e

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// typeFormula empties the custom surface's formula field and types text
// into it key by key, as a user does.
func (tb *tab) typeFormula(text string) {
	tb.t.Helper()
	const sel = `#surface-panel input[id^="formula-"]`
	tb.do("focus the formula field", chromedp.Focus(chromedp.CSS(sel)))
	eval[bool](tb, `(() => { const e = document.querySelector(`+jsString(sel)+`); e.select(); return true; })()`)
	tb.do("clear the formula field", chromedp.KeyEvent(kb.Backspace))
	tb.do("type the formula", chromedp.SendKeys(chromedp.CSS(sel), text))
}

// TestFormula: the custom surface ("Type your own loss function"). Chosen
// in the surface menu it shows a formula field; a formula typed into it is
// checked by GET /api/v1/formula and then drawn (the map's pixels change);
// play runs on it (the loss at the start is the formula's value there). A
// bad formula ("sinn") gets the server's message under the field with the
// bad name marked in the copy of the text, is not applied, and no grid of
// it is ever fetched, so no failed request reaches the console.
func TestFormula(t *testing.T) {
	const good = "0.1*(x^2 + y^2) - 2*exp(-((x-1)^2 + y^2)/0.05)"
	const bad = "sinn(x) + y^2"
	tb := newTab(t, desktop)
	tb.recordFetches("/api/v1/formula")
	tb.open("/?surface=quadratic&steps=150&rate=0&run=sgd,lr=0.05")
	tb.waitStill("map", "quadratic", 10*time.Second)

	tb.setField(`#surface-panel select[id^="surface-"]`, "custom")
	tb.waitFor("the formula field", `__lab.state.surface === 'custom' && document.querySelector('#surface-panel input[id^="formula-"]')`, 5*time.Second, `__lab.state.surface`)
	tb.waitFor("the example formula drawn", `document.body.dataset.ready === '1'`, 5*time.Second, "")
	example := eval[string](tb, `__lab.state.formula`)
	// the map redraws with the example formula of the custom surface
	deadline := time.Now().Add(10 * time.Second)
	for tb.canvasDiff("map", "quadratic").Changed < 1000 {
		if time.Now().After(deadline) {
			t.Fatalf("the map did not change for the custom surface's example %q", example)
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.waitStill("map", "example", 10*time.Second)

	tb.typeFormula(good)
	tb.waitFor("the typed formula applied", `__lab.state.formula === `+jsString(good), 10*time.Second,
		`({formula: __lab.state.formula, msg: (document.getElementById('formula-msg') || {}).textContent, fetched: window.__e2eFetched})`)
	tb.waitFor("the formula in the address", `new URLSearchParams(location.search).get('formula') === `+jsString(good), 5*time.Second, `location.search`)
	deadline = time.Now().Add(10 * time.Second)
	var d pixelDiff
	for d = tb.canvasDiff("map", "example"); d.Changed < 1000; d = tb.canvasDiff("map", "example") {
		if time.Now().After(deadline) {
			t.Fatalf("the map did not redraw for the typed formula: %+v", d)
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.waitStill("map", "typed", 10*time.Second)
	d = tb.canvasDiff("map", "example")
	t.Logf("typed formula: %d of %d map pixels changed", d.Changed, d.Total)
	if d.Changed < d.Total/10 {
		t.Errorf("only %d of %d map pixels changed for the typed formula", d.Changed, d.Total)
	}
	if eval[bool](tb, `!document.getElementById('formula-msg').hidden && document.getElementById('formula-msg').classList.contains('error')`) {
		t.Errorf("a good formula shows an error: %s", eval[string](tb, `document.getElementById('formula-msg').textContent`))
	}

	tb.play()
	tb.waitAllDone(15 * time.Second)
	tb.frames(3)
	r := labTracks(tb)[0]
	f := func(x, y float64) float64 {
		return 0.1*(x*x+y*y) - 2*math.Exp(-((x-1)*(x-1)+y*y)/0.05)
	}
	if r.N != 151 || math.Abs(r.Loss[0]-f(r.X[0], r.Y[0])) > 1e-9 || math.Abs(r.Loss[r.N-1]-f(r.X[r.N-1], r.Y[r.N-1])) > 1e-9 {
		t.Errorf("run on the typed formula: %d points, loss %v at (%v, %v); want 151 points on f = %s", r.N, r.Loss[0], r.X[0], r.Y[0], good)
	}
	t.Logf("run: %d points from (%.3g, %.3g) to (%.3g, %.3g), status %s", r.N, r.X[0], r.Y[0], r.X[r.N-1], r.Y[r.N-1], r.Status)
	if r.X[0] != -2 || r.Y[0] != 2 {
		t.Errorf("the run on the custom surface starts at (%v, %v); the surface's start is (-2, 2)", r.X[0], r.Y[0])
	}
	if d := tb.canvasDiff("map", "typed"); d.Changed < 200 || (d.MaxX-d.MinX < 30 && d.MaxY-d.MinY < 30) {
		t.Errorf("no trajectory on the map after play: %+v; screenshot %s", d, tb.screenshot("formula-played.png"))
	}

	tb.typeFormula(bad)
	tb.waitFor("the error under the field", `(() => {
		const m = document.getElementById('formula-msg');
		return m && !m.hidden && m.classList.contains('error') && /sinn/.test(m.textContent);
	})()`, 10*time.Second, `({msg: (document.getElementById('formula-msg') || {}).textContent, fetched: window.__e2eFetched})`)
	type shown struct {
		Msg      string `json:"msg"`
		Mark     string `json:"mark"`
		Mirror   string `json:"mirror"`
		Visible  bool   `json:"visible"`
		Invalid  bool   `json:"invalid"`
		Formula  string `json:"formula"`
		BadGrids int    `json:"badGrids"`
	}
	got := eval[shown](tb, `(() => {
		const mirror = document.querySelector('.an-formula-mirror');
		const mark = mirror && mirror.querySelector('mark.an-bad');
		return {msg: document.getElementById('formula-msg').textContent, mark: mark ? mark.textContent : '', mirror: mirror ? mirror.textContent : '',
			visible: !!mirror && !mirror.hidden && mirror.getClientRects().length > 0,
			invalid: document.querySelector('#surface-panel input[id^="formula-"]').getAttribute('aria-invalid') !== null,
			formula: __lab.state.formula,
			badGrids: performance.getEntriesByType('resource').filter((e) => e.name.includes('/grid?') && e.name.includes('sinn')).length};
	})()`)
	t.Logf("bad formula: %q, marked %q in %q", got.Msg, got.Mark, got.Mirror)
	if !strings.Contains(got.Msg, "Character 1") || !strings.Contains(got.Msg, "unknown function 'sinn'") {
		t.Errorf("the message %q does not say unknown function 'sinn' at character 1", got.Msg)
	}
	if strings.Count(got.Msg, "Character") != 1 || strings.Contains(got.Msg, "column") {
		t.Errorf("the message %q says the position more than once", got.Msg)
	}
	if !got.Visible || got.Mark != "sinn" || got.Mirror != bad {
		t.Errorf("the bad spot: mirror shown %v with %q, marked %q; want %q with sinn marked", got.Visible, got.Mirror, got.Mark, bad)
	}
	if !got.Invalid {
		t.Error("the formula field is not aria-invalid")
	}
	if got.Formula != good {
		t.Errorf("the bad formula was applied: state formula %q", got.Formula)
	}
	if got.BadGrids != 0 {
		t.Errorf("the page fetched the grid of the bad formula %d times", got.BadGrids)
	}
	// The checks went through /api/v1/formula and never failed.
	statuses := eval[[]int](tb, `(window.__e2eFetched['/api/v1/formula'] || []).map((f) => f.status)`)
	if len(statuses) < 2 {
		t.Errorf("the formula was checked %d times through /api/v1/formula; want at least the good and the bad one", len(statuses))
	}
	for _, s := range statuses {
		if s != 200 {
			t.Errorf("a formula check answered %d", s)
		}
	}
}

// TestFormulaBadLink: a link with a bad formula opens without a failed
// request: the page checks the formula before asking for its grid, names
// it in #errors and marks the bad name under the field; typing a good
// formula then draws the map.
func TestFormulaBadLink(t *testing.T) {
	tb := newTab(t, desktop)
	tb.do("open a link with a bad formula", chromedp.Navigate(url("/?surface=custom&formula=sinn(x)%2By%5E2&steps=50&run=sgd,lr=0.05")))
	tb.waitFor("the formula's error", `(() => {
		const e = document.getElementById('errors'), m = document.getElementById('formula-msg');
		return e && !e.hidden && /sinn/.test(e.innerText) && m && !m.hidden && document.querySelector('.an-formula-mirror mark.an-bad');
	})()`, 15*time.Second, `({errors: (document.getElementById('errors') || {}).innerText, msg: (document.getElementById('formula-msg') || {}).textContent})`)
	errs := eval[string](tb, `document.getElementById('errors').innerText`)
	if !strings.Contains(errs, "formula") || !strings.Contains(errs, "unknown function 'sinn'") {
		t.Errorf("#errors %q does not name the formula and what is wrong", errs)
	}
	if n := eval[int](tb, `performance.getEntriesByType('resource').filter((e) => e.name.includes('/grid?')).length`); n != 0 {
		t.Errorf("the page asked for %d grids of the bad formula", n)
	}
	tb.typeFormula("x^2 + 3*y^2")
	tb.waitFor("the map drawn", `document.body.dataset.ready === '1' && __lab.state.formula === 'x^2 + 3*y^2'`, 10*time.Second, `({formula: __lab.state.formula, ready: document.body.dataset.ready})`)
}

// TestFormulaBadLinkJapanese: in Japanese, a link with a bad formula is
// explained in Japanese alone, in the banner and under the field, and the
// position is said once.
func TestFormulaBadLinkJapanese(t *testing.T) {
	tb := newTab(t, desktop)
	tb.do("open a link with a bad formula", chromedp.Navigate(url("/?surface=custom&formula=x%2Bz&steps=50&run=sgd,lr=0.05&lang=ja")))
	tb.waitFor("the formula's error", `(() => {
		const e = document.getElementById('errors'), m = document.getElementById('formula-msg');
		return e && !e.hidden && /z/.test(e.innerText) && m && !m.hidden && document.querySelector('.an-formula-mirror mark.an-bad');
	})()`, 15*time.Second, `({errors: (document.getElementById('errors') || {}).innerText, msg: (document.getElementById('formula-msg') || {}).textContent})`)
	type texts struct {
		Banner string `json:"banner"`
		Msg    string `json:"msg"`
	}
	got := eval[texts](tb, `({banner: document.querySelector('#errors li').innerText, msg: document.getElementById('formula-msg').textContent})`)
	t.Logf("banner %q; under the field %q", got.Banner, got.Msg)
	for what, s := range map[string]string{"banner": got.Banner, "message": got.Msg} {
		if !strings.Contains(s, "3 文字目") || !strings.Contains(s, "「z」という名前はありません") {
			t.Errorf("the %s %q is not the Japanese message at character 3", what, s)
		}
		if strings.Contains(s, "unknown") || strings.Contains(s, "column") || strings.Count(s, "3") != 1 {
			t.Errorf("the %s %q has English in it or says the position twice", what, s)
		}
	}
}
