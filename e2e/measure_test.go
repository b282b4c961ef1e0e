package e2e

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// requireMeasure skips unless -e2e.measure or E2E_MEASURE=1: the TestMeasure*
// tests log figures and never assert timings, so CI need not spend on them.
func requireMeasure(t *testing.T) {
	t.Helper()
	if !*measureFlag && os.Getenv("E2E_MEASURE") != "1" {
		t.Skip("a measurement: run with -e2e.measure or E2E_MEASURE=1")
	}
}

// marksScript runs before the page's scripts. Once a frame, it notes when
// the page's performance mark lab:ready is set (the page is mounted and
// drawn; play works from then on, even while the socket opens), when the
// socket is open and when body[data-ready] turns "1" (grid drawn, later
// panels mounted); it presses play at lab:ready (so no test latency is
// counted) and takes the first point from the page's lab:first-point mark
// (a run's first point drawn on the map). A page without the marks is
// measured as before: play once ready and open, first point at the frame
// in which window.__lab has it.
const marksScript = `(() => {
	const m = window.__e2eMarks = {};
	const mark = (n) => { const e = performance.getEntriesByName(n, 'mark')[0]; return e ? e.startTime : undefined; };
	const poll = () => {
		const now = performance.now();
		const conn = document.getElementById('conn');
		if (m.ready === undefined && document.body && document.body.dataset.ready === '1') m.ready = now;
		if (m.open === undefined && conn && conn.dataset.state === 'open') m.open = now;
		if (m.labReady === undefined) m.labReady = mark('lab:ready');
		const canPlay = m.labReady !== undefined || (m.ready !== undefined && m.open !== undefined);
		if (m.play === undefined && canPlay && document.getElementById('play')) {
			m.play = now;
			document.getElementById('play').click();
		}
		const lab = window.__lab;
		if (m.play !== undefined && m.firstPoint === undefined) {
			const fp = mark('lab:first-point');
			if (fp !== undefined) m.firstPoint = fp;
			else if (m.labReady === undefined && lab && lab.runs.some((d) => d && d.n > 0)) m.firstPoint = now;
		}
		if (m.firstPoint === undefined || m.ready === undefined || m.open === undefined) requestAnimationFrame(poll);
	};
	requestAnimationFrame(poll);
})();`

type marks struct {
	LabReady   float64            `json:"labReady"`
	Ready      float64            `json:"ready"`
	Open       float64            `json:"open"`
	Play       float64            `json:"play"`
	FirstPoint float64            `json:"firstPoint"`
	Bytes      int                `json:"bytes"`
	GridBytes  int                `json:"gridBytes"`
	DCL        float64            `json:"dcl"`
	Load       float64            `json:"load"`
	Response   float64            `json:"responseEnd"`
	Resources  map[string]float64 `json:"resources"`
	PageMarks  []string           `json:"pageMarks"`
}

// TestMeasureFirstPoint logs the time from navigation start to the first
// trajectory point drawn, over a few loads (the first with a cold cache),
// split into page ready, socket open, play and first frame applied.
// E2E_LOADS=n takes n loads instead of 5: a median of 5 moves by ±50 ms
// from one round to the next on a 2-core machine.
func TestMeasureFirstPoint(t *testing.T) {
	requireMeasure(t)
	loads := 5
	if n, err := strconv.Atoi(os.Getenv("E2E_LOADS")); err == nil && n > 0 {
		loads = n
	}
	var totals []float64
	for i := range loads {
		// each load in a subtest of its own, so that its tab (still
		// streaming its run) is closed before the next load is measured
		t.Run(fmt.Sprintf("load%d", i+1), func(t *testing.T) {
			tb := newTab(t, desktop)
			if i == 0 {
				if _, err := chromedp.Call(tb.ctx, network.ClearBrowserCache, cdp.Empty{}); err != nil {
					t.Logf("clearing the cache: %v", err)
				}
			}
			tb.addScriptOnLoad(marksScript)
			tb.do("navigate", chromedp.Navigate(url("/")))
			tb.waitFor("first point", `window.__e2eMarks && __e2eMarks.firstPoint !== undefined && __e2eMarks.ready !== undefined`, 15*time.Second, `window.__e2eMarks`)
			m := eval[marks](tb, `(() => {
			const m = window.__e2eMarks;
			const nav = performance.getEntriesByType('navigation')[0] || {};
			const res = {};
			// bytes over the wire (headers and compressed bodies) of the first
			// visit: the page and everything fetched before the first point
			let bytes = nav.transferSize || 0, gridBytes = 0;
			for (const r of performance.getEntriesByType('resource')) {
				if (r.startTime <= (m.firstPoint || 0)) {
					bytes += r.transferSize || 0;
					if (r.name.includes('/grid')) gridBytes += r.transferSize || 0;
				}
			}
			for (const r of performance.getEntriesByType('resource')) {
				const u = new URL(r.name);
				const key = u.pathname.startsWith('/static/') ? 'static (' + u.pathname.split('/').pop() + ')' : u.pathname;
				if (key.startsWith('static') && !key.includes('main.js')) continue;
				if (r.startTime > (m.firstPoint || 0)) continue; // loaded after the first point
				res[key] = Math.round(r.responseEnd - r.startTime);
			}
			return {labReady: m.labReady || 0, ready: m.ready, open: m.open, play: m.play, firstPoint: m.firstPoint,
				dcl: nav.domContentLoadedEventEnd || 0, load: nav.loadEventEnd || 0, responseEnd: nav.responseEnd || 0,
				resources: res, bytes, gridBytes, pageMarks: performance.getEntriesByType('mark').map((e) => e.name + '@' + Math.round(e.startTime))};
		})()`)
			t.Logf("load %d%s: HTML %.0f ms, DOMContentLoaded %.0f, load %.0f, lab:ready %.0f, socket open %.0f, play %.0f, first point drawn (lab:first-point) %.0f ms (play → first point %.0f ms), body[data-ready] (grid, panels) %.0f",
				i+1, map[bool]string{true: " (cold cache)", false: ""}[i == 0], m.Response, m.DCL, m.Load, m.LabReady, m.Open, m.Play, m.FirstPoint, m.FirstPoint-m.Play, m.Ready)
			t.Logf("  fetches (ms): %v", m.Resources)
			if i == 0 {
				t.Logf("  first visit: %.1f KB over the wire before the first point, %.1f KB of it grids (%.1f KB without)", float64(m.Bytes)/1000, float64(m.GridBytes)/1000, float64(m.Bytes-m.GridBytes)/1000)
			}
			if len(m.PageMarks) > 0 {
				t.Logf("  the page's performance marks: %v", m.PageMarks)
			} else if i == 0 {
				t.Log("  the page sets no performance.mark(); these figures come from a per-frame poll of body[data-ready] and window.__lab.runs")
			}
			totals = append(totals, m.FirstPoint)
		})
	}
	if len(totals) == 0 {
		return
	}
	slices.Sort(totals)
	t.Logf("navigation → first point drawn: median %.0f ms, min %.0f, max %.0f over %d loads", totals[len(totals)/2], totals[0], totals[len(totals)-1], loads)
}

// TestMeasureDraw8x10k logs what drawing 8 runs × 10,000 steps costs: the
// streaming at full speed (frames, the longest frame of the page's draw,
// long tasks), then a full repaint of every trail (selecting another run)
// and a resize (map, grid and charts redrawn).
func TestMeasureDraw8x10k(t *testing.T) {
	requireMeasure(t)
	tb := newTab(t, desktop)
	lrs := []string{"0.001", "0.003", "0.01", "0.03", "0.06", "0.1", "0.15", "0.19"}
	q := "/?surface=quadratic&b=10&steps=10000&rate=0"
	for _, lr := range lrs {
		q += "&run=sgd,lr=" + lr
	}
	tb.open(q)
	if !eval[bool](tb, `!!(window.__lab && __lab.drawStats)`) {
		t.Fatal("window.__lab.drawStats is missing: the page does not report its drawing time")
	}
	eval[chromedp.Void](tb, `(() => {
		const s = __lab.drawStats; s.maxFrameMs = 0; s.frames = 0; s.times = []; s.maxParts = {};
		window.__e2eLong = [];
		try { new PerformanceObserver((l) => { for (const e of l.getEntries()) __e2eLong.push(e.duration); }).observe({type: 'longtask'}); } catch (e) { window.__e2eLong = null; }
		window.__e2eT0 = performance.now();
		return true;
	})()`)
	tb.play()
	tb.waitAllDone(60 * time.Second)
	type stats struct {
		Wall     float64   `json:"wall"`
		Frames   int       `json:"frames"`
		MaxMs    float64   `json:"maxFrameMs"`
		LastMs   float64   `json:"lastFrameMs"`
		Long     []float64 `json:"long"`
		Points   []int     `json:"points"`
		Statuses []string  `json:"statuses"`
		Times    []float64 `json:"times"`
		Parts    string    `json:"parts"`
	}
	read := `(() => { const s = __lab.drawStats; return {wall: performance.now() - __e2eT0, frames: s.frames, maxFrameMs: s.maxFrameMs, lastFrameMs: s.lastFrameMs,
		long: window.__e2eLong || [], points: __lab.runs.map((d) => d.n), statuses: __lab.runs.map((d) => d.status),
		times: s.times || [], parts: JSON.stringify(s.maxParts || {}, (k, v) => typeof v === 'number' ? Math.round(v * 10) / 10 : v)}; })()`
	s := eval[stats](tb, read)
	total := 0
	for _, n := range s.Points {
		total += n
	}
	t.Logf("streaming %d runs, %d points at rate 0: %.0f ms from play to the last run done, %d page frames, draw() median %.1f ms, longest %.1f ms (longest parts, ms: %s); frames (ms): %s; long tasks: %s; statuses %v",
		len(s.Points), total, s.Wall, s.Frames, median(s.Times), s.MaxMs, s.Parts, frameList(s.Times), longTasks(s.Long), s.Statuses)

	// A full repaint of every trail: select another run.
	eval[chromedp.Void](tb, `(() => { const s = __lab.drawStats; s.maxFrameMs = 0; s.frames = 0; s.times = []; s.maxParts = {}; window.__e2eLong = window.__e2eLong && []; window.__e2eT0 = performance.now(); return true; })()`)
	tb.click(`[data-run="3"] button[data-act="sel"]`)
	tb.waitFor("run 3 selected", `__lab.selected === 3`, 5*time.Second, `__lab.selected`)
	tb.frames(3)
	s = eval[stats](tb, read)
	t.Logf("select another run (all %d points redrawn, panels rebuilt): longest draw() %.1f ms over %d frames (longest parts, ms: %s); long tasks: %s", total, s.MaxMs, s.Frames, s.Parts, longTasks(s.Long))

	// A resize: background, grid, trails and charts redrawn.
	eval[chromedp.Void](tb, `(() => { const s = __lab.drawStats; s.maxFrameMs = 0; s.frames = 0; s.times = []; s.maxParts = {}; window.__e2eLong = window.__e2eLong && []; return true; })()`)
	tb.do("resize", chromedp.EmulateViewport(1180, 760))
	time.Sleep(600 * time.Millisecond) // the grid is fetched again after a debounce
	tb.frames(3)
	s = eval[stats](tb, read)
	t.Logf("resize to 1180×760 (map, grid, trails and charts redrawn): longest draw() %.1f ms over %d frames (longest parts, ms: %s); long tasks: %s", s.MaxMs, s.Frames, s.Parts, longTasks(s.Long))
}

// frameList writes up to 40 frame times to one decimal.
func frameList(v []float64) string {
	parts := make([]string, 0, min(len(v), 40))
	for i, x := range v {
		if i == 40 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%.1f", x))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// median returns the middle of v (the mean of the two middle values for an
// even count), 0 for none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func longTasks(d []float64) string {
	if d == nil {
		return "not observable"
	}
	if len(d) == 0 {
		return "none"
	}
	sum, mx := 0.0, 0.0
	parts := make([]string, 0, len(d))
	for _, v := range d {
		sum += v
		mx = max(mx, v)
		if len(parts) < 8 {
			parts = append(parts, fmt.Sprintf("%.0f", v))
		}
	}
	return fmt.Sprintf("%d, %.0f ms in all, longest %.0f ms [%s]", len(d), sum, mx, strings.Join(parts, " "))
}

// gridBytes is what the page's grid request moved: its URL, the bytes on the
// wire (transferSize, headers included) and the body once decoded.
type gridBytes struct {
	URL     string  `json:"url"`
	Wire    float64 `json:"wire"`
	Decoded float64 `json:"decoded"`
}

// visitBytes is what a first visit (cold cache) moved by the time the page
// is idle: the page, every resource, and the grid among them.
type visitBytes struct {
	Total float64     `json:"total"`
	Count int         `json:"count"`
	Grid  []gridBytes `json:"grid"`
	Big   []string    `json:"big"`
}

// TestMeasureFirstVisitBytes logs, for the default page and the quadratic
// and Rosenbrock surfaces at the page's own view (1280×800), the bytes of a
// first visit with a cold cache (all requests until the page has been idle
// for 2 s, the later panels included) with and without the grid, and the
// grid's size with and without gzip (asked for again outside the browser).
// With E2E_SHOTS=dir it also writes the map canvas of each page to
// dir/map-<surface>.png, and with E2E_COMPARE=dir it compares them with
// the PNGs of an earlier run there (pixels whose colour moved, by how much)
// and writes the difference image dir/diff-<surface>.png.
func TestMeasureFirstVisitBytes(t *testing.T) {
	requireMeasure(t)
	pages := []struct{ name, path string }{{"default", "/"}, {"quadratic", "/?surface=quadratic"}, {"rosenbrock", "/?surface=rosenbrock"}}
	for _, pg := range pages {
		tb := newTab(t, desktop)
		if _, err := chromedp.Call(tb.ctx, network.ClearBrowserCache, cdp.Empty{}); err != nil {
			t.Logf("clearing the cache: %v", err)
		}
		tb.open(pg.path)
		time.Sleep(2 * time.Second) // the later panels (idle, after the first paint)
		v := eval[visitBytes](tb, `(() => {
			const nav = performance.getEntriesByType('navigation')[0];
			let total = nav.transferSize, count = 1;
			const grid = [], big = [];
			for (const r of performance.getEntriesByType('resource')) {
				if (r.name.startsWith('ws')) continue;
				total += r.transferSize; count++;
				const u = new URL(r.name);
				if (u.pathname.endsWith('/grid')) grid.push({url: u.pathname + u.search, wire: r.transferSize, decoded: r.decodedBodySize});
				if (r.transferSize > 8000) big.push(u.pathname.split('/').pop() + ' ' + Math.round(r.transferSize / 1024) + ' KB');
			}
			return {total, count, grid, big};
		})()`)
		gridWire := 0.0
		for _, g := range v.Grid {
			gridWire += g.Wire
		}
		t.Logf("%s: first visit %.1f KB in %d requests, %.1f KB without the grid; larger than 8 KB: %v",
			pg.name, v.Total/1024, v.Count, (v.Total-gridWire)/1024, v.Big)
		for _, g := range v.Grid {
			plain, gz := fetchSizes(t, g.URL)
			t.Logf("  grid %s: %.1f KB on the wire in the page (%.1f KB decoded); asked again: %.1f KB without gzip, %.1f KB with",
				g.URL, g.Wire/1024, g.Decoded/1024, float64(plain)/1024, float64(gz)/1024)
		}
		if dir := os.Getenv("E2E_SHOTS"); dir != "" {
			saveMap(tb, dir, pg.name)
		}
	}
}

// fetchSizes returns the body sizes of path as served without and with
// Accept-Encoding: gzip.
func fetchSizes(t *testing.T, path string) (plain, gz int) {
	t.Helper()
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	for _, enc := range []string{"", "gzip"} {
		req, _ := http.NewRequest(http.MethodGet, url(path), nil)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		res, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if enc == "" {
			plain = len(b)
		} else {
			gz = len(b)
		}
	}
	return plain, gz
}

// saveMap writes the #map canvas as dir/map-<name>.png; with E2E_COMPARE set
// it logs how it differs from the same file there.
func saveMap(tb *tab, dir, name string) {
	tb.t.Helper()
	data := eval[string](tb, `document.getElementById('map').toDataURL('image/png')`)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(data, "data:image/png;base64,"))
	if err != nil {
		tb.t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	p := filepath.Join(dir, "map-"+name+".png")
	if err := os.WriteFile(p, raw, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	before := os.Getenv("E2E_COMPARE")
	if before == "" {
		return
	}
	a, err := readPNG(filepath.Join(before, "map-"+name+".png"))
	if err != nil {
		tb.t.Logf("  no earlier map to compare: %v", err)
		return
	}
	b, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		tb.t.Fatal(err)
	}
	if a.Bounds() != b.Bounds() {
		tb.t.Logf("  %s: the maps differ in size (%v, %v)", name, a.Bounds(), b.Bounds())
		return
	}
	r := a.Bounds()
	diff := image.NewRGBA(r)
	var hist [5]int // max channel difference 0, 1–2, 3–8, 9–24, >24
	maxd := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ca, cb := color.NRGBAModel.Convert(a.At(x, y)).(color.NRGBA), color.NRGBAModel.Convert(b.At(x, y)).(color.NRGBA)
			d := max(absDiff(ca.R, cb.R), absDiff(ca.G, cb.G), absDiff(ca.B, cb.B), absDiff(ca.A, cb.A))
			maxd = max(maxd, d)
			switch {
			case d == 0:
				hist[0]++
			case d <= 2:
				hist[1]++
			case d <= 8:
				hist[2]++
			case d <= 24:
				hist[3]++
			default:
				hist[4]++
			}
			g := uint8(min(255, d*10))
			diff.Set(x, y, color.RGBA{g, g, g, 255})
		}
	}
	n := float64(r.Dx() * r.Dy())
	tb.t.Logf("  map %s against %s: pixels by largest channel difference: 0: %.2f %%, 1–2: %.2f %%, 3–8: %.2f %%, 9–24: %.2f %%, >24: %.3f %%; largest %d",
		name, before, 100*float64(hist[0])/n, 100*float64(hist[1])/n, 100*float64(hist[2])/n, 100*float64(hist[3])/n, 100*float64(hist[4])/n, maxd)
	var buf bytes.Buffer
	png.Encode(&buf, diff)
	os.WriteFile(filepath.Join(dir, "diff-"+name+".png"), buf.Bytes(), 0o644)
}

func readPNG(p string) (image.Image, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}
