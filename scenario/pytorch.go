package scenario

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"lrlab/sim"
)

// surfaceFormula returns the surface as a formula in the language of the
// custom surface (sim/expr), with its parameters filled in, or false when
// the surface has no such formula here.
func surfaceFormula(c sim.SurfaceConfig) (string, bool) {
	p := func(name string) string {
		v, ok := c.Params[name]
		if !ok {
			if info, known := catalogEntry(c.Name); known {
				if pi, ok := paramInfo(info, name); ok {
					v = pi.Default
				}
			}
		}
		return formatShort(v)
	}
	switch c.Name {
	case "quadratic", "rotated_bowl":
		th := c.Params["theta"]
		if th == 0 {
			return fmt.Sprintf("0.5*(%s*x^2 + %s*y^2)", p("a"), p("b")), true
		}
		cs, sn := formatShort(math.Cos(th)), formatShort(math.Sin(th))
		return fmt.Sprintf("0.5*(%s*(%s*x + %s*y)^2 + %s*(-%s*x + %s*y)^2)", p("a"), cs, sn, p("b"), sn, cs), true
	case "rosenbrock":
		return fmt.Sprintf("(%s - x)^2 + %s*(y - x^2)^2", p("a"), p("b")), true
	case "himmelblau":
		return "(x^2 + y - 11)^2 + (x + y^2 - 7)^2", true
	case "beale":
		return "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2", true
	case "sharp_flat":
		return fmt.Sprintf("1 + 0.1/2*((x - 1.5)^2 + (y + 0.5)^2) - 0.7*exp(-((x - 1.5)^2 + (y + 0.5)^2)/(2*%s^2))"+
			" - 1.1*exp(-((x + 0.9)^2 + (y - 0.7)^2)/(2*%s^2))", p("wf"), p("ws")), true
	case "local_minimum":
		f := "sqrt(1 + (x - 1.5)^2 + y^2) - 1"
		if c.Params["depth"] > 0 {
			f += fmt.Sprintf(" - %s*exp(-(x + 0.5)^2/(2*%s^2))", p("depth"), p("width"))
		}
		return f, true
	case "saddle":
		return fmt.Sprintf("0.5*%s*(x^2 - y^2) + 0.25*y^4", p("scale")), true
	case "bilinear":
		return "x*y", true
	case "stable_game":
		return fmt.Sprintf("x*y + %s/2*(x^2 - y^2)", p("c")), true
	case "uv":
		return "0.5*(x*y - 1)^2", true
	case "eos":
		return "0.25*(x^2*y^2 - 1)^2", true
	case "river":
		return fmt.Sprintf("0.5*%s*y^2 + %s*0.1*(sqrt(1 + (x/0.1)^2) - 1)", p("b"), p("s")), true
	case sim.SurfaceCustom:
		return c.Formula, true
	}
	return "", false
}

// pyFunctions maps the formula language's functions to PyTorch's.
var pyFunctions = map[string]string{
	"sin": "torch.sin", "cos": "torch.cos", "tan": "torch.tan",
	"asin": "torch.asin", "acos": "torch.acos", "atan": "torch.atan",
	"exp": "torch.exp", "log": "torch.log", "log10": "torch.log10",
	"sqrt": "torch.sqrt", "abs": "torch.abs",
	"tanh": "torch.tanh", "sinh": "torch.sinh", "cosh": "torch.cosh",
	"min": "torch.minimum", "max": "torch.maximum", "pow": "torch.pow",
}

// pythonExpr translates a formula of the custom surface's language into a
// Python expression in the tensors x and y. The two languages agree on
// precedence (** binds tighter than a unary minus on its left and is
// right-associative), so the translation is token by token: ^ becomes **,
// pi and e come from math, and every function argument is made a tensor so
// that a call on constants works too.
func pythonExpr(src string) (string, error) {
	src = strings.NewReplacer("−", "-", "×", "*", "·", "*", "÷", "/", "π", "pi").Replace(src)
	t := &pyTranslator{rs: []rune(src)}
	for t.i < len(t.rs) {
		r := t.rs[t.i]
		var err error
		switch {
		case unicode.IsSpace(r):
			t.i++
		case r >= '0' && r <= '9' || r == '.':
			err = t.number()
		case unicode.IsLetter(r) || r == '_':
			err = t.name()
		default:
			err = t.punct(r)
		}
		if err != nil {
			return "", err
		}
	}
	if t.depth != 0 {
		return "", fmt.Errorf("unbalanced '('")
	}
	if t.b.Len() == 0 {
		return "", fmt.Errorf("empty formula")
	}
	return t.b.String(), nil
}

// pyTranslator is a formula while pythonExpr translates it, token by token.
type pyTranslator struct {
	rs      []rune
	i       int // the next rune
	b       strings.Builder
	calls   []int // paren depth at which each open function call started
	depth   int
	operand bool // the last token ends an operand (so + and - are binary)
}

// isDigit reports whether rune k exists and is a decimal digit.
func (t *pyTranslator) isDigit(k int) bool { return k < len(t.rs) && t.rs[k] >= '0' && t.rs[k] <= '9' }

// number copies a number, with its exponent if it has one.
func (t *pyTranslator) number() error {
	j := t.i
	for j < len(t.rs) && (t.isDigit(j) || t.rs[j] == '.') {
		j++
	}
	if j < len(t.rs) && (t.rs[j] == 'e' || t.rs[j] == 'E') {
		k := j + 1
		if k < len(t.rs) && (t.rs[k] == '+' || t.rs[k] == '-') {
			k++
		}
		if t.isDigit(k) {
			for t.isDigit(k) {
				k++
			}
			j = k
		}
	}
	num := string(t.rs[t.i:j])
	if _, err := strconv.ParseFloat(num, 64); err != nil {
		return fmt.Errorf("bad number %q", num)
	}
	t.b.WriteString(num)
	t.i, t.operand = j, true
	return nil
}

// name translates a function call's name, a variable or a constant.
func (t *pyTranslator) name() error {
	j := t.i
	for j < len(t.rs) && (unicode.IsLetter(t.rs[j]) || unicode.IsDigit(t.rs[j]) || t.rs[j] == '_') {
		j++
	}
	name := string(t.rs[t.i:j])
	k := j
	for k < len(t.rs) && unicode.IsSpace(t.rs[k]) {
		k++
	}
	if fn, ok := pyFunctions[name]; ok && k < len(t.rs) && t.rs[k] == '(' {
		t.b.WriteString(fn + "(_t(")
		t.depth++
		t.calls = append(t.calls, t.depth)
		t.i, t.operand = k+1, false
		return nil
	}
	switch name {
	case "x", "y":
		t.b.WriteString(name)
	case "pi", "e":
		t.b.WriteString("math." + name)
	default:
		return fmt.Errorf("unknown name %q", name)
	}
	t.i, t.operand = j, true
	return nil
}

// inCall reports whether the innermost open parenthesis is a call's.
func (t *pyTranslator) inCall() bool {
	n := len(t.calls)
	return n > 0 && t.calls[n-1] == t.depth
}

// punct translates a parenthesis, a comma or an operator.
func (t *pyTranslator) punct(r rune) error {
	operand := false
	switch {
	case r == '(':
		t.depth++
		t.b.WriteByte('(')
	case r == ')':
		if t.depth == 0 {
			return fmt.Errorf("unbalanced ')'")
		}
		if t.inCall() {
			t.b.WriteString("))")
			t.calls = t.calls[:len(t.calls)-1]
		} else {
			t.b.WriteByte(')')
		}
		t.depth--
		operand = true
	case r == ',':
		if !t.inCall() {
			return fmt.Errorf("',' outside a function call")
		}
		t.b.WriteString("), _t(")
	case r == '^':
		t.b.WriteString("**")
	case r == '*' || r == '/':
		if r == '*' && t.i+1 < len(t.rs) && t.rs[t.i+1] == '*' {
			return fmt.Errorf("'**' is not in the formula language")
		}
		t.b.WriteRune(r)
	case r == '+' || r == '-':
		if t.operand {
			t.b.WriteString(" " + string(r) + " ")
		} else {
			t.b.WriteRune(r)
		}
	default:
		return fmt.Errorf("unexpected %q", r)
	}
	t.i, t.operand = t.i+1, operand
	return nil
}

// pyNumber writes v as a Python float literal that reads back exactly
// ("1.0", "0.19", "1e-8").
func pyNumber(v float64) string {
	switch {
	case math.IsNaN(v):
		return "math.nan"
	case math.IsInf(v, 1):
		return "math.inf"
	case math.IsInf(v, -1):
		return "-math.inf"
	}
	s := formatShort(v)
	if !strings.ContainsAny(s, ".e") {
		s += ".0" // a float literal: torch.tensor([1]) would be an integer tensor
	}
	return s
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// pyOptimizer returns the constructor call of c's PyTorch optimizer on the
// parameter list params.
func pyOptimizer(c sim.OptimizerConfig, params string) string {
	args := []string{params, "lr=" + pyNumber(c.LR)}
	for _, k := range optimizerKeys[c.Name][1:] {
		switch v := optimizerField(&c, k).(type) {
		case *float64:
			args = append(args, k+"="+pyNumber(*v))
		case *bool:
			args = append(args, k+"="+pyBool(*v))
		case *[2]float64:
			args = append(args, fmt.Sprintf("%s=(%s, %s)", k, pyNumber(v[0]), pyNumber(v[1])))
		}
	}
	class := map[string]string{sim.OptSGD: "SGD", sim.OptAdam: "Adam", sim.OptAdamW: "AdamW",
		sim.OptRMSprop: "RMSprop", sim.OptAdagrad: "Adagrad"}[c.Name]
	return "torch.optim." + class + "(" + strings.Join(args, ", ") + ")"
}

// pyScheduler returns the constructor call of c's PyTorch scheduler on the
// optimizer opt, or "None" for the constant LR.
func pyScheduler(c sim.SchedulerConfig, lr float64, steps int) string {
	const ls = "torch.optim.lr_scheduler."
	ints := func(v []int) string {
		parts := make([]string, len(v))
		for i, n := range v {
			parts[i] = strconv.Itoa(n)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	n, i := pyNumber, strconv.Itoa
	switch c.Name {
	case sim.SchedStep:
		return ls + "StepLR(opt, step_size=" + i(c.StepSize) + ", gamma=" + n(c.Gamma) + ")"
	case sim.SchedMultiStep:
		return ls + "MultiStepLR(opt, milestones=" + ints(c.Milestones) + ", gamma=" + n(c.Gamma) + ")"
	case sim.SchedExponential:
		return ls + "ExponentialLR(opt, gamma=" + n(c.Gamma) + ")"
	case sim.SchedCosine:
		return ls + "CosineAnnealingLR(opt, T_max=" + i(c.TMax) + ", eta_min=" + n(c.EtaMin) + ")"
	case sim.SchedCosineRestarts:
		return ls + "CosineAnnealingWarmRestarts(opt, T_0=" + i(c.T0) + ", T_mult=" + i(c.TMult) + ", eta_min=" + n(c.EtaMin) + ")"
	case sim.SchedLinear:
		return ls + "LinearLR(opt, start_factor=" + n(c.StartFactor) + ", end_factor=" + n(c.EndFactor) + ", total_iters=" + i(c.TotalIters) + ")"
	case sim.SchedWarmupCosine:
		cos := ls + "CosineAnnealingLR(opt, T_max=" + i(steps-c.WarmupSteps) + ", eta_min=" + n(c.EtaMin) + ")"
		if c.WarmupSteps == 0 {
			return cos
		}
		return ls + "SequentialLR(opt, schedulers=[\n        " +
			ls + "LinearLR(opt, start_factor=" + n(c.StartFactor) + ", end_factor=1.0, total_iters=" + i(c.WarmupSteps) + "),\n        " +
			cos + "],\n    milestones=[" + i(c.WarmupSteps) + "])"
	case sim.SchedOneCycle:
		maxLR := c.MaxLR
		if maxLR == 0 {
			maxLR = lr
		}
		return ls + "OneCycleLR(opt, max_lr=" + n(maxLR) + ", total_steps=" + i(c.TotalSteps) + ", pct_start=" + n(c.PctStart) +
			", anneal_strategy=" + strconv.Quote(c.AnnealStrategy) + ",\n    cycle_momentum=" + pyBool(c.CycleMomentum) +
			", base_momentum=" + n(c.BaseMomentum) + ", max_momentum=" + n(c.MaxMomentum) + ", div_factor=" + n(c.DivFactor) +
			", final_div_factor=" + n(c.FinalDivFactor) + ", three_phase=" + pyBool(c.ThreePhase) + ")"
	case sim.SchedCyclic:
		maxLR := c.MaxLR
		if maxLR == 0 {
			maxLR = lr
		}
		baseLR := c.BaseLR
		if baseLR == 0 {
			baseLR = maxLR / 10
		}
		down := "None"
		if c.StepSizeDown != 0 {
			down = i(c.StepSizeDown)
		}
		return ls + "CyclicLR(opt, base_lr=" + n(baseLR) + ", max_lr=" + n(maxLR) + ", step_size_up=" + i(c.StepSizeUp) +
			", step_size_down=" + down + ",\n    mode=" + strconv.Quote(c.Mode) + ", gamma=" + n(c.Gamma) + ", cycle_momentum=False)"
	case sim.SchedWSD, sim.SchedSilver:
		return ls + "LambdaLR(opt, lr_lambda=" + pyLambda(c, lr, steps) + ")"
	}
	return "None"
}

// PyTorchSnippet returns a short Python script that runs run number run of
// s with PyTorch in float64: the surface as a torch function, the same
// optimizer and scheduler under their PyTorch names and arguments, the
// same start and number of steps, and the lab's divergence rule. It prints
// the point and loss every few steps. Gradient noise is drawn from
// torch's generator, so a noisy path differs from the lab's in detail.
// An index out of range gives a script that says so.
func PyTorchSnippet(s Scenario, run int) string {
	if run < 0 || run >= len(s.Runs) {
		return fmt.Sprintf("# The scenario has no run %d (it has %d).\n", run, len(s.Runs))
	}
	rc := s.Runs[run]
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	label := rc.Label
	if label == "" {
		label = fmt.Sprintf("run %d", run)
	}
	w("# %s on the %s surface, as the learning-rate lab runs it, in PyTorch (float64).\n", pyComment(label), pyComment(s.Surface.Name))
	if link := s.Encode(); len(link) < 400 {
		w("# Lab link query: ?%s\n", pyComment(link))
	}
	if sim.IsDataSurface(s.Surface.Name) {
		pyTorchData(s, run, w) // scenario/pytorch_data.go
		return b.String()
	}
	w("import math\n\nimport torch\n\ntorch.set_default_dtype(torch.float64)\n\n\n")

	formula, ok := surfaceFormula(s.Surface)
	py, err := pythonExpr(formula)
	if !ok || err != nil {
		w("def f(x, y):\n    raise NotImplementedError(%s)\n\n\n", strconv.Quote("no PyTorch definition of the surface "+s.Surface.Name))
	} else {
		w("def _t(v):\n    return torch.as_tensor(v, dtype=torch.float64)\n\n\n")
		w("def f(x, y):\n    # %s\n    return %s\n\n\n", pyComment(formula), py)
	}

	info, _ := surfaceInfo(s.Surface)
	game := info.Kind == sim.KindGame
	steps := s.Steps
	w("steps = %d\n", steps)
	if rc.Noise > 0 {
		w("sigma = %s  # gradient noise: g = grad f + sigma * N(0, I)\n", pyNumber(rc.Noise))
		w("gen = torch.Generator().manual_seed(%d)  # the lab uses its own generator: the noise differs in detail\n", rc.Seed)
	}
	noise := func(indent, target, n string) {
		if rc.Noise > 0 {
			w("%s%s.grad += sigma * torch.randn(%s, generator=gen)\n", indent, target, n)
		}
		if rc.ClipGradNorm > 0 {
			w("%storch.nn.utils.clip_grad_norm_([%s], max_norm=%s)\n", indent, target, pyNumber(rc.ClipGradNorm))
		}
	}
	if !game {
		w("p = torch.tensor([%s, %s], requires_grad=True)\n", pyNumber(rc.Start.X), pyNumber(rc.Start.Y))
		w("opt = %s\n", pyOptimizer(rc.Optimizer, "[p]"))
		w("sched = %s\n\n", pyScheduler(rc.Scheduler, rc.Optimizer.LR, steps))
		w("for t in range(steps):\n")
		w("    lr = opt.param_groups[0][\"lr\"]\n")
		w("    opt.zero_grad()\n    f(p[0], p[1]).backward()\n")
		noise("    ", "p", "2")
		w("    opt.step()\n")
		if rc.Scheduler.Name != sim.SchedConstant {
			w("    sched.step()\n")
		}
		w("    with torch.no_grad():\n        x, y = p.tolist()\n        loss = f(p[0], p[1]).item()\n")
	} else {
		y := rc.Optimizer
		if rc.OptimizerY != nil {
			y = *rc.OptimizerY
		}
		w("# A two-player game: x descends f, y ascends it (y's gradient is negated).\n")
		w("px = torch.tensor([%s], requires_grad=True)\n", pyNumber(rc.Start.X))
		w("py = torch.tensor([%s], requires_grad=True)\n", pyNumber(rc.Start.Y))
		w("opt = %s\n", pyOptimizer(rc.Optimizer, "[px]"))
		w("opt_y = %s\n", pyOptimizer(y, "[py]"))
		w("sched = %s  # drives x's LR; y's follows it scaled by lr_y/lr\n", pyScheduler(rc.Scheduler, rc.Optimizer.LR, steps))
		w("ratio = %s / %s\n\n", pyNumber(y.LR), pyNumber(rc.Optimizer.LR))
		w("for t in range(steps):\n")
		w("    lr = opt.param_groups[0][\"lr\"]\n")
		w("    for g in opt_y.param_groups:\n        g[\"lr\"] = lr * ratio\n")
		if rc.Scheduler.Name == sim.SchedOneCycle && rc.Scheduler.CycleMomentum {
			w("        m = opt.param_groups[0][\"betas\"][0] if \"betas\" in opt.param_groups[0] else opt.param_groups[0][\"momentum\"]\n")
			w("        if \"momentum\" in g:\n            g[\"momentum\"] = m  # onecycle cycles y's momentum too\n")
			w("        if \"betas\" in g:\n            g[\"betas\"] = (m, g[\"betas\"][1])\n")
		}
		w("    opt.zero_grad()\n    opt_y.zero_grad()\n    f(px, py).sum().backward()\n")
		noise("    ", "px", "1")
		if rc.Updates == sim.UpdatesAlternating {
			w("    opt.step()  # alternating: x moves first, y sees the new x\n")
			w("    opt_y.zero_grad()\n    f(px.detach(), py).sum().backward()\n")
			noise("    ", "py", "1")
			w("    py.grad.neg_()\n    opt_y.step()\n")
		} else {
			noise("    ", "py", "1")
			w("    py.grad.neg_()\n    opt.step()\n    opt_y.step()\n")
		}
		if rc.Scheduler.Name != sim.SchedConstant {
			w("    sched.step()\n")
		}
		w("    with torch.no_grad():\n        x, y = px.item(), py.item()\n        loss = f(px, py).item()\n")
	}
	every := max(1, steps/20)
	w("    if not all(map(math.isfinite, (x, y, loss))) or abs(loss) > 1e12 or max(abs(x), abs(y)) > 1e6:\n")
	w("        print(f\"diverged at step {t + 1}\")\n        break\n")
	w("    if (t + 1) %% %d == 0 or t + 1 == steps:\n", every)
	w("        print(f\"step {t + 1:5d}  lr {lr:.4g}  x {x: .6f}  y {y: .6f}  loss {loss:.6g}\")\n")
	return b.String()
}

// pyComment keeps s on one comment line.
func pyComment(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}
