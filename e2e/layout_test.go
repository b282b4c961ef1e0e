package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// classroom is the scenario of the layout tests and the screenshots: the
// three regimes of the quadratic bowl (λmax 10, limit 2/λ = 0.2): smooth,
// zig-zag just under the limit, and diverged above it. Its legend carries
// the page's longest status text.
const classroom = "/?surface=quadratic&b=10&steps=100&rate=1000&run=sgd,lr=0.05&run=sgd,lr=0.19&run=sgd,lr=0.25"

// playClassroom opens the classroom scenario in lang, plays it to the end
// and waits until the page has drawn it.
func playClassroom(tb *tab, lang string) {
	tb.t.Helper()
	path := classroom
	if lang != "" {
		path += "&lang=" + lang
	}
	tb.open(path)
	tb.play()
	tb.waitAllDone(15 * time.Second)
	// Let the legend, the charts and the URL (written after 120 ms) settle.
	time.Sleep(200 * time.Millisecond)
	tb.frames(3)
}

type overflow struct {
	ScrollWidth int      `json:"scrollWidth"`
	BodyWidth   int      `json:"bodyWidth"`
	InnerWidth  int      `json:"innerWidth"`
	ClientWidth int      `json:"clientWidth"`
	Offenders   []string `json:"offenders"`
}

// measureOverflow reads the document's widths and lists the outermost
// elements that stick out of the viewport on either side.
func measureOverflow(tb *tab) overflow {
	tb.t.Helper()
	return eval[overflow](tb, `(() => {
		const iw = window.innerWidth;
		const desc = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '');
		const out = new Set();
		const list = [];
		for (const el of document.querySelectorAll('body *')) {
			const r = el.getBoundingClientRect();
			if (r.width === 0 || (r.right <= iw + 0.5 && r.left >= -0.5)) continue;
			out.add(el);
			if (el.parentElement && out.has(el.parentElement)) continue;
			list.push(desc(el) + ' [' + Math.round(r.left) + '…' + Math.round(r.right) + ']');
		}
		const de = document.documentElement;
		return {scrollWidth: de.scrollWidth, bodyWidth: document.body.scrollWidth, innerWidth: iw, clientWidth: de.clientWidth, offenders: list.slice(0, 12)};
	})()`)
}

// hiddenShown lists the elements that have the hidden attribute and still
// take space on the page (a CSS display rule that overrides [hidden]).
func hiddenShown(tb *tab) []string {
	tb.t.Helper()
	return eval[[]string](tb, `[...document.querySelectorAll('[hidden]')].filter((e) => e.getClientRects().length > 0).map((e) => {
		const r = e.getBoundingClientRect();
		return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).trim().split(/\s+/).join('.') : '') +
			' (display: ' + getComputedStyle(e).display + ', ' + Math.round(r.width) + '×' + Math.round(r.height) + ' px)';
	})`)
}

// TestNoHorizontalOverflow: on a phone (375×812, mobile and touch) and on a
// wide screen (1920×1080), in English and Japanese, with three runs played
// (one diverged, the longest legend text), nothing scrolls sideways:
// document.documentElement.scrollWidth ≤ innerWidth = the viewport width.
func TestNoHorizontalOverflow(t *testing.T) {
	cases := []struct {
		vp   viewport
		lang string
	}{{phone, "en"}, {phone, "ja"}, {wide, "en"}, {phone390, "en"}, {phone390, "ja"}, {zoomed, "ja"}}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%v-%s", c.vp, c.lang), func(t *testing.T) {
			tb := newTab(t, c.vp)
			playClassroom(tb, c.lang)
			o := measureOverflow(tb)
			t.Logf("scrollWidth %d, body %d, innerWidth %d, clientWidth %d", o.ScrollWidth, o.BodyWidth, o.InnerWidth, o.ClientWidth)
			if o.ScrollWidth > o.InnerWidth || o.ScrollWidth > int(c.vp.w) || o.InnerWidth != int(c.vp.w) {
				t.Errorf("horizontal overflow at %v: scrollWidth %d, innerWidth %d; sticking out: %s",
					c.vp, o.ScrollWidth, o.InnerWidth, strings.Join(o.Offenders, ", "))
			} else if len(o.Offenders) > 0 {
				t.Logf("clipped but outside the viewport: %s", strings.Join(o.Offenders, ", "))
			}
			if h := hiddenShown(tb); len(h) > 0 {
				t.Logf("marked hidden but shown (TestPageLoads fails on it): %s", strings.Join(h, ", "))
			}
		})
	}
}

var japanese = regexp.MustCompile(`[\p{Han}\p{Hiragana}\p{Katakana}]`)

// TestJapanese: ?lang=ja renders the page in Japanese: html lang="ja", the
// title, the play button, the legend, the LR label, the surface's name and
// the status of a diverged run, with no i18n key or stray English word
// shown as text.
func TestJapanese(t *testing.T) {
	tb := newTab(t, desktop)
	tb.open("/?lang=ja&surface=quadratic&b=10&rate=600&run=sgd,lr=0.25")
	tb.play()
	tb.waitAllDone(15 * time.Second)
	tb.frames(2)
	got := eval[map[string]string](tb, `({
		lang: document.documentElement.lang,
		title: document.title,
		h1: document.getElementById('title').textContent,
		play: document.getElementById('play').textContent,
		legend: document.getElementById('legend-heading') ? document.getElementById('legend-heading').textContent : '',
		status: document.querySelector('[data-run="0"] [data-status]').textContent,
		lr: (document.querySelector('label[for="lr-slider"]') || {}).textContent || '',
		surface: (() => { const s = document.querySelector('#surface-panel select'); return s && s.selectedOptions[0] ? s.selectedOptions[0].textContent : ''; })(),
		text: document.body.innerText,
	})`)
	want := map[string]string{"lang": "ja", "title": "学習率ラボ", "h1": "学習率ラボ", "legend": "実行"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q; want %q", k, got[k], v)
		}
	}
	for k, v := range map[string]string{"play": "再生", "status": "発散", "lr": "学習率"} {
		if !strings.Contains(got[k], v) {
			t.Errorf("%s = %q; want it to contain %q", k, got[k], v)
		}
	}
	if !japanese.MatchString(got["surface"]) {
		t.Errorf("the surface is named %q on the Japanese page", got["surface"])
	}
	if k := untranslated.FindAllString(got["text"], -1); len(k) > 0 {
		t.Errorf("i18n keys shown as text: %v", k)
	}
	// English words a missing translation would leave behind (PyTorch's
	// names, such as StepLR, stay).
	for _, w := range []string{"Play", "Pause", "Learning rate", "Runs", "diverged", "Step", "Reset", "Speed", "Loss"} {
		if regexp.MustCompile(`\b` + w + `\b`).MatchString(got["text"]) {
			t.Errorf("the Japanese page shows the English %q", w)
		}
	}
}

// TestLangSwitch: the language link of a page served in Japanese because of
// Accept-Language leads to the English page (and back).
func TestLangSwitch(t *testing.T) {
	tb := newTab(t, desktop)
	if _, err := chromedp.Call(tb.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "ja,en;q=0.5"}}); err != nil {
		t.Fatal(err)
	}
	tb.open("/")
	if l := eval[string](tb, `document.documentElement.lang`); l != "ja" {
		t.Fatalf("Accept-Language ja gave lang %q", l)
	}
	time.Sleep(200 * time.Millisecond) // the link is written with the URL, 120 ms after a change
	href := eval[string](tb, `document.getElementById('lang-switch').href`)
	tb.click("#lang-switch")
	tb.waitFor("the other page", `document.readyState === 'complete' && document.body.dataset.ready === '1' && location.href !== 'about:blank'`, 10*time.Second, `location.href`)
	if l := eval[string](tb, `document.documentElement.lang`); l != "en" {
		t.Errorf("the language link %s of the Japanese page opens lang %q; want en (the link must say lang=en when the browser prefers Japanese)", strings.TrimPrefix(href, suite.srv.URL), l)
	}
}

// TestScreenshots writes full-page screenshots of the played classroom
// scenario at 1280×800, 375×812 and 1920×1080 in English and Japanese to
// the artefact directory, for people to look at.
func TestScreenshots(t *testing.T) {
	dir := ""
	for _, lang := range []string{"en", "ja"} {
		for _, vp := range []viewport{desktop, phone, wide} {
			t.Run(fmt.Sprintf("%s-%v", lang, vp), func(t *testing.T) {
				tb := newTab(t, vp)
				playClassroom(tb, lang)
				p := tb.screenshot(fmt.Sprintf("lab-%s-%v.png", lang, vp))
				dir = artifacts(t)
				t.Logf("wrote %s", p)
			})
		}
	}
	if dir != "" {
		t.Logf("screenshots in %s", dir)
	}
}

// TestResizeRedraws: the canvases follow their boxes. After the classroom
// run, a narrower window (1280 → 800 px) gives the map and the charts other
// boxes; each draws again at its new size (its backing store is its box
// times the pixel ratio, and a chart no longer says it is stale), and the
// loss chart still shows the runs' curves. The page's resize observer asks
// the charts whether their boxes changed (main.js), so this fails if a
// changed box is not redrawn.
func TestResizeRedraws(t *testing.T) {
	tb := newTab(t, desktop)
	playClassroom(tb, "")
	tb.frames(3)
	type state struct {
		Stale []bool
		Boxes [][4]float64 // per canvas: backing width, height; box width, height in device px
		Ink   int          // the loss chart's strongly coloured pixels (the runs' curves)
	}
	const read = `(() => {
		const dpr = devicePixelRatio;
		const loss = document.getElementById('chart-loss');
		const px = loss.getContext('2d').getImageData(0, 0, loss.width, loss.height).data;
		let ink = 0;
		for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 200 && Math.max(px[i], px[i + 1], px[i + 2]) - Math.min(px[i], px[i + 1], px[i + 2]) > 80) ink++;
		return {stale: __lab.chartsStale, ink, boxes: ['map', 'chart-loss', 'chart-lr', 'chart-grad'].map((id) => {
			const c = document.getElementById(id), r = c.getBoundingClientRect();
			return [c.width, c.height, r.width * dpr, r.height * dpr];
		})};
	})()`
	const fits = `__lab.chartsStale.every((s) => !s) && ['map', 'chart-loss', 'chart-lr', 'chart-grad'].every((id) => {
		const c = document.getElementById(id), r = c.getBoundingClientRect();
		return Math.abs(c.width - r.width * devicePixelRatio) <= 1 && Math.abs(c.height - r.height * devicePixelRatio) <= 1;
	})`
	tb.waitFor("the canvases drawn at their boxes' sizes", fits, 5*time.Second, read)
	before := eval[state](tb, read)
	if before.Ink < 100 {
		t.Fatalf("the loss chart shows %d coloured pixels after the run; want its curves (≥ 100)", before.Ink)
	}
	tb.do("narrower window", chromedp.EmulateViewport(800, 800))
	tb.waitFor("the canvases drawn again at their new sizes", fits, 5*time.Second, read)
	after := eval[state](tb, read)
	for i, id := range []string{"map", "chart-loss", "chart-lr", "chart-grad"} {
		if after.Boxes[i][2] == before.Boxes[i][2] && after.Boxes[i][3] == before.Boxes[i][3] {
			t.Errorf("#%s kept its box (%v) in a narrower window: the test resizes nothing", id, after.Boxes[i])
		}
	}
	if after.Ink < 100 {
		t.Errorf("the loss chart shows %d coloured pixels after the resize (%d before); want its curves drawn again", after.Ink, before.Ink)
	}
	t.Logf("boxes before %v, after %v; loss chart ink %d → %d", before.Boxes, after.Boxes, before.Ink, after.Ink)
}
