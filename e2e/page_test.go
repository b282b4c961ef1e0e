package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// untranslated matches an i18n key that reached the page as text
// ("transport.play") because a language lacks it.
var untranslated = regexp.MustCompile(`\b(app|transport|run|legend|status|chart|map|surface|opt|sched|tip|card|errors|presets|conn|lang|surf)\.[a-zA-Z][a-zA-Z.]*[a-zA-Z]\b`)

// TestPageLoads: the page comes up with no console error, exception or CSP
// violation; body[data-ready] becomes "1", the socket connects, the map
// canvas has a size, the controls the issue names exist, no i18n key shows
// as text and no element marked hidden takes space.
func TestPageLoads(t *testing.T) {
	tb := newTab(t, desktop)
	tb.strict = true
	start := time.Now()
	tb.open("/")
	t.Logf("ready after %v", time.Since(start).Round(time.Millisecond))

	type info struct {
		Lang     string   `json:"lang"`
		Title    string   `json:"title"`
		MapW     int      `json:"mapW"`
		MapH     int      `json:"mapH"`
		Missing  []string `json:"missing"`
		Runs     int      `json:"runs"`
		Errors   bool     `json:"errorsShown"`
		Text     string   `json:"text"`
		HasLab   bool     `json:"hasLab"`
		HasStats bool     `json:"hasStats"`
	}
	got := eval[info](tb, `(() => {
		const ids = ['map', 'play', 'step', 'reset', 'lr-slider', 'lr-input', 'chart-loss', 'chart-lr', 'chart-grad', 'legend', 'conn'];
		const m = document.getElementById('map');
		return {
			lang: document.documentElement.lang, title: document.title,
			mapW: m.clientWidth, mapH: m.clientHeight,
			missing: ids.filter((id) => !document.getElementById(id)).concat(document.querySelector('[data-run="0"] [data-status]') ? [] : ['[data-run="0"] [data-status]']),
			runs: window.__lab ? __lab.state.runs.length : -1,
			errorsShown: !document.getElementById('errors').hidden,
			text: document.body.innerText,
			hasLab: !!window.__lab, hasStats: !!(window.__lab && __lab.drawStats),
		};
	})()`)
	if got.Lang != "en" || got.Title != "Learning-rate lab" {
		t.Errorf("lang %q, title %q; want en, Learning-rate lab", got.Lang, got.Title)
	}
	if len(got.Missing) > 0 {
		t.Errorf("missing elements: %v", got.Missing)
	}
	if got.MapW < 200 || got.MapH < 150 {
		t.Errorf("map canvas is %d×%d CSS px; want a usable size", got.MapW, got.MapH)
	}
	if !got.HasLab || got.Runs != 1 {
		t.Errorf("window.__lab present %v, runs %d; want a default run", got.HasLab, got.Runs)
	}
	if got.Errors {
		t.Errorf("the error box is shown on a clean load: %s", short(got.Text))
	}
	if k := untranslated.FindAllString(got.Text, -1); len(k) > 0 {
		t.Errorf("i18n keys shown as text: %v", k)
	}
	if strings.TrimSpace(got.Text) == "" {
		t.Error("the page has no text")
	}
	if h := hiddenShown(tb); len(h) > 0 {
		t.Errorf("elements marked hidden are shown: %s", strings.Join(h, ", "))
	}
}
