package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
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
	pages := map[string]string{"classroom": classroom, "lesson": "/p/schedulers"}
	for _, vp := range []viewport{desktop, zoomed, wide} {
		for _, name := range []string{"classroom", "lesson"} {
			t.Run(fmt.Sprintf("%v-%s", vp, name), func(t *testing.T) {
				tb := newTab(t, vp)
				tb.addScriptOnLoad(fontProbe)
				tb.open(pages[name])
				if name == "classroom" {
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
