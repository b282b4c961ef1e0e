package sim

import "errors"

// NewOptimizer checks c and returns a fresh optimizer. (Placeholder: being written.)
func NewOptimizer(c OptimizerConfig) (Optimizer, error) {
	return nil, errors.New("sim: optimizers not written yet")
}
