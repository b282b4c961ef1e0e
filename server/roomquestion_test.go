package server

import (
	"encoding/json"
	"strings"
	"testing"

	"lrlab/scenario"
	"lrlab/scenario/scenariotest"
	"lrlab/sim"
)

// mirrorOf builds the mirror a room would have after running sc to its end.
func mirrorOf(t *testing.T, sc scenario.Scenario) (*mirror, sim.Surface) {
	t.Helper()
	out, err := scenariotest.Simulate(sc)
	if err != nil {
		t.Fatal(err)
	}
	m := &mirror{}
	for _, tr := range out.Trajectories {
		m.runs = append(m.runs, mirrorRun{x: tr.X, y: tr.Y, loss: tr.Loss, done: []byte("{}"), status: tr.Status.String()})
	}
	return m, out.Surface
}

// TestPresetQuestionsDecided asks every preset question of its preset's
// scenario run to the end: each is valid and decided, with the answer its
// lesson text promises.
func TestPresetQuestionsDecided(t *testing.T) {
	want := map[string]string{
		"lr-slider-outcome":     "converge",
		"too-large-outcome-1":   "diverge",
		"too-large-outcome-0":   "oscillate",
		"too-small-first":       "1",
		"local-minimum-basin-0": "local",
		"local-minimum-basin-1": "global",
		"optimizers-outcome-0":  "diverge",
		"optimizers-first":      "1",
		"sharp-flat-basin-1":    "flat",
		"sharp-flat-basin-0":    "sharp",
	}
	seen := 0
	for _, p := range scenario.Presets() {
		for _, pq := range p.Questions {
			raw, _ := json.Marshal(pq)
			m, surf := mirrorOf(t, p.Scenario)
			q, err := newQuestion(raw, &p.Scenario, surf)
			if err != nil {
				t.Errorf("%s: %s: %v", p.ID, raw, err)
				continue
			}
			k, detail, err := m.answer(q, surf)
			if err != nil {
				t.Errorf("%s: %s not decided: %v", p.ID, q.ID, err)
				continue
			}
			if got := q.Choices[k]; got != want[q.ID] {
				t.Errorf("%s: %s answered %q (%v), want %q", p.ID, q.ID, got, detail, want[q.ID])
			}
			seen++
		}
	}
	if seen != len(want) {
		t.Errorf("checked %d preset questions, the table has %d", seen, len(want))
	}
}

// TestQuestionNotDecidedEarly: a running run has no outcome yet; first to
// the minimum is decided once every run has passed the winner's step.
func TestQuestionNotDecidedEarly(t *testing.T) {
	p, _ := scenario.PresetByID("too-small")
	m, surf := mirrorOf(t, p.Scenario)
	q, err := newQuestion(json.RawMessage(`{"id":"a","kind":"first_to_minimum"}`), &p.Scenario, surf)
	if err != nil {
		t.Fatal(err)
	}
	_, detail, err := m.answer(q, surf)
	if err != nil {
		t.Fatal(err)
	}
	step := detail["step"].(int)
	// cut every run just before the winner's step, still running
	for i := range m.runs {
		r := &m.runs[i]
		r.x, r.y, r.loss, r.done = r.x[:step], r.y[:step], r.loss[:step], nil
	}
	if _, _, err := m.answer(q, surf); err == nil || !strings.Contains(err.Error(), "not decided yet") {
		t.Errorf("cut before the winner's step: %v", err)
	}
	oq, _ := newQuestion(json.RawMessage(`{"id":"b","kind":"outcome","run":0}`), &p.Scenario, surf)
	if _, _, err := m.answer(oq, surf); err == nil {
		t.Error("outcome of a running run decided")
	}
}

func TestQuestionErrors(t *testing.T) {
	p, _ := scenario.PresetByID("too-large")
	surf, _, _ := p.Scenario.Build()
	for _, c := range []struct{ q, field string }{
		{`{"kind":"outcome","run":0}`, "question.id"},
		{`{"id":"a b","kind":"outcome","run":0}`, "question.id"},
		{`{"id":"a","kind":"outcome"}`, "question.run"},
		{`{"id":"a","kind":"outcome","run":2}`, "question.run"},
		{`{"id":"a","kind":"outcome","run":0,"text":"x"}`, "question.text"},
		{`{"id":"a","kind":"guess"}`, "question.kind"},
		{`{"id":"a","text":"x","choices":["one"]}`, "question.choices"},
		{`{"id":"a","text":"","choices":["one","two"]}`, "question.text"},
		{`{"id":"a","text":"x","choices":["one","two"],"answer":1}`, "question.answer"},
		{`{"id":"a","kind":"first_to_minimum","threshold":-1}`, "question.threshold"},
	} {
		_, err := newQuestion(json.RawMessage(c.q), &p.Scenario, surf)
		fe, ok := err.(*sim.FieldError)
		if !ok || fe.Field != c.field {
			t.Errorf("%s: %v, want an error on %s", c.q, err, c.field)
		}
	}
}
