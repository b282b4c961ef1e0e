package scenario

import (
	"strings"
	"testing"
	"unicode"
)

func TestPresetsCoverLessons(t *testing.T) {
	seen := map[int]bool{}
	ids := map[string]bool{}
	for _, p := range Presets() {
		seen[p.Lesson] = true
		if ids[p.ID] {
			t.Errorf("duplicate id %q", p.ID)
		}
		ids[p.ID] = true
		if strings.Trim(p.ID, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			t.Errorf("id %q is not lower-case letters, digits and dashes", p.ID)
		}
		for _, lang := range []string{"en", "ja"} {
			if p.Title[lang] == "" || p.Summary[lang] == "" {
				t.Errorf("%s: no %s title or summary", p.ID, lang)
			}
		}
		if !hasJapanese(p.Title["ja"]) || !hasJapanese(p.Summary["ja"]) {
			t.Errorf("%s: the ja text is not Japanese", p.ID)
		}
		if n := strings.Count(p.Summary["en"], ". "); n < 1 || n > 3 {
			t.Errorf("%s: the en summary has %d sentences; want 2 or 3 (or 4 short)", p.ID, n+1)
		}
		if len(p.Expect) == 0 {
			t.Errorf("%s: no expectations", p.ID)
		}
		for _, r := range p.Scenario.Runs {
			if r.Label == "" {
				t.Errorf("%s: a run without a label", p.ID)
			}
		}
		got, ok := PresetByID(p.ID)
		if !ok || got.ID != p.ID {
			t.Errorf("PresetByID(%q) = %v, %v", p.ID, got.ID, ok)
		}
	}
	for row := 1; row <= 10; row++ {
		if !seen[row] {
			t.Errorf("no preset for lesson %d", row)
		}
	}
	if _, ok := PresetByID("nope"); ok {
		t.Error("PresetByID found an unknown id")
	}
}

func hasJapanese(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
			return true
		}
	}
	return false
}

// The presets are numbered 1 … N in the order of the lessons, each number
// once (the page shows these numbers beside "n of N").
func TestPresetNumbers(t *testing.T) {
	ps := Presets()
	for i, p := range ps {
		if p.Number != i+1 {
			t.Errorf("preset %d (%s) has number %d; want %d", i, p.ID, p.Number, i+1)
		}
		if i > 0 && p.Lesson < ps[i-1].Lesson {
			t.Errorf("preset %s (lesson %d) comes after %s (lesson %d)", p.ID, p.Lesson, ps[i-1].ID, ps[i-1].Lesson)
		}
	}
}

// No two presets differ only in their run labels: the page knows a lesson
// by its scenario with the labels left out (its links carry the labels of
// either language).
func TestPresetsDistinctWithoutLabels(t *testing.T) {
	seen := map[string]string{}
	for _, p := range Presets() {
		sc := p.Scenario
		sc.Runs = append(sc.Runs[:0:0], sc.Runs...)
		for i := range sc.Runs {
			sc.Runs[i].Label = ""
		}
		key := sc.Encode()
		if other, ok := seen[key]; ok {
			t.Errorf("presets %s and %s differ only in their labels", other, p.ID)
		}
		seen[key] = p.ID
	}
}

// A text that says a run converges has a run the legend will call
// converged (ExpectConverges): "converges" and "done" must not disagree.
func TestPresetsConvergeAsTheLegendSays(t *testing.T) {
	for _, p := range Presets() {
		says := strings.Contains(p.Summary["en"], "converg") || strings.Contains(p.Summary["ja"], "収束")
		has := false
		for _, e := range p.Expect {
			has = has || e.Kind == ExpectConverges
		}
		if says && !has {
			t.Errorf("%s: the text says a run converges; no expectation checks that the legend will say converged", p.ID)
		}
	}
}
