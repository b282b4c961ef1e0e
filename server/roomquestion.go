package server

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"unicode/utf8"

	"lrlab/scenario"
	"lrlab/sim"
)

// Question kinds (docs/API.md, "Questions").
const (
	kindTyped    = "typed"
	kindOutcome  = "outcome"
	kindFirst    = "first_to_minimum"
	kindBasin    = "basin"
	choiceNone   = "none"
	defaultFirst = 1e-3 // first_to_minimum's default threshold above the lowest minimum
	outcomeWin   = 20   // outcome: the last steps whose reversals are counted
)

var outcomeChoices = []string{"converge", "oscillate", "diverge"}

// question is one question of a room, as members receive it (the answer
// of a typed question is the teacher's, given only at the reveal).
type question struct {
	ID        string   `json:"id"`
	Kind      string   `json:"kind"`
	Text      string   `json:"text,omitempty"`
	Choices   []string `json:"choices"`
	Run       *int     `json:"run,omitempty"`
	Threshold *float64 `json:"threshold,omitempty"`
	// Minima are the points of the basin question's choices (but "none").
	Minima   [][2]float64 `json:"minima,omitempty"`
	revealed bool
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// parseWireQuestion reads a question as the server sent it.
func parseWireQuestion(raw json.RawMessage) (*question, error) {
	var q question
	if err := json.Unmarshal(raw, &q); err != nil {
		return nil, err
	}
	return &q, nil
}

// questionIn is the question of an ask message as sent (nil: absent or
// null).
type questionIn struct {
	ID, Kind, Text *string
	Choices        *[]string
	Run, Threshold *float64
}

// readQuestionIn reads the question of an ask message as strictly as a
// scenario (scenario.ReadObject: duplicate keys, unknown keys named, strings
// without invalid UTF-8 or lone surrogates, finite numbers); errors name
// the key ("question.choices[1]").
func readQuestionIn(raw json.RawMessage) (questionIn, error) {
	var in questionIn
	o, err := scenario.ReadObject(raw, `a question such as {"id":"q1","kind":"outcome","run":0}`, "id", "kind", "text", "choices", "run", "threshold")
	if err != nil {
		return in, sim.Prefix("question", err)
	}
	for _, f := range []struct {
		key string
		dst **string
		max int
	}{{"id", &in.ID, 32}, {"kind", &in.Kind, 32}, {"text", &in.Text, 300}} {
		if r := o.Raw(f.key); r != nil {
			v, err := scenario.ReadString(r, "question."+f.key, f.max)
			if err != nil {
				return in, err
			}
			*f.dst = &v
		}
	}
	if r := o.Raw("choices"); r != nil {
		elems, err := scenario.ReadArray(r, "question.choices", `of strings such as ["0.01","0.1"]`, 8)
		if err != nil {
			return in, err
		}
		cs := make([]string, len(elems))
		for i, e := range elems {
			if cs[i], err = scenario.ReadString(e, "question.choices["+strconv.Itoa(i)+"]", 100); err != nil {
				return in, err
			}
		}
		in.Choices = &cs
	}
	for _, f := range []struct {
		key string
		dst **float64
	}{{"run", &in.Run}, {"threshold", &in.Threshold}} {
		if r := o.Raw(f.key); r != nil {
			v, err := readNumber(r, "question."+f.key)
			if err != nil {
				return in, err
			}
			*f.dst = &v
		}
	}
	return in, nil
}

// newQuestion checks the question of an ask message against the room's
// scenario (nil when none runs) and returns it with its choices. Errors
// name the key ("question.run").
func newQuestion(raw json.RawMessage, sc *scenario.Scenario, surf sim.Surface) (*question, error) {
	in, err := readQuestionIn(raw)
	if err != nil {
		return nil, err
	}
	if in.ID == nil || !idPattern.MatchString(*in.ID) {
		return nil, &sim.FieldError{Field: "question.id", Msg: "required: 1 … 32 characters of A-Z a-z 0-9 _ -"}
	}
	q := &question{ID: *in.ID, Kind: kindTyped}
	if in.Kind != nil {
		q.Kind = *in.Kind
	}
	switch q.Kind {
	case kindTyped:
		err = q.typed(in)
	case kindOutcome, kindBasin:
		err = q.aboutRun(in, sc, surf)
	case kindFirst:
		err = q.firstToMinimum(in, sc, surf)
	default:
		err = &sim.FieldError{Field: "question.kind", Msg: fmt.Sprintf("unknown kind %q; allowed: typed, outcome, first_to_minimum, basin", q.Kind)}
	}
	if err != nil {
		return nil, err
	}
	return q, nil
}

// typed checks a typed question: text and 2 … 8 choices, nothing else.
func (q *question) typed(in questionIn) error {
	if in.Run != nil || in.Threshold != nil {
		return &sim.FieldError{Field: "question.run", Msg: "a typed question has only id, text and choices"}
	}
	if in.Text == nil || utf8.RuneCountInString(*in.Text) < 1 || utf8.RuneCountInString(*in.Text) > 300 {
		return &sim.FieldError{Field: "question.text", Msg: "required: 1 … 300 characters"}
	}
	if in.Choices == nil || len(*in.Choices) < 2 || len(*in.Choices) > 8 {
		return &sim.FieldError{Field: "question.choices", Msg: "required: 2 … 8 choices"}
	}
	for i, c := range *in.Choices {
		if n := utf8.RuneCountInString(c); n < 1 || n > 100 {
			return &sim.FieldError{Field: "question.choices[" + strconv.Itoa(i) + "]", Msg: "must be 1 … 100 characters"}
		}
	}
	q.Text, q.Choices = *in.Text, *in.Choices
	return nil
}

// noTyped refuses the text and choices of a computed question.
func (q *question) noTyped(in questionIn) error {
	if in.Text != nil || in.Choices != nil {
		return &sim.FieldError{Field: "question.text", Msg: q.Kind + " questions have no text or choices: the page words them and the simulation answers them"}
	}
	return nil
}

// aboutRun checks an outcome or basin question: one run of the running
// scenario, no threshold; the choices are the outcomes or the minima.
func (q *question) aboutRun(in questionIn, sc *scenario.Scenario, surf sim.Surface) error {
	if err := q.noTyped(in); err != nil {
		return err
	}
	if err := q.needRun(in, sc); err != nil {
		return err
	}
	if in.Threshold != nil {
		return &sim.FieldError{Field: "question.threshold", Msg: "only first_to_minimum questions have a threshold"}
	}
	if q.Kind == kindOutcome {
		q.Choices = outcomeChoices
		return nil
	}
	q.Choices = append(minimaLabels(surf), choiceNone)
	for _, m := range surf.Info().Minima {
		if m.Label != "saddle" {
			q.Minima = append(q.Minima, [2]float64{m.X, m.Y})
		}
	}
	return nil
}

// needRun reads the run a question is about, an index into the running
// scenario's runs.
func (q *question) needRun(in questionIn, sc *scenario.Scenario) error {
	if sc == nil {
		return &sim.FieldError{Field: "question.kind", Msg: q.Kind + " questions are about the running scenario; send start first"}
	}
	if in.Run == nil || *in.Run != math.Trunc(*in.Run) || *in.Run < 0 || int(*in.Run) >= len(sc.Runs) {
		return &sim.FieldError{Field: "question.run", Msg: fmt.Sprintf("required: the run's index, 0 … %d", max(len(sc.Runs)-1, 0))}
	}
	r := int(*in.Run)
	q.Run = &r
	return nil
}

// firstToMinimum checks a first_to_minimum question: about every run of
// the running scenario, with an optional threshold; the choices are the
// runs and none.
func (q *question) firstToMinimum(in questionIn, sc *scenario.Scenario, surf sim.Surface) error {
	if err := q.noTyped(in); err != nil {
		return err
	}
	if sc == nil {
		return &sim.FieldError{Field: "question.kind", Msg: "first_to_minimum questions are about the running scenario; send start first"}
	}
	if in.Run != nil {
		return &sim.FieldError{Field: "question.run", Msg: "first_to_minimum is about every run; it has no run"}
	}
	if in.Threshold != nil {
		if !(*in.Threshold > 0) || math.IsInf(*in.Threshold, 0) {
			return &sim.FieldError{Field: "question.threshold", Msg: fmt.Sprintf("must be a finite number > 0, got %v", *in.Threshold)}
		}
		q.Threshold = in.Threshold
	}
	for i := range sc.Runs {
		q.Choices = append(q.Choices, strconv.Itoa(i))
	}
	q.Choices = append(q.Choices, choiceNone)
	if len(minimaLabels(surf)) == 0 {
		return &sim.FieldError{Field: "question.kind", Msg: "this surface has no known minimum to reach"}
	}
	return nil
}

// minimaLabels returns the labels of the surface's minima, saddles
// excepted, in the catalog's order.
func minimaLabels(s sim.Surface) []string {
	var out []string
	for _, m := range s.Info().Minima {
		if m.Label != "saddle" {
			out = append(out, m.Label)
		}
	}
	return out
}

// answer computes the answer of a computed question from the room's
// trajectory: the index of the choice and how it was found, or a
// *sim.FieldError on "question" when the trajectory cannot tell yet.
func (m *mirror) answer(q *question, surf sim.Surface) (int, map[string]any, error) {
	notYet := func(run int) error {
		return &sim.FieldError{Field: "question", Msg: fmt.Sprintf("not decided yet: run %d is still running", run)}
	}
	if len(m.runs) == 0 {
		return 0, nil, &sim.FieldError{Field: "question", Msg: "not decided yet: no scenario is running"}
	}
	switch q.Kind {
	case kindOutcome:
		r := *q.Run
		if r >= len(m.runs) {
			return 0, nil, &sim.FieldError{Field: "question", Msg: "the scenario changed: it has no run " + strconv.Itoa(r)}
		}
		mr := &m.runs[r]
		if mr.done == nil {
			return 0, nil, notYet(r)
		}
		if mr.status == sim.StatusDiverged.String() {
			return 2, map[string]any{"run": r, "status": mr.status, "step": len(mr.x) - 1}, nil
		}
		rev, win := reversals(mr.x, mr.y, outcomeWin)
		detail := map[string]any{"run": r, "status": mr.status, "step": len(mr.x) - 1, "reversals": rev, "window": win}
		if win > 0 && 2*rev > win {
			return 1, detail, nil
		}
		return 0, detail, nil
	case kindBasin:
		r := *q.Run
		if r >= len(m.runs) {
			return 0, nil, &sim.FieldError{Field: "question", Msg: "the scenario changed: it has no run " + strconv.Itoa(r)}
		}
		mr := &m.runs[r]
		if mr.done == nil {
			return 0, nil, notYet(r)
		}
		n := len(mr.x) - 1
		p := sim.Point{X: mr.x[n], Y: mr.y[n]}
		detail := map[string]any{"run": r, "x": p.X, "y": p.Y, "status": mr.status}
		if mr.status != sim.StatusDiverged.String() {
			if min, ok := sim.Basin(surf, p); ok {
				for i, at := range q.Minima {
					if at == [2]float64{min.X, min.Y} {
						detail["label"] = min.Label
						return i, detail, nil
					}
				}
			}
		}
		detail["label"] = choiceNone
		return len(q.Choices) - 1, detail, nil
	case kindFirst:
		fstar := math.Inf(1)
		for _, mn := range surf.Info().Minima {
			if mn.Label != "saddle" {
				fstar = math.Min(fstar, mn.Loss)
			}
		}
		th := defaultFirst
		if q.Threshold != nil {
			th = *q.Threshold
		}
		target := fstar + th
		best, bestK := -1, math.MaxInt
		for i := range m.runs {
			for k, l := range m.runs[i].loss {
				if l <= target {
					if k < bestK {
						best, bestK = i, k
					}
					break
				}
			}
		}
		detail := map[string]any{"threshold": th, "target": target}
		// decided when every run still running has passed bestK (or all ended)
		for i := range m.runs {
			mr := &m.runs[i]
			if mr.done == nil && len(mr.x)-1 < bestK {
				return 0, nil, notYet(i)
			}
			if best < 0 && mr.done == nil {
				return 0, nil, notYet(i)
			}
		}
		if best < 0 || best >= len(q.Choices)-1 {
			return len(q.Choices) - 1, detail, nil
		}
		detail["run"], detail["step"], detail["loss"] = best, bestK, m.runs[best].loss[bestK]
		return best, detail, nil
	}
	return 0, nil, &sim.FieldError{Field: "question", Msg: "a typed question's answer is the teacher's: send reveal with answer"}
}

// reversals counts, over the last win pairs of consecutive steps of the
// path (x, y), those that reverse direction (s_k · s_{k+1} < 0), and
// returns the count and the number of pairs looked at.
func reversals(x, y []float64, win int) (int, int) {
	n := len(x) - 1 // steps
	pairs := min(win, n-1)
	if pairs <= 0 {
		return 0, 0
	}
	rev := 0
	for k := n - 1 - pairs; k < n-1; k++ {
		ax, ay := x[k+1]-x[k], y[k+1]-y[k]
		bx, by := x[k+2]-x[k+1], y[k+2]-y[k+1]
		if ax*bx+ay*by < 0 {
			rev++
		}
	}
	return rev, pairs
}
