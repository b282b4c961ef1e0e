package scenario

import (
	"fmt"
	"maps"
	"slices"
)

// Preset is a ready-made scenario for one lesson of docs (LESSON.md), with
// its title and a short text of what to look for, in English and Japanese.
type Preset struct {
	ID       string            // short name used in links: /p/{ID}
	Title    map[string]string // by language: "en", "ja"
	Summary  map[string]string // two or three sentences of what to look for, by language
	Scenario Scenario
	Lesson   int           // the row of LESSON.md it illustrates, 1 … 10; 11 for the research lessons beyond it
	Number   int           // its place in the order of the lessons, 1 … len(Presets()): the number the page shows
	Expect   []Expectation // what the text promises; scenariotest.Check verifies it
	// Questions are ready classroom questions (presets_questions.go),
	// answered by the simulation.
	Questions []Question

	labelsJA []string // the runs' labels in Japanese, one per run (Localized)
}

// Presets returns the presets, at least one per row of LESSON.md, in the
// order of the lessons (by Lesson, then as defined), numbered 1 … N in that
// order. Each call returns fresh values the caller may change.
func Presets() []Preset {
	defs := lessons() // lessons.go: the files of lessons/
	out := make([]Preset, len(defs))
	for i, d := range defs {
		s, err := Decode(d.Scenario, DefaultLimits)
		if err != nil {
			panic("scenario: lesson " + d.file + ": " + err.Error())
		}
		if len(d.LabelsJA) != len(s.Runs) {
			panic(fmt.Sprintf("scenario: lesson %s: %d labels_ja for %d runs", d.file, len(d.LabelsJA), len(s.Runs)))
		}
		out[i] = Preset{
			ID:        d.ID,
			Title:     maps.Clone(d.Title),
			Summary:   maps.Clone(d.Summary),
			Scenario:  s,
			Lesson:    d.Lesson,
			Expect:    slices.Clone(d.Expect),
			Questions: append([]Question{}, d.Questions...),
			labelsJA:  d.LabelsJA,
		}
	}
	slices.SortStableFunc(out, func(a, b Preset) int { return a.Lesson - b.Lesson })
	for i := range out {
		out[i].Number = i + 1
	}
	return out
}

// PresetByID returns the preset with the given ID.
func PresetByID(id string) (Preset, bool) {
	for _, p := range Presets() {
		if p.ID == id {
			return p, true
		}
	}
	return Preset{}, false
}
