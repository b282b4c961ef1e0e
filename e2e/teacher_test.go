package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The tests of this file check what a teacher meets in the first hour
// (issue 11): a projector's layout, the number fields, "Compare LRs", the
// default scenario, the keyboard.

var (
	phone390 = viewport{w: 390, h: 844, mobile: true}
	// zoomed is a 1920×1080 projector at 150 %: 1280×720 CSS px.
	zoomed = viewport{w: 1280, h: 720, scale: 1.5}
)

// fontProbe records the font of every fillText on a canvas with an id, per
// canvas: window.__fonts[id] = the least font size in CSS px.
const fontProbe = `(() => {
	const orig = CanvasRenderingContext2D.prototype.fillText;
	window.__fonts = {};
	CanvasRenderingContext2D.prototype.fillText = function (...args) {
		const id = this.canvas && this.canvas.id;
		if (id) {
			const m = /(\d+(?:\.\d+)?)px/.exec(this.font);
			const px = m ? Number(m[1]) : 0;
			if (!(window.__fonts[id] <= px)) window.__fonts[id] = px;
		}
		return orig.apply(this, args);
	};
})()`

type box struct {
	Top    float64 `json:"top"`
	Bottom float64 `json:"bottom"`
	Left   float64 `json:"left"`
	Right  float64 `json:"right"`
	Height float64 `json:"height"`
}

// onScreen returns the boxes of the elements (CSS selectors) at the page's
// top, with the viewport's size under "viewport".
func onScreen(tb *tab, sels ...string) map[string]box {
	tb.t.Helper()
	eval[bool](tb, `(window.scrollTo(0, 0), true)`)
	tb.frames(2)
	list := "['" + strings.Join(sels, "','") + "']"
	return eval[map[string]box](tb, `(() => {
		const out = {viewport: {top: 0, left: 0, bottom: innerHeight, right: innerWidth, height: innerHeight}};
		for (const s of `+list+`) {
			const e = document.querySelector(s);
			if (!e) continue;
			const r = e.getBoundingClientRect();
			out[s] = {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height};
		}
		return out;
	})()`)
}

// TestProjectorLayout (issue 11, major 7): at 1280×800, at 1920×1080
// zoomed to 150 % and at 1920×1080, in a lesson and out of one, the map,
// the loss and LR charts and the selected run's LR slider are all on the
// first screen, each big enough to read; on the 1920 projector the charts'
// tick labels and the legend's text are at least 14 CSS px.
func TestProjectorLayout(t *testing.T) {
	pages := map[string]string{"classroom": classroom, "lesson": "/p/schedulers", "classroom-ja": classroom + "&lang=ja"}
	for _, vp := range []viewport{desktop, zoomed, wide} {
		for _, name := range []string{"classroom", "lesson", "classroom-ja"} {
			t.Run(fmt.Sprintf("%v-%s", vp, name), func(t *testing.T) {
				tb := newTab(t, vp)
				tb.addScriptOnLoad(fontProbe)
				tb.open(pages[name])
				if strings.HasPrefix(name, "classroom") {
					tb.play()
					tb.waitAllDone(15 * time.Second)
				}
				tb.frames(3)
				sels := []string{"#map", "#chart-loss", "#chart-lr", "#lr-slider"}
				b := onScreen(tb, sels...)
				v := b["viewport"]
				for _, s := range sels {
					e, ok := b[s]
					if !ok {
						t.Errorf("%s: not on the page", s)
						continue
					}
					if e.Top < 0 || e.Bottom > v.Bottom+0.5 || e.Left < 0 || e.Right > v.Right+0.5 {
						t.Errorf("%s is not on the first screen at %v: %+v (viewport %.0f×%.0f)", s, vp, e, v.Right, v.Bottom)
					}
				}
				if m := b["#map"]; m.Height < 0.55*v.Height {
					t.Errorf("the map is %.0f px high of %.0f", m.Height, v.Height)
				}
				for _, s := range []string{"#chart-loss", "#chart-lr"} {
					if b[s].Height < 90 {
						t.Errorf("%s is %.0f px high: too small to read", s, b[s].Height)
					}
				}
				if vp == wide {
					fonts := eval[map[string]float64](tb, `window.__fonts`)
					for _, id := range []string{"chart-loss", "chart-lr", "map"} {
						if fonts[id] < 14 {
							t.Errorf("the smallest text on #%s is %v px; want ≥ 14 on a 1920 projector", id, fonts[id])
						}
					}
					small := eval[[]string](tb, `[...document.querySelectorAll('#legend .run *, #legend h2, label[for="lr-slider"], .lr-scale span')].filter((e) => e.childElementCount === 0 && e.textContent.trim() && parseFloat(getComputedStyle(e).fontSize) < 14).map((e) => e.textContent.trim() + ' ' + getComputedStyle(e).fontSize)`)
					if len(small) > 0 {
						t.Errorf("legend and LR texts under 14 px on a 1920 projector: %v", small)
					}
				}
				tb.viewShot(fmt.Sprintf("projector-%s-%v.png", name, vp))
			})
		}
	}
}

// viewShot writes a PNG of what the viewport shows (the first screen, as a
// class sees it) to the artefact directory.
func (tb *tab) viewShot(name string) string {
	tb.t.Helper()
	buf, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(artifacts(tb.t), name)
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	return p
}

// key focuses sel and presses the key k (a kb constant) there.
func (tb *tab) key(sel, k string) {
	tb.t.Helper()
	tb.do("key in "+sel, chromedp.Focus(chromedp.CSS(sel)), chromedp.KeyEvent(k))
	tb.frames(2)
}

// fieldMsg returns the refusal written beside the field sel ("" when none).
func fieldMsg(tb *tab, sel string) string {
	tb.t.Helper()
	return eval[string](tb, `(() => {
		const e = document.querySelector(`+jsString(sel)+`);
		const ids = (e.getAttribute('aria-describedby') || '').split(' ');
		const m = ids.map((id) => document.getElementById(id)).find((m) => m && m.classList.contains('field-msg'));
		return m && !m.hidden ? m.textContent : '';
	})()`)
}

// TestNumberFields (issue 11, major 6 and the Steps minor): ↑/↓ step the
// LR by ×10^±0.1 and momentum by 0.01 inside [0, 1); a value out of range
// is refused beside its field with the allowed range (in English and in
// Japanese), never sent; Play then says why instead of doing nothing; LR 0
// says why; Steps says its range, the server's -max-steps.
func TestNumberFields(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=quadratic&b=10&rate=0&run=sgd,lr=0.03,momentum=0.98")
	lr := func() float64 { return eval[float64](tb, `__lab.state.runs[0].optimizer.lr`) }
	tb.key("#lr-input", kb.ArrowUp)
	if got := lr(); got != 0.038 {
		t.Errorf("↑ in the LR field: lr %v; want 0.038 (0.03 × 10^0.1)", got)
	}
	tb.key("#lr-input", kb.ArrowDown)
	tb.key("#lr-input", kb.ArrowDown)
	if got := lr(); got != 0.024 {
		t.Errorf("↑↓↓ from 0.03: lr %v; want 0.024", got)
	}
	mom := `[data-key="optimizer.momentum"]`
	tb.key(mom, kb.ArrowUp)
	tb.key(mom, kb.ArrowUp)
	if got := eval[float64](tb, `__lab.state.runs[0].optimizer.momentum`); got != 0.99 {
		t.Errorf("↑↑ in momentum from 0.98: %v; want 0.99 (and never 1: PyTorch's range is [0, 1))", got)
	}
	tb.setField(mom, "1")
	tb.frames(2)
	if m := fieldMsg(tb, mom); !strings.Contains(m, "less than 1") {
		t.Errorf("momentum 1: the message beside the field is %q; want the allowed range", m)
	}
	if got := eval[float64](tb, `__lab.state.runs[0].optimizer.momentum`); got != 0.99 {
		t.Errorf("momentum 1 was taken: %v", got)
	}
	tb.click("#play")
	tb.frames(3)
	msg := eval[string](tb, `document.getElementById('play-msg').hidden ? '' : document.getElementById('play-msg').textContent`)
	if !strings.Contains(msg, "momentum") {
		t.Errorf("Play with a refused momentum says %q; want why it did not start", msg)
	}
	if eval[bool](tb, `__lab.playing || __lab.runs.some((d) => d && d.n > 0)`) {
		t.Errorf("Play started the runs with a refused field")
	}
	tb.setField(mom, "0.5")
	tb.setField("#lr-input", "0")
	tb.frames(2)
	if m := fieldMsg(tb, "#lr-input"); !strings.Contains(m, "LR 0") || !strings.Contains(m, "more than 0") {
		t.Errorf("LR 0: the message is %q; want why and the range", m)
	}
	for _, v := range []string{"20000", "0"} {
		tb.setField("#steps", v)
		tb.frames(2)
		if m := fieldMsg(tb, "#steps"); !strings.Contains(m, "1 to 10000") {
			t.Errorf("Steps %s: the message is %q; want the range 1 to 10000", v, m)
		}
	}
	if got := eval[int](tb, `__lab.state.steps`); got != 200 {
		t.Errorf("steps %d after refused values; want 200 kept", got)
	}

	ja := newTab(t, desktop)
	ja.open("/?lang=ja&surface=quadratic&run=sgd,lr=0.1")
	ja.setField("#steps", "0")
	ja.frames(2)
	if m := fieldMsg(ja, "#steps"); !strings.Contains(m, "入力できる値") || !strings.Contains(m, "10000") {
		t.Errorf("Japanese: the Steps message is %q", m)
	}
}

// TestCompareLRs (issue 11, major 4): with 7 runs "Compare LRs" adds the
// one copy that fits (0.1×) and says that the 10× one did not; with 8 it
// adds nothing and says so; the teacher's runs stay, in their order.
func TestCompareLRs(t *testing.T) {
	tb := newTab(t, desktop)
	q := "/?surface=quadratic&b=10"
	for _, lr := range []string{"0.01", "0.02", "0.05", "0.1", "0.15", "0.19", "0.21"} {
		q += "&run=sgd,lr=" + lr
	}
	tb.open(q)
	lrs := func() string { return eval[string](tb, `__lab.state.runs.map((r) => r.optimizer.lr).join(' ')`) }
	tb.click(`#legend [data-run="3"] button[data-act="sel"]`)
	tb.click("#compare-lrs")
	tb.frames(2)
	if got, want := lrs(), "0.01 0.02 0.05 0.01 0.1 0.15 0.19 0.21"; got != want {
		t.Errorf("Compare LRs with 7 runs: LRs %q; want %q (the 0.1× copy added before the selected run, nothing removed)", got, want)
	}
	msg := func() string {
		return eval[string](tb, `(() => { const m = document.querySelector('#legend .legend-msg'); return m && !m.hidden ? m.textContent : ''; })()`)
	}
	if m := msg(); !strings.Contains(m, "lr 1") || !strings.Contains(m, "Not added") {
		t.Errorf("the legend says %q; want what did not fit (lr 1)", m)
	}
	tb.click("#compare-lrs")
	tb.frames(2)
	if got := lrs(); got != "0.01 0.02 0.05 0.01 0.1 0.15 0.19 0.21" {
		t.Errorf("Compare LRs with 8 runs changed the runs: %q", got)
	}
	if m := msg(); !strings.Contains(m, "No room") {
		t.Errorf("with 8 runs the legend says %q; want that there is no room", m)
	}
}

// TestOneDefault (issue 11, major 8 and the bowl's first view): /,
// /?lang=ja, /?lang=en and /?embed=1 open the same run, SGD at an LR
// between 1/λmax and 2/λmax of the bowl (λmax = 10), so that the first
// steps zig-zag across the valley: y changes sign step after step.
func TestOneDefault(t *testing.T) {
	for _, path := range []string{"/", "/?lang=ja", "/?lang=en", "/?embed=1"} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			tb := newTab(t, desktop)
			tb.open(path)
			runs := eval[string](tb, `JSON.stringify(__lab.state.runs.map((r) => r.optimizer))`)
			if runs != `[{"name":"sgd","lr":0.17}]` {
				t.Fatalf("%s opens %s; want one SGD run at lr 0.17 (1/λmax = 0.1 < lr < 2/λmax = 0.2)", path, runs)
			}
			tb.click("#step")
			for i := 0; i < 5; i++ {
				tb.click("#step")
			}
			tb.waitFor("6 steps", `__lab.runs[0] && __lab.runs[0].n >= 7`, 5*time.Second, `__lab.runs[0].n`)
			ys := eval[[]float64](tb, `Array.from(__lab.runs[0].y.slice(0, 7))`)
			for k := 1; k < len(ys); k++ {
				if ys[k]*ys[k-1] >= 0 {
					t.Errorf("y does not zig-zag across the valley: %v", ys)
					break
				}
			}
		})
	}
}

// TestTabOrder (issue 11, major 9): Tab goes through the playback bar, the
// map, the legend and the selected run's LR slider before any analysis,
// surface or sharing control; on the map, arrows pan, + and − zoom and
// Enter puts the selected run's start at the centre.
func TestTabOrder(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open(classroom)
	eval[bool](tb, `(document.activeElement && document.activeElement.blur(), true)`)
	var stops []string
	for i := 0; i < 60; i++ {
		tb.do("Tab", chromedp.KeyEvent(kb.Tab))
		s := eval[string](tb, `(() => {
			const e = document.activeElement;
			if (!e || e === document.body) return 'body';
			const zone = ['#transport', '.map-wrap', '#legend', '#run-panel', '#analysis', '#surface-panel', '.card', '#lessons', '#share', 'header.top', '#lesson'].find((z) => e.matches(z) || e.closest(z)) || '?';
			return zone + ' ' + e.tagName.toLowerCase() + (e.id ? '#' + e.id : '');
		})()`)
		stops = append(stops, s)
		if strings.HasSuffix(s, "#lr-slider") {
			break
		}
	}
	order := []string{"#transport", ".map-wrap", "#legend", "#run-panel"}
	at := 0
	for _, s := range stops {
		zone := strings.Fields(s)[0]
		if zone == "header.top" || zone == "#lesson" || zone == "body" {
			continue
		}
		for at < len(order) && zone != order[at] {
			at++
		}
		if at == len(order) {
			t.Fatalf("Tab reached %q out of the visual order (transport, map, legend, selected run); stops: %v", s, stops)
		}
	}
	if last := stops[len(stops)-1]; !strings.HasSuffix(last, "#lr-slider") {
		t.Fatalf("the LR slider is not among the first 60 Tab stops: %v", stops)
	}
	t.Logf("the LR slider is Tab stop %d: %v", len(stops), stops)

	view := func() map[string]float64 { return eval[map[string]float64](tb, `__lab.state.view || {}`) }
	tb.key("#map", kb.ArrowRight)
	tb.frames(2)
	v1 := view()
	if !(v1["xmin"] > -3.4) {
		t.Errorf("→ on the map did not pan right: view %v", v1)
	}
	tb.key("#map", "+")
	tb.frames(2)
	v2 := view()
	if !(v2["xmax"]-v2["xmin"] < v1["xmax"]-v1["xmin"]) {
		t.Errorf("+ on the map did not zoom in: %v then %v", v1, v2)
	}
	tb.key("#map", kb.Enter)
	tb.frames(2)
	start := eval[[]float64](tb, `[__lab.state.runs[__lab.selected].x, __lab.state.runs[__lab.selected].y]`)
	cx, cy := (v2["xmin"]+v2["xmax"])/2, (v2["ymin"]+v2["ymax"])/2
	if len(start) != 2 || (start[0]-cx)*(start[0]-cx)+(start[1]-cy)*(start[1]-cy) > 0.05*0.05*(v2["xmax"]-v2["xmin"])*(v2["xmax"]-v2["xmin"]) {
		t.Errorf("Enter on the map: start %v; want the centre (%.3g, %.3g)", start, cx, cy)
	}
}

// TestLegendPaused (issue 11, minor): after single steps, and after Pause,
// the legend says "paused", not "running".
func TestLegendPaused(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=quadratic&b=10&steps=1000&rate=30&run=sgd,lr=0.05")
	status := func() string {
		return eval[string](tb, `document.querySelector('#legend [data-run="0"] [data-status]').textContent`)
	}
	tb.click("#step")
	tb.click("#step")
	tb.waitFor("two steps", `__lab.runs[0].n >= 2`, 5*time.Second, "")
	tb.frames(3)
	if s := status(); s != "paused" {
		t.Errorf("after two single steps the legend says %q; want paused", s)
	}
	tb.click("#play")
	tb.waitFor("running", `__lab.playing && __lab.runs[0].n >= 5`, 5*time.Second, "")
	tb.frames(2)
	if s := status(); s != "running" {
		t.Errorf("playing, the legend says %q", s)
	}
	tb.click("#play")
	tb.frames(3)
	if s := status(); s != "paused" {
		t.Errorf("after Pause the legend says %q; want paused", s)
	}
}

// TestTeacherShots writes what the first screen shows with the classroom
// scenario played, at 390 px, 1280×800, 1920×1080 and 1920×1080 at 150 %,
// in English and Japanese, to the artefact directory, for people to look
// at; each must have nothing sticking out sideways.
func TestTeacherShots(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		for _, vp := range []viewport{phone390, desktop, wide, zoomed} {
			t.Run(fmt.Sprintf("%s-%v", lang, vp), func(t *testing.T) {
				tb := newTab(t, vp)
				playClassroom(tb, lang)
				time.Sleep(300 * time.Millisecond) // a chart's rescale waits up to 250 ms after the last points
				tb.frames(2)
				if o := measureOverflow(tb); o.ScrollWidth > o.InnerWidth {
					t.Errorf("horizontal overflow: scrollWidth %d > %d: %s", o.ScrollWidth, o.InnerWidth, strings.Join(o.Offenders, ", "))
				}
				t.Logf("wrote %s", tb.viewShot(fmt.Sprintf("first-screen-%s-%v.png", lang, vp)))
			})
		}
	}
}

// TestLongNumbers (issue 11, minor): fields show at most 6 significant
// digits (θ = π/6 as 0.523599, start_factor 1/3 as 0.333333), not the raw
// double.
func TestLongNumbers(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=quadratic&theta=0.5235987755982989&run=sgd,lr=0.1,sched=linear")
	theta := eval[string](tb, `[...document.querySelectorAll('#surface-panel .field')].find((f) => f.querySelector('label').textContent === 'theta').querySelector('input').value`)
	if theta != "0.523599" {
		t.Errorf("theta shows %q; want 0.523599", theta)
	}
	sf := eval[string](tb, `[...document.querySelectorAll('#run-panel .field')].find((f) => f.querySelector('label').textContent === 'start_factor').querySelector('input').value`)
	if sf != "0.333333" {
		t.Errorf("start_factor shows %q; want 0.333333", sf)
	}
	if v := eval[float64](tb, `__lab.state.params.theta`); v != 0.5235987755982989 {
		t.Errorf("the state's theta is %v: showing fewer digits must not change it", v)
	}
}
