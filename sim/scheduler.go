package sim

import "errors"

// NewScheduler checks c and returns the scheduler. (Placeholder: being written.)
func NewScheduler(c SchedulerConfig, lr float64, steps int, optimizer string) (Scheduler, error) {
	return nil, errors.New("sim: schedulers not written yet")
}
