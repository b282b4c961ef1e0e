package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"lrlab/scenario"
)

// csvRows returns n rows of a noisy line y = 1.5x − 0.5 as CSV with a
// header, and the same rows as [x, y].
func csvRows(n int) (string, [][2]float64) {
	var b strings.Builder
	b.WriteString("x,y\n")
	rows := make([][2]float64, n)
	for i := range rows {
		x := float64(i)/float64(n)*4 - 2
		y := 1.5*x - 0.5 + float64((i*7)%5-2)/10
		rows[i] = [2]float64{float64(int(x*1000)) / 1000, float64(int(y*1000)) / 1000}
		fmt.Fprintf(&b, "%g,%g\n", rows[i][0], rows[i][1])
	}
	return b.String(), rows
}

// TestDataPasteCSV: on linreg, pasting CSV with a bad cell names its line
// and column; good CSV replaces the data (the scatter shows it), a run
// with B = 8 plays to its end with mini-batch losses in its frames, and
// the line drawn over the scatter moves with the run's (w, b).
func TestDataPasteCSV(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?surface=linreg&steps=120&rate=40&run=sgd,lr=0.1")
	tb.waitFor("the data panel", `document.querySelector('#data-panel .data-csv') && document.querySelector('#data-panel select').options.length > 2`, 10*time.Second, `document.getElementById('data-panel') && document.getElementById('data-panel').innerText`)

	tb.setField("#data-panel .data-csv", "x,y\n0,1\n1,abc\n")
	tb.click("#data-panel .data-apply")
	tb.waitFor("the CSV error", `!document.querySelector('#data-panel .data-error').hidden`, 3*time.Second, "")
	if msg := eval[string](tb, `document.querySelector('#data-panel .data-error').textContent`); !strings.Contains(msg, "line 3, column 3") || !strings.Contains(msg, "abc") {
		t.Errorf("CSV error %q, want line 3, column 3 and the bad text", msg)
	}

	csv, rows := csvRows(50)
	tb.setField("#data-panel .data-csv", csv)
	tb.click("#data-panel .data-apply")
	tb.waitFor("the pasted rows in the state", `__lab.state.data && __lab.state.data.length === 50 && document.querySelector('#data-panel .data-error').hidden`, 5*time.Second, `__lab.state.data && __lab.state.data.length`)
	if got := eval[[][2]float64](tb, `__lab.state.data`); fmt.Sprint(got) != fmt.Sprint(rows) {
		t.Errorf("rows in the state %v…, want %v…", got[:2], rows[:2])
	}
	tb.setField("#data-panel .data-batch", "8")
	tb.waitFor("B = 8 on the run", `__lab.state.runs[0].batch_size === 8`, 3*time.Second, `__lab.state.runs[0]`)
	tb.canvasSnap(scatterID(tb), "before")
	wb0 := eval[[2]float64](tb, `[Number(document.querySelector('#data-panel .data-scatter').dataset.w), Number(document.querySelector('#data-panel .data-scatter').dataset.b)]`)
	tb.play()
	tb.waitFor("a few steps", `__lab.runs[0] && __lab.runs[0].n > 20`, 10*time.Second, `__lab.runs[0] && __lab.runs[0].n`)
	tb.frames(3)
	wb1 := eval[[2]float64](tb, `[Number(document.querySelector('#data-panel .data-scatter').dataset.w), Number(document.querySelector('#data-panel .data-scatter').dataset.b)]`)
	if wb1 == wb0 {
		t.Errorf("the line over the scatter did not move: (w, b) = %v", wb1)
	}
	if d := tb.canvasDiff(scatterID(tb), "before"); d.Changed < 50 {
		t.Errorf("the scatter's line moved %d pixels", d.Changed)
	}
	tb.screenshot("data-paste-running-1280.png")
	tb.waitAllDone(30 * time.Second)
	// Mini-batches: the batch losses differ from the full-data losses.
	if same := eval[bool](tb, `(() => { const d = __lab.runs[0]; return d.batch_loss.length === d.n && d.batch_loss.slice(1).every((v, i) => v === d.loss[i]); })()`); same {
		t.Error("B = 8: the batch losses are the full losses")
	}
	tb.frames(2)
	if n := eval[int](tb, `(() => { const c = document.querySelector('#data-panel .data-losses'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; })()`); n < 500 {
		t.Errorf("the mini-batch loss chart has %d painted pixels", n)
	}
	if q := eval[string](tb, `__lab.query()`); !strings.Contains(q, "batch_size=8") || !strings.Contains(q, "data=-2_") {
		t.Errorf("link %s", q)
	}
}

func scatterID(tb *tab) string {
	tb.t.Helper()
	return eval[string](tb, `(() => { const c = document.querySelector('#data-panel .data-scatter'); c.id = c.id || 'data-scatter'; return c.id; })()`)
}

// TestDataSharedLink: a link with 50 rows reopens the same scenario: the
// rows, the batch size and, played, the same trajectory as the server
// simulates for that scenario.
func TestDataSharedLink(t *testing.T) {
	_, rows := csvRows(50)
	s, err := scenario.Decode([]byte(fmt.Sprintf(`{"surface":{"name":"linreg","data":%s},"steps":60,"runs":[{"optimizer":{"name":"sgd","lr":0.2},"batch_size":8,"seed":5}]}`, jsonRows(rows))), scenario.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	link := s.Encode() + "&rate=0"
	tb := newTab(t, desktop)
	tb.open("/?" + link)
	tb.waitFor("the data panel", `document.querySelector('#data-panel .data-scatter')`, 10*time.Second, "")
	if got := eval[[][2]float64](tb, `__lab.state.data`); fmt.Sprint(got) != fmt.Sprint(rows) {
		t.Fatalf("rows from the link: %d, want 50", len(got))
	}
	if b := eval[int](tb, `__lab.state.runs[0].batch_size`); b != 8 {
		t.Errorf("batch size from the link %d", b)
	}
	tb.play()
	tb.waitAllDone(20 * time.Second)
	var want struct {
		Runs []struct{ X, Y []float64 }
	}
	postJSON(t, "/api/v1/simulate", s, &want)
	got := eval[[2][]float64](tb, `[__lab.runs[0].x, __lab.runs[0].y]`)
	if fmt.Sprint(got[0]) != fmt.Sprint(want.Runs[0].X) || fmt.Sprint(got[1]) != fmt.Sprint(want.Runs[0].Y) {
		t.Errorf("the reopened link's run differs from the scenario's: %v… vs %v…", got[0][:3], want.Runs[0].X[:3])
	}
}

func jsonRows(rows [][2]float64) string {
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = fmt.Sprintf("[%g,%g]", r[0], r[1])
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// TestDataScreenshots writes the data panel at phone and laptop sizes in
// both languages, for a look by eye.
func TestDataScreenshots(t *testing.T) {
	for _, c := range []struct {
		vp   viewport
		lang string
	}{{phone390, "en"}, {phone390, "ja"}, {desktop, "en"}, {desktop, "ja"}} {
		tb := newTab(t, c.vp)
		tb.open("/?surface=linreg&dataset=noisy_line&steps=150&rate=0&run=sgd,lr=0.1,batch_size=4,seed=2&lang=" + c.lang)
		tb.waitFor("the data panel", `document.querySelector('#data-panel .data-scatter')`, 10*time.Second, "")
		tb.play()
		tb.waitAllDone(20 * time.Second)
		tb.frames(3)
		eval[bool](tb, `(document.getElementById('data-panel').scrollIntoView({block: 'start'}), true)`)
		tb.screenshot(fmt.Sprintf("data-%s-%dx%d.png", c.lang, c.vp.w, c.vp.h))
	}
}

// mapTextProbe records in window.__mapText every text drawn on the map
// (the #map canvas, or the unnamed canvases it is composed from).
const mapTextProbe = `(() => {
	const orig = CanvasRenderingContext2D.prototype.fillText;
	window.__mapText = new Set();
	CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
		if (this.canvas && (this.canvas.id === 'map' || !this.canvas.id)) window.__mapText.add(String(text));
		return orig.call(this, text, ...rest);
	};
})()`

// TestDataAxesNamed: on a data surface the map's axes are the model's
// weight w and bias b, not x and y; elsewhere they stay x and y.
func TestDataAxesNamed(t *testing.T) {
	for _, c := range []struct{ path, x, y string }{
		{"/p/normalise-inputs", "w", "b"},
		{"/?surface=quadratic", "x", "y"},
	} {
		tb := newTab(t, desktop)
		tb.addScriptOnLoad(mapTextProbe)
		tb.open(c.path)
		tb.frames(3)
		got := eval[[]string](tb, `[...window.__mapText].filter((s) => s.length === 1 && /[a-z]/.test(s))`)
		if !slices.Contains(got, c.x) || !slices.Contains(got, c.y) {
			t.Errorf("%s: the map's one-letter labels are %q; want the axes %s and %s", c.path, got, c.x, c.y)
		}
		if c.x == "w" && (slices.Contains(got, "x") || slices.Contains(got, "y")) {
			t.Errorf("%s: the map still names an axis x or y: %q", c.path, got)
		}
	}
}
