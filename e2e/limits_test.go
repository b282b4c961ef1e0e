package e2e

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lrlab/server"
)

// TestPageHonoursServerLimits (issue 10): the page takes its limits from
// the server it came from. Started with -max-runs 3, it offers no fourth run
// and says why; with -max-steps 500, the steps field refuses 600 with a
// message beside it and sends nothing.
func TestPageHonoursServerLimits(t *testing.T) {
	requireBrowser(t)
	hs := httptest.NewServer(server.NewServer(slog.New(slog.DiscardHandler), server.Config{MaxRuns: 3, MaxSteps: 500}))
	defer hs.Close()

	tb := newTab(t, desktop)
	tb.do("navigate", chromedp.Navigate(hs.URL+"/?surface=quadratic&b=10&steps=200&run=sgd,lr=0.05&run=sgd,lr=0.1"))
	tb.waitFor("page ready", `document.body.dataset.ready === '1' && document.getElementById('conn').dataset.state === 'open'`, 15*time.Second, "")

	if n := eval[int](tb, `__lab.state.runs.length`); n != 2 {
		t.Fatalf("the link's two runs gave %d", n)
	}
	tb.click("#add-run")
	tb.frames(2)
	if n := eval[int](tb, `__lab.state.runs.length`); n != 3 {
		t.Fatalf("after Add run: %d runs, want 3", n)
	}
	if !eval[bool](tb, `document.getElementById('add-run').disabled`) {
		t.Error("with 3 runs on a server of -max-runs 3 the Add run button is still enabled")
	}
	if s := eval[string](tb, `[...document.querySelectorAll('#legend .note')].filter((e) => !e.hidden).map((e) => e.textContent).join(' ')`); !strings.Contains(s, "At most 3 runs") {
		t.Errorf("the legend says %q; want that at most 3 runs are allowed", s)
	}
	tb.click("#add-run")
	tb.frames(2)
	if n := eval[int](tb, `__lab.state.runs.length`); n != 3 {
		t.Errorf("Add run on a full legend gave %d runs", n)
	}

	// The steps field: 600 refused beside it, 400 taken.
	set := func(v string) {
		eval[bool](tb, `(() => { const s = document.getElementById('steps'); s.value = '`+v+`'; s.dispatchEvent(new Event('change')); return true; })()`)
		tb.frames(2)
	}
	set("600")
	msg := `(() => { const s = document.getElementById('steps'); const m = document.getElementById((s.getAttribute('aria-describedby') || '').split(' ').pop()); return s.getAttribute('aria-invalid') + '|' + (m && !m.hidden ? m.textContent : ''); })()`
	if s := eval[string](tb, msg); !strings.HasPrefix(s, "true|") || !strings.Contains(s, "500") {
		t.Errorf("steps 600 on a server of -max-steps 500: field and message %q; want it refused, naming 500", s)
	}
	if n := eval[int](tb, `__lab.state.steps`); n != 200 {
		t.Errorf("the refused 600 changed the scenario's steps to %d", n)
	}
	set("400")
	if s := eval[string](tb, msg); s != "null|" {
		t.Errorf("steps 400: field and message %q; want it taken", s)
	}
	if n := eval[int](tb, `__lab.state.steps`); n != 400 {
		t.Errorf("steps 400 gave the scenario %d steps", n)
	}
}
