package scenario

import (
	"regexp"
	"testing"
)

// Every preset run label is either translated or reads the same in both
// languages (an optimizer name and numbers); each lesson file gives one
// Japanese label per run.
func TestPresetLabelsTranslated(t *testing.T) {
	neutral := regexp.MustCompile(`^(SGD|Adam|AdamW|RMSprop|Adagrad|LR)?( ?[0-9.e-]+)?$`)
	for _, p := range Presets() {
		ja := p.Localized("ja")
		if len(ja.Runs) != len(p.Scenario.Runs) {
			t.Fatalf("preset %s: %d Japanese runs for %d", p.ID, len(ja.Runs), len(p.Scenario.Runs))
		}
		for i, r := range p.Scenario.Runs {
			if ja.Runs[i].Label == r.Label && !neutral.MatchString(r.Label) {
				t.Errorf("preset %s run %d: label %q has no Japanese version", p.ID, i, r.Label)
			}
			if ja.Runs[i].Label == "" {
				t.Errorf("preset %s run %d: empty Japanese label", p.ID, i)
			}
		}
		if en := p.Localized("en"); len(en.Runs) != len(p.Scenario.Runs) || en.Runs[0].Label != p.Scenario.Runs[0].Label {
			t.Errorf("preset %s: English labels changed", p.ID)
		}
	}
	// Localized must not change the preset it was called on.
	p, _ := PresetByID("sharp-flat")
	before := p.Scenario.Runs[0].Label
	p.Localized("ja")
	if p.Scenario.Runs[0].Label != before {
		t.Error("Localized changed the preset's own scenario")
	}
}

// A preset's own labels, in either language, follow the language asked;
// the reader's own labels stay; LessonKey leaves the labels out.
func TestLocalizeLabels(t *testing.T) {
	p, _ := PresetByID("summary")
	ja := p.Localized("ja")
	mixed := ja
	mixed.Runs = append(mixed.Runs[:0:0], mixed.Runs...)
	mixed.Runs[2].Label = "mine"
	en := p.LocalizeLabels(mixed, "en")
	if en.Runs[0].Label != "too small" || en.Runs[1].Label != "about right" || en.Runs[2].Label != "mine" {
		t.Errorf("labels %q %q %q", en.Runs[0].Label, en.Runs[1].Label, en.Runs[2].Label)
	}
	if mixed.Runs[0].Label != "小さすぎ" {
		t.Error("LocalizeLabels changed its argument")
	}
	if LessonKey(mixed) != LessonKey(p.Scenario) || LessonKey(mixed) == mixed.Encode() {
		t.Errorf("LessonKey: %q vs %q", LessonKey(mixed), LessonKey(p.Scenario))
	}
}
