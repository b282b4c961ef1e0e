package server

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestFrameClock checks in fake time that the shared clock gives each
// session the due times a ticker of its own would (a whole period apart
// from its start), never before they are due and at most clockSlot after,
// that a session which does not take one misses it as a ticker drops a
// tick, and that stop leaves nothing in the channel.
func TestFrameClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		period := frameInterval(30)
		c := newFrameClock(period)
		const poll = 100 * time.Microsecond
		ticks := make([]clockTick, 5)
		starts := make([]time.Time, len(ticks))
		next := make([]int, len(ticks)) // the frame each session waits for
		for k := range 2000 {           // 200 ms
			if i := k / 70; k%70 == 0 && i < len(ticks) { // phases 7 ms apart: two in one slot
				ticks[i] = newClockTick()
				starts[i], next[i] = time.Now(), 1
				c.start(&ticks[i], starts[i].Add(period))
			}
			for i := range ticks {
				if next[i] == 0 {
					continue
				}
				select {
				case due := <-ticks[i].C:
					want := starts[i].Add(time.Duration(next[i]) * period)
					if !due.Equal(want) {
						t.Fatalf("session %d frame %d: due %v after its start, want %v", i, next[i], due.Sub(starts[i]), want.Sub(starts[i]))
					}
					if late := time.Since(due); late < 0 || late > clockSlot+poll { // read every poll
						t.Fatalf("session %d frame %d received %v after it was due", i, next[i], late)
					}
					next[i]++
				default:
				}
			}
			time.Sleep(poll)
		}
		if next[0] != 6 || next[4] != 6 {
			t.Fatalf("sessions 0 and 4 got %d and %d frames in 200 ms, want 5 and 5", next[0]-1, next[4]-1)
		}

		// Not taken for 3 periods: one due time waits (the first missed), the
		// next comes a whole period after the last one sent.
		for i := range ticks {
			for len(ticks[i].C) > 0 {
				<-ticks[i].C
				next[i]++
			}
		}
		time.Sleep(3 * period)
		due := <-ticks[0].C
		if want := starts[0].Add(time.Duration(next[0]) * period); !due.Equal(want) {
			t.Errorf("after 3 missed periods: due %v, want %v", due.Sub(starts[0]), want.Sub(starts[0]))
		}
		if len(ticks[0].C) != 0 {
			t.Errorf("%d due times held, want at most 1", len(ticks[0].C)+1)
		}
		next2 := <-ticks[0].C
		if d := next2.Sub(due); d <= period || d%period != 0 {
			t.Errorf("the frame after a miss is due %v later, want whole periods", d)
		}

		for i := range ticks {
			c.stop(&ticks[i])
			if len(ticks[i].C) != 0 {
				t.Errorf("session %d: a due time after stop", i)
			}
		}
		time.Sleep(time.Second)
		for i := range ticks {
			if len(ticks[i].C) != 0 {
				t.Errorf("session %d: a due time after stop", i)
			}
		}
		// Restarted, a session's frames are due from its new start.
		at := time.Now()
		c.start(&ticks[1], at.Add(period))
		if due := <-ticks[1].C; !due.Equal(at.Add(period)) || time.Since(due) > clockSlot {
			t.Errorf("restarted: due %v after the start, received %v later", due.Sub(at), time.Since(due))
		}
		c.stop(&ticks[1])
		synctest.Wait() // the clock's goroutine has returned
	})
}
