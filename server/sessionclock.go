package server

import (
	"context"
	"math"
	"time"

	"lrlab/sim"
)

// setCosts sets each run's step cost on the session's surface, its batch
// size included (a mini-batch of B rows of linreg costs 1 + B/3, where the
// whole data's costs 1), and the session's stepCost, the dearest of them.
func (s *session) setCosts() {
	s.stepCost = 1
	for _, lr := range s.runs {
		lr.cost = stepCostBatch(s.surf, lr.run.Config().BatchSize)
		s.stepCost = max(s.stepCost, lr.cost)
	}
}

// frameInterval is the time between frames, rounded up to whole
// nanoseconds: a session receives the time each frame was due, and a frame
// due a fraction of a nanosecond before the point it should carry (1/30 s
// is 33,333,333.3 ns) would leave that point, due a whole step after the
// one before, to the next frame: 16.7 ms late at 60 steps/s.
func (s *session) frameInterval() time.Duration { return frameInterval(s.cfg.FrameRate) }

func frameInterval(frameRate float64) time.Duration {
	return time.Duration(math.Ceil(float64(time.Second) / frameRate))
}

// running reports whether any run has steps left.
func (s *session) running() bool {
	for _, r := range s.runs {
		if r.run.Status() == sim.StatusRunning {
			return true
		}
	}
	return false
}

// updateTicker keeps the session on the server's frame clock only while
// there is something to step, so idle sessions cost nothing. Its frames are
// due a whole frame interval apart from the moment it became active.
func (s *session) updateTicker() {
	active := s.running() && (!s.paused || s.pending > 0)
	switch {
	case active && !s.ticking:
		if s.clock == nil { // a session made outside handleWS (tests)
			s.clock = newFrameClock(s.frameInterval())
		}
		s.last = time.Now()
		s.budget = 0
		s.clock.start(&s.beat, s.last.Add(s.frameInterval()))
	case !active && s.ticking:
		s.clock.stop(&s.beat)
	}
	s.ticking = active
}

// catchUp adds to the budget the steps the rate owes since the last update.
func (s *session) catchUp(now time.Time) {
	if !s.paused && s.rate > 0 && s.running() {
		s.budget += s.rate * now.Sub(s.last).Seconds()
	}
	s.last = now
}

// tick advances every run by the steps due (lock-step), then sends them as
// one frame and the done messages of runs that ended.
func (s *session) tick(ctx context.Context, now time.Time) error {
	limit := s.frameLimit()
	n := 0
	if !s.paused {
		if s.rate == 0 {
			n = limit
		} else {
			s.catchUp(now)
			s.budget = min(s.budget, float64(limit))
			n = int(s.budget)
			s.budget -= float64(n)
		}
	}
	s.last = now
	extra := max(min(s.pending, limit-n), 0)
	if cut := n + extra - s.affordable(n+extra, now); cut > 0 {
		// Over the IP's work budget: step messages wait, the rate's steps
		// are owed (the budget is capped at a frame's points above).
		back := min(cut, extra)
		extra -= back
		n -= cut - back
		s.budget += float64(cut - back)
	}
	s.pending -= extra
	n += extra
	if n > 0 {
		s.advance(n)
	}
	if err := s.flush(ctx); err != nil {
		return err
	}
	s.updateTicker()
	return nil
}

// affordable returns how many of n steps per running run the client IP's
// work budget pays for now, and takes them from it. Only steps dearer than a
// built-in surface's are charged (a custom formula, a data surface summing
// over rows or mini-batches): a frame on a built-in surface costs at most
// maxFramePoints units, and its sessions stay free of the shared limiter.
func (s *session) affordable(n int, now time.Time) int {
	if n <= 0 || s.work == nil || s.stepCost <= 1 {
		return n
	}
	per := 0
	for _, r := range s.runs {
		if r.run.Status() == sim.StatusRunning {
			per += r.cost
		}
	}
	if per == 0 {
		return n
	}
	got := s.work.take(s.ip, int64(n*per), now)
	steps := int(got / int64(per))
	if rest := got - int64(steps*per); rest > 0 {
		s.work.refund(s.ip, rest, now)
	}
	return steps
}

// advance takes n steps in every run that is still running.
func (s *session) advance(n int) {
	steps := 0
	hint := s.colsHint()
	for _, lr := range s.runs {
		r := lr.run
		for i := 0; i < n && r.Status() == sim.StatusRunning; i++ {
			shown := r.Step()
			steps++
			if shown {
				cur := r.Current()
				lr.push(&cur, s.testLoss, s.batchLoss, hint)
				lr.formula = cur.Gauge.Formula // here, not in push: storing it through &cur would move cur to the heap
			}
		}
	}
	s.m.simSteps.Add(float64(steps))
}

// pointsPerFrame is the number of points a run takes per frame at the
// session's rate, rounded up, plus one for the jitter of the frame clock.
func (s *session) pointsPerFrame() int {
	if s.rate == 0 {
		return s.frameLimit()
	}
	return min(int(math.Ceil(s.rate/s.cfg.FrameRate))+1, s.frameLimit())
}

// maxFramePoints bounds the points of one frame of a session, all runs
// together: a frame's points are held twice while it is written (as
// columns, 48 or 56 bytes a point, and as JSON, about 130), so a client that
// stops reading holds at most about 200 KB of heap in its session. At 30
// frames a second that is 30,720 points a second, shared by the runs.
const maxFramePoints = 1024

// maxFrameWork bounds the work of one frame of a session in work units
// (cost.go; about 2 ms): on a dear formula a session streams fewer steps a
// second instead of taking a core.
const maxFrameWork = 20_000

// frameLimit is the points one run may add to a frame: MaxPointsPerFrame,
// and the session's maxFramePoints and maxFrameWork shared among its runs.
func (s *session) frameLimit() int {
	runs := max(len(s.runs), 1)
	return max(1, min(s.cfg.MaxPointsPerFrame, maxFramePoints/runs, maxFrameWork/(runs*max(s.stepCost, 1))))
}

// colsHint is the capacity a run's columns start with: a frame's points
// at the session's rate.
func (s *session) colsHint() int { return s.stride() * s.pointsPerFrame() }
