package scenario

import (
	"strconv"

	"lrlab/sim"
)

// pyLambda returns the lr_lambda of the LambdaLR that "Copy as PyTorch"
// writes for the schedulers PyTorch has no class for: a Python lambda of
// the step t giving LR(t)/lr, the same factor sim's scheduler applies
// (TestPyTorchLambdaCurves evaluates it with python3 against sim).
func pyLambda(c sim.SchedulerConfig, lr float64, steps int) string {
	i, n := strconv.Itoa, pyNumber
	switch c.Name {
	case sim.SchedSilver:
		// h_i = 1 + ρ^(ν(i)−1) at i = t + 1; ν(i) = (i & −i).bit_length() − 1
		return "lambda t: 1 + (1 + math.sqrt(2)) ** (((t + 1) & -(t + 1)).bit_length() - 2)"
	case sim.SchedWSD:
		w, d := c.WarmupSteps, c.DecaySteps
		m := n(c.EtaMin / lr) // eta_min as a factor of lr
		var shape string
		p := "(t - " + i(steps-d) + ") / " + i(d)
		switch c.DecayShape {
		case sim.WSDLinear:
			shape = "(1 - " + p + ")"
		case sim.WSDCosine:
			shape = "0.5 * (1 + math.cos(math.pi * " + p + "))"
		default:
			shape = "(1 - math.sqrt(" + p + "))"
		}
		body := "1.0"
		if w > 0 {
			body = "(t + 1) / " + i(w) + " if t < " + i(w) + " else 1.0"
		}
		if d > 0 {
			body = m + " + (1 - " + m + ") * " + shape + " if t >= " + i(steps-d) + " else (" + body + ")"
		}
		return "lambda t: " + body
	}
	panic("scenario: no lambda for scheduler " + c.Name)
}
