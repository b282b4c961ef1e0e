package server

import (
	"sync"
	"time"
)

// frameClock is the frame clock the streaming sessions of a server share:
// one goroutine and one timer wake them all, instead of a time.Ticker per
// session, whose runtime timer fires (and wakes an idle processor) for each
// session's frame on its own.
//
// Every session keeps its own schedule: its frames are due a whole frame
// period apart from the moment it started streaming, as with a ticker, and
// it receives each frame's due time, as a ticker sends the time a tick was
// scheduled for, so a session's frames carry the same points in the same
// order whatever other sessions do. The clock divides the period into slots
// of at most clockSlot and wakes once at the end of each slot that holds a
// session, sending every session due in it its due time: a frame is never
// sent before it is due, at most clockSlot after, and the sessions of a slot
// are woken together. With 2000 sessions at 30 frames a second that is at
// most 2,000 wake-ups of the clock a second instead of 60,000 timers.
//
// A session that has not taken its last due time when the next is due misses
// that one (the channel holds one), as a ticker drops ticks for a slow
// receiver; its next frame then carries the points of both. The goroutine
// runs only while some session streams.
type frameClock struct {
	period time.Duration
	slots  int       // slots per period, each at most clockSlot long
	epoch  time.Time // the start of cycle 0

	mu      sync.Mutex
	buckets [][]*clockTick // per slot, the sessions due in it
	n       int            // sessions on the clock
	running bool           // the clock's goroutine runs
	cycle   int64          // the next slot to fire: slot of cycle
	slot    int
	kick    chan struct{} // a session was added or the last one left: the goroutine's sleep is wrong
}

// clockSlot bounds how late the clock sends a frame's due time: 0.5 ms, a
// small part of a frame period (33 ms at 30 frames a second), so a step
// message's points still come within a frame interval and a third.
const clockSlot = 500 * time.Microsecond

// clockTick is a session's place on the clock.
type clockTick struct {
	C    chan time.Time // the due time of the next frame (capacity 1)
	due  time.Time      // the next due time not yet sent
	slot int            // its slot (the due time's offset in the period)
	idx  int            // its index in buckets[slot]
	on   bool           // on the clock
}

func newClockTick() clockTick { return clockTick{C: make(chan time.Time, 1)} }

func newFrameClock(period time.Duration) *frameClock {
	period = max(period, time.Microsecond)
	slots := int((period + clockSlot - 1) / clockSlot)
	return &frameClock{period: period, slots: slots, epoch: time.Now(),
		buckets: make([][]*clockTick, slots), kick: make(chan struct{}, 1)}
}

// slotAt returns the cycle and slot of time t: slot j of a cycle runs from
// slotStart(j) (included) to slotStart(j+1) (excluded).
func (c *frameClock) slotAt(t time.Time) (int64, int) {
	o := int64(t.Sub(c.epoch))
	p := int64(c.period)
	cy, r := o/p, o%p
	if r < 0 { // before the epoch (not reached: ticks are due after it)
		cy, r = cy-1, r+p
	}
	return cy, int(r * int64(c.slots) / p)
}

// slotStart is the offset of slot j in a period, rounded up to a nanosecond
// so that the times of slot j are exactly those slotAt puts in it.
func (c *frameClock) slotStart(j int) int64 {
	p := int64(c.period)
	return (int64(j)*p + int64(c.slots) - 1) / int64(c.slots)
}

// end returns the end of slot j of cycle cy, when the clock fires it.
func (c *frameClock) end(cy int64, j int) time.Time {
	return c.epoch.Add(time.Duration(cy*int64(c.period) + c.slotStart(j+1)))
}

// start puts t on the clock with its first frame due at due (not before now).
func (c *frameClock) start(t *clockTick, due time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.on {
		c.remove(t)
	}
	_, j := c.slotAt(due)
	t.due, t.slot, t.idx, t.on = due, j, len(c.buckets[j]), true
	c.buckets[j] = append(c.buckets[j], t)
	c.n++
	if !c.running {
		c.running = true
		c.cycle, c.slot = c.slotAt(time.Now())
		go c.run()
		return
	}
	c.wake() // t may be due before the slot the goroutine sleeps until
}

// stop takes t off the clock; t.C holds no due time afterwards.
func (c *frameClock) stop(t *clockTick) {
	c.mu.Lock()
	if t.on {
		c.remove(t)
		if c.n == 0 && c.running {
			c.wake() // the goroutine returns now rather than at its next slot
		}
	}
	c.mu.Unlock()
	select {
	case <-t.C:
	default:
	}
}

// wake makes the clock's goroutine look at its sessions again.
func (c *frameClock) wake() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *frameClock) remove(t *clockTick) {
	b := c.buckets[t.slot]
	last := len(b) - 1
	b[t.idx], b[last].idx = b[last], t.idx
	b[last] = nil
	c.buckets[t.slot] = b[:last]
	if cap(b) > 64 && last < cap(b)/4 {
		c.buckets[t.slot] = append([]*clockTick(nil), b[:last]...)
	}
	t.on = false
	c.n--
}

// run is the clock's goroutine: it fires the slots that have ended, sleeps
// until the end of the next slot that holds a session, and returns when no
// session is on the clock.
func (c *frameClock) run() {
	var timer *time.Timer
	for {
		c.mu.Lock()
		if c.n == 0 {
			c.running = false
			c.mu.Unlock()
			if timer != nil {
				timer.Stop()
			}
			return
		}
		now := time.Now()
		c.fire(now)
		wait := c.nextEnd().Sub(now)
		c.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(wait)
		} else {
			timer.Reset(wait)
		}
		select {
		case <-timer.C:
		case <-c.kick:
		}
	}
}

// fire sends their due time to the sessions of every slot that has ended by
// now, once per slot: a clock more than a period behind fires each slot once.
func (c *frameClock) fire(now time.Time) {
	if now.Sub(c.end(c.cycle, c.slot)) >= c.period {
		cy, j := c.slotAt(now)
		c.cycle, c.slot = cy-1, j // the slot of now a period ago: every slot once
	}
	for !c.end(c.cycle, c.slot).After(now) {
		for _, t := range c.buckets[c.slot] {
			if t.due.After(now) {
				continue // started during this cycle: due in the next
			}
			select {
			case t.C <- t.due:
			default: // the session has not taken the last one: this one is missed
			}
			// The next due time after now, skipping missed ones, as a ticker does.
			t.due = t.due.Add(c.period * (1 + now.Sub(t.due)/c.period))
		}
		if c.slot++; c.slot == c.slots {
			c.slot, c.cycle = 0, c.cycle+1
		}
	}
}

// nextEnd returns the end of the next slot that holds a session (c.n > 0).
func (c *frameClock) nextEnd() time.Time {
	cy, j := c.cycle, c.slot
	for range c.slots {
		if len(c.buckets[j]) > 0 {
			break
		}
		if j++; j == c.slots {
			j, cy = 0, cy+1
		}
	}
	return c.end(cy, j)
}
