package scenario_test

import (
	"errors"
	"fmt"
	"net/url"

	"lrlab/scenario"
	"lrlab/scenario/scenariotest"
	"lrlab/sim"
)

func ExampleDecode() {
	_, err := scenario.Decode([]byte(`{"surface": {"name": "quadratic"},
		"runs": [{"optimizer": {"name": "sgd", "lr": 0.1, "momentom": 0.9}}]}`), scenario.DefaultLimits)
	var fe *sim.FieldError
	if errors.As(err, &fe) {
		fmt.Println(fe.Field)
		fmt.Println(fe.Msg)
	}
	// Output:
	// runs[0].optimizer.momentom
	// unknown key "momentom" (did you mean "momentum"?); allowed for sgd: name, lr, momentum, dampening, nesterov, weight_decay
}

func ExampleScenario_Encode() {
	s, _ := scenario.Decode([]byte(`{"surface": {"name": "quadratic", "a": 1, "b": 10},
		"runs": [{"optimizer": {"lr": 0.19}}, {"optimizer": {"lr": 0.21}, "scheduler": {"name": "cosine", "T_max": 100}}]}`),
		scenario.DefaultLimits)
	fmt.Println(s.Encode())
	// Output:
	// surface=quadratic&run=sgd,lr=0.19&run=sgd,lr=0.21,sched=cosine,T_max=100
}

func ExampleParseQuery() {
	q, _ := url.ParseQuery("surface=quadratic&steps=50&run=sgd,lr=0.19&run=sgdd,lr=0.3&run=adam,lr=0.1,momentum=0.9&lang=ja")
	s, extras, errs := scenario.ParseQuery(q, scenario.DefaultLimits)
	fmt.Println(len(s.Runs), s.Steps, extras.Lang)
	for _, err := range errs {
		fmt.Println(err)
	}
	// Output:
	// 2 50 ja
	// runs[1].optimizer.name: unknown optimizer "sgdd" (did you mean "sgd"?); allowed: sgd, adam, adamw, rmsprop, adagrad
	// runs[2].momentum: unknown key "momentum"; allowed for adam: lr, betas, eps, weight_decay, amsgrad, sched, x, y, noise, seed, clip_grad_norm, label
}

func ExamplePresetByID() {
	p, _ := scenario.PresetByID("too-large")
	fmt.Println(p.Title["en"])
	fmt.Println(p.Scenario.Encode())
	fmt.Println(scenariotest.Check(p) == nil)
	// Output:
	// Just under and just over 2/λmax
	// surface=quadratic&run=sgd,lr=0.19,label=LR%200.19&run=sgd,lr=0.21,label=LR%200.21
	// true
}
