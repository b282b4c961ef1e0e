// Package api declares the JSON the server answers with and the websocket
// messages it sends, as Go types, once: the server's tests and the browser
// tests (e2e) decode with them. The server writes these messages with its
// own encoders (server/jsonenc.go, session.go); a field here is what a
// client reads, named as docs/API.md and the public contract name it.
//
// Decoding is loose on purpose: a test that wants to know a key is absent
// reads the raw message.
package api

import "encoding/json"

// Error is the body of a 4xx answer and the websocket error message: what
// is wrong, and the field it names ("runs[0].optimizer.lr").
type Error struct {
	Error string `json:"error"`
	Field string `json:"field"`
}

// SimRun is one run of a simulate response.
type SimRun struct {
	Label      string    `json:"label"`
	X          []float64 `json:"x"`
	Y          []float64 `json:"y"`
	Loss       []float64 `json:"loss"`
	GradNorm   []float64 `json:"grad_norm"`
	LR         []float64 `json:"lr"`
	Sharpness  []float64 `json:"sharpness"`
	TestLoss   []float64 `json:"test_loss"`
	BatchLoss  []float64 `json:"batch_loss"`
	Status     string    `json:"status"`
	DivergedAt *int      `json:"diverged_at"`
}

// ServerMsg is any server → client message.
type ServerMsg struct {
	Type       string          `json:"type"`
	Error      string          `json:"error"`
	Field      string          `json:"field"`
	Scenario   json.RawMessage `json:"scenario"`
	Runs       []FrameRun      `json:"runs"`
	Run        int             `json:"run"`
	Step       int             `json:"step"`
	Status     string          `json:"status"`
	DivergedAt *int            `json:"diverged_at"`
	LR         float64         `json:"lr"`
	Sharpness  float64         `json:"sharpness"`
}

// FrameRun is one run's new points in a websocket frame message, from
// step T0 on.
type FrameRun struct {
	Run       int       `json:"run"`
	T0        int       `json:"t0"`
	X         []float64 `json:"x"`
	Y         []float64 `json:"y"`
	Loss      []float64 `json:"loss"`
	GradNorm  []float64 `json:"grad_norm"`
	LR        []float64 `json:"lr"`
	Sharpness []float64 `json:"sharpness"`
	TestLoss  []float64 `json:"test_loss"`
	BatchLoss []float64 `json:"batch_loss"`
	Grad      []float64 `json:"grad"`
	Velocity  []float64 `json:"velocity"`
}

// FinderResponse is the answer of POST /api/v1/lr-finder.
type FinderResponse struct {
	LR             []float64 `json:"lr"`
	Loss           []float64 `json:"loss"`
	Smoothed       []float64 `json:"smoothed"`
	X              []float64 `json:"x"`
	Y              []float64 `json:"y"`
	StoppedAt      float64   `json:"stopped_at"`
	Diverged       bool      `json:"diverged"`
	Sharpness      float64   `json:"sharpness"`
	StabilityLimit *float64  `json:"stability_limit"`
	Window         [2]int    `json:"window"`
	Suggestions    map[string]*struct {
		LR        float64 `json:"lr"`
		Index     int     `json:"index"`
		Rule      string  `json:"rule"`
		FinalLoss float64 `json:"final_loss"`
		Diverged  bool    `json:"diverged"`
	} `json:"suggestions"`
	First *string `json:"first"`
	Steps int     `json:"steps"`
}

// SweepPoint is one (optimizer, LR) result of an LR sweep.
type SweepPoint struct {
	Optimizer    int      `json:"optimizer"`
	Label        string   `json:"label"`
	LR           float64  `json:"lr"`
	FinalLoss    *float64 `json:"final_loss"`
	Diverged     bool     `json:"diverged"`
	DivergedAt   *int     `json:"diverged_at"`
	DivergedRuns int      `json:"diverged_runs"`
	LossMin      *float64 `json:"loss_min"`
	LossMax      *float64 `json:"loss_max"`
}

// SweepResponse is a message of the LR sweep's websocket (progress,
// result or error).
type SweepResponse struct {
	Type            string       `json:"type"`
	ID              string       `json:"id"`
	Done            int          `json:"done"`
	Total           int          `json:"total"`
	Error           string       `json:"error"`
	Field           string       `json:"field"`
	LRs             []float64    `json:"lrs"`
	Steps           int          `json:"steps"` // each run's, after fit_steps
	Seeds           int          `json:"seeds"` // the seeds each LR ran
	Sharpness       float64      `json:"sharpness"`
	StabilityLimit  *float64     `json:"stability_limit"`
	StabilityLimits []*float64   `json:"stability_limits"`
	Results         []SweepPoint `json:"results"`
}

// RoomMsg is any server message of a classroom, decoded loosely: the
// session's messages and the room's own (joined, presence, question,
// tally, reveal, ended).
type RoomMsg struct {
	ServerMsg
	Room     string          `json:"room"`
	Role     string          `json:"role"`
	Member   string          `json:"member"`
	Members  int             `json:"members"`
	Paused   bool            `json:"paused"`
	Running  bool            `json:"running"`
	Question json.RawMessage `json:"question"`
	Answer   int             `json:"answer"`
	Counts   []int           `json:"counts"`
	Voters   int             `json:"voters"`
	Choice   int             `json:"choice"`
	Reason   string          `json:"reason"`
	Present  bool            `json:"present"`
	Detail   map[string]any  `json:"detail"`
}
