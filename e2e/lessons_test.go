package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"lrlab/scenario"
)

// lessonView is what the page shows of the lesson it is on.
type lessonView struct {
	Lang    string   `json:"lang"`
	Shown   bool     `json:"shown"`
	Banner  string   `json:"banner"`
	Select  string   `json:"select"`
	Labels  []string `json:"labels"`
	Legend  string   `json:"legend"`
	Panel   string   `json:"panel"`
	Here    bool     `json:"here"`
	Current string   `json:"current"`
	Query   string   `json:"query"`
	Option  string   `json:"option"`
}

const readLesson = `(() => {
	const box = document.getElementById('lesson');
	const card = document.querySelector('#lessons .lessons-card');
	const cur = document.querySelector('#lessons .lessons-list [aria-current="page"]');
	return {lang: document.documentElement.lang, shown: !!box && !box.hidden, banner: box ? box.innerText : '',
		select: document.getElementById('presets').value, labels: __lab.state.runs.map((r) => r.label || ''),
		legend: (document.getElementById('legend') || {}).innerText || '',
		panel: card ? card.innerText : '', here: !!card && card.classList.contains('is-here'),
		current: cur ? cur.textContent : '', query: __lab.query(),
		option: (() => { const s = document.getElementById('presets'); return s.selectedIndex >= 0 ? s.options[s.selectedIndex].textContent : ''; })()};
})()`

// waitLesson waits until the page shows a lesson in the banner and the
// lessons panel has loaded, then reads what it shows.
func waitLesson(tb *tab) lessonView {
	tb.t.Helper()
	tb.waitFor("the lesson banner and the lessons panel",
		`(() => { const b = document.getElementById('lesson'); const c = document.querySelector('#lessons .lessons-card');
			return b && !b.hidden && c && document.querySelector('#lessons .lessons-list li') && document.getElementById('presets').value; })()`,
		15*time.Second, readLesson)
	tb.frames(2)
	return eval[lessonView](tb, readLesson)
}

// checkLesson fails the test unless v is preset p's lesson in lang: the
// banner with its title, the menu on it, the runs labelled in lang (in the
// page's state and in the legend), and the lessons panel on it.
func checkLesson(t *testing.T, how string, p scenario.Preset, lang string, v lessonView) {
	t.Helper()
	title := p.Title[lang]
	if v.Lang != lang {
		t.Errorf("%s %s (%s): the page is in %q", how, p.ID, lang, v.Lang)
	}
	if !v.Shown || !strings.Contains(v.Banner, title) {
		t.Errorf("%s %s (%s): banner shown %v with %q; want the title %q", how, p.ID, lang, v.Shown, short(v.Banner), title)
	}
	// numbered 1 … N, each once, as the panel counts them ("n of 14")
	if want := map[string]string{"en": fmt.Sprintf("Lesson %d:", p.Number), "ja": fmt.Sprintf("レッスン %d:", p.Number)}[lang]; !strings.Contains(v.Banner, want) {
		t.Errorf("%s %s (%s): banner %q; want %q", how, p.ID, lang, short(v.Banner), want)
	}
	if !strings.HasPrefix(v.Current, fmt.Sprintf("%d. ", p.Number)) || !strings.HasPrefix(v.Option, fmt.Sprintf("%d. ", p.Number)) {
		t.Errorf("%s %s (%s): the list says %q, the menu %q; want number %d", how, p.ID, lang, v.Current, v.Option, p.Number)
	}
	if v.Select != p.ID {
		t.Errorf("%s %s (%s): the lesson menu is on %q", how, p.ID, lang, v.Select)
	}
	want := p.Localized(lang).Runs
	if len(v.Labels) != len(want) {
		t.Errorf("%s %s (%s): %d runs; the preset has %d", how, p.ID, lang, len(v.Labels), len(want))
	} else {
		for i, r := range want {
			if v.Labels[i] != r.Label {
				t.Errorf("%s %s (%s): run %d is labelled %q; want %q", how, p.ID, lang, i, v.Labels[i], r.Label)
			}
			if !strings.Contains(v.Legend, r.Label) {
				t.Errorf("%s %s (%s): the legend does not show the label %q: %q", how, p.ID, lang, r.Label, short(v.Legend))
			}
		}
	}
	if !v.Here || !strings.Contains(v.Panel, title) || !strings.Contains(v.Current, title) {
		t.Errorf("%s %s (%s): the lessons panel shows %q (on it: %v), its list marks %q; want %q", how, p.ID, lang, short(v.Panel), v.Here, v.Current, title)
	}
}

// TestLessonsOpen: every preset, in English and Japanese, opened by its
// link (/p/{id}, with ?lang= or by the browser's Accept-Language) and by
// the lesson menu, shows its banner, its runs labelled in the page's
// language, and the menu and the lessons panel on that lesson. The labels
// of a lesson follow the language switch too.
func TestLessonsOpen(t *testing.T) {
	requireBrowser(t)
	presets := scenario.Presets()
	for _, lang := range []string{"en", "ja"} {
		t.Run("link-"+lang, func(t *testing.T) {
			t.Parallel()
			tb := newTab(t, desktop)
			for _, p := range presets {
				path := "/p/" + p.ID
				if lang == "ja" {
					path += "?lang=ja"
				}
				tb.open(path)
				checkLesson(t, "link", p, lang, waitLesson(tb))
			}
		})
	}
	t.Run("accept-language-ja", func(t *testing.T) {
		t.Parallel()
		tb := newTab(t, desktop)
		if _, err := chromedp.Call(tb.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "ja,en;q=0.5"}}); err != nil {
			t.Fatal(err)
		}
		for _, p := range presets {
			tb.open("/p/" + p.ID)
			checkLesson(t, "link (Accept-Language: ja)", p, "ja", waitLesson(tb))
		}
	})
	for _, lang := range []string{"en", "ja"} {
		t.Run("menu-"+lang, func(t *testing.T) {
			t.Parallel()
			tb := newTab(t, desktop)
			tb.open("/?lang=" + lang)
			tb.waitFor("the lesson menu", `document.getElementById('presets').options.length > 1`, 15*time.Second, "")
			// From one lesson to the next, as a teacher walks through them.
			for _, p := range presets {
				pickPreset(tb, p.ID)
				checkLesson(t, "menu", p, lang, waitLesson(tb))
			}
		})
	}
	t.Run("switch-language", func(t *testing.T) {
		t.Parallel()
		tb := newTab(t, desktop)
		p, _ := scenario.PresetByID("summary")
		tb.open("/p/summary?lang=ja")
		checkLesson(t, "link", p, "ja", waitLesson(tb))
		time.Sleep(300 * time.Millisecond) // the switch's address follows the URL, 120 ms after a change
		eval[bool](tb, `(window.__before = true)`)
		tb.click("#lang-switch")
		tb.waitFor("the English page", `!window.__before && document.body && document.body.dataset.ready === '1'`, 15*time.Second, `location.href`)
		checkLesson(t, "language switch", p, "en", waitLesson(tb))
	})
}

// pickPreset chooses preset id in the lesson menu and waits for the page it
// opens.
func pickPreset(tb *tab, id string) {
	tb.t.Helper()
	js, _ := json.Marshal(id)
	eval[bool](tb, fmt.Sprintf(`(() => {
		window.__before = true;
		const s = document.getElementById('presets');
		s.value = %s;
		s.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`, js))
	tb.waitFor("the page of preset "+id, `!window.__before && document.body && document.body.dataset.ready === '1' && document.getElementById('conn').dataset.state === 'open'`, 15*time.Second, `location.href`)
}
