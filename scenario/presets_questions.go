package scenario

// Question is a ready question of a preset for a classroom, in the form a
// teacher's ask message sends it (docs/API.md, "Questions"): its answer is
// decided by the simulation, never written here.
type Question struct {
	ID        string   `json:"id"`
	Kind      string   `json:"kind"`                // "outcome", "first_to_minimum", "basin"
	Run       *int     `json:"run,omitempty"`       // outcome, basin: the run it is about
	Threshold *float64 `json:"threshold,omitempty"` // first_to_minimum: above the lowest minimum (default 1e-3)
}

func runQ(id, kind string, run int) Question { return Question{ID: id, Kind: kind, Run: &run} }

// presetQuestions are the ready questions of each preset, by preset ID.
var presetQuestions = map[string][]Question{
	"lr-slider":     {runQ("lr-slider-outcome", "outcome", 0)},
	"too-large":     {runQ("too-large-outcome-1", "outcome", 1), runQ("too-large-outcome-0", "outcome", 0)},
	"too-small":     {{ID: "too-small-first", Kind: "first_to_minimum"}},
	"local-minimum": {runQ("local-minimum-basin-0", "basin", 0), runQ("local-minimum-basin-1", "basin", 1)},
	"optimizers":    {runQ("optimizers-outcome-0", "outcome", 0), {ID: "optimizers-first", Kind: "first_to_minimum"}},
	"sharp-flat":    {runQ("sharp-flat-basin-1", "basin", 1), runQ("sharp-flat-basin-0", "basin", 0)},
}

// questionsOf returns a fresh copy of the questions of preset id.
func questionsOf(id string) []Question {
	return append([]Question{}, presetQuestions[id]...)
}
