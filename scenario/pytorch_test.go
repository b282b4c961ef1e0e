package scenario

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"lrlab/sim"
	"lrlab/sim/expr"
)

// samplePoints covers the views of the surfaces.
func samplePoints() []sim.Point {
	var ps []sim.Point
	for _, x := range []float64{-2.7, -1.3, -0.4, 0.3, 1.1, 2.9} {
		for _, y := range []float64{-2.2, -0.8, 0.6, 1.7} {
			ps = append(ps, sim.Point{X: x, Y: y})
		}
	}
	return ps
}

// surfaceConfigs lists every catalogued surface with its defaults and with
// its parameters moved away from them.
func surfaceConfigs() []sim.SurfaceConfig {
	var cs []sim.SurfaceConfig
	for _, info := range sim.Catalog() {
		if sim.IsDataSurface(info.Name) {
			continue // no formula: the script fits nn.Linear to the data (TestPyTorchData)
		}
		def := sim.SurfaceConfig{Name: info.Name, Params: map[string]float64{}}
		alt := sim.SurfaceConfig{Name: info.Name, Params: map[string]float64{}}
		for _, p := range info.Params {
			def.Params[p.Name] = p.Default
			alt.Params[p.Name] = p.Min + 0.37*(p.Max-p.Min)
		}
		cs = append(cs, def, alt)
	}
	return cs
}

// TestSurfaceFormulas checks the formula written for each surface against
// sim's own values, so the PyTorch scripts define the surface the lab uses.
func TestSurfaceFormulas(t *testing.T) {
	for _, c := range surfaceConfigs() {
		f, ok := surfaceFormula(c)
		if !ok {
			t.Errorf("%s: no formula; add it to surfaceFormula", c.Name)
			continue
		}
		prog, err := expr.Compile(f)
		if err != nil {
			t.Errorf("%s: formula %q: %v", c.Name, f, err)
			continue
		}
		surf, err := sim.NewSurface(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range samplePoints() {
			got, want := prog.Value(p.X, p.Y), surf.Value(p)
			if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Errorf("%s %v at (%g, %g): formula %.17g, sim %.17g", c.Name, c.Params, p.X, p.Y, got, want)
				break
			}
		}
	}
}

func TestPythonExpr(t *testing.T) {
	for src, want := range map[string]string{
		"x^2 + 10*y^2":       "x**2 + 10*y**2",
		"-x^2":               "-x**2",
		"x^-2 - -y":          "x**-2 - -y",
		"sin(x)*cos(y)":      "torch.sin(_t(x))*torch.cos(_t(y))",
		"max(x, 2*y) + pi":   "torch.maximum(_t(x), _t(2*y)) + math.pi",
		"e^(x/2)":            "math.e**(x/2)",
		"(1 − x)^2 + 5·y":    "(1 - x)**2 + 5*y",
		"sqrt(1 + (x-1)^2)":  "torch.sqrt(_t(1 + (x - 1)**2))",
		"pow(abs(x), 1.5e0)": "torch.pow(_t(torch.abs(_t(x))), _t(1.5e0))",
	} {
		got, err := pythonExpr(src)
		if err != nil || got != want {
			t.Errorf("pythonExpr(%q) = %q, %v; want %q", src, got, err, want)
		}
	}
	for _, bad := range []string{"x**2", "foo(x)", "z", "(x", "x)", "x, y", "", "x $ y"} {
		if got, err := pythonExpr(bad); err == nil {
			t.Errorf("pythonExpr(%q) = %q, want an error", bad, got)
		}
	}
}

// snippetScenarios are scenarios whose every run gets a script in the tests:
// every preset, and runs with every optimizer and scheduler.
func snippetScenarios(t *testing.T) []Scenario {
	var out []Scenario
	for _, p := range Presets() {
		if sim.IsDataSurface(p.Scenario.Surface.Name) {
			continue // their scripts fit nn.Linear to the data (TestPyTorchData)
		}
		out = append(out, p.Scenario)
	}
	var runs []string
	for _, o := range sim.OptimizerNames {
		runs = append(runs, fmt.Sprintf(`{"optimizer":{"name":%q,"lr":0.01}}`, o))
	}
	for _, sc := range sim.SchedulerNames {
		runs = append(runs, fmt.Sprintf(`{"optimizer":{"lr":0.01,"momentum":0.5},"scheduler":{"name":%q},"noise":0.1,"seed":3,"clip_grad_norm":5}`, sc))
	}
	for len(runs) > 0 {
		n := min(8, len(runs))
		out = append(out, mustDecode(t, `{"surface":{"name":"rosenbrock"},"steps":100,"runs":[`+strings.Join(runs[:n], ",")+`]}`))
		runs = runs[n:]
	}
	out = append(out, mustDecode(t, `{"surface":{"name":"custom","formula":"-x^2/2 + max(x, y)^2 - 3*exp(-(x - 1)^2) + cosh(y/4) + pi*abs(x*y)^1.5 + log10(2 + x^2) - sqrt(1 + y^2)"},"runs":[{"optimizer":{"lr":0.01}}]}`))
	out = append(out, mustDecode(t, `{"surface":{"name":"stable_game"},"runs":[
		{"optimizer":{"name":"adam","lr":0.1},"optimizer_y":{"name":"sgd","momentum":0.5},"updates":"alternating","scheduler":{"name":"onecycle"},"noise":0.2,"clip_grad_norm":1},
		{"label":"odd \"label\"\nwith a newline","optimizer":{"lr":0.1},"scheduler":{"name":"cyclic","step_size_down":5}}]}`))
	return out
}

// requirePython returns the path of python3; without it the test is
// skipped, except under CI=true (which installs it), where it fails.
func requirePython(t *testing.T) string {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 not found; .ci/run installs it")
		}
		t.Skip("python3 not found")
	}
	return python
}

// TestPyTorchSnippet checks that every script is valid Python and that its
// surface function, run by Python (with the math module standing in for
// torch), gives sim's values.
func TestPyTorchSnippet(t *testing.T) {
	python := requirePython(t)
	dir := t.TempDir()
	n := 0
	var files []string
	var check strings.Builder
	check.WriteString(stubTorch)
	for _, s := range snippetScenarios(t) {
		surf, _, err := s.Build()
		if err != nil {
			t.Fatal(err)
		}
		for i := range s.Runs {
			src := PyTorchSnippet(s, i)
			for _, want := range []string{"import torch", "def f(x, y):", "steps = "} {
				if !strings.Contains(src, want) {
					t.Fatalf("script lacks %q:\n%s", want, src)
				}
			}
			name := filepath.Join(dir, fmt.Sprintf("run%d.py", n))
			n++
			if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			files = append(files, name)
			if i > 0 {
				continue
			}
			// The definitions of _t and f, checked at a few points.
			defs := src[strings.Index(src, "def _t"):strings.Index(src, "steps = ")]
			fmt.Fprintf(&check, "exec(%s)\n", strconv.Quote(defs))
			for j, p := range samplePoints() {
				if j%4 != 0 {
					continue
				}
				fmt.Fprintf(&check, "check(f, %s, %s, %s, %q)\n", pyNumber(p.X), pyNumber(p.Y), pyNumber(surf.Value(p)), s.Surface.Name)
			}
		}
	}
	if out, err := exec.Command(python, append([]string{"-m", "py_compile"}, files...)...).CombinedOutput(); err != nil {
		t.Errorf("py_compile: %v\n%s", err, out)
	}
	name := filepath.Join(dir, "check.py")
	if err := os.WriteFile(name, []byte(check.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(python, name).CombinedOutput(); err != nil {
		t.Errorf("surface functions in Python: %v\n%s", err, out)
	}
}

// stubTorch stands in for the torch functions the surface functions use,
// on Python floats.
const stubTorch = `import math, types
torch = types.SimpleNamespace(float64=None, as_tensor=lambda v, dtype=None: float(v),
    sin=math.sin, cos=math.cos, tan=math.tan, asin=math.asin, acos=math.acos, atan=math.atan,
    exp=math.exp, log=math.log, log10=math.log10, sqrt=math.sqrt, abs=abs,
    tanh=math.tanh, sinh=math.sinh, cosh=math.cosh, minimum=min, maximum=max, pow=math.pow)

def check(f, x, y, want, name):
    got = f(x, y)
    if abs(got - want) > 1e-9 * max(1, abs(want)):
        raise SystemExit(f"{name} at ({x}, {y}): python {got!r}, sim {want!r}")
`

func TestPyTorchSnippetShape(t *testing.T) {
	p, _ := PresetByID("warmup")
	src := PyTorchSnippet(p.Scenario, 1)
	for _, want := range []string{
		"p = torch.tensor([4.5, 4.5], requires_grad=True)",
		"torch.optim.SGD([p], lr=0.03, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0)",
		"SequentialLR(opt, schedulers=[",
		"LinearLR(opt, start_factor=0.01, end_factor=1.0, total_iters=20)",
		"CosineAnnealingLR(opt, T_max=180, eta_min=0.0)",
		"milestones=[20])",
		"steps = 200",
		"sched.step()",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("script lacks %q:\n%s", want, src)
		}
	}
	g, _ := PresetByID("gan-game")
	src = PyTorchSnippet(g.Scenario, 2)
	for _, want := range []string{"px = torch.tensor([1.0], requires_grad=True)", "opt_y = torch.optim.SGD([py], lr=0.02,", "ratio = 0.02 / 0.1", "py.grad.neg_()"} {
		if !strings.Contains(src, want) {
			t.Errorf("game script lacks %q:\n%s", want, src)
		}
	}
	// clip_grad_norm_ after the noise, before the step: one call for the parameters, one per player on a game
	clipped := mustDecode(t, `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1},"noise":0.5,"clip_grad_norm":1.5}]}`)
	if src := PyTorchSnippet(clipped, 0); !strings.Contains(src, "p.grad += sigma * torch.randn(2, generator=gen)\n    torch.nn.utils.clip_grad_norm_([p], max_norm=1.5)\n    opt.step()") {
		t.Errorf("clipped script:\n%s", src)
	}
	if src := PyTorchSnippet(mustDecode(t, `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1}}]}`), 0); strings.Contains(src, "clip_grad_norm_") {
		t.Errorf("a script without clipping clips:\n%s", src)
	}
	game := mustDecode(t, `{"surface":{"name":"bilinear"},"runs":[{"optimizer":{"lr":0.1},"clip_grad_norm":1}]}`)
	if src := PyTorchSnippet(game, 0); strings.Count(src, "clip_grad_norm_([px], max_norm=1.0)")+strings.Count(src, "clip_grad_norm_([py], max_norm=1.0)") != 2 {
		t.Errorf("game script does not clip each player once:\n%s", src)
	}
	if got := PyTorchSnippet(p.Scenario, 5); !strings.HasPrefix(got, "# The scenario has no run 5") {
		t.Errorf("out of range: %q", got)
	}
}
