package scenario

// Preset is a ready-made scenario of a lesson.
type Preset struct {
	ID       string
	Title    map[string]string
	Summary  map[string]string
	Scenario Scenario
	Lesson   int
	Expect   []Expectation
}

// Expectation is an outcome a preset promises.
type Expectation struct{}

// Presets lists the presets.
func Presets() []Preset { return nil }
