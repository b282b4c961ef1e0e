package server

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"

	"lrlab/api"
	"lrlab/scenario"
	"lrlab/sim"
)

func TestDatasetsEndpoint(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	resp, body := do(t, ts, "GET", "/api/v1/datasets", "", nil)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == "" {
		t.Fatalf("%s %s", resp.Status, body)
	}
	var out struct {
		MaxRows     int `json:"max_rows"`
		MaxLinkRows int `json:"max_link_rows"`
		Datasets    []struct {
			Name    string       `json:"name"`
			Surface string       `json:"surface"`
			Rows    int          `json:"rows"`
			Data    [][2]float64 `json:"data"`
		} `json:"datasets"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	if out.MaxRows != sim.MaxDataRows || out.MaxLinkRows != scenario.MaxLinkRows || len(out.Datasets) != len(sim.Datasets()) {
		t.Fatalf("%+v", out)
	}
	for _, d := range out.Datasets {
		rows, _ := sim.DatasetRows(d.Name)
		if d.Rows != len(rows) || !slices.Equal(d.Data, rows) {
			t.Errorf("%s: %d rows sent, %d in sim", d.Name, len(d.Data), len(rows))
		}
	}
}

func randomRows(n int, labels bool) [][2]float64 {
	r := rand.New(rand.NewPCG(5, 5))
	rows := make([][2]float64, n)
	for i := range rows {
		x := r.NormFloat64()
		y := 2*x + 1 + r.NormFloat64()
		if labels {
			y = float64(r.IntN(2))
		}
		rows[i] = [2]float64{math.Round(x*1000) / 1000, math.Round(y*1000) / 1000} // as typed in a CSV
	}
	return rows
}

func TestDataGrid(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	get := func(path string) (*http.Response, []byte) { return do(t, ts, "GET", path, "", nil) }

	// A built-in set by name, and rows in the link's spelling.
	resp, body := get("/api/v1/surfaces/linreg/grid?dataset=hundreds&n=64")
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s", resp.Status, body)
	}
	g := decodeGridBody(t, body)
	if g.nx != 64 || g.box[0] != -0.06 {
		t.Errorf("grid %d×%d box %v", g.nx, g.ny, g.box)
	}
	etagHundreds := resp.Header.Get("ETag")
	resp, _ = get("/api/v1/surfaces/linreg/grid?dataset=hundreds_std&n=64&xmin=-0.06&xmax=0.12&ymin=-3&ymax=7")
	if resp.Header.Get("ETag") == etagHundreds {
		t.Error("two data sets, one ETag")
	}
	resp, body = get("/api/v1/surfaces/linreg/grid?data=0_1~1_3~2_5&n=16")
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s", resp.Status, body)
	}
	resp2, _ := get("/api/v1/surfaces/linreg/grid?data=0_1~1_3~2_6&n=16")
	if resp.Header.Get("ETag") == resp2.Header.Get("ETag") {
		t.Error("two data sets, one ETag")
	}

	// The same rows by POST give the same grid and ETag.
	resp3, body3 := do(t, ts, "POST", "/api/v1/surfaces/linreg/grid", `{"data":[[0,1],[1,3],[2,5]],"n":16}`, nil)
	if resp3.StatusCode != 200 || resp3.Header.Get("ETag") != resp.Header.Get("ETag") || string(body3) != string(body) {
		t.Errorf("POST grid: %s, ETag %s vs %s", resp3.Status, resp3.Header.Get("ETag"), resp.Header.Get("ETag"))
	}

	// 2,000 rows: linreg at 512², logreg at the size its budget allows.
	for _, c := range []struct {
		name  string
		rows  [][2]float64
		wantN uint32
	}{{"linreg", randomRows(2000, false), 512}, {"logreg", randomRows(2000, true), uint32(sim.GridSize(mustSurface(t, "logreg", randomRows(2000, true)), 512))}} {
		b, _ := json.Marshal(map[string]any{"data": c.rows, "n": 512})
		if len(b) > 64<<10 {
			t.Fatalf("%s: 2,000 rows are %d bytes, over the body limit", c.name, len(b))
		}
		resp, body := do(t, ts, "POST", "/api/v1/surfaces/"+c.name+"/grid", string(b), nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %s %s", c.name, resp.Status, body)
		}
		if g := decodeGridBody(t, body); g.nx != c.wantN || g.ny != c.wantN {
			t.Errorf("%s: %d×%d, want %d", c.name, g.nx, g.ny, c.wantN)
		}
	}

	// Bad data: 400 naming the row and column.
	for _, c := range []struct{ method, path, body, field string }{
		{"GET", "/api/v1/surfaces/linreg/grid?data=0_1~1_x", "", "data[1][1]"},
		{"GET", "/api/v1/surfaces/logreg/grid?data=0_1~1_0.5", "", "data[1][1]"},
		{"GET", "/api/v1/surfaces/linreg/grid?dataset=nope", "", "dataset"},
		{"GET", "/api/v1/surfaces/quadratic/grid?dataset=line", "", "data"},
		{"POST", "/api/v1/surfaces/linreg/grid", `{"data":[[0,1],[1,"a"]]}`, "data[1][1]"},
		{"POST", "/api/v1/surfaces/logreg/grid", `{"data":[[0,1],[1,2]]}`, "data[1][1]"},
		{"POST", "/api/v1/surfaces/linreg/grid", `{"data":[[0,1]],"n":"big"}`, "n"},
		{"POST", "/api/v1/surfaces/linreg/grid", `[1]`, ""},
	} {
		resp, body := do(t, ts, c.method, c.path, c.body, nil)
		var e api.Error
		json.Unmarshal(body, &e)
		if resp.StatusCode != 400 || e.Field != c.field || e.Error == "" {
			t.Errorf("%s %s %s: %s %s, want 400 on %q", c.method, c.path, c.body, resp.Status, body, c.field)
		}
	}
}

func mustSurface(t *testing.T, name string, rows [][2]float64) sim.Surface {
	t.Helper()
	s, err := sim.NewSurface(sim.SurfaceConfig{Name: name, Data: rows})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const dataScenario = `{"surface":{"name":"linreg","dataset":"noisy_line"},"steps":30,"runs":[
	{"optimizer":{"name":"sgd","lr":0.1},"batch_size":8,"seed":4},
	{"optimizer":{"name":"sgd","lr":0.1}}]}`

func TestSimulateBatchLoss(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	runs := simulate(t, ts, dataScenario)
	if len(runs[0].BatchLoss) != 31 || len(runs[1].BatchLoss) != 31 {
		t.Fatalf("batch_loss lengths %d, %d", len(runs[0].BatchLoss), len(runs[1].BatchLoss))
	}
	if slices.Equal(runs[0].BatchLoss[1:], runs[0].Loss[:30]) {
		t.Error("mini-batch losses equal the full losses")
	}
	if !slices.Equal(runs[1].BatchLoss[1:], runs[1].Loss[:30]) {
		t.Error("full-batch batch_loss is not the loss at each step's start")
	}
	if q := simulate(t, ts, `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"sgd","lr":0.1}}]}`); q[0].BatchLoss != nil {
		t.Error("batch_loss on a surface without data")
	}
}

// TestWSBatchSize streams a data scenario (frames carry batch_loss equal to
// the simulation's), changes B mid-run with set, and checks the errors.
func TestWSBatchSize(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	want := simulate(t, ts, dataScenario)
	c := mustDial(t, ts)
	c.send(`{"type":"start","rate":0,"scenario":` + dataScenario + `}`)
	c.expect("started")
	got, _ := c.collect(2)
	for i := range got {
		if !slices.Equal(got[i].X, want[i].X) || !slices.Equal(got[i].BatchLoss, want[i].BatchLoss) {
			t.Errorf("run %d: streamed %d points, batch loss %v…; simulated %v…", i, len(got[i].X), got[i].BatchLoss[:2], want[i].BatchLoss[:2])
		}
	}

	c.send(`{"type":"start","paused":true,"scenario":` + dataScenario + `}`)
	c.expect("started")
	c.expect("frame")
	c.send(`{"type":"step","n":5}`)
	f := c.expect("frame")
	x5, y5 := f.Runs[1].X[4], f.Runs[1].Y[4]
	c.send(`{"type":"set","run":1,"batch_size":4}`)
	if ok := c.expect("set_ok"); ok.Run != 1 || ok.Step != 5 {
		t.Fatalf("set_ok %+v", ok)
	}
	c.send(`{"type":"step","n":1}`)
	f = c.expect("frame")
	// The step after the change uses the first batch of 4 of the run's
	// generator (a new epoch), at the point before it.
	s, _ := sim.NewSurface(sim.SurfaceConfig{Name: "linreg", Dataset: "noisy_line"})
	p := sim.Point{X: x5, Y: y5}
	bl, g := s.(sim.DataSurface).BatchLossGrad(p, sim.Batches(100, 4, 0, 1)[0])
	next := p.Sub(g.Scale(0.1))
	var r1 api.FrameRun
	for _, r := range f.Runs {
		if r.Run == 1 {
			r1 = r
		}
	}
	if len(r1.X) != 1 || r1.X[0] != next.X || r1.Y[0] != next.Y || r1.BatchLoss[0] != bl {
		t.Errorf("after set batch_size 4: %+v, want (%v, %v) batch loss %v", r1, next.X, next.Y, bl)
	}
	for _, tt := range []struct{ msg, field string }{
		{`{"type":"set","run":0,"batch_size":101}`, "runs[0].batch_size"},
		{`{"type":"set","run":0,"batch_size":0}`, "batch_size"},
		{`{"type":"set","run":0,"batch_size":2.5}`, "batch_size"},
	} {
		c.send(tt.msg)
		if e := c.expect("error"); e.Field != tt.field || !strings.Contains(e.Error, "from 1 to") {
			t.Errorf("%s: %+v, want field %q", tt.msg, e, tt.field)
		}
	}
	c.send(`{"type":"start","paused":true,"scenario":{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"sgd","lr":0.1}}]}}`)
	c.expect("started")
	c.expect("frame")
	c.send(`{"type":"set","run":0,"batch_size":4}`)
	if e := c.expect("error"); e.Field != "runs[0].batch_size" || !strings.Contains(e.Error, "only the data surfaces") {
		t.Errorf("batch_size on quadratic: %+v", e)
	}
}

func TestAnalysesBatchSize(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	post := func(path, body string) (int, []byte) {
		resp, b := do(t, ts, "POST", path, body, nil)
		return resp.StatusCode, b
	}
	// The sweep with mini-batches runs every seed: their final losses spread.
	code, body := post("/api/v1/sweep", `{"surface":{"name":"linreg","dataset":"noisy_line"},"steps":100,"num":3,"lr_min":0.01,"lr_max":0.1,"seeds":4,"batch_size":4,"optimizers":[{"name":"sgd"}]}`)
	if code != 200 {
		t.Fatalf("sweep: %d %s", code, body)
	}
	var sw struct {
		Results []struct {
			LossMin float64 `json:"loss_min"`
			LossMax float64 `json:"loss_max"`
		} `json:"results"`
	}
	json.Unmarshal(body, &sw)
	if len(sw.Results) != 3 || !(sw.Results[2].LossMax > sw.Results[2].LossMin) {
		t.Errorf("sweep results %+v", sw.Results)
	}
	code, body = post("/api/v1/lr-finder", `{"surface":{"name":"linreg","dataset":"noisy_line"},"batch_size":8,"seed":2}`)
	if code != 200 {
		t.Fatalf("finder: %d %s", code, body)
	}
	code, full := post("/api/v1/lr-finder", `{"surface":{"name":"linreg","dataset":"noisy_line"}}`)
	if code != 200 || string(full) == string(body) {
		t.Errorf("finder with and without mini-batches: %d, same answer %v", code, string(full) == string(body))
	}
	for _, c := range []struct{ path, body, field string }{
		{"/api/v1/lr-finder", `{"surface":{"name":"quadratic"},"batch_size":8}`, "batch_size"},
		{"/api/v1/lr-finder", `{"surface":{"name":"linreg","dataset":"line"},"batch_size":22}`, "batch_size"},
		{"/api/v1/sweep", `{"surface":{"name":"linreg","dataset":"line"},"batch_size":0}`, "batch_size"},
	} {
		code, body := post(c.path, c.body)
		var e api.Error
		json.Unmarshal(body, &e)
		if code != 400 || e.Field != c.field {
			t.Errorf("%s %s: %d %s", c.path, c.body, code, body)
		}
	}
	// A logreg sweep on 2,000 rows is over the budget, said in steps.
	rows, _ := json.Marshal(randomRows(2000, true))
	code, body = post("/api/v1/sweep", fmt.Sprintf(`{"surface":{"name":"logreg","data":%s}}`, rows))
	if code != 400 || !strings.Contains(string(body), "data surface sums over its rows") {
		t.Errorf("logreg sweep on 2000 rows: %d %s", code, body)
	}
}

func TestSurfaceInfoPost(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	resp, body := do(t, ts, "POST", "/api/v1/surfaces/linreg", `{"data":[[0,1],[1,3],[2,5]]}`, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s", resp.Status, body)
	}
	var in sim.SurfaceInfo
	if err := json.Unmarshal(body, &in); err != nil {
		t.Fatal(err)
	}
	if len(in.Minima) != 1 || in.Minima[0].X != 2 || in.Minima[0].Y != 1 || in.Data == nil || in.Data.Rows != 3 || in.Start != (sim.Point{}) {
		t.Errorf("info %+v", in)
	}
	for _, c := range []struct {
		path, body string
		status     int
		field      string
	}{
		{"/api/v1/surfaces/linreg", `{"data":[[0,1],[1,"x"]]}`, 400, "data[1][1]"},
		{"/api/v1/surfaces/nope", `{}`, 404, "name"},
		{"/api/v1/surfaces/linreg", `{"name":"logreg"}`, 400, "name"},
	} {
		resp, body := do(t, ts, "POST", c.path, c.body, nil)
		var e api.Error
		json.Unmarshal(body, &e)
		if resp.StatusCode != c.status || e.Field != c.field {
			t.Errorf("%s %s: %s %s", c.path, c.body, resp.Status, body)
		}
	}
}

func TestDataWorkRefused(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	rows, _ := json.Marshal(randomRows(2000, true))
	sc := fmt.Sprintf(`{"surface":{"name":"logreg","data":%s},"steps":3000,"runs":[{"optimizer":{"name":"sgd","lr":0.1}},{"optimizer":{"name":"sgd","lr":0.2}}]}`, rows)
	resp, body := do(t, ts, "POST", "/api/v1/simulate", sc, nil)
	var e api.Error
	json.Unmarshal(body, &e)
	if resp.StatusCode != 400 || e.Field != "steps" || !strings.Contains(e.Error, "too much work") {
		t.Errorf("simulate: %s %s", resp.Status, body)
	}
	c := mustDial(t, ts)
	c.send(`{"type":"start","paused":true,"scenario":` + sc + `}`)
	if m := c.expect("error"); m.Field != "steps" {
		t.Errorf("ws start: %+v", m)
	}
}
