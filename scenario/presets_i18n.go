package scenario

// Languages are the languages of the presets' texts and labels.
var Languages = []string{"en", "ja"}

// Localized returns the preset's scenario with its run labels in lang
// ("en" or "ja"); other languages get the English labels.
func (p Preset) Localized(lang string) Scenario {
	s := p.Scenario
	if lang != "ja" {
		return s
	}
	s.Runs = append(s.Runs[:0:0], s.Runs...)
	for i := range s.Runs {
		s.Runs[i].Label = p.labelsJA[i]
	}
	return s
}

// LessonKey is s's share-link query with the run labels left out: what
// makes a lesson, whatever the language of its labels (the page's
// state.js presetOf compares the same way).
func LessonKey(s Scenario) string {
	s.Runs = append(s.Runs[:0:0], s.Runs...)
	for i := range s.Runs {
		s.Runs[i].Label = ""
	}
	return s.Encode()
}

// LocalizeLabels returns s with every run label that is the preset's own
// label of that run, in any language, in lang instead; other labels (the
// reader's own) are kept. s is meant to be the preset's scenario
// (LessonKey(s) == LessonKey(p.Scenario)).
func (p Preset) LocalizeLabels(s Scenario, lang string) Scenario {
	want := p.Localized(lang)
	s.Runs = append(s.Runs[:0:0], s.Runs...)
	for i := range s.Runs {
		if i >= len(want.Runs) {
			break
		}
		for _, l := range Languages {
			if own := p.Localized(l).Runs[i].Label; own == s.Runs[i].Label {
				s.Runs[i].Label = want.Runs[i].Label
				break
			}
		}
	}
	return s
}
