package server

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"lrlab/api"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// newTestServer starts the lab on an httptest server with cfg's limits.
func newTestServer(t *testing.T, cfg Config) (*httptest.Server, *Server) {
	t.Helper()
	h := NewServer(discardLogger(), cfg)
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts, h
}

// do sends a request with the test server's client and returns the response
// with its body read.
func do(t *testing.T, ts *httptest.Server, method, path, body string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, ts.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func simulate(t *testing.T, ts *httptest.Server, scenario string) []api.SimRun {
	t.Helper()
	resp, body := do(t, ts, "POST", "/api/v1/simulate", scenario, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("simulate: %s %s", resp.Status, body)
	}
	var out struct{ Runs []api.SimRun }
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("simulate: %v in %s", err, body)
	}
	return out.Runs
}

func TestSimulate(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	sc := `{"surface":{"name":"quadratic","a":1,"b":10},"steps":200,"test_shift":[0.1,0],
		"runs":[{"label":"ok","start":[-2.5,1.5],"optimizer":{"name":"sgd","lr":0.19}},
		        {"label":"too large","start":[-2.5,1.5],"optimizer":{"name":"sgd","lr":0.21}}]}`
	resp, body := do(t, ts, "POST", "/api/v1/simulate", sc, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %s: %s", resp.Status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var out struct{ Runs []api.SimRun }
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	ok, bad := out.Runs[0], out.Runs[1]
	if ok.Label != "ok" || ok.Status != "completed" && ok.Status != "converged" || ok.DivergedAt != nil {
		t.Errorf("run 0: %q %s %v", ok.Label, ok.Status, ok.DivergedAt)
	}
	if len(ok.X) != 201 || len(ok.LR) != 200 || len(ok.TestLoss) != 201 || len(ok.Sharpness) != 201 {
		t.Errorf("run 0 lengths: x %d lr %d test_loss %d", len(ok.X), len(ok.LR), len(ok.TestLoss))
	}
	if bad.Status != "diverged" || bad.DivergedAt == nil || *bad.DivergedAt != len(bad.LR) {
		t.Errorf("run 1: %s at %v with %d lr", bad.Status, bad.DivergedAt, len(bad.LR))
	}
	// Without a test shift there is no test_loss key.
	_, body = do(t, ts, "POST", "/api/v1/simulate", `{"surface":{"name":"quadratic"},"steps":3,"runs":[{"optimizer":{"name":"sgd","lr":0.1}}]}`, nil)
	if bytes.Contains(body, []byte("test_loss")) {
		t.Errorf("test_loss without a test shift: %s", body)
	}
}

func TestSimulateBadInput(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	run := func(opt string) string {
		return `{"surface":{"name":"quadratic"},"runs":[{"optimizer":` + opt + `}]}`
	}
	tests := []struct {
		name, body string
		status     int
		field      string
		msg        string // part of the message
	}{
		{"malformed JSON", `{"surface":`, 400, "", ""},
		{"unknown field", run(`{"name":"sgd","lr":0.1,"momentom":0.9}`), 400, "runs[0].optimizer.momentom", "momentum"},
		{"unknown optimizer", run(`{"name":"sgdd","lr":0.1}`), 400, "runs[0].optimizer.name", "adam"},
		{"lr zero", run(`{"name":"sgd","lr":0}`), 400, "runs[0].optimizer.lr", "> 0"},
		{"lr negative", run(`{"name":"sgd","lr":-1}`), 400, "runs[0].optimizer.lr", "> 0"},
		{"beta outside", run(`{"name":"adam","lr":0.1,"betas":[0.9,1]}`), 400, "runs[0].optimizer.betas[1]", "[0, 1)"},
		{"negative noise", `{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"sgd","lr":0.1},"noise":-1}]}`, 400, "runs[0].noise", ""},
		{"steps over the limit", `{"surface":{"name":"quadratic"},"steps":10001,"runs":[{"optimizer":{"name":"sgd","lr":0.1}}]}`, 400, "steps", "10000"},
		{"too many runs", `{"surface":{"name":"quadratic"},"runs":[` + strings.Repeat(`{"optimizer":{"name":"sgd","lr":0.1}},`, 8) + `{"optimizer":{"name":"sgd","lr":0.1}}]}`, 400, "runs", "8"},
		{"start far outside", `{"surface":{"name":"quadratic"},"runs":[{"start":[1e5,0],"optimizer":{"name":"sgd","lr":0.1}}]}`, 400, "runs[0].start[0]", "outside"},
		{"body over the limit", `{"surface":{"name":"quadratic"},"runs":[{"label":"` + strings.Repeat("x", 70<<10) + `"}]}`, 413, "body", "65536"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, ts, "POST", "/api/v1/simulate", tt.body, nil)
			var e api.Error
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("%s: body %q is not an error object: %v", resp.Status, body, err)
			}
			if resp.StatusCode != tt.status || e.Field != tt.field || e.Error == "" || !strings.Contains(e.Error, tt.msg) {
				t.Errorf("got %d %+v, want %d field %q message with %q", resp.StatusCode, e, tt.status, tt.field, tt.msg)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	// A body over the limit without a Content-Length fails while reading.
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/simulate", io.MultiReader(strings.NewReader(`{"x":"`), strings.NewReader(strings.Repeat("x", 70<<10))))
	req.ContentLength = -1
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || !strings.Contains(string(body), `"field":"body"`) {
		t.Errorf("chunked body over the limit: %s %s", resp.Status, body)
	}
}

func TestHeaders(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	for _, path := range []string{"/healthz", "/api/v1/surfaces", "/nope", "/"} {
		resp, _ := do(t, ts, "GET", path, "", nil)
		h := resp.Header
		if h.Get("Content-Security-Policy") != cspNoFrame || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Referrer-Policy") != "strict-origin-when-cross-origin" || h.Get("X-Request-Id") == "" {
			t.Errorf("%s: headers %v", path, h)
		}
	}
	resp, _ := do(t, ts, "GET", "/healthz?embed=1", "", nil)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "frame-ancestors *") || resp.Header.Get("X-Frame-Options") != "" {
		t.Errorf("embed: CSP %q, X-Frame-Options %q", csp, resp.Header.Get("X-Frame-Options"))
	}
	resp, body := do(t, ts, "GET", "/nope", "", nil)
	if resp.StatusCode != 404 || !strings.Contains(string(body), `"error"`) {
		t.Errorf("404: %s %s", resp.Status, body)
	}
}

func TestProbesAndMetrics(t *testing.T) {
	ts, srv := newTestServer(t, Config{})
	if resp, body := do(t, ts, "GET", "/healthz", "", nil); resp.StatusCode != 200 || string(body) != "ok\n" {
		t.Errorf("healthz: %s %q", resp.Status, body)
	}
	if resp, _ := do(t, ts, "GET", "/readyz", "", nil); resp.StatusCode != 200 {
		t.Errorf("readyz: %s", resp.Status)
	}
	resp, body := do(t, ts, "GET", "/metrics", "", nil)
	for _, name := range []string{"go_goroutines", "process_", "lrlab_ws_sessions ", "lrlab_http_request_duration_seconds_bucket{code=\"200\",method=\"GET\",route=\"/readyz\""} {
		if !strings.Contains(string(body), name) {
			t.Errorf("metrics (%s) lack %q", resp.Status, name)
		}
	}
	srv.Drain()
	if resp, _ := do(t, ts, "GET", "/readyz", "", nil); resp.StatusCode != 503 {
		t.Errorf("readyz while draining: %s", resp.Status)
	}
	if resp, _ := do(t, ts, "GET", "/healthz", "", nil); resp.StatusCode != 200 {
		t.Errorf("healthz while draining: %s", resp.Status)
	}
}

func TestSurfaces(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	resp, body := do(t, ts, "GET", "/api/v1/surfaces", "", nil)
	var list []struct {
		Name, Kind, Formula, Description string
		Params                           []struct {
			Name              string
			Default, Min, Max float64
		}
		View   map[string]float64
		Start  json.RawMessage
		Minima []map[string]any
	}
	if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s %v", resp.Status, err)
	}
	names := map[string]bool{}
	for _, s := range list {
		names[s.Name] = true
		if s.Kind == "" || s.Formula == "" || s.Description == "" || len(s.View) != 4 {
			t.Errorf("%s: incomplete %+v", s.Name, s)
		}
	}
	for _, n := range []string{"quadratic", "rosenbrock", "himmelblau", "beale"} {
		if !names[n] {
			t.Errorf("catalog lacks %s", n)
		}
	}
}

// grid is a decoded grid response.
type grid struct {
	nx, ny     uint32
	box        [4]float32
	vmin, vmax float32
	values     []float32
	levels     []float32
	segs       [][]float32
}

func decodeGridBody(t *testing.T, b []byte) grid {
	t.Helper()
	var g grid
	r := bytes.NewReader(b)
	magic := make([]byte, 4)
	io.ReadFull(r, magic)
	if string(magic) != "LRG1" {
		t.Fatalf("magic %q", magic)
	}
	rd := func(v any) {
		if err := binary.Read(r, binary.LittleEndian, v); err != nil {
			t.Fatalf("truncated grid: %v", err)
		}
	}
	rd(&g.nx)
	rd(&g.ny)
	rd(&g.box)
	rd(&g.vmin)
	rd(&g.vmax)
	g.values = make([]float32, g.nx*g.ny)
	rd(g.values)
	var nl uint32
	rd(&nl)
	for range nl {
		var level float32
		var nseg uint32
		rd(&level)
		rd(&nseg)
		s := make([]float32, 4*nseg)
		rd(s)
		g.levels = append(g.levels, level)
		g.segs = append(g.segs, s)
	}
	if r.Len() != 0 {
		t.Fatalf("%d bytes after the grid", r.Len())
	}
	return g
}

func TestGrid(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	resp, body := do(t, ts, "GET", "/api/v1/surfaces/quadratic/grid?b=5&n=16&xmin=-2&xmax=2&ymin=-1&ymax=3", "", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/octet-stream" ||
		resp.Header.Get("Cache-Control") != "public, max-age=86400" {
		t.Fatalf("%s %v", resp.Status, resp.Header)
	}
	g := decodeGridBody(t, body)
	if g.nx != 16 || g.ny != 16 || g.box != [4]float32{-2, 2, -1, 3} {
		t.Fatalf("header %d×%d %v", g.nx, g.ny, g.box)
	}
	// f = ½(x² + 5y²) at the corners: row 0 is y = ymin.
	at := func(i, j int) float32 { return g.values[j*16+i] }
	if at(0, 0) != 0.5*(4+5*1) || at(15, 15) != 0.5*(4+5*9) {
		t.Errorf("corners %v %v", at(0, 0), at(15, 15))
	}
	if g.vmin < 0 || g.vmax != 0.5*(4+5*9) || len(g.levels) == 0 {
		t.Errorf("range %v…%v, %d levels", g.vmin, g.vmax, len(g.levels))
	}
	segs := 0
	for _, s := range g.segs {
		segs += len(s) / 4
	}
	if segs == 0 {
		t.Error("no contour segments")
	}

	etag := resp.Header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) {
		t.Fatalf("ETag %q is not strong", etag)
	}
	// The same normalised query (defaults spelled out, keys reordered) has
	// the same ETag and gets 304.
	resp, body = do(t, ts, "GET", "/api/v1/surfaces/quadratic/grid?ymax=3&ymin=-1&xmax=2&xmin=-2&n=16&b=5&a=1", "", map[string]string{"If-None-Match": etag})
	if resp.StatusCode != 304 || len(body) != 0 || resp.Header.Get("ETag") != etag {
		t.Errorf("If-None-Match: %s, %d bytes, ETag %q", resp.Status, len(body), resp.Header.Get("ETag"))
	}
	if resp, _ := do(t, ts, "GET", "/api/v1/surfaces/quadratic/grid?b=6&n=16", "", map[string]string{"If-None-Match": etag}); resp.StatusCode != 200 || resp.Header.Get("ETag") == etag {
		t.Errorf("another query: %s ETag %q", resp.Status, resp.Header.Get("ETag"))
	}
	// Default n.
	_, body = do(t, ts, "GET", "/api/v1/surfaces/rosenbrock/grid", "", nil)
	if g := decodeGridBody(t, body); g.nx != 256 || g.ny != 256 || math.IsNaN(float64(g.vmax)) {
		t.Errorf("default grid %d×%d", g.nx, g.ny)
	}

	bad := []struct {
		query, field string
		status       int
	}{
		{"n=7", "n", 400}, {"n=513", "n", 400}, {"n=abc", "n", 400},
		{"xmin=nope", "xmin", 400}, {"xmin=3&xmax=2", "xmax", 400}, {"ymin=NaN", "ymin", 400},
		{"b=-1", "b", 400}, {"zz=1", "zz", 400}, {"formula=x", "formula", 400},
	}
	for _, tt := range bad {
		resp, body := do(t, ts, "GET", "/api/v1/surfaces/quadratic/grid?"+tt.query, "", nil)
		var e api.Error
		json.Unmarshal(body, &e)
		if resp.StatusCode != tt.status || e.Field != tt.field || e.Error == "" {
			t.Errorf("%s: %s %+v, want %d field %q", tt.query, resp.Status, e, tt.status, tt.field)
		}
	}
	resp, body = do(t, ts, "GET", "/api/v1/surfaces/nope/grid", "", nil)
	if resp.StatusCode != 404 || !strings.Contains(string(body), `"field":"name"`) {
		t.Errorf("unknown surface: %s %s", resp.Status, body)
	}
}

func TestStaticAssets(t *testing.T) {
	ts, srv := newTestServer(t, Config{})
	_ = srv
	a := newAssets(discardLogger())
	var name string
	for p := range a.files {
		if strings.HasSuffix(p, ".js") {
			name = p
			break
		}
	}
	if name == "" {
		t.Fatal("no JS asset is embedded")
	}
	resp, body := do(t, ts, "GET", a.url(name), "", map[string]string{"Accept-Encoding": "gzip"})
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("%s: %s %v", name, resp.Status, resp.Header)
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(zr)
	}
	if !bytes.Equal(body, a.files[name].body) {
		t.Errorf("%s: body differs", name)
	}
	if resp, _ := do(t, ts, "GET", "/static/"+a.hash+"/nope.js", "", nil); resp.StatusCode != 404 {
		t.Errorf("missing asset: %s", resp.Status)
	}
	if resp, _ := do(t, ts, "GET", "/static/"+a.hash+"/test/", "", nil); resp.StatusCode != 404 {
		t.Errorf("test dir: %s", resp.Status)
	}
}

func TestPageLang(t *testing.T) {
	for _, tt := range []struct{ query, header, want string }{
		{"", "", "en"},
		{"", "ja,en;q=0.8", "ja"},
		{"", "en-US,ja;q=0.9", "en"},
		{"", "fr, ja-JP;q=0.5", "ja"},
		{"?lang=ja", "en", "ja"},
		{"?lang=xx", "ja", "ja"},
	} {
		r := httptest.NewRequest("GET", "/"+tt.query, nil)
		r.Header.Set("Accept-Language", tt.header)
		if got := pageLang(r); got != tt.want {
			t.Errorf("%q %q: %s, want %s", tt.query, tt.header, got, tt.want)
		}
	}
}

func TestRateLimit(t *testing.T) {
	ts, _ := newTestServer(t, Config{ComputePerMinute: 2})
	var last *http.Response
	var body []byte
	for range 3 {
		last, body = do(t, ts, "GET", "/api/v1/surfaces/quadratic/grid?n=8", "", nil)
	}
	if last.StatusCode != 429 || !strings.Contains(string(body), `"error"`) {
		t.Errorf("third grid request: %s %s", last.Status, body)
	}
	if resp, _ := do(t, ts, "GET", "/api/v1/surfaces", "", nil); resp.StatusCode != 200 {
		t.Errorf("other API routes are not compute-limited: %s", resp.Status)
	}
}
