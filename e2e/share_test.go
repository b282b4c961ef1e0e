package e2e

import (
	"encoding/json"
	"math"
	neturl "net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// setField sets the value of the input or select sel and fires its input
// and change events, as typing and leaving the field does.
func (tb *tab) setField(sel, value string) {
	tb.t.Helper()
	ok := eval[bool](tb, `(() => {
		const e = document.querySelector(`+jsString(sel)+`);
		if (!e) return false;
		e.value = `+jsString(value)+`;
		e.dispatchEvent(new Event('input', {bubbles: true}));
		e.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`)
	if !ok {
		tb.t.Fatalf("no element %s", sel)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// runSettings reads the settings of the page's runs, as JSON text.
func runSettings(tb *tab) string {
	tb.t.Helper()
	return eval[string](tb, `JSON.stringify(__lab.state.runs)`)
}

// TestShareLinkReopens: settings changed in the page (the LR typed into the
// LR field, a run added with the "+" button, its optimizer changed to Adam,
// its LR typed, its start set by a click on the map) reach the address bar
// (history.replaceState) and the Copy-link field; the copied link opened in
// a new tab holds the same runs and, played, ends at the same points.
func TestShareLinkReopens(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=quadratic&b=10&steps=60&rate=0&run=sgd,lr=0.05")
	tb.setField("#lr-input", "0.12")
	tb.click("#add-run")
	tb.waitFor("a second run, selected", `__lab.state.runs.length === 2 && __lab.selected === 1`, 5*time.Second, `__lab.state.runs.length`)
	tb.setField(`#run-panel select[id^="opt-"]`, "adam")
	tb.waitFor("run 2 is Adam, its panel rebuilt", `__lab.state.runs[1].optimizer.name === 'adam' && document.querySelector('#run-panel select[id^="opt-"]').value === 'adam'`, 5*time.Second, `__lab.state.runs[1]`)
	tb.setField("#lr-input", "0.03")
	// A click on the map sets the selected run's start.
	pt := eval[struct{ X, Y float64 }](tb, `(() => {
		const m = document.getElementById('map');
		m.scrollIntoView({block: 'center'});
		const r = m.getBoundingClientRect();
		return {X: r.left + r.width * 0.3, Y: r.top + r.height * 0.35};
	})()`)
	tb.do("click on the map", chromedp.MouseClickXY(pt.X, pt.Y))
	tb.waitFor("run 2 has its own start", `__lab.state.runs[1].x !== null && __lab.state.runs[1].y !== null`, 5*time.Second, `__lab.state.runs[1]`)
	tb.waitFor("the address holds the changes",
		`/run=sgd,lr=0\.12(&|$)/.test(location.search) && /run=adam,lr=0\.03,x=[-0-9.e]+,y=[-0-9.e]+/.test(decodeURIComponent(location.search))`,
		5*time.Second, `location.search`)
	settings := runSettings(tb)
	query := eval[string](tb, `__lab.query()`)
	t.Logf("query %s", query)

	tb.play()
	tb.waitAllDone(15 * time.Second)
	runsA := labTracks(tb)

	// Copy link: the field holds the link whether or not the clipboard took it.
	tb.click("#share-copy")
	tb.waitFor("the Copy-link field", `document.getElementById('share-link').value !== '' && document.querySelector('#share .share-msg').textContent !== ''`,
		5*time.Second, `({v: document.getElementById('share-link').value, msg: document.querySelector('#share .share-msg').textContent})`)
	link := eval[string](tb, `document.getElementById('share-link').value`)
	href := eval[string](tb, `location.href`)
	if !strings.HasPrefix(link, suite.srv.URL+"/?") {
		t.Fatalf("Copy link gave %q; want an address on %s", link, suite.srv.URL)
	}
	// The address bar and the copied link say the same (the address also
	// names the page's language).
	lq, err1 := neturl.ParseQuery(strings.SplitN(link, "?", 2)[1])
	hq, err2 := neturl.ParseQuery(strings.SplitN(href, "?", 2)[1])
	if err1 != nil || err2 != nil {
		t.Fatalf("links %q, %q: %v %v", link, href, err1, err2)
	}
	hq.Del("lang")
	if lq.Encode() != hq.Encode() {
		t.Errorf("the Copy-link field says %q but the address is %q", link, href)
	}

	tb2 := newTab(t, desktop)
	tb2.open(strings.TrimPrefix(link, suite.srv.URL))
	if got := runSettings(tb2); got != settings {
		t.Errorf("the link reopens runs\n  %s\nwant\n  %s", got, settings)
	}
	if got := eval[string](tb2, `__lab.query()`); got != query {
		t.Errorf("the link reopens as %q; want %q", got, query)
	}
	if eval[bool](tb2, `!document.getElementById('errors').hidden`) {
		t.Errorf("the copied link shows errors: %s", eval[string](tb2, `document.getElementById('errors').innerText`))
	}
	tb2.play()
	tb2.waitAllDone(15 * time.Second)
	runsB := labTracks(tb2)
	if len(runsB) != len(runsA) {
		t.Fatalf("the reopened link has %d runs; want %d", len(runsB), len(runsA))
	}
	for i := range runsA {
		a, b := runsA[i], runsB[i]
		if a.N != b.N || a.Status != b.Status {
			t.Errorf("run %d: %d points, %s; the original had %d points, %s", i, b.N, b.Status, a.N, a.Status)
			continue
		}
		for _, k := range []int{0, a.N - 1} {
			if math.Abs(a.X[k]-b.X[k]) > 1e-12 || math.Abs(a.Y[k]-b.Y[k]) > 1e-12 {
				t.Errorf("run %d point %d: (%v, %v); the original (%v, %v)", i, k, b.X[k], b.Y[k], a.X[k], a.Y[k])
			}
		}
	}
	t.Logf("run 0 ends at (%.4g, %.4g), run 1 (adam, own start) at (%.4g, %.4g)", runsA[0].X[runsA[0].N-1], runsA[0].Y[runsA[0].N-1], runsA[1].X[runsA[1].N-1], runsA[1].Y[runsA[1].N-1])
}

// TestShareBrokenLink: a link with an unknown surface and a negative LR
// opens what it can: #errors names both settings and what was wrong with
// them, and the valid rest applies (the Adam run with lr 0.01, on the
// default surface); the address is rewritten without the bad parts.
func TestShareBrokenLink(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=nope&run=sgd,lr=-1&run=adam,lr=0.01")
	type page struct {
		Shown   bool   `json:"shown"`
		Errors  string `json:"errors"`
		Surface string `json:"surface"`
		Runs    []struct {
			Optimizer struct {
				Name string   `json:"name"`
				LR   *float64 `json:"lr"`
			} `json:"optimizer"`
		} `json:"runs"`
		Legend []string `json:"legend"`
	}
	got := eval[page](tb, `(() => {
		const e = document.getElementById('errors');
		return {shown: !e.hidden && e.getClientRects().length > 0, errors: e.innerText, surface: __lab.state.surface, runs: __lab.state.runs,
			legend: [...document.querySelectorAll('#legend [data-run] .name')].map((n) => n.textContent)};
	})()`)
	t.Logf("#errors: %q", got.Errors)
	if !got.Shown {
		t.Fatal("#errors is not shown for a broken link")
	}
	for _, want := range []string{"surface", "nope", "run 1", "learning rate", "-1"} {
		if !strings.Contains(got.Errors, want) {
			t.Errorf("#errors does not mention %q: %q", want, got.Errors)
		}
	}
	if strings.Contains(got.Errors, "run 2") {
		t.Errorf("#errors blames the valid run 2: %q", got.Errors)
	}
	adam := -1
	for i, r := range got.Runs {
		if r.Optimizer.Name == "adam" && r.Optimizer.LR != nil && *r.Optimizer.LR == 0.01 {
			adam = i
		}
	}
	if adam < 0 {
		t.Fatalf("the valid run adam lr 0.01 is not there: %+v", got.Runs)
	}
	if got.Surface != "quadratic" {
		t.Errorf("surface %q; want the default (quadratic) in place of the unknown one", got.Surface)
	}
	if adam >= len(got.Legend) || !strings.Contains(got.Legend[adam], "Adam") || !strings.Contains(got.Legend[adam], "0.01") {
		t.Errorf("legend %q lacks the Adam run", got.Legend)
	}
	tb.waitFor("the address without the bad parts", `/run=adam,lr=0\.01/.test(location.search) && !/nope|lr=-1/.test(location.search)`, 5*time.Second, `location.search`)
}
