package scenario

import (
	"math"

	"lrlab/sim"
	"lrlab/sim/expr"
)

// The settings schema: every setting of a scenario declared once, as data.
// The decoder, the encoder, the share link and the PyTorch snippet read the
// optimizer and scheduler keys from it (optimizerKeys, optimizerField…),
// and the page reads it as JSON (Schema, served at GET /api/v1/schema and
// inline in the page as <script id="schema-data">). The wire format is
// docs/API.md's "Settings schema".

// Spec describes one setting: its key (the JSON and PyTorch keyword name),
// its type, its default or the rule it derives by, and its bounds.
type Spec struct {
	Key  string `json:"key"`
	Type string `json:"type"` // float, int, bool, enum, pair, ints, string
	// Def is the default; nil when the default derives from the run
	// (Derive) or the setting is optional without one.
	Def    any     `json:"def,omitempty"`
	Derive *Derive `json:"derive,omitempty"`
	// Min and Max bound a number (each element of a pair or a list).
	Min          *float64 `json:"min,omitempty"`
	Max          *float64 `json:"max,omitempty"`
	ExclusiveMin bool     `json:"exclusiveMin,omitempty"`
	ExclusiveMax bool     `json:"exclusiveMax,omitempty"`
	Step         float64  `json:"step,omitempty"` // the page's input step
	Options      []string `json:"options,omitempty"`
	Optional     bool     `json:"optional,omitempty"` // may be null or absent
	MaxLength    int      `json:"maxLength,omitempty"`
	// Live: a run-level setting that may change during a run (websocket set).
	Live bool `json:"live,omitempty"`
	// Query is the share-link key when it differs from Key.
	Query string `json:"query,omitempty"`
	// Only names the surfaces a run-level setting applies to: "game" (kind
	// game) or "data" (linreg, logreg); empty for every surface. It is the
	// run row's own (runSetting.only), served so the page need not repeat it.
	Only string `json:"only,omitempty"`
}

// Derive is how a default follows from the run: max(Min, floor?(From·Scale)),
// or with Scale a list, the increasing distinct floor(From·s).
type Derive struct {
	From  string `json:"from"`  // "steps" or "lr"
	Scale any    `json:"scale"` // float64 or []float64
	Floor bool   `json:"floor,omitempty"`
	Min   *int   `json:"min,omitempty"`
}

// Group is an optimizer or a scheduler: its name and its settings in
// PyTorch's order of the constructor's arguments.
type Group struct {
	Name     string `json:"name"`
	PyTorch  string `json:"-"` // the class in torch.optim (lr_scheduler)
	Settings []Spec `json:"settings"`
}

// SchemaDoc is the JSON document of the schema (docs/API.md).
type SchemaDoc struct {
	Optimizers []Group     `json:"optimizers"`
	Schedulers []Group     `json:"schedulers"`
	Run        []Spec      `json:"run"`
	Top        []Spec      `json:"top"`
	Limits     SchemaLimit `json:"limits"`
	// AnalysisRun lists, by analysis, the run-level settings its request
	// takes from the run it is for (AnalysisRun below).
	AnalysisRun map[string][]string `json:"analysis_run"`
}

// SchemaLimit is the limits object of the schema: the server's live
// -max-runs and -max-steps, and the fixed bounds the page checks before it
// asks (a formula's characters, a data surface's rows and values, the rows
// a share link carries).
type SchemaLimit struct {
	Runs         int     `json:"runs"`
	Steps        int     `json:"steps"`
	FormulaChars int     `json:"formula_chars"`  // expr.MaxLen
	DataRows     int     `json:"data_rows"`      // sim.MaxDataRows
	DataValue    float64 `json:"data_value"`     // sim.MaxDataValue: |x|, |y| of a row
	LinkRows     int     `json:"data_link_rows"` // MaxLinkRows
}

func num(v float64) *float64 { return &v }
func intp(v int) *int        { return &v }

// optSetting is a row of an optimizer: its spec and the field it sets.
type optSetting struct {
	Spec
	field func(*sim.OptimizerConfig) any
}

type schedSetting struct {
	Spec
	field func(*sim.SchedulerConfig) any
}

type optGroup struct {
	name, pytorch string
	settings      []optSetting
}

type schedGroup struct {
	name, pytorch string
	settings      []schedSetting
}

// The optimizer rows; a key shared by several optimizers is one function.
var (
	lrSpec = func(def float64) optSetting {
		return optSetting{Spec{Key: "lr", Type: "float", Def: def, Min: num(0), ExclusiveMin: true},
			func(c *sim.OptimizerConfig) any { return &c.LR }}
	}
	momentumSpec = optSetting{Spec{Key: "momentum", Type: "float", Def: 0.0, Min: num(0), Max: num(1), ExclusiveMax: true, Step: 0.01},
		func(c *sim.OptimizerConfig) any { return &c.Momentum }}
	weightDecaySpec = func(def float64) optSetting {
		return optSetting{Spec{Key: "weight_decay", Type: "float", Def: def, Min: num(0), Step: 0.001},
			func(c *sim.OptimizerConfig) any { return &c.WeightDecay }}
	}
	epsSpec = func(def float64) optSetting {
		return optSetting{Spec{Key: "eps", Type: "float", Def: def, Min: num(0)},
			func(c *sim.OptimizerConfig) any { return &c.Eps }}
	}
	betasSpec = optSetting{Spec{Key: "betas", Type: "pair", Def: [2]float64{0.9, 0.999}, Min: num(0), Max: num(1), ExclusiveMax: true, Step: 0.001},
		func(c *sim.OptimizerConfig) any { return &c.Betas }}
	amsgradSpec = optSetting{Spec{Key: "amsgrad", Type: "bool", Def: false},
		func(c *sim.OptimizerConfig) any { return &c.Amsgrad }}
)

// optimizerTable lists the optimizers in display order.
var optimizerTable = []optGroup{
	{sim.OptSGD, "SGD", []optSetting{
		lrSpec(1e-3),
		momentumSpec,
		{Spec{Key: "dampening", Type: "float", Def: 0.0, Min: num(0), Max: num(1), Step: 0.01}, func(c *sim.OptimizerConfig) any { return &c.Dampening }},
		{Spec{Key: "nesterov", Type: "bool", Def: false}, func(c *sim.OptimizerConfig) any { return &c.Nesterov }},
		weightDecaySpec(0),
	}},
	{sim.OptAdam, "Adam", []optSetting{lrSpec(1e-3), betasSpec, epsSpec(1e-8), weightDecaySpec(0), amsgradSpec}},
	{sim.OptAdamW, "AdamW", []optSetting{lrSpec(1e-3), betasSpec, epsSpec(1e-8), weightDecaySpec(1e-2), amsgradSpec}},
	{sim.OptRMSprop, "RMSprop", []optSetting{
		lrSpec(1e-2),
		{Spec{Key: "alpha", Type: "float", Def: 0.99, Min: num(0), Max: num(1), Step: 0.01}, func(c *sim.OptimizerConfig) any { return &c.Alpha }},
		epsSpec(1e-8),
		weightDecaySpec(0),
		momentumSpec,
		{Spec{Key: "centered", Type: "bool", Def: false}, func(c *sim.OptimizerConfig) any { return &c.Centered }},
	}},
	{sim.OptAdagrad, "Adagrad", []optSetting{
		lrSpec(1e-2),
		{Spec{Key: "lr_decay", Type: "float", Def: 0.0, Min: num(0)}, func(c *sim.OptimizerConfig) any { return &c.LRDecay }},
		weightDecaySpec(0),
		{Spec{Key: "initial_accumulator_value", Type: "float", Def: 0.0, Min: num(0)}, func(c *sim.OptimizerConfig) any { return &c.InitialAccumulatorValue }},
		epsSpec(1e-10),
	}},
}

// Derivations of the defaults PyTorch does not have (sim.DefaultScheduler).
var (
	quarterSteps = &Derive{From: "steps", Scale: 0.25, Floor: true, Min: intp(1)}
	allSteps     = &Derive{From: "steps", Scale: 1.0, Floor: true, Min: intp(1)}
	tenthSteps   = &Derive{From: "steps", Scale: 0.1, Floor: true}
	theLR        = &Derive{From: "lr", Scale: 1.0}
)

var (
	gammaSpec = func(def, step float64) schedSetting {
		return schedSetting{Spec{Key: "gamma", Type: "float", Def: def, Min: num(0), ExclusiveMin: true, Step: step},
			func(c *sim.SchedulerConfig) any { return &c.Gamma }}
	}
	etaMinSpec = schedSetting{Spec{Key: "eta_min", Type: "float", Def: 0.0, Min: num(0)},
		func(c *sim.SchedulerConfig) any { return &c.EtaMin }}
	startFactorSpec = func(def float64) schedSetting {
		return schedSetting{Spec{Key: "start_factor", Type: "float", Def: def, Min: num(0), Max: num(1), ExclusiveMin: true, Step: 0.01},
			func(c *sim.SchedulerConfig) any { return &c.StartFactor }}
	}
	warmupStepsSpec = schedSetting{Spec{Key: "warmup_steps", Type: "int", Derive: tenthSteps, Min: num(0)},
		func(c *sim.SchedulerConfig) any { return &c.WarmupSteps }}
	maxLRSpec = schedSetting{Spec{Key: "max_lr", Type: "float", Derive: theLR, Min: num(0), ExclusiveMin: true},
		func(c *sim.SchedulerConfig) any { return &c.MaxLR }}
)

// schedulerTable lists the schedulers in display order.
var schedulerTable = []schedGroup{
	{sim.SchedConstant, "", nil},
	{sim.SchedStep, "StepLR", []schedSetting{
		{Spec{Key: "step_size", Type: "int", Derive: quarterSteps, Min: num(1)}, func(c *sim.SchedulerConfig) any { return &c.StepSize }},
		gammaSpec(0.1, 0.01),
	}},
	{sim.SchedMultiStep, "MultiStepLR", []schedSetting{
		{Spec{Key: "milestones", Type: "ints", Derive: &Derive{From: "steps", Scale: []float64{0.5, 0.75}, Floor: true}, Min: num(0)},
			func(c *sim.SchedulerConfig) any { return &c.Milestones }},
		gammaSpec(0.1, 0.01),
	}},
	{sim.SchedExponential, "ExponentialLR", []schedSetting{gammaSpec(0.99, 0.001)}},
	{sim.SchedCosine, "CosineAnnealingLR", []schedSetting{
		{Spec{Key: "T_max", Type: "int", Derive: allSteps, Min: num(1)}, func(c *sim.SchedulerConfig) any { return &c.TMax }},
		etaMinSpec,
	}},
	{sim.SchedCosineRestarts, "CosineAnnealingWarmRestarts", []schedSetting{
		{Spec{Key: "T_0", Type: "int", Derive: quarterSteps, Min: num(1)}, func(c *sim.SchedulerConfig) any { return &c.T0 }},
		{Spec{Key: "T_mult", Type: "int", Def: 1, Min: num(1)}, func(c *sim.SchedulerConfig) any { return &c.TMult }},
		etaMinSpec,
	}},
	{sim.SchedLinear, "LinearLR", []schedSetting{
		startFactorSpec(1.0 / 3),
		{Spec{Key: "end_factor", Type: "float", Def: 1.0, Min: num(0), Max: num(1), Step: 0.01}, func(c *sim.SchedulerConfig) any { return &c.EndFactor }},
		{Spec{Key: "total_iters", Type: "int", Def: 5, Min: num(0)}, func(c *sim.SchedulerConfig) any { return &c.TotalIters }},
	}},
	{sim.SchedWarmupCosine, "SequentialLR", []schedSetting{warmupStepsSpec, startFactorSpec(0.01), etaMinSpec}},
	{sim.SchedOneCycle, "OneCycleLR", []schedSetting{
		maxLRSpec,
		{Spec{Key: "total_steps", Type: "int", Derive: allSteps, Min: num(1)}, func(c *sim.SchedulerConfig) any { return &c.TotalSteps }},
		{Spec{Key: "pct_start", Type: "float", Def: 0.3, Min: num(0), Max: num(1), ExclusiveMin: true, ExclusiveMax: true, Step: 0.05},
			func(c *sim.SchedulerConfig) any { return &c.PctStart }},
		{Spec{Key: "anneal_strategy", Type: "enum", Def: "cos", Options: []string{"cos", "linear"}}, func(c *sim.SchedulerConfig) any { return &c.AnnealStrategy }},
		{Spec{Key: "div_factor", Type: "float", Def: 25.0, Min: num(0), ExclusiveMin: true}, func(c *sim.SchedulerConfig) any { return &c.DivFactor }},
		{Spec{Key: "final_div_factor", Type: "float", Def: 1e4, Min: num(0), ExclusiveMin: true}, func(c *sim.SchedulerConfig) any { return &c.FinalDivFactor }},
		{Spec{Key: "three_phase", Type: "bool", Def: false}, func(c *sim.SchedulerConfig) any { return &c.ThreePhase }},
		{Spec{Key: "cycle_momentum", Type: "bool", Def: true}, func(c *sim.SchedulerConfig) any { return &c.CycleMomentum }},
		{Spec{Key: "base_momentum", Type: "float", Def: 0.85, Min: num(0), Max: num(1), ExclusiveMax: true, Step: 0.01}, func(c *sim.SchedulerConfig) any { return &c.BaseMomentum }},
		{Spec{Key: "max_momentum", Type: "float", Def: 0.95, Min: num(0), Max: num(1), ExclusiveMax: true, Step: 0.01}, func(c *sim.SchedulerConfig) any { return &c.MaxMomentum }},
	}},
	{sim.SchedCyclic, "CyclicLR", []schedSetting{
		{Spec{Key: "base_lr", Type: "float", Derive: &Derive{From: "lr", Scale: 0.1}, Min: num(0), ExclusiveMin: true}, func(c *sim.SchedulerConfig) any { return &c.BaseLR }},
		maxLRSpec,
		{Spec{Key: "step_size_up", Type: "int", Def: 2000, Min: num(1)}, func(c *sim.SchedulerConfig) any { return &c.StepSizeUp }},
		// step_size_down: absent (or 0) means step_size_up
		{Spec{Key: "step_size_down", Type: "int", Min: num(1), Optional: true}, func(c *sim.SchedulerConfig) any { return &c.StepSizeDown }},
		{Spec{Key: "mode", Type: "enum", Def: "triangular", Options: []string{"triangular", "triangular2", "exp_range"}}, func(c *sim.SchedulerConfig) any { return &c.Mode }},
		// gamma is used (and checked) in mode exp_range only
		{Spec{Key: "gamma", Type: "float", Def: 1.0, Min: num(0), Max: num(1), ExclusiveMin: true, Step: 0.001}, func(c *sim.SchedulerConfig) any { return &c.Gamma }},
	}},
	// the research lessons' schedulers (sim/scheduler_research.go), LambdaLR in PyTorch
	{sim.SchedWSD, "LambdaLR", []schedSetting{
		warmupStepsSpec,
		{Spec{Key: "decay_steps", Type: "int", Derive: &Derive{From: "steps", Scale: 0.2, Floor: true}, Min: num(0)}, func(c *sim.SchedulerConfig) any { return &c.DecaySteps }},
		{Spec{Key: "decay_shape", Type: "enum", Def: sim.WSDOneMinusSqrt, Options: []string{"linear", "cosine", sim.WSDOneMinusSqrt}}, func(c *sim.SchedulerConfig) any { return &c.DecayShape }},
		etaMinSpec,
	}},
	{sim.SchedSilver, "LambdaLR", nil},
}

// optimizerKeys lists, per optimizer, the PyTorch keyword names it takes
// besides "name", in PyTorch's order of the constructor's arguments.
var optimizerKeys = func() map[string][]string {
	m := map[string][]string{}
	for _, g := range optimizerTable {
		m[g.name] = []string{}
		for _, s := range g.settings {
			m[g.name] = append(m[g.name], s.Key)
		}
	}
	return m
}()

// schedulerKeys lists, per scheduler, the keyword names it takes besides
// "name", in PyTorch's order of the constructor's arguments.
var schedulerKeys = func() map[string][]string {
	m := map[string][]string{}
	for _, g := range schedulerTable {
		m[g.name] = []string{}
		for _, s := range g.settings {
			m[g.name] = append(m[g.name], s.Key)
		}
	}
	return m
}()

var (
	optimizerFields = map[string]func(*sim.OptimizerConfig) any{}
	schedulerFields = map[string]func(*sim.SchedulerConfig) any{}
)

func init() {
	for _, g := range optimizerTable {
		for _, s := range g.settings {
			optimizerFields[s.Key] = s.field
		}
	}
	for _, g := range schedulerTable {
		for _, s := range g.settings {
			schedulerFields[s.Key] = s.field
		}
	}
}

// optimizerField returns a pointer to the field of c that key names: a
// *float64, *bool or *[2]float64.
func optimizerField(c *sim.OptimizerConfig, key string) any {
	if f, ok := optimizerFields[key]; ok {
		return f(c)
	}
	panic("scenario: no optimizer key " + key)
}

// schedulerField returns a pointer to the field of c that key names: a
// *int, *float64, *bool, *string or *[]int.
func schedulerField(c *sim.SchedulerConfig, key string) any {
	if f, ok := schedulerFields[key]; ok {
		return f(c)
	}
	panic("scenario: no scheduler key " + key)
}

// runTable are the run-level settings besides the optimizer and the
// scheduler, in the order of a run's JSON object; each reads and writes its
// sim.RunConfig field by its type (scenario/runrows.go), in the scenario
// JSON, the share link and the websocket set (Live).
var runTable = []runSetting{
	{Spec: Spec{Key: "label", Type: "string", Def: "", MaxLength: maxLabel},
		field: func(c *sim.RunConfig) any { return &c.Label }},
	// start: the surface's own start point when absent; the link writes x=, y=.
	{Spec: Spec{Key: "start", Type: "pair", Optional: true},
		field: func(c *sim.RunConfig) any { return &c.Start }, what: "[x, y]", link: []string{"x", "y"},
		surfaceDef: func(info sim.SurfaceInfo) any { return info.Start },
		check: func(c *sim.RunConfig, info sim.SurfaceInfo, path string) error {
			return checkStart(c.Start, info.View, path)
		}},
	// optimizer_y: an optimizer object merged over the run's; the link
	// writes opt_y=NAME and KEY_y=.
	{Spec: Spec{Key: "optimizer_y", Type: "enum", Options: sim.OptimizerNames, Optional: true, Live: true, Query: "opt_y"},
		field: func(c *sim.RunConfig) any { return &c.OptimizerY }, only: gameSurfaces},
	{Spec: Spec{Key: "updates", Type: "enum", Def: sim.UpdatesSimultaneous, Options: []string{sim.UpdatesSimultaneous, sim.UpdatesAlternating}},
		field: func(c *sim.RunConfig) any { return &c.Updates }, only: gameSurfaces},
	{Spec: Spec{Key: "noise", Type: "float", Def: 0.0, Min: num(0), Step: 0.01, Live: true},
		field: func(c *sim.RunConfig) any { return &c.Noise }, what: "the gradient noise σ"},
	{Spec: Spec{Key: "seed", Type: "int", Def: 0, Min: num(0), Max: num(maxSeed)},
		field: func(c *sim.RunConfig) any { return &c.Seed }},
	// clip_grad_norm: torch.nn.utils.clip_grad_norm_'s max_norm; absent or 0, no clipping.
	{Spec: Spec{Key: "clip_grad_norm", Type: "float", Min: num(0), Step: 0.1, Optional: true, Live: true},
		field: func(c *sim.RunConfig) any { return &c.ClipGradNorm }, what: "the largest gradient norm; 0: no clipping"},
	// batch_size: the data set's rows (full batch) when absent.
	{Spec: Spec{Key: "batch_size", Type: "int", Min: num(1), Max: num(sim.MaxDataRows), Optional: true, Live: true},
		field: func(c *sim.RunConfig) any { return &c.BatchSize }, only: dataSurfaces,
		surfaceDef: func(info sim.SurfaceInfo) any { return info.Data.Rows },
		surfaceMax: func(info sim.SurfaceInfo) int { return info.Data.Rows }},
}

// AnalysisRun lists, for each analysis of one run (POST /api/v1/lr-finder,
// /sweep, /flat-share), the run-level settings its request reads as a
// scenario's run reads them (AnalysisRunKeys): all of them for the LR range
// test; the sweep's seeds are its own (1 … seeds); the flat share's noise
// levels and seeds are its axes. The schema serves it, so that the page sends
// each analysis the settings of the selected run without a list of its own.
var AnalysisRun = map[string][]string{
	"lr_finder":  AnalysisRunKeys(),
	"sweep":      AnalysisRunKeys("seed"),
	"flat_share": AnalysisRunKeys("noise", "seed"),
}

// runSpecs are the specs of runTable, as the schema serves them.
var runSpecs = func() []Spec {
	out := make([]Spec, len(runTable))
	for i, s := range runTable {
		out[i] = s.Spec
		out[i].Only = s.only
	}
	return out
}()

// topSpecs are the scenario's top-level settings besides the surface and
// the runs; steps' maximum is the server's limit (Schema fills it in).
func topSpecs(lim Limits) []Spec {
	return []Spec{
		{Key: "steps", Type: "int", Def: min(DefaultSteps, lim.MaxSteps), Min: num(1), Max: num(float64(lim.MaxSteps))},
		{Key: "rate", Type: "int", Def: DefaultRate, Min: num(0), Max: num(MaxRate)},
		{Key: "test_shift", Type: "pair", Optional: true, Query: "shift"},
	}
}

// Schema returns the settings schema with the limits lim (zero fields:
// DefaultLimits).
func Schema(lim Limits) SchemaDoc {
	lim = lim.withDefaults()
	d := SchemaDoc{Run: runSpecs, Top: topSpecs(lim), Limits: SchemaLimit{
		Runs: lim.MaxRuns, Steps: lim.MaxSteps,
		FormulaChars: expr.MaxLen, DataRows: sim.MaxDataRows, DataValue: sim.MaxDataValue, LinkRows: MaxLinkRows,
	}, AnalysisRun: AnalysisRun}
	for _, g := range optimizerTable {
		out := Group{Name: g.name, PyTorch: g.pytorch, Settings: []Spec{}}
		for _, s := range g.settings {
			out.Settings = append(out.Settings, s.Spec)
		}
		d.Optimizers = append(d.Optimizers, out)
	}
	for _, g := range schedulerTable {
		out := Group{Name: g.name, PyTorch: g.pytorch, Settings: []Spec{}}
		for _, s := range g.settings {
			out.Settings = append(out.Settings, s.Spec)
		}
		d.Schedulers = append(d.Schedulers, out)
	}
	return d
}

// RunSpec returns the run-level setting key, or false.
func RunSpec(key string) (Spec, bool) {
	for _, s := range runSpecs {
		if s.Key == key {
			return s, true
		}
	}
	return Spec{}, false
}

// Value returns the default d derives for a run of steps steps at lr: an
// int (Floor), a float64, or an []int (Scale a list).
func (d Derive) Value(steps int, lr float64) any {
	from := float64(steps)
	if d.From == "lr" {
		from = lr
	}
	if list, ok := d.Scale.([]float64); ok {
		var out []int
		for _, s := range list {
			if n := int(math.Floor(from * s)); len(out) == 0 || n > out[len(out)-1] {
				out = append(out, n)
			}
		}
		return out
	}
	v := from * d.Scale.(float64)
	if !d.Floor {
		return v
	}
	n := int(math.Floor(v))
	if d.Min != nil {
		n = max(n, *d.Min)
	}
	return n
}
