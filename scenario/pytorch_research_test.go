package scenario

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lrlab/sim"
)

// TestPyTorchLambdaCurves evaluates with python3 the LambdaLR that "Copy as
// PyTorch" writes for wsd and silver (LambdaLR stubbed to return its
// lambda; LambdaLR sets lr = base_lr·lambda(t)) at every step 0 … steps,
// and compares it with sim's curve.
func TestPyTorchLambdaCurves(t *testing.T) {
	python := requirePython(t)
	const lr = 0.3
	silverSteps := []int{1, 7, 127, 300}
	var cases []sim.SchedulerConfig
	for _, steps := range silverSteps {
		cases = append(cases, sim.DefaultScheduler(sim.SchedSilver, steps))
	}
	for _, shape := range []string{sim.WSDLinear, sim.WSDCosine, sim.WSDOneMinusSqrt} {
		for _, wd := range [][2]int{{0, 0}, {0, 60}, {30, 0}, {30, 60}, {1, 1}, {100, 200}} {
			c := sim.DefaultScheduler(sim.SchedWSD, 300)
			c.WarmupSteps, c.DecaySteps, c.DecayShape, c.EtaMin = wd[0], wd[1], shape, 0.003
			cases = append(cases, c)
		}
	}
	var b strings.Builder
	b.WriteString("import math, types\n" +
		"torch = types.SimpleNamespace(optim=types.SimpleNamespace(lr_scheduler=types.SimpleNamespace(LambdaLR=lambda opt, lr_lambda: lr_lambda)))\n" +
		"opt = None\n" +
		"def check(name, lam, lr, want):\n" +
		"    for t, w in enumerate(want):\n" +
		"        got = lr * lam(t)\n" +
		"        if abs(got - w) > 1e-12 * max(1.0, abs(w)):\n" +
		"            raise SystemExit(f'{name} at step {t}: python {got!r}, sim {w!r}')\n")
	k := 0
	for i, c := range cases {
		steps := 300
		if c.Name == sim.SchedSilver {
			steps = silverSteps[i]
		}
		s, err := sim.NewScheduler(c, lr, steps, sim.OptSGD)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		want := make([]string, steps+1)
		for tt := range want {
			want[tt] = pyNumber(s.LR(tt))
		}
		call := pyScheduler(c, lr, steps)
		if !strings.HasPrefix(call, "torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda=lambda t: ") {
			t.Fatalf("%+v: %s", c, call)
		}
		fmt.Fprintf(&b, "check(%q, %s, %s, [%s])\n", fmt.Sprintf("%s %+v", c.Name, c), call, pyNumber(lr), strings.Join(want, ", "))
		k++
	}
	name := filepath.Join(t.TempDir(), "lambdas.py")
	if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(python, name).CombinedOutput(); err != nil {
		t.Errorf("%d lambdas against sim: %v\n%s", k, err, out)
	}
}
