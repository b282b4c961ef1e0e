package scenariotest

import (
	"testing"

	"lrlab/scenario"
)

// TestPresets runs every preset through sim and checks what its text
// promises.
func TestPresets(t *testing.T) {
	for _, p := range scenario.Presets() {
		t.Run(p.ID, func(t *testing.T) {
			if err := Check(p); err != nil {
				t.Errorf("%s (%s):\n%v", p.ID, p.Title["en"], err)
			}
		})
	}
}
