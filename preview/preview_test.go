package preview

import (
	"bytes"
	"errors"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	xdraw "golang.org/x/image/draw"

	"lrlab/scenario"
	"lrlab/sim"
)

var outDir = flag.String("out", "", "write the sample previews to this directory")

// samples are scenarios of the lessons, as JSON.
var samples = map[string]string{
	"quadratic": `{"surface":{"name":"quadratic","b":10},"steps":60,"runs":[
		{"optimizer":{"lr":0.19}},{"optimizer":{"lr":0.21}},
		{"optimizer":{"name":"sgd","lr":0.05,"momentum":0.9}}]}`,
	"rosenbrock": `{"surface":{"name":"rosenbrock"},"steps":2000,"runs":[
		{"optimizer":{"name":"sgd","lr":0.001}},{"optimizer":{"name":"adam","lr":0.05}},
		{"optimizer":{"name":"rmsprop","lr":0.01}},{"optimizer":{"name":"sgd","lr":0.0021}}]}`,
	"himmelblau": `{"surface":{"name":"himmelblau"},"steps":300,"runs":[
		{"optimizer":{"name":"adam","lr":0.1}},{"optimizer":{"name":"sgd","lr":0.01},"start":[-1,-1]},
		{"optimizer":{"name":"sgd","lr":0.01},"start":[0.5,-3]},{"optimizer":{"name":"sgd","lr":0.01},"start":[-4,4]},
		{"optimizer":{"name":"adagrad","lr":0.5},"start":[4,-4]},{"optimizer":{"name":"rmsprop","lr":0.05},"start":[1,4]},
		{"optimizer":{"name":"sgd","lr":0.005},"start":[-4,0]},{"optimizer":{"name":"adamw","lr":0.2},"start":[0,0]}]}`,
	"saddle": `{"surface":{"name":"saddle"},"steps":100,"runs":[{"optimizer":{"lr":0.1}}]}`,
	"diverged": `{"surface":{"name":"rotated_bowl"},"steps":300,"runs":[
		{"optimizer":{"lr":0.039}},{"optimizer":{"lr":0.041}},{"optimizer":{"name":"adam","lr":0.3}}]}`,
	"game": `{"surface":{"name":"bilinear"},"steps":300,"runs":[
		{"optimizer":{"lr":0.1}},{"optimizer":{"lr":0.1},"updates":"alternating"}]}`,
	"custom": `{"surface":{"name":"custom","formula":"sin(3*x)*cos(2*y) + 0.1*(x^2+y^2)"},"view":{"xmin":-3,"xmax":3,"ymin":-2,"ymax":2},"steps":200,
		"runs":[{"optimizer":{"lr":0.05},"start":[1.2,0.8]},{"optimizer":{"name":"sgd","lr":0.05,"momentum":0.9},"start":[1.2,0.8]}]}`,
}

func decode(t testing.TB, src string) scenario.Scenario {
	t.Helper()
	sc, err := scenario.Decode([]byte(src), scenario.DefaultLimits)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return sc
}

func TestRenderSize(t *testing.T) {
	for name, src := range samples {
		for _, size := range [][2]int{{0, 0}, {600, 315}, {100, 80}, {16, 16}} {
			img, err := Render(decode(t, src), size[0], size[1])
			if err != nil {
				t.Fatalf("%s %v: %v", name, size, err)
			}
			w, h := size[0], size[1]
			if w == 0 {
				w, h = DefaultWidth, DefaultHeight
			}
			if got := img.Bounds(); got != image.Rect(0, 0, w, h) {
				t.Errorf("%s %v: bounds %v", name, size, got)
			}
		}
	}
}

// heatmapOnly renders sc without its runs.
func heatmapOnly(t *testing.T, sc scenario.Scenario, w, h int) *image.RGBA {
	t.Helper()
	sc.Runs = nil
	img, err := Render(sc, w, h)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// trajectoryPixels returns the pixels of img's plot that the run's points
// fall on, with the mapping Render uses, up to the last point inside the plot.
func trajectoryPixels(t *testing.T, sc scenario.Scenario, run, w, h int) []image.Point {
	t.Helper()
	surf, runs, err := sc.Build()
	if err != nil {
		t.Fatal(err)
	}
	tr := sim.Simulate(runs[run])
	plot := image.Rect(0, 0, w, h)
	plot.Min.Y = int(float64(h)*stripFraction + 0.5)
	view := surf.Info().View
	if sc.View != nil {
		view = *sc.View
	}
	m := mapping{box: fitAspect(view, plot.Dx(), plot.Dy()), plot: plot}
	var pts []image.Point
	for k := range tr.X {
		p := m.pixel(tr.X[k], tr.Y[k])
		q := image.Pt(int(p.x), int(p.y))
		if q.In(plot.Inset(1)) {
			pts = append(pts, q)
		}
	}
	return pts
}

func TestTrajectoryDrawn(t *testing.T) {
	sc := decode(t, samples["rosenbrock"])
	base := heatmapOnly(t, sc, DefaultWidth, DefaultHeight)
	img, err := Render(sc, DefaultWidth, DefaultHeight)
	if err != nil {
		t.Fatal(err)
	}
	for run := range sc.Runs {
		pts := trajectoryPixels(t, sc, run, DefaultWidth, DefaultHeight)
		if len(pts) < 10 {
			t.Fatalf("run %d: only %d points on the map", run, len(pts))
		}
		same := 0
		for _, p := range pts {
			if img.RGBAAt(p.X, p.Y) == base.RGBAAt(p.X, p.Y) {
				same++
			}
		}
		// A later run may cross an earlier one and hide it in a few places.
		if same > len(pts)/20 {
			t.Errorf("run %d: %d of %d trajectory pixels show the bare heat map", run, same, len(pts))
		}
	}
}

func TestDivergedRunDrawnToLastPoint(t *testing.T) {
	// lr 0.21 > 2/b = 0.2: sgd diverges along y.
	sc := decode(t, `{"surface":{"name":"quadratic","b":10},"steps":500,"runs":[{"optimizer":{"lr":0.21},"start":[-2.5,0.2]}]}`)
	_, runs, err := sc.Build()
	if err != nil {
		t.Fatal(err)
	}
	if tr := sim.Simulate(runs[0]); tr.Status != sim.StatusDiverged {
		t.Fatalf("status %v, want diverged", tr.Status)
	}
	pts := trajectoryPixels(t, sc, 0, DefaultWidth, DefaultHeight)
	base := heatmapOnly(t, sc, DefaultWidth, DefaultHeight)
	img, err := Render(sc, DefaultWidth, DefaultHeight)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) < 5 {
		t.Fatalf("only %d points on the map", len(pts))
	}
	for _, p := range pts {
		if img.RGBAAt(p.X, p.Y) == base.RGBAAt(p.X, p.Y) {
			t.Errorf("pixel %v of the diverged run shows the bare heat map", p)
		}
	}

	// In a view wide enough to hold the diverging point, the cross is there.
	sc.View = &sim.Box{XMin: -3e6, XMax: 3e6, YMin: -3e6, YMax: 3e6}
	_, runs, _ = sc.Build()
	tr := sim.Simulate(runs[0])
	if !runs[0].LastShown() || len(tr.X) != tr.DivergedAt+1 {
		t.Fatalf("the trajectory does not end at the diverging point: %d points, diverged at %d", len(tr.X), tr.DivergedAt)
	}
	base = heatmapOnly(t, sc, DefaultWidth, DefaultHeight)
	if img, err = Render(sc, DefaultWidth, DefaultHeight); err != nil {
		t.Fatal(err)
	}
	last := trajectoryPixels(t, sc, 0, DefaultWidth, DefaultHeight)
	if len(last) == 0 {
		t.Fatal("no point of the run on the map")
	}
	p := last[len(last)-1]
	for _, d := range []image.Point{{0, 0}, {3, 3}, {-3, 3}, {3, -3}, {-3, -3}} { // the cross's arms
		if q := p.Add(d); img.RGBAAt(q.X, q.Y) == base.RGBAAt(q.X, q.Y) {
			t.Errorf("pixel %v of the cross at the last point %v shows the bare heat map", q, p)
		}
	}
}

func TestNonFiniteLoss(t *testing.T) {
	// sqrt is NaN left of the y axis, log is −Inf on it.
	for _, f := range []string{"sqrt(x) + y^2", "log(x^2) + y^2"} {
		sc := decode(t, `{"surface":{"name":"custom","formula":"`+f+`"},"view":{"xmin":-2,"xmax":2,"ymin":-1,"ymax":1},
			"runs":[{"optimizer":{"lr":0.01},"start":[1,0.5]}]}`)
		img, err := Render(sc, 400, 210)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if f[0] == 's' {
			if got := img.RGBAAt(20, 150); got != undefinedColor {
				t.Errorf("%s: left half is %v, want the colour of undefined loss", f, got)
			}
		}
	}
}

func TestRenderErrors(t *testing.T) {
	sc := decode(t, samples["quadratic"])
	bad := sc
	bad.Runs = append([]sim.RunConfig(nil), sc.Runs...)
	bad.Runs[1].Optimizer.LR = -1
	_, err := Render(bad, 0, 0)
	var fe *sim.FieldError
	if !errors.As(err, &fe) || fe.Field != "runs[1].optimizer.lr" {
		t.Errorf("negative lr: err = %v, want a field error on runs[1].optimizer.lr", err)
	}

	bad = sc
	bad.Surface.Name = "nope"
	if _, err := Render(bad, 0, 0); !errors.Is(err, sim.ErrUnknownSurface) {
		t.Errorf("unknown surface: err = %v", err)
	}

	bad = sc
	bad.View = &sim.Box{XMin: 1, XMax: 1, YMin: 0, YMax: 1}
	if _, err := Render(bad, 0, 0); !errors.As(err, &fe) || fe.Field != "view" {
		t.Errorf("empty view: err = %v", err)
	}

	for _, size := range [][2]int{{-1, 10}, {15, 100}, {100, MaxSide + 1}} {
		if _, err := Render(sc, size[0], size[1]); err == nil {
			t.Errorf("size %v: no error", size)
		}
	}
}

func TestEncodeDecodes(t *testing.T) {
	img, err := Render(decode(t, samples["himmelblau"]), 640, 336)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != 640 || cfg.Height != 336 {
		t.Errorf("decoded size %d×%d, want 640×336", cfg.Width, cfg.Height)
	}
	back, err := png.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []image.Point{{0, 0}, {320, 200}, {639, 335}} {
		r0, g0, b0, _ := img.At(p.X, p.Y).RGBA()
		r1, g1, b1, _ := back.At(p.X, p.Y).RGBA()
		if r0 != r1 || g0 != g1 || b0 != b1 {
			t.Errorf("pixel %v changed by the PNG round trip", p)
		}
	}
}

// TestWriteSamples writes the samples as PNGs to -out, to look at.
func TestWriteSamples(t *testing.T) {
	if *outDir == "" {
		t.Skip("no -out directory")
	}
	for name, src := range samples {
		img, err := Render(decode(t, src), 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*outDir, name+".png"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s.png: %d bytes", name, buf.Len())
		// As a chat app shows it: about 480 pixels wide.
		small := image.NewRGBA(image.Rect(0, 0, 480, 252))
		xdraw.CatmullRom.Scale(small, small.Rect, img, img.Rect, xdraw.Src, nil)
		buf.Reset()
		if err := Encode(&buf, small); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*outDir, name+"-small.png"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkRender renders the rosenbrock sample (four runs of 2000 steps)
// at the default size.
func BenchmarkRender(b *testing.B) {
	sc := decode(b, samples["rosenbrock"])
	for b.Loop() {
		if _, err := Render(sc, DefaultWidth, DefaultHeight); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderWorst renders the most a scenario may ask for under the
// default limits: eight runs of 10,000 steps, each zig-zagging across a
// narrow valley just under the stability limit, so every step is a long
// segment.
func BenchmarkRenderWorst(b *testing.B) {
	run := `{"optimizer":{"lr":0.0399}}`
	runs := run
	for range scenario.DefaultLimits.MaxRuns - 1 {
		runs += "," + run
	}
	sc := decode(b, `{"surface":{"name":"rotated_bowl"},"steps":10000,"runs":[`+runs+`]}`)
	for b.Loop() {
		if _, err := Render(sc, DefaultWidth, DefaultHeight); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncode encodes the rosenbrock sample at the default size.
func BenchmarkEncode(b *testing.B) {
	img, err := Render(decode(b, samples["rosenbrock"]), 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := Encode(&buf, img); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
}
