package scenario

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"lrlab/sim"
)

// mustDecode decodes src with the default limits or fails the test.
func mustDecode(t *testing.T, src string) Scenario {
	t.Helper()
	s, err := Decode([]byte(src), DefaultLimits)
	if err != nil {
		t.Fatalf("Decode(%s): %v", src, err)
	}
	return s
}

func TestDecodeDefaults(t *testing.T) {
	s := mustDecode(t, `{"surface":{"name":"quadratic","b":10},"runs":[{"optimizer":{"lr":0.19}}]}`)
	if s.Steps != DefaultSteps {
		t.Errorf("steps = %d, want %d", s.Steps, DefaultSteps)
	}
	info, _ := catalogEntry("quadratic")
	if got := s.Surface.Params; got["b"] != 10 || got["a"] != 1 || len(got) != len(info.Params) {
		t.Errorf("params = %v, want every parameter with b = 10", got)
	}
	rc := s.Runs[0]
	if want := sim.DefaultOptimizer("sgd", 0.19); !reflect.DeepEqual(rc.Optimizer, want) {
		t.Errorf("optimizer = %+v, want %+v", rc.Optimizer, want)
	}
	if want := sim.DefaultScheduler("constant", DefaultSteps); !reflect.DeepEqual(rc.Scheduler, want) {
		t.Errorf("scheduler = %+v, want %+v", rc.Scheduler, want)
	}
	if rc.Start != info.Start {
		t.Errorf("start = %v, want the surface's start %v", rc.Start, info.Start)
	}
	if s.View != nil || s.TestShift != nil || rc.OptimizerY != nil || rc.Updates != "" {
		t.Errorf("unset options are set: %+v", s)
	}
}

func TestDecodePyTorchDefaults(t *testing.T) {
	s := mustDecode(t, `{"surface":{"name":"rosenbrock"},"steps":100,"runs":[
		{"optimizer":{"name":"adamw","lr":0.01,"betas":[0.8,0.9]},"scheduler":{"name":"onecycle","max_lr":0.05}},
		{"optimizer":{"name":"rmsprop","lr":0.001,"centered":true},"scheduler":{"name":"multistep","milestones":[10,20]}}]}`)
	o := s.Runs[0].Optimizer
	want := sim.DefaultOptimizer("adamw", 0.01)
	want.Betas = [2]float64{0.8, 0.9}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("adamw = %+v, want %+v", o, want)
	}
	sc := s.Runs[0].Scheduler
	wantS := sim.DefaultScheduler("onecycle", 100)
	wantS.MaxLR = 0.05
	if !reflect.DeepEqual(sc, wantS) {
		t.Errorf("onecycle = %+v, want %+v", sc, wantS)
	}
	if got := s.Runs[1].Scheduler.Milestones; !reflect.DeepEqual(got, []int{10, 20}) {
		t.Errorf("milestones = %v", got)
	}
	if !s.Runs[1].Optimizer.Centered || s.Runs[1].Optimizer.Alpha != 0.99 {
		t.Errorf("rmsprop = %+v", s.Runs[1].Optimizer)
	}
}

func TestDecodeGame(t *testing.T) {
	s := mustDecode(t, `{"surface":{"name":"bilinear"},"runs":[
		{"optimizer":{"lr":0.1}},
		{"optimizer":{"lr":0.1},"optimizer_y":{"lr":0.02},"updates":"alternating"}]}`)
	if s.Runs[0].OptimizerY != nil || s.Runs[0].Updates != sim.UpdatesSimultaneous {
		t.Errorf("run 0: optimizer_y %v, updates %q; want nil and simultaneous", s.Runs[0].OptimizerY, s.Runs[0].Updates)
	}
	y := s.Runs[1].OptimizerY
	if y == nil || y.LR != 0.02 || y.Name != "sgd" || s.Runs[1].Updates != sim.UpdatesAlternating {
		t.Errorf("run 1: optimizer_y %+v, updates %q", y, s.Runs[1].Updates)
	}
}

// badCases pairs bad scenarios with the field the error must name and
// fragments its message must hold (what is allowed).
var badCases = []struct {
	name, src, field string
	msg              []string
}{
	{"malformed", `{"surface":{"name":"quadratic"},"runs":[}`, "", []string{"malformed JSON", "line 1", "byte"}},
	{"malformed line", "{\n\"surface\": {\"name\": \"quadratic\"},\n\"runs\": [,]}", "", []string{"line 3"}},
	{"truncated", `{"surface":{"name":"quadratic"}`, "", []string{"end of input"}},
	{"empty", ``, "", []string{"empty"}},
	{"trailing", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1}}]} {}`, "", []string{"trailing data", "column 68 (byte 67)"}},
	{"not object", `[1,2]`, "", []string{"must be an object"}},
	{"top unknown", `{"surface":{"name":"quadratic"},"step":3,"runs":[{"optimizer":{"lr":0.1}}]}`, "step", []string{`"steps"`, "surface, steps, view, test_shift, runs"}},
	{"duplicate", `{"surface":{"name":"quadratic"},"steps":3,"steps":4,"runs":[{"optimizer":{"lr":0.1}}]}`, "steps", []string{"duplicate"}},
	{"no surface", `{"runs":[{"optimizer":{"lr":0.1}}]}`, "surface", []string{"required"}},
	{"surface name", `{"surface":{"name":"quadratik"},"runs":[{"optimizer":{"lr":0.1}}]}`, "surface.name", []string{"unknown surface", "quadratic", "rosenbrock", "custom"}},
	{"surface param", `{"surface":{"name":"quadratic","c":1},"runs":[{"optimizer":{"lr":0.1}}]}`, "surface.c", []string{"allowed for quadratic: name, a, b, theta"}},
	{"surface param type", `{"surface":{"name":"quadratic","b":"10"},"runs":[{"optimizer":{"lr":0.1}}]}`, "surface.b", []string{"must be a number, got a string"}},
	{"surface param range", `{"surface":{"name":"quadratic","b":-1e9},"runs":[{"optimizer":{"lr":0.1}}]}`, "surface.b", []string{"between"}},
	{"surface huge", `{"surface":{"name":"quadratic","b":1e999},"runs":[{"optimizer":{"lr":0.1}}]}`, "surface.b", []string{"finite"}},
	{"formula elsewhere", `{"surface":{"name":"quadratic","formula":"x"},"runs":[{"optimizer":{"lr":0.1}}]}`, "surface.formula", []string{"allowed for quadratic"}},
	{"steps zero", `{"surface":{"name":"quadratic"},"steps":0,"runs":[{"optimizer":{"lr":0.1}}]}`, "steps", []string{"from 1 to 10000"}},
	{"steps over", `{"surface":{"name":"quadratic"},"steps":10001,"runs":[{"optimizer":{"lr":0.1}}]}`, "steps", []string{"from 1 to 10000"}},
	{"steps fraction", `{"surface":{"name":"quadratic"},"steps":1.5,"runs":[{"optimizer":{"lr":0.1}}]}`, "steps", []string{"integer"}},
	{"steps string", `{"surface":{"name":"quadratic"},"steps":"200","runs":[{"optimizer":{"lr":0.1}}]}`, "steps", []string{"integer", "string"}},
	{"view missing", `{"surface":{"name":"quadratic"},"view":{"xmin":0,"xmax":1,"ymin":0},"runs":[{"optimizer":{"lr":0.1}}]}`, "view.ymax", []string{"required"}},
	{"view empty", `{"surface":{"name":"quadratic"},"view":{"xmin":1,"xmax":1,"ymin":0,"ymax":1},"runs":[{"optimizer":{"lr":0.1}}]}`, "view.xmax", []string{"greater than xmin"}},
	{"shift length", `{"surface":{"name":"quadratic"},"test_shift":[1],"runs":[{"optimizer":{"lr":0.1}}]}`, "test_shift", []string{"2 numbers"}},
	{"shift huge", `{"surface":{"name":"quadratic"},"test_shift":[0,1e9],"runs":[{"optimizer":{"lr":0.1}}]}`, "test_shift[1]", []string{"must be from"}},
	{"no runs", `{"surface":{"name":"quadratic"},"runs":[]}`, "runs", []string{"1 to 8 runs", "got 0"}},
	{"runs missing", `{"surface":{"name":"quadratic"}}`, "runs", []string{"required"}},
	{"too many runs", `{"surface":{"name":"quadratic"},"runs":[` + strings.Repeat(`{"optimizer":{"lr":0.1}},`, 8) + `{"optimizer":{"lr":0.1}}]}`, "runs", []string{"1 to 8 runs", "got 9"}},
	{"run unknown", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1},"nosie":1}]}`, "runs[0].nosie", []string{`"noise"`, "label, start, optimizer, scheduler, noise, seed"}},
	{"no optimizer", `{"surface":{"name":"quadratic"},"runs":[{}]}`, "runs[0].optimizer", []string{"required"}},
	{"no lr for sgd", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"sgd"}}]}`, "runs[0].optimizer.lr", []string{"required", "no default", "> 0"}},
	{"lr zero", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0}}]}`, "runs[0].optimizer.lr", []string{"> 0"}},
	{"lr negative", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1}},{"optimizer":{"lr":-1}}]}`, "runs[1].optimizer.lr", []string{"> 0"}},
	{"lr huge", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":1e400}}]}`, "runs[0].optimizer.lr", []string{"finite"}},
	{"momentum typo", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"sgd","lr":0.1,"momentom":0.9}}]}`, "runs[0].optimizer.momentom", []string{`did you mean "momentum"`, "allowed for sgd: name, lr, momentum, dampening, nesterov, weight_decay"}},
	{"key of other optimizer", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"adam","lr":0.1,"momentum":0.9}}]}`, "runs[0].optimizer.momentum", []string{"allowed for adam: name, lr, betas, eps, weight_decay, amsgrad"}},
	{"optimizer name", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"sgdd","lr":0.1}}]}`, "runs[0].optimizer.name", []string{`unknown optimizer "sgdd"`, "sgd, adam, adamw, rmsprop, adagrad"}},
	{"betas range", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"adam","lr":0.1,"betas":[0.9,1]}}]}`, "runs[0].optimizer.betas[1]", []string{"[0, 1)"}},
	{"betas type", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"adam","lr":0.1,"betas":[0.9,"x"]}}]}`, "runs[0].optimizer.betas[1]", []string{"must be a number"}},
	{"betas length", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"adam","lr":0.1,"betas":[0.9]}}]}`, "runs[0].optimizer.betas", []string{"2 numbers"}},
	{"nesterov type", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1,"nesterov":1}}]}`, "runs[0].optimizer.nesterov", []string{"true or false"}},
	{"scheduler name", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1},"scheduler":{"name":"cosin"}}]}`, "runs[0].scheduler.name", []string{`did you mean "cosine"`, "constant, step, multistep"}},
	{"scheduler key", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1},"scheduler":{"name":"cosine","T_0":5}}]}`, "runs[0].scheduler.T_0", []string{"allowed for cosine: name, T_max, eta_min"}},
	{"scheduler case", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1},"scheduler":{"name":"cosine","t_max":5}}]}`, "runs[0].scheduler.t_max", []string{`did you mean "T_max"`}},
	{"T_max fraction", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1}},{"optimizer":{"lr":0.1}},{"optimizer":{"lr":0.1},"scheduler":{"name":"cosine","T_max":2.5}}]}`, "runs[2].scheduler.T_max", []string{"integer"}},
	{"T_max zero", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1}},{"optimizer":{"lr":0.1}},{"optimizer":{"lr":0.1},"scheduler":{"name":"cosine","T_max":0}}]}`, "runs[2].scheduler.T_max", []string{"1"}},
	{"milestones type", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1},"scheduler":{"name":"multistep","milestones":[5,"x"]}}]}`, "runs[0].scheduler.milestones[1]", []string{"integer"}},
	{"noise negative", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1},"noise":-0.1}]}`, "runs[0].noise", []string{"≥ 0"}},
	{"seed negative", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1},"seed":-1}]}`, "runs[0].seed", []string{"integer from 0"}},
	{"seed huge", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1},"seed":1e300}]}`, "runs[0].seed", []string{"integer from 0 to 9007199254740991"}},
	{"start far", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1},"start":[100,0]}]}`, "runs[0].start[0]", []string{"outside the map", "-30 … 30"}},
	{"start y far", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1},"start":[1,-1e300]}]}`, "runs[0].start[1]", []string{"-20 … 20"}},
	{"start type", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1},"start":{"x":1}}]}`, "runs[0].start", []string{"array", "[x, y]"}},
	{"label type", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1},"label":5}]}`, "runs[0].label", []string{"string"}},
	{"optimizer_y not game", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1},"optimizer_y":{"lr":0.1}}]}`, "runs[0].optimizer_y", []string{"game"}},
	{"updates value", `{"surface":{"name":"bilinear"},"runs":[{"optimizer":{"lr":0.1},"updates":"together"}]}`, "runs[0].updates", []string{"simultaneous, alternating"}},
	{"optimizer_y lr", `{"surface":{"name":"bilinear"},"runs":[{"optimizer":{"lr":0.1},"optimizer_y":{"lr":-2}}]}`, "runs[0].optimizer_y.lr", []string{"> 0"}},
	{"warmup too long", `{"surface":{"name":"quadratic"},"steps":50,"runs":[{"optimizer":{"lr":0.1},"scheduler":{"name":"warmup_cosine","warmup_steps":60}}]}`, "runs[0].scheduler.warmup_steps", []string{"< the run's 50 steps"}},
}

// An omitted lr takes PyTorch's default where PyTorch has one (the
// contract: omitted keys take PyTorch's defaults).
func TestDecodeDefaultLR(t *testing.T) {
	for name, want := range map[string]float64{"adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-2, "adagrad": 1e-2} {
		s, err := Decode([]byte(`{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"`+name+`"}}]}`), DefaultLimits)
		if err != nil {
			t.Fatalf("%s without lr: %v", name, err)
		}
		if got := s.Runs[0].Optimizer.LR; got != want {
			t.Errorf("%s without lr: lr = %v, want PyTorch's %v", name, got, want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, c := range badCases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode([]byte(c.src), DefaultLimits)
			var fe *sim.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error = %v (%T), want a *sim.FieldError", err, err)
			}
			if fe.Field != c.field {
				t.Errorf("field = %q, want %q (message %q)", fe.Field, c.field, fe.Msg)
			}
			for _, m := range c.msg {
				if !strings.Contains(fe.Msg, m) {
					t.Errorf("message %q lacks %q", fe.Msg, m)
				}
			}
		})
	}
}

func TestDecodeSentinels(t *testing.T) {
	for src, want := range map[string]error{
		`{"surface":{"name":"nope"},"runs":[{"optimizer":{"lr":0.1}}]}`:                                  sim.ErrUnknownSurface,
		`{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"nope","lr":0.1}}]}`:               sim.ErrUnknownOptimizer,
		`{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1},"scheduler":{"name":"nope"}}]}`: sim.ErrUnknownScheduler,
	} {
		if _, err := Decode([]byte(src), DefaultLimits); !errors.Is(err, want) {
			t.Errorf("Decode(%s) = %v, want it to wrap %v", src, err, want)
		}
	}
}

func TestDecodeLimits(t *testing.T) {
	src := `{"surface":{"name":"quadratic"},"steps":500,"runs":[{"optimizer":{"lr":0.1}},{"optimizer":{"lr":0.1}}]}`
	if _, err := Decode([]byte(src), Limits{MaxRuns: 1}); err == nil || !strings.Contains(err.Error(), "1 to 1 runs") {
		t.Errorf("MaxRuns 1: error %v", err)
	}
	if _, err := Decode([]byte(src), Limits{MaxSteps: 100}); err == nil || !strings.Contains(err.Error(), "from 1 to 100") {
		t.Errorf("MaxSteps 100: error %v", err)
	}
}

// roundTripSources are scenarios whose normalised form must read back equal.
var roundTripSources = []string{
	`{"surface":{"name":"quadratic","b":10},"runs":[{"optimizer":{"lr":0.19}},{"label":"too large","optimizer":{"lr":0.21},"seed":7}]}`,
	`{"surface":{"name":"rosenbrock"},"steps":1000,"view":{"xmin":-2,"xmax":2,"ymin":-1,"ymax":3},"test_shift":[0.1,-0.2],"runs":[
		{"start":[-1.5,2],"optimizer":{"name":"adam","lr":0.01,"amsgrad":true},"scheduler":{"name":"onecycle","three_phase":true}},
		{"optimizer":{"name":"adagrad","lr":0.5,"lr_decay":0.01},"scheduler":{"name":"cyclic","step_size_up":50,"mode":"triangular2"},"noise":0.3,"seed":9007199254740991},
		{"optimizer":{"name":"rmsprop","lr":0.001,"momentum":0.5},"scheduler":{"name":"multistep","milestones":[100,200,300]}},
		{"optimizer":{"name":"sgd","lr":1e-3,"momentum":0.9,"nesterov":true},"scheduler":{"name":"cosine_restarts","T_0":100,"T_mult":2}},
		{"optimizer":{"name":"adamw","lr":3e-3},"scheduler":{"name":"warmup_cosine","warmup_steps":100,"eta_min":1e-5}},
		{"optimizer":{"lr":0.1},"scheduler":{"name":"linear","total_iters":10}}]}`,
	`{"surface":{"name":"custom","formula":"x^2 + 10*y^2 - sin(x*y)"},"runs":[{"optimizer":{"lr":0.05},"start":[1,-1]}]}`,
	`{"surface":{"name":"bilinear"},"runs":[{"label":"\u00e9\"<tag>","optimizer":{"lr":0.1},"optimizer_y":{"name":"adam","lr":0.02},"updates":"alternating"}]}`,
}

func TestRoundTrip(t *testing.T) {
	for _, src := range roundTripSources {
		s := mustDecode(t, src)
		checkRoundTrip(t, s)
	}
}

func checkRoundTrip(t *testing.T, s Scenario) {
	t.Helper()
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	back, err := Decode(data, DefaultLimits)
	if err != nil {
		t.Fatalf("Decode(Marshal(s)) = %v\n%s", err, data)
	}
	if !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip changed the scenario:\n got %+v\nwant %+v\njson %s", back, s, data)
	}
	again, _ := json.Marshal(back)
	if string(again) != string(data) {
		t.Fatalf("normalised form is not stable:\n%s\n%s", data, again)
	}
}

func TestMarshalOnlyApplicableKeys(t *testing.T) {
	s := mustDecode(t, `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"adam","lr":0.01},"scheduler":{"name":"cosine"}}]}`)
	data, _ := json.Marshal(s)
	want := `{"surface":{"name":"quadratic","a":1,"b":10,"theta":0},"steps":200,"runs":[{"label":"","start":[-2.5,1.5],` +
		`"optimizer":{"name":"adam","lr":0.01,"betas":[0.9,0.999],"eps":1e-08,"weight_decay":0,"amsgrad":false},` +
		`"scheduler":{"name":"cosine","T_max":200,"eta_min":0},"noise":0,"seed":0}]}`
	if string(data) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", data, want)
	}
}

func TestBuild(t *testing.T) {
	s := mustDecode(t, `{"surface":{"name":"quadratic","b":10},"steps":50,"test_shift":[0.1,0],"runs":[{"optimizer":{"lr":0.19}},{"optimizer":{"lr":0.21}}]}`)
	surf, runs, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	if surf.Info().Name != "quadratic" || len(runs) != 2 {
		t.Fatalf("Build = %v, %d runs", surf.Info().Name, len(runs))
	}
	if runs[0].Current().TestLoss == 0 {
		t.Error("test shift not applied")
	}
	s.Runs[1].Optimizer.LR = -1
	if _, _, err := s.Build(); err == nil || err.(*sim.FieldError).Field != "runs[1].optimizer.lr" {
		t.Errorf("Build with bad lr: %v, want field runs[1].optimizer.lr", err)
	}
}

func TestMergeOptimizer(t *testing.T) {
	cur := sim.DefaultOptimizer("sgd", 0.1)
	cur.Momentum = 0.9
	got, err := MergeOptimizer(cur, json.RawMessage(`{"lr":0.05}`))
	if err != nil || got.LR != 0.05 || got.Momentum != 0.9 {
		t.Errorf("merge lr: %+v, %v", got, err)
	}
	got, err = MergeOptimizer(cur, json.RawMessage(`{"name":"adam"}`))
	if want := sim.DefaultOptimizer("adam", 0.1); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("switch to adam: %+v, %v; want %+v", got, err, want)
	}
	got, err = MergeOptimizer(cur, json.RawMessage(`{"name":"sgd","nesterov":true}`))
	if err != nil || !got.Nesterov || got.Momentum != 0.9 {
		t.Errorf("same name keeps settings: %+v, %v", got, err)
	}
	for raw, field := range map[string]string{
		`{"lr":-1}`:                          "lr",
		`{"name":"adam","betas":[0.9,1.5]}`:  "betas[1]",
		`{"momentom":0.5}`:                   "momentom",
		`{"name":"adamm"}`:                   "name",
		`{"lr":"fast"}`:                      "lr",
		`{"lr":0.1}x`:                        "",
		`{"name":"adam","momentum":0.9}`:     "momentum",
		`{"name":"rmsprop","betas":[0,0.5]}`: "betas",
	} {
		_, err := MergeOptimizer(cur, json.RawMessage(raw))
		var fe *sim.FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("MergeOptimizer(%s) = %v, want field %q", raw, err, field)
		}
	}
}

func TestMergeScheduler(t *testing.T) {
	cur := sim.DefaultScheduler("step", 200)
	got, err := MergeScheduler(cur, json.RawMessage(`{"gamma":0.5}`), 200)
	if err != nil || got.Gamma != 0.5 || got.StepSize != 50 {
		t.Errorf("merge gamma: %+v, %v", got, err)
	}
	got, err = MergeScheduler(cur, json.RawMessage(`{"name":"cosine"}`), 300)
	if want := sim.DefaultScheduler("cosine", 300); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("switch to cosine: %+v, %v; want %+v", got, err, want)
	}
	for raw, field := range map[string]string{
		`{"name":"cosine","T_max":1.5}`:             "T_max",
		`{"step":3}`:                                "step",
		`{"name":"cosinus"}`:                        "name",
		`{"milestones":[1]}`:                        "milestones",
		`{"name":"multistep","milestones":[1,"a"]}`: "milestones[1]",
	} {
		_, err := MergeScheduler(cur, json.RawMessage(raw), 200)
		var fe *sim.FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("MergeScheduler(%s) = %v, want field %q", raw, err, field)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, src := range roundTripSources {
		f.Add([]byte(src))
	}
	for _, c := range badCases {
		f.Add([]byte(c.src))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode(data, DefaultLimits)
		if err != nil {
			if _, ok := asFieldError(err); !ok {
				t.Fatalf("error %v (%T) is not a *sim.FieldError", err, err)
			}
			return
		}
		checkRoundTrip(t, s)
	})
}
