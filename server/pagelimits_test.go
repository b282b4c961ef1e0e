package server

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
)

// TestPageLimits: the page carries the server's live -max-runs and
// -max-steps inline (<script id="limits-data">), so that its fields refuse
// what the server would refuse, before anything is sent.
func TestPageLimits(t *testing.T) {
	for _, cfg := range []Config{{}, {MaxRuns: 5, MaxSteps: 500}} {
		ts, _ := newTestServer(t, cfg)
		res, body := do(t, ts, http.MethodGet, "/", "", nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /: %s", res.Status)
		}
		m := regexp.MustCompile(`<script type="application/json" id="limits-data">([^<]*)</script>`).FindSubmatch(body)
		if m == nil {
			t.Fatalf("the page has no limits-data element")
		}
		var got PageLimits
		if err := json.Unmarshal(m[1], &got); err != nil {
			t.Fatalf("limits-data %q: %v", m[1], err)
		}
		want := PageLimits{Runs: cfg.withDefaults().MaxRuns, Steps: cfg.withDefaults().MaxSteps}
		if got != want {
			t.Errorf("config %+v: limits-data %+v; want %+v", cfg, got, want)
		}
	}
}
