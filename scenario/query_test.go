package scenario

import (
	"bytes"
	"encoding/json"

	"flag"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"

	"lrlab/sim"
)

var update = flag.Bool("update", false, "rewrite testdata/share_cases.json from the inputs in query_test.go")

const shareCasesFile = "testdata/share_cases.json"

// shareInputs are the queries of the shared table. The expected scenario,
// extras, error fields and canonical query are written by -update and
// reviewed by hand; goOnly marks errors that need sim's own validation of
// combinations (a browser cannot be expected to find them).
var shareInputs = []struct {
	name, query string
	goOnly      bool
}{
	{name: "empty link: one SGD run on the quadratic bowl", query: ""},
	{name: "the lesson's pair of runs", query: "surface=quadratic&b=10&run=sgd,lr=0.19&run=sgd,lr=0.21"},
	{name: "architecture example; defaults left out when written back", query: "surface=quadratic&b=10&steps=200&run=sgd,lr=0.19&run=sgd,lr=0.21,momentum=0.9,sched=cosine,T_max=100,x=-2.5,y=1.5"},
	{name: "adam with betas (';' escaped as %3B)", query: "surface=rosenbrock&steps=1000&run=adam,lr=0.01,betas=0.8%3B0.99,amsgrad=true"},
	{name: "adam at its default lr leaves lr out", query: "surface=rosenbrock&run=adam"},
	{name: "multistep milestones", query: "surface=quadratic&run=sgd,lr=0.1,sched=multistep,milestones=50%3B75%3B90,gamma=0.5"},
	{name: "onecycle settings", query: "surface=quadratic&steps=300&run=sgd,lr=0.05,momentum=0.9,sched=onecycle,max_lr=0.1,anneal_strategy=linear,three_phase=true"},
	{name: "warmup_cosine and exponent numbers", query: "surface=quadratic&run=adamw,lr=3e-3,weight_decay=1e-4,sched=warmup_cosine,warmup_steps=40,eta_min=1e-5"},
	{name: "rmsprop and adagrad keys", query: "surface=himmelblau&run=rmsprop,lr=0.01,alpha=0.9,centered=1&run=adagrad,lr=0.5,lr_decay=0.001,initial_accumulator_value=0.1"},
	{name: "start, noise, seed and a label with escapes", query: "surface=sharp_flat&run=sgd,lr=0.1,x=-2,y=1,noise=0.5,seed=42,label=noisy%2C%20large%20%253D%20%2525"},
	{name: "label written with a bare comma", query: "surface=quadratic&run=sgd,lr=0.1,label=big,bad"},
	{name: "view, shift, steps and extras", query: "surface=quadratic&a=2&theta=0.5&view=-4,4,-3,3&steps=500&rate=120&shift=0.1,-0.2&run=sgd,lr=0.1&lang=ja&embed=1"},
	{name: "presentation mode with controls hidden (canonical order, once each)", query: "surface=rosenbrock&run=adam,lr=0.05&present=1&hide=legend,analysis,header,legend"},
	{name: "hide an unknown control: the known ones are kept", query: "surface=quadratic&run=sgd,lr=0.1&hide=legend,buttons&embed=1"},
	{name: "a run branching off another at step 50", query: "surface=quadratic&steps=120&run=sgd,lr=0.02&run=sgd,lr=0.08&branch=1:0:50"},
	{name: "bad branches: later parent, step past the end, not RUN:FROM:STEP, twice", query: "surface=quadratic&steps=100&run=sgd,lr=0.02&run=sgd,lr=0.08&run=adam,lr=0.1&branch=2:0:10,0:1:5,1:0:100,x,2:1:20"},
	{name: "rate max is 0", query: "surface=quadratic&rate=max&run=sgd,lr=0.1"},
	{name: "game: separate LR for player y, alternating", query: "surface=bilinear&run=sgd,lr=0.1&run=sgd,lr=0.1,lr_y=0.02&run=sgd,lr=0.1,updates=alternating"},
	{name: "game: another optimizer for player y", query: "surface=bilinear&run=sgd,lr=0.1,opt_y=adam,lr_y=0.01,betas_y=0.5%3B0.9"},
	{name: "game: momentum for y only", query: "surface=bilinear&run=sgd,lr=0.1,momentum_y=0.5"},

	{name: "custom surface from a formula", query: "surface=custom&formula=x%5E2%20%2B%2010*y%5E2%20-%20sin(x*y)&run=sgd,lr=0.05"},
	{name: "formula that does not parse (sim's check): the default surface", query: "surface=custom&formula=x%5E%5E2&run=sgd,lr=0.05", goOnly: true},
	{name: "unknown top-level key", query: "surface=quadratic&bb=10&run=sgd,lr=0.1"},
	{name: "unknown surface falls back to quadratic", query: "surface=quadratik&run=sgd,lr=0.1"},
	{name: "surface parameter out of range", query: "surface=quadratic&b=-1&run=sgd,lr=0.1"},
	{name: "surface parameter not a number", query: "surface=quadratic&b=ten&run=sgd,lr=0.1"},
	{name: "steps out of range", query: "surface=quadratic&steps=20000&run=sgd,lr=0.1"},
	{name: "steps not whole", query: "surface=quadratic&steps=1.5&run=sgd,lr=0.1"},
	{name: "view with three numbers", query: "surface=quadratic&view=-1,1,0&run=sgd,lr=0.1"},
	{name: "view upside down", query: "surface=quadratic&view=1,-1,0,1&run=sgd,lr=0.1"},
	{name: "shift larger than the map", query: "surface=quadratic&shift=100,0&run=sgd,lr=0.1"},
	{name: "unknown language, bad rate", query: "surface=quadratic&lang=fr&rate=fast&run=sgd,lr=0.1"},
	{name: "unknown optimizer: that run is left out", query: "surface=quadratic&run=sgdd,lr=0.1&run=sgd,lr=0.2"},
	{name: "no valid run: the default run", query: "surface=quadratic&run=nadam,lr=0.1"},
	{name: "typo in an optimizer key", query: "surface=quadratic&run=sgd,lr=0.1,momentom=0.9"},
	{name: "key of another optimizer", query: "surface=quadratic&run=adam,lr=0.1,momentum=0.9"},
	{name: "unknown scheduler: constant, its keys unknown", query: "surface=quadratic&run=sgd,lr=0.1,sched=cosinus,T_max=50"},
	{name: "scheduler key without sched", query: "surface=quadratic&run=sgd,lr=0.1,T_max=50"},
	{name: "lr not a number", query: "surface=quadratic&run=sgd,lr=fast,momentum=0.5"},
	{name: "lr not positive: default lr", query: "surface=quadratic&run=sgd,lr=-1,momentum=0.5"},
	{name: "lr hex is not a number", query: "surface=quadratic&run=sgd,lr=0x10"},
	{name: "betas out of range", query: "surface=quadratic&run=adam,lr=0.1,betas=0.9%3B1.5"},
	{name: "betas with one number", query: "surface=quadratic&run=adam,lr=0.1,betas=0.9"},
	{name: "bad boolean", query: "surface=quadratic&run=sgd,lr=0.1,momentum=0.9,nesterov=yes"},
	{name: "negative noise, fractional seed", query: "surface=quadratic&run=sgd,lr=0.1,noise=-1,seed=1.5"},
	{name: "start far outside the map", query: "surface=quadratic&run=sgd,lr=0.1,x=100,y=1"},
	{name: "a key given twice", query: "surface=quadratic&run=sgd,lr=0.1,lr=0.2"},
	{name: "a piece without =", query: "surface=quadratic&run=sgd,lr=0.1,fast"},
	{name: "game keys on a surface that is not a game", query: "surface=quadratic&run=sgd,lr=0.1,lr_y=0.1"},
	{name: "unknown updates value", query: "surface=bilinear&run=sgd,lr=0.1,updates=together"},
	{name: "too many runs: the first 8 are kept", query: "surface=quadratic" + strings.Repeat("&run=sgd,lr=0.1", 9)},
	{name: "top-level key given twice", query: "surface=quadratic&steps=100&steps=300&run=sgd,lr=0.1"},
	{name: "nesterov without momentum (sim's check)", query: "surface=quadratic&run=sgd,lr=0.1,nesterov=true", goOnly: true},
	{name: "a number with a plus sign is not JSON's syntax", query: "surface=quadratic&steps=%2B100&run=sgd,lr=0.1"},
	{name: "numbers with a bare dot, a leading zero or a space", query: "surface=quadratic&b=.5&run=sgd,lr=1.,momentum=00.5,x=%201"},
	{name: "hex float is not a number", query: "surface=quadratic&view=0x1p3,9,-1,1&run=sgd,lr=0.1"},
	{name: "embed other than 0 or 1", query: "surface=quadratic&embed=2&run=sgd,lr=0.1"},
	{name: "present other than 0 or 1", query: "surface=quadratic&present=2&run=sgd,lr=0.1"},
	{name: "embed=0 is the full page", query: "surface=quadratic&embed=0&run=sgd,lr=0.1"},
	{name: "empty settings between commas", query: "surface=quadratic&run=sgd,,,,lr=0.1,"},
	{name: "a label with two commas in a row", query: "surface=quadratic&run=sgd,lr=0.1,label=a,,b"},
	{name: "warmup longer than the run (sim's check)", query: "surface=quadratic&steps=50&run=sgd,lr=0.1,sched=warmup_cosine,warmup_steps=60", goOnly: true},

	// Data surfaces (scenario/data.go): dataset=NAME or data=x_y~x_y~…, a run's batch_size.
	{name: "linreg on a built-in data set, mini-batches of 8", query: "surface=linreg&dataset=hundreds&run=sgd,lr=5e-5,batch_size=8"},
	{name: "linreg on rows carried by the link", query: "surface=linreg&data=0_1~1_3~2_5.5~3_7&run=sgd,lr=0.05,batch_size=2"},
	{name: "logreg on its default data set; batch_size at N left out", query: "surface=logreg&run=sgd,lr=0.5,batch_size=100"},
	{name: "a bad number in the data names its row and column", query: "surface=linreg&data=0_1~1_x~2_5&run=sgd,lr=0.1"},
	{name: "a data row without its y", query: "surface=linreg&data=0_1~1~2_5&run=sgd,lr=0.1"},
	{name: "a logreg label that is not 0 or 1", query: "surface=logreg&data=0_1~1_0.5&run=sgd,lr=0.1"},
	{name: "batch_size larger than the data", query: "surface=linreg&data=0_1~1_3&run=sgd,lr=0.1,batch_size=5"},
	{name: "batch_size on a surface without data", query: "surface=quadratic&run=sgd,lr=0.1,batch_size=4"},
	{name: "unknown data set", query: "surface=linreg&dataset=nope&run=sgd,lr=0.1", goOnly: true},
	{name: "dataset on a surface without data", query: "surface=quadratic&dataset=line&run=sgd,lr=0.1"},
}

// shareCase is one row of testdata/share_cases.json.
type shareCase struct {
	Name      string          `json:"name"`
	Query     string          `json:"query"`
	Scenario  json.RawMessage `json:"scenario"`
	Extras    extrasJSON      `json:"extras"`
	Errors    []string        `json:"errors"`
	Canonical string          `json:"canonical"`
	GoOnly    bool            `json:"go_only,omitempty"`
}

type extrasJSON struct {
	Lang    string `json:"lang"`
	Embed   bool   `json:"embed"`
	Rate    int    `json:"rate"`
	Present bool   `json:"present,omitempty"`
	Hide    string `json:"hide,omitempty"`
	Branch  string `json:"branch,omitempty"`
}

type shareFile struct {
	About   []string          `json:"about"`
	Catalog []sim.SurfaceInfo `json:"catalog"`
	Cases   []shareCase       `json:"cases"`
}

var shareAbout = []string{
	"Share-link cases shared by the Go decoder (scenario.ParseQuery) and the browser's (web/static/state.js).",
	"query: the link's query without '?'. scenario: the valid part, as the normalised scenario JSON (every setting explicit, as POST /api/v1/simulate's decoder writes it).",
	"extras: lang, embed, rate (60 when absent; 0 = as fast as possible), present (presentation mode; left out when false), hide (the controls hidden, in scenario.HideKeys' order; left out when none), branch (RUN:FROM:STEP items in RUN's order; left out when none). errors: the fields of the errors (compare them as a set: the order is the Go decoder's); empty when the link is valid.",
	"canonical: the link written back (Encode): keys at their default left out, numbers the shorter of plain and exponential spelling, whole-number settings as plain integers, lists joined by ';' (escaped %3B), ',' '=' ':' unescaped.",
	"Run indices in error fields are the position of the run= in the link. A run with an unknown optimizer is left out; any other bad setting keeps its default. A link with no valid run gets one SGD run at lr 1e-3.",
	"A run's lr defaults to 1e-3 (sgd, adam, adamw) or 1e-2 (rmsprop, adagrad). go_only: the error comes from sim's check of a combination of settings.",
	"catalog: GET /api/v1/surfaces as it was when the file was written (defaults, views and start points the cases rely on), plus the custom surface's view and start (sim.Catalog does not list it).",
}

func buildShareCases(t *testing.T) shareFile {
	f := shareFile{About: shareAbout, Catalog: sim.Catalog()}
	// The custom surface is not in the catalog, but its view and start are
	// what a link on it falls back to.
	if c, err := sim.NewSurface(sim.SurfaceConfig{Name: sim.SurfaceCustom, Formula: "x^2 + y^2"}); err == nil {
		info := c.Info()
		info.Formula = ""
		f.Catalog = append(f.Catalog, info)
	}
	for _, in := range shareInputs {
		q, err := url.ParseQuery(in.query)
		if err != nil {
			t.Fatalf("%s: url.ParseQuery: %v", in.name, err)
		}
		s, x, errs := ParseQuery(q, DefaultLimits)
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("%s: %v", in.name, err)
		}
		c := shareCase{Name: in.name, Query: in.query, Scenario: data, GoOnly: in.goOnly,
			Extras: extrasJSON{x.Lang, x.Embed, x.Rate, x.Present, x.Hide, x.Branch}, Errors: []string{}, Canonical: EncodeQuery(s.Query(x))}
		for _, e := range errs {
			fe, ok := asFieldError(e)
			if !ok {
				t.Fatalf("%s: error %v is not a *sim.FieldError", in.name, e)
			}
			c.Errors = append(c.Errors, fe.Field)
		}
		f.Cases = append(f.Cases, c)
	}
	return f
}

func TestShareCases(t *testing.T) {
	got := buildShareCases(t)
	if *update {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(got); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(shareCasesFile, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(shareCasesFile)
	if err != nil {
		t.Fatalf("%v (run go test -run TestShareCases -update)", err)
	}
	var want shareFile
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	if len(want.Cases) != len(got.Cases) {
		t.Fatalf("%s has %d cases, the inputs %d (run with -update)", shareCasesFile, len(want.Cases), len(got.Cases))
	}
	for i, w := range want.Cases {
		g := got.Cases[i]
		t.Run(w.Name, func(t *testing.T) {
			if g.Query != w.Query {
				t.Fatalf("query %q, file has %q (run with -update)", g.Query, w.Query)
			}
			ws, err := Decode(w.Scenario, DefaultLimits)
			if err != nil {
				t.Fatalf("the file's scenario does not decode: %v", err)
			}
			gs, _ := Decode(g.Scenario, DefaultLimits)
			if !reflect.DeepEqual(gs, ws) {
				t.Errorf("scenario\n got %s\nwant %s", g.Scenario, w.Scenario)
			}
			if !reflect.DeepEqual(g.Errors, w.Errors) {
				t.Errorf("errors %q, want %q", g.Errors, w.Errors)
			}
			if g.Extras != w.Extras {
				t.Errorf("extras %+v, want %+v", g.Extras, w.Extras)
			}
			if g.Canonical != w.Canonical {
				t.Errorf("canonical\n got %s\nwant %s", g.Canonical, w.Canonical)
			}
			// The canonical link is valid and reads back to the same scenario.
			q, err := url.ParseQuery(w.Canonical)
			if err != nil {
				t.Fatalf("canonical link does not parse: %v", err)
			}
			back, x, errs := ParseQuery(q, DefaultLimits)
			if len(errs) > 0 {
				t.Errorf("canonical link has errors: %v", errs)
			}
			if !reflect.DeepEqual(back, ws) || (extrasJSON{x.Lang, x.Embed, x.Rate, x.Present, x.Hide, x.Branch}) != w.Extras {
				t.Errorf("canonical link reads back differently:\n got %+v\nwant %+v", back, ws)
			}
		})
	}
}

func TestQueryReadable(t *testing.T) {
	s := mustDecode(t, `{"surface":{"name":"quadratic","b":10},"runs":[
		{"optimizer":{"lr":0.19}},{"optimizer":{"lr":0.21}},
		{"optimizer":{"name":"sgd","lr":0.05,"momentum":0.9},"scheduler":{"name":"cosine"}},
		{"optimizer":{"name":"adam","lr":0.1},"scheduler":{"name":"warmup_cosine","warmup_steps":20}}]}`)
	got := s.Encode()
	want := "surface=quadratic&run=sgd,lr=0.19&run=sgd,lr=0.21&run=sgd,lr=0.05,momentum=0.9,sched=cosine&run=adam,lr=0.1,sched=warmup_cosine"
	if got != want {
		t.Errorf("Encode =\n%s\nwant\n%s", got, want)
	}
	if len(got) > 300 {
		t.Errorf("four runs take %d characters, want ≤ 300", len(got))
	}
}

func TestQueryRoundTrip(t *testing.T) {
	for _, src := range roundTripSources {
		checkQueryRoundTrip(t, mustDecode(t, src))
	}
	for _, p := range Presets() {
		checkQueryRoundTrip(t, p.Scenario)
	}
}

// checkQueryRoundTrip checks that s written as a link reads back equal and
// without errors.
func checkQueryRoundTrip(t *testing.T, s Scenario) {
	t.Helper()
	link := s.Encode()
	q, err := url.ParseQuery(link)
	if err != nil {
		t.Fatalf("url.ParseQuery(%s): %v", link, err)
	}
	back, _, errs := ParseQuery(q, DefaultLimits)
	if len(errs) > 0 {
		t.Fatalf("ParseQuery(%s): %v", link, errs)
	}
	if !reflect.DeepEqual(back, s) {
		a, _ := json.Marshal(back)
		b, _ := json.Marshal(s)
		t.Fatalf("link %s reads back as\n%s\nwant\n%s", link, a, b)
	}
}

func TestQueryValues(t *testing.T) {
	s := mustDecode(t, `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"lr":0.1}}]}`)
	q := s.Query(Extras{Lang: "ja", Embed: true, Rate: 0})
	if q.Get("lang") != "ja" || q.Get("embed") != "1" || q.Get("rate") != "0" {
		t.Errorf("extras not written: %v", q)
	}
	// The plain url.Values encoding reads back too.
	back, x, errs := ParseQuery(mustParse(t, q.Encode()), DefaultLimits)
	if len(errs) > 0 || !reflect.DeepEqual(back, s) || x != (Extras{Lang: "ja", Embed: true, Rate: 0}) {
		t.Errorf("url.Values.Encode round trip: %v %+v %v", errs, x, back)
	}
}

func mustParse(t *testing.T, s string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestFormatShort(t *testing.T) {
	for v, want := range map[float64]string{
		0.19: "0.19", 1e-5: "1e-5", 1.5e6: "1.5e6", 10: "10", 100: "100", 1000: "1e3", 0: "0", -2.5: "-2.5",
		1.0 / 3: "0.3333333333333333", 1e21: "1e21", 1.5e-7: "1.5e-7", 123456: "123456",
	} {
		if got := formatShort(v); got != want {
			t.Errorf("formatShort(%v) = %q, want %q", v, got, want)
		}
	}
}

func FuzzQuery(f *testing.F) {
	for _, in := range shareInputs {
		f.Add(in.query)
	}
	for _, src := range roundTripSources {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, data string) {
		// As a link: never panics, always a usable scenario, only field errors.
		q, _ := url.ParseQuery(data)
		s, _, errs := ParseQuery(q, DefaultLimits)
		for _, e := range errs {
			if _, ok := asFieldError(e); !ok {
				t.Fatalf("error %v (%T) is not a *sim.FieldError", e, e)
			}
		}
		if _, _, err := s.Build(); err != nil {
			t.Fatalf("ParseQuery(%q) gave a scenario that does not build: %v", data, err)
		}
		if _, err := Decode(mustMarshal(t, s), DefaultLimits); err != nil {
			t.Fatalf("ParseQuery(%q) gave a scenario Decode rejects: %v", data, err)
		}
		checkQueryRoundTrip(t, s)
		// As a scenario: every valid scenario survives a link.
		if s, err := Decode([]byte(data), DefaultLimits); err == nil {
			checkQueryRoundTrip(t, s)
		}
	})
}

func mustMarshal(t *testing.T, s Scenario) []byte {
	t.Helper()
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestQueryLabels(t *testing.T) {
	for _, label := range []string{"a,b", "x=y", "50%", "%2C", "%zz", "  spaced ", "日本語のラベル", "a;b", "+plus", "#hash&amp", "ends with,", ",", "label=1"} {
		data, _ := json.Marshal(label)
		s := mustDecode(t, `{"surface":{"name":"quadratic"},"runs":[{"label":`+string(data)+`,"optimizer":{"lr":0.1}}]}`)
		checkQueryRoundTrip(t, s)
	}
}
