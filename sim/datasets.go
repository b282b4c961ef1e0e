package sim

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Dataset is a built-in data set of (x, y) rows for a data surface
// (SurfaceLinReg or SurfaceLogReg). Each is generated deterministically
// from fixed seeds when the package loads, and rounded to a few decimals so
// that it prints, links and pastes compactly; DatasetRows returns the rows.
type Dataset struct {
	Name        string `json:"name"`
	Surface     string `json:"surface"` // the surface it is made for: "linreg" or "logreg"
	Title       string `json:"title"`
	Description string `json:"description"`
	Rows        int    `json:"rows"`
	View        Box    `json:"view"`  // the (w, b) box the map shows
	Start       Point  `json:"start"` // the default (w, b) start
	rows        [][2]float64
}

// The built-in data sets, in the order the page lists them. Each is
// documented by its Description; the generators are below.
var datasets = []*Dataset{
	{
		Name: "line", Surface: SurfaceLinReg, Title: "A clean line",
		Description: "21 points exactly on y = 2x + 1, x = −1, −0.9, …, 1: the loss is 0 at (w, b) = (2, 1).",
		rows:        genLine(),
		View:        Box{XMin: -1, XMax: 4, YMin: -1.5, YMax: 3.5}, Start: Point{-0.5, -1},
	},
	{
		Name: "noisy_line", Surface: SurfaceLinReg, Title: "A noisy line",
		Description: "100 points y = 2x + 1 + ε, x uniform in [−1.5, 1.5], ε ~ N(0, 0.5²) (seeded), rounded to 2 decimals: the loss floor is the noise's variance, about 0.25.",
		rows:        genNoisyLine(),
		View:        Box{XMin: -1, XMax: 4, YMin: -1.5, YMax: 3.5}, Start: Point{-0.5, -1},
	},
	{
		Name: "hundreds", Surface: SurfaceLinReg, Title: "x in the hundreds (raw)",
		Description: "50 points y = 0.03x + 2 + ε, x uniform in [0, 200] (1 decimal), ε ~ N(0, 0.3²), y rounded to 2 decimals: w multiplies numbers near 100 and b multiplies 1, so the bowl is a thin valley.",
		rows:        genHundreds(),
		View:        Box{XMin: -0.06, XMax: 0.12, YMin: -3, YMax: 7}, Start: Point{-0.04, 6},
	},
	{
		Name: "hundreds_std", Surface: SurfaceLinReg, Title: "x in the hundreds, standardised",
		Description: "The same 50 points with x replaced by (x − mean)/std (population std, rounded to 4 decimals): the bowl is round, with both curvatures near 2.",
		rows:        standardise(genHundreds()),
		View:        Box{XMin: -2, XMax: 4, YMin: 0, YMax: 7}, Start: Point{-1.5, 0.8},
	},
	{
		Name: "separable", Surface: SurfaceLogReg, Title: "Two separable classes",
		Description: "40 points: label 0 at x uniform in [−3, −0.5], label 1 at x uniform in [0.5, 3] (20 each, 2 decimals). No finite minimum: the loss keeps falling as w grows.",
		rows:        genSeparable(),
		View:        Box{XMin: -3, XMax: 9, YMin: -6, YMax: 6}, Start: Point{-2, 4},
	},
	{
		Name: "overlapping", Surface: SurfaceLogReg, Title: "Two overlapping classes",
		Description: "100 points: label 0 at x ~ N(−1, 1), label 1 at x ~ N(1, 1) (50 each, 2 decimals): a finite minimum near w = 2, b = 0.",
		rows:        genOverlapping(),
		View:        Box{XMin: -2, XMax: 5, YMin: -3.5, YMax: 3.5}, Start: Point{-1.5, 2.5},
	},
}

// Datasets lists the built-in data sets (without their rows: DatasetRows).
func Datasets() []Dataset {
	out := make([]Dataset, len(datasets))
	for i, d := range datasets {
		out[i] = *d
		out[i].Rows = len(d.rows)
		out[i].rows = nil
	}
	return out
}

// DatasetRows returns a copy of the rows of the named built-in data set, and
// whether there is one.
func DatasetRows(name string) ([][2]float64, bool) {
	d := findDataset(name)
	if d == nil {
		return nil, false
	}
	return slices.Clone(d.rows), true
}

func findDataset(name string) *Dataset {
	for _, d := range datasets {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// datasetNames lists the built-in data sets made for surface (all when "").
func datasetNames(surface string) []string {
	var out []string
	for _, d := range datasets {
		if surface == "" || d.Surface == surface {
			out = append(out, d.Name)
		}
	}
	return out
}

// round returns v rounded to d decimals.
func round(v float64, d int) float64 {
	s := math.Pow(10, float64(d))
	return math.Round(v*s) / s
}

// dataRNG returns the generator of a built-in data set: PCG with the given
// seed, so each set is the same on every machine and build.
func dataRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0xda7a)) }

func genLine() [][2]float64 {
	var rows [][2]float64
	for i := range 21 {
		x := round(-1+0.1*float64(i), 1)
		rows = append(rows, [2]float64{x, round(2*x+1, 1)})
	}
	return rows
}

func genNoisyLine() [][2]float64 {
	r := dataRNG(1)
	rows := make([][2]float64, 100)
	for i := range rows {
		x := round(-1.5+3*r.Float64(), 2)
		rows[i] = [2]float64{x, round(2*x+1+0.5*r.NormFloat64(), 2)}
	}
	return rows
}

func genHundreds() [][2]float64 {
	r := dataRNG(2)
	rows := make([][2]float64, 50)
	for i := range rows {
		x := round(200*r.Float64(), 1)
		rows[i] = [2]float64{x, round(0.03*x+2+0.3*r.NormFloat64(), 2)}
	}
	return rows
}

// standardise replaces x by (x − mean)/std (population std), rounded to 4
// decimals.
func standardise(rows [][2]float64) [][2]float64 {
	var m, v float64
	for _, r := range rows {
		m += r[0]
	}
	m /= float64(len(rows))
	for _, r := range rows {
		v += (r[0] - m) * (r[0] - m)
	}
	sd := math.Sqrt(v / float64(len(rows)))
	out := make([][2]float64, len(rows))
	for i, r := range rows {
		out[i] = [2]float64{round((r[0]-m)/sd, 4), r[1]}
	}
	return out
}

func genSeparable() [][2]float64 {
	r := dataRNG(3)
	rows := make([][2]float64, 40)
	for i := range rows {
		if i%2 == 0 {
			rows[i] = [2]float64{round(-3+2.5*r.Float64(), 2), 0}
		} else {
			rows[i] = [2]float64{round(0.5+2.5*r.Float64(), 2), 1}
		}
	}
	return rows
}

func genOverlapping() [][2]float64 {
	r := dataRNG(4)
	rows := make([][2]float64, 100)
	for i := range rows {
		if i%2 == 0 {
			rows[i] = [2]float64{round(-1+r.NormFloat64(), 2), 0}
		} else {
			rows[i] = [2]float64{round(1+r.NormFloat64(), 2), 1}
		}
	}
	return rows
}
