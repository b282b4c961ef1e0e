package server

// cost.go: the cost of a request, in work units, before it starts. A work
// unit is one optimizer step of a run on a built-in surface (gradient,
// update, then loss, ‖∇f‖ and λmax at the new point: about 0.1 µs on the
// project's machine). Every compute request (simulate, grid, analyses,
// previews) is estimated first; one over Config.SweepBudget gets 400 naming
// what to lower, and the estimate is charged to the client IP's work budget
// (Config.WorkPerMinute), past which it gets 429. The computation itself
// runs on a sim.Cancellable surface, so it stops within an evaluation when
// the request's deadline passes or its client leaves.

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/httprate"

	"lrlab/scenario"
	"lrlab/sim"
)

// formulaCost is the cost of an evaluation of s's formula
// (sim.FormulaCost), 0 for a built-in surface.
func formulaCost(s sim.Surface) int { return sim.FormulaCost(s) }

// costField is the field to blame when a surface's own cost makes a
// request too dear: its formula, or a data surface's rows; "" when a step
// costs one unit.
func costField(s sim.Surface) string {
	switch {
	case formulaCost(s) > 0:
		return "surface.formula"
	case sim.StepCost(s, 0) > 1 || sim.IsDataSurface(s.Info().Name):
		return "surface.data"
	}
	return ""
}

// stepCost is the cost of one optimizer step on s in work units: 1 on a
// built-in surface; on a custom formula, 1 plus a tenth of the formula's
// cost (one unit of expr's cost is about a tenth of a built-in step:
// go test ./sim/expr -run XXX -bench Cost), rounded up.
func stepCost(s sim.Surface) int { return stepCostBatch(s, 0) }

// stepCostBatch is stepCost with mini-batches of batch rows (0: the whole
// data): on a data surface a step costs sim.StepCost (it sums over rows).
func stepCostBatch(s sim.Surface, batch int) int {
	return sim.StepCost(s, batch) + (formulaCost(s)+9)/10
}

// gridWork is the cost of an nx×ny grid of s with its contours: a value
// alone (no derivatives) costs about a tenth of a step on a built-in
// surface and an eightieth of the formula's cost on a custom one.
func gridWork(s sim.Surface, nx, ny int) int64 {
	return (int64(nx)*int64(ny)*int64(8+formulaCost(s))*int64(sim.StepCost(s, 0)) + 79) / 80
}

// checkWork checks that the product of the terms times cost (work units
// each) is at most budget, and returns that work. Over the budget, the
// error (400) names the term furthest above its default, or formulaField
// when the formula's cost is a larger factor than that.
func checkWork(budget int64, cost int, formulaField string, terms []budgetTerm, advice string) (int64, error) {
	total := int64(1)
	parts := make([]string, len(terms))
	blame, worst := terms[len(terms)-1].field, 0.0
	for i, t := range terms {
		total *= int64(t.n)
		parts[i] = strconv.Itoa(t.n) + " " + t.counting
		if r := float64(t.n) / float64(max(t.def, 1)); r >= worst {
			blame, worst = t.field, r
		}
	}
	work := total * int64(cost)
	if work <= budget {
		return work, nil
	}
	each := ""
	if cost > 1 {
		why, lower := "the custom formula is interpreted", "simplify the formula (powers with a non-integer or variable exponent cost the most)"
		if formulaField == "surface.data" {
			why, lower = "a data surface sums over its rows", "use fewer rows or a smaller batch_size"
		}
		each = fmt.Sprintf(", each costing %d steps on a built-in surface (%s)", cost, why)
		if float64(cost) > worst && formulaField != "" { // the surface raises the work more than any setting
			blame = formulaField
			advice += ", or " + lower
		}
	}
	return 0, &sim.FieldError{Field: blame, Msg: fmt.Sprintf(
		"too much work for one request: %s = %d optimizer steps%s, and the server's work budget of one request (-sweep-budget) is %d; %s",
		strings.Join(parts, " × "), total, each, budget, advice)}
}

// scenarioWork checks the work of simulating every run of sc to its end on
// surf (runs × steps × stepCost, plus extra units per point for what is done
// with each, such as drawing it) against budget.
func scenarioWork(budget int64, sc scenario.Scenario, surf sim.Surface, extra int) (int64, error) {
	return checkWork(budget, stepCost(surf)+extra, costField(surf), []budgetTerm{
		{"runs", len(sc.Runs), 1, "runs"},
		{"steps", sc.Steps, scenario.DefaultSteps, "steps"},
	}, "lower steps or the number of runs")
}

// workLimiter is the work budget of each client IP (IPv6 by /64): a token
// bucket of perMinute work units refilled at perMinute a minute. Buckets
// that have refilled are forgotten, so its memory is bounded by the clients
// of the last minute.
type workLimiter struct {
	mu        sync.Mutex
	perMinute float64
	buckets   map[string]*workBucket
	m         *metrics
}

type workBucket struct {
	tokens float64
	last   time.Time
}

func newWorkLimiter(perMinute int64, m *metrics) *workLimiter {
	return &workLimiter{perMinute: float64(perMinute), buckets: map[string]*workBucket{}, m: m}
}

// charge takes work units from key's bucket. When there are too few, it
// takes nothing and returns how long until there will be enough.
func (l *workLimiter) charge(key string, work int64, now time.Time) (ok bool, retry time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rate := l.perMinute / 60 // per second
	if len(l.buckets) >= 4096 {
		for k, b := range l.buckets {
			if b.tokens+rate*now.Sub(b.last).Seconds() >= l.perMinute {
				delete(l.buckets, k)
			}
		}
	}
	b := l.bucket(key, now)
	w := min(float64(work), l.perMinute) // a request within the per-request budget always fits a full bucket
	if b.tokens >= w {
		b.tokens -= w
		return true, 0
	}
	return false, time.Duration(math.Ceil((w-b.tokens)/rate)) * time.Second
}

// take takes up to work units from key's bucket and returns how many it
// took (all of them, some, or none), for work that can be done in part.
func (l *workLimiter) take(key string, work int64, now time.Time) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, now)
	got := min(work, int64(b.tokens))
	b.tokens -= float64(max(got, 0))
	return max(got, 0)
}

// refund gives back work units taken and not used.
func (l *workLimiter) refund(key string, work int64, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, now)
	b.tokens = min(l.perMinute, b.tokens+float64(work))
}

// bucket returns key's bucket brought up to now. l.mu must be held.
func (l *workLimiter) bucket(key string, now time.Time) *workBucket {
	rate := l.perMinute / 60
	b := l.buckets[key]
	if b == nil {
		b = &workBucket{tokens: l.perMinute, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.perMinute, b.tokens+rate*now.Sub(b.last).Seconds())
	b.last = now
	return b
}

// chargeRequest charges work to r's client IP; over its budget it sets
// Retry-After and returns a 429 *Error.
func (l *workLimiter) chargeRequest(w http.ResponseWriter, r *http.Request, work int64) error {
	ok, retry := l.charge(httprate.CanonicalizeIP(clientIP(r)), work, time.Now())
	if ok {
		return nil
	}
	l.m.rejected.WithLabelValues(rejectWorkBudget).Inc()
	secs := max(int(retry/time.Second), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return errorf(http.StatusTooManyRequests, "", "too much computation from your address: at most %.0f work units a minute (one unit is an optimizer step on a built-in surface), and this request needs %d; try again in %d s",
		l.perMinute, work, secs)
}

// cancelAbove is the work (about 5 ms) above which a computation runs on a
// sim.Cancellable surface. Checking the context costs a few nanoseconds an
// evaluation, 40 % of a built-in surface's grid value, so a cheaper
// computation runs to its end instead: at most this much is spent after
// its request ends.
const cancelAbove = 50_000

// stoppable returns s on a sim.Cancellable wrapper tied to ctx when the
// computation's work is above cancelAbove, else s itself.
func stoppable(ctx context.Context, s sim.Surface, work int64) (sim.Surface, func()) {
	if work <= cancelAbove {
		return s, func() {}
	}
	return sim.Cancellable(ctx, s)
}
