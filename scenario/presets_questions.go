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
