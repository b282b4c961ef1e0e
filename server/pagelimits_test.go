package server

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"

	"lrlab/scenario"
)

// TestPageLimits: the page carries the server's live -max-runs and
// -max-steps inline (the limits of <script id="schema-data">, the settings
// schema), so that its fields refuse what the server would refuse, before
// anything is sent.
func TestPageLimits(t *testing.T) {
	for _, cfg := range []Config{{}, {MaxRuns: 5, MaxSteps: 500}} {
		ts, _ := newTestServer(t, cfg)
		res, body := do(t, ts, http.MethodGet, "/", "", nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /: %s", res.Status)
		}
		m := regexp.MustCompile(`<script type="application/json" id="schema-data">([^<]*)</script>`).FindSubmatch(body)
		if m == nil {
			t.Fatalf("the page has no schema-data element")
		}
		var doc struct {
			Limits *scenario.SchemaLimit `json:"limits"`
		}
		if err := json.Unmarshal(m[1], &doc); err != nil || doc.Limits == nil {
			t.Fatalf("schema-data %q: no limits (%v)", m[1], err)
		}
		got := *doc.Limits
		want := scenario.Schema(scenario.Limits{}).Limits // the fixed bounds as any server sends them
		want.Runs, want.Steps = cfg.withDefaults().MaxRuns, cfg.withDefaults().MaxSteps
		if got != want {
			t.Errorf("config %+v: schema-data limits %+v; want %+v", cfg, got, want)
		}
	}
}
