package e2e

import (
	"os"
	"strings"
	"testing"
	"time"
)

// axeSource returns axe-core's axe.min.js, from $AXE_CORE_JS (.ci/run
// installs it with npm into a temporary directory). It is injected into the
// tab by the test only; the lab never serves it. Without it the test skips,
// except under CI=true, where it fails.
func axeSource(t *testing.T) string {
	t.Helper()
	p := os.Getenv("AXE_CORE_JS")
	if p == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("AXE_CORE_JS is not set (.ci/run installs axe-core with npm)")
		}
		t.Skip("AXE_CORE_JS not set: `npm install --prefix /tmp/axe axe-core` and AXE_CORE_JS=/tmp/axe/node_modules/axe-core/axe.min.js")
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("AXE_CORE_JS: %v", err)
	}
	return string(b)
}

type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// axeRun runs axe-core on the tab's document and returns its violations.
func axeRun(tb *tab, src string) []axeViolation {
	tb.t.Helper()
	if !eval[bool](tb, `typeof window.axe === 'object'`) {
		eval[bool](tb, src+"\n;true")
	}
	return eval[[]axeViolation](tb, `axe.run(document, {resultTypes: ['violations']}).then((r) => r.violations.map((v) => ({
		id: v.id, impact: v.impact || '', help: v.help,
		targets: v.nodes.slice(0, 6).map((n) => n.target.join(' ') + (n.failureSummary ? ' — ' + n.failureSummary.replace(/\s+/g, ' ').slice(0, 160) : '')),
	})))`)
}

// TestAxe (issue 11): axe-core finds no violation on the main page, on a
// lesson (its banner), after runs have finished (a converged selected run,
// a diverged one) in English and Japanese, and at phone size.
func TestAxe(t *testing.T) {
	src := axeSource(t)
	cases := []struct {
		name string
		vp   viewport
		path string
		play bool
	}{
		{"main", desktop, "/", false},
		{"lesson", desktop, "/p/too-large", false},
		{"after-run", desktop, "/?surface=quadratic&b=10&steps=300&rate=0&run=sgd,lr=0.15&run=sgd,lr=0.25", true},
		{"after-run-ja", desktop, "/?lang=ja&surface=quadratic&b=10&steps=300&rate=0&run=sgd,lr=0.15&run=sgd,lr=0.25", true},
		{"phone", phone390, "/?surface=quadratic&b=10&steps=300&rate=0&run=sgd,lr=0.15&run=sgd,lr=0.25", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tb := newTab(t, c.vp)
			tb.open(c.path)
			if c.play {
				tb.play()
				tb.waitAllDone(15 * time.Second)
				tb.frames(3)
				if st := eval[string](tb, `__lab.runs.map((d) => d.status).join(' ')`); st != "converged diverged" {
					t.Logf("statuses: %s", st)
				}
			}
			if c.name == "lesson" {
				tb.waitFor("the lesson banner", `!document.getElementById('lesson').hidden`, 5*time.Second, "")
			}
			for _, v := range axeRun(tb, src) {
				t.Errorf("axe %s (%s): %s\n    %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, "\n    "))
			}
		})
	}
}
