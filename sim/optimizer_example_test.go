package sim_test

import (
	"errors"
	"fmt"

	"lrlab/sim"
)

// SGD with momentum 0.9 on f = ½(x² + 10y²), three steps from (1, −2).
func ExampleNewOptimizer() {
	c := sim.DefaultOptimizer(sim.OptSGD, 0.1)
	c.Momentum = 0.9
	opt, err := sim.NewOptimizer(c)
	if err != nil {
		fmt.Println(err)
		return
	}
	p := sim.Point{X: 1, Y: -2}
	for range 3 {
		g := sim.Point{X: p.X, Y: 10 * p.Y} // ∇f(p)
		p = opt.Step(p, g, c.LR)
		v := opt.Velocity()
		fmt.Printf("p = (%.3f, %.3f)  velocity = (%.3f, %.3f)\n", p.X, p.Y, v.X, v.Y)
	}
	// Output:
	// p = (0.900, 0.000)  velocity = (1.000, -20.000)
	// p = (0.720, 1.800)  velocity = (1.800, -18.000)
	// p = (0.486, 1.620)  velocity = (2.340, 1.800)
}

// Bad settings come back as *sim.FieldError naming the setting.
func ExampleNewOptimizer_errors() {
	c := sim.DefaultOptimizer(sim.OptSGD, 0.1)
	c.Momentum = 1.2
	_, err := sim.NewOptimizer(c)
	fmt.Println(err)

	_, err = sim.NewOptimizer(sim.OptimizerConfig{Name: "sgdd", LR: 0.1})
	fmt.Println(err)
	fmt.Println(errors.Is(err, sim.ErrUnknownOptimizer))
	// Output:
	// momentum: must be in [0, 1), got 1.2
	// name: unknown optimizer "sgdd"; allowed: sgd, adam, adamw, rmsprop, adagrad
	// true
}
