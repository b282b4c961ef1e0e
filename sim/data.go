package sim

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
)

// The data surfaces: the loss of a two-parameter model over rows of data.
// The map's horizontal axis is the weight w, the vertical one the bias b.
const (
	// SurfaceLinReg is ŷ = w·x + b with PyTorch's nn.MSELoss() (the mean of
	// squared errors, no ½) over (x, y) rows.
	SurfaceLinReg = "linreg"
	// SurfaceLogReg is ŷ = sigmoid(w·x + b) with nn.BCEWithLogitsLoss()
	// (mean) over (x, label) rows, labels 0 or 1.
	SurfaceLogReg = "logreg"
)

// MaxDataRows is the most rows a data surface takes.
const MaxDataRows = 2000

// MaxDataValue bounds |x| and |y| of a row, so that no loss, gradient or
// Hessian on the map overflows.
const MaxDataValue = 1e6

// dataDefaults is the data set a data surface uses when it is given none.
var dataDefaults = map[string]string{SurfaceLinReg: "noisy_line", SurfaceLogReg: "overlapping"}

// IsDataSurface reports whether the named surface is a data surface (its
// runs take a batch size).
func IsDataSurface(name string) bool { return name == SurfaceLinReg || name == SurfaceLogReg }

// DataInfo describes the data of a data surface, in SurfaceInfo.Data.
type DataInfo struct {
	Dataset string `json:"dataset,omitempty"` // the built-in set's name; "" for rows given
	Rows    int    `json:"rows"`
	// Datasets lists the built-in sets this surface takes, with their
	// views and starts (Catalog only).
	Datasets []Dataset `json:"datasets,omitempty"`
}

// dataSurface is linreg or logreg over fixed rows. linreg keeps the centred
// moments of the data, so its value, gradient and Hessian on the whole data
// set cost O(1); logreg sums over the rows.
type dataSurface struct {
	described
	logistic bool
	x, y     []float64
	// linreg: means, centred second moments, the least-squares slope and
	// the mean squared residual at the minimum.
	mx, my, vxx, wstar, resid float64
}

var _ DataSurface = (*dataSurface)(nil)

// newDataSurface builds linreg or logreg from c.Data or c.Dataset (the
// surface's default data set when both are empty). Errors are *FieldError
// on "data[i][j]", "data" or "dataset".
func newDataSurface(c SurfaceConfig) (Surface, error) {
	if c.Formula != "" {
		return nil, fieldErrorf("formula", "only the %s surface takes a formula", SurfaceCustom)
	}
	if len(c.Params) > 0 {
		key := slices.Sorted(maps.Keys(c.Params))[0]
		return nil, fieldErrorf(key, "unknown parameter %q; surface %q takes data or dataset, no parameters", key, c.Name)
	}
	if c.Data != nil && c.Dataset != "" {
		return nil, fieldErrorf("dataset", "give data or dataset, not both")
	}
	rows, ds := c.Data, (*Dataset)(nil)
	if c.Data == nil {
		name := c.Dataset
		if name == "" {
			name = dataDefaults[c.Name]
		}
		ds = findDataset(name)
		if ds == nil || ds.Surface != c.Name {
			return nil, fieldErrorf("dataset", "unknown data set %q for %s; allowed: %s", name, c.Name, strings.Join(datasetNames(c.Name), ", "))
		}
		rows = ds.rows
	} else if err := CheckData(c.Name, rows); err != nil {
		return nil, err
	}
	s := &dataSurface{logistic: c.Name == SurfaceLogReg, x: make([]float64, len(rows)), y: make([]float64, len(rows))}
	for i, r := range rows {
		s.x[i], s.y[i] = r[0], r[1]
	}
	s.info = s.describe(c.Name, ds)
	return s, nil
}

// CheckData checks rows for the named data surface: 1 … MaxDataRows rows of
// two finite numbers within ±1e6, labels 0 or 1 for logreg. Errors are
// *FieldError on "data" or "data[i][j]".
func CheckData(surface string, rows [][2]float64) error {
	if len(rows) == 0 || len(rows) > MaxDataRows {
		return fieldErrorf("data", "must have 1 to %d rows of [x, y], got %d", MaxDataRows, len(rows))
	}
	for i, r := range rows {
		for j, v := range r {
			if !isFinite(v) || math.Abs(v) > MaxDataValue {
				return fieldErrorf(fmt.Sprintf("data[%d][%d]", i, j), "must be a finite number from %g to %g, got %v", -MaxDataValue, MaxDataValue, v)
			}
		}
		if surface == SurfaceLogReg && r[1] != 0 && r[1] != 1 {
			return fieldErrorf(fmt.Sprintf("data[%d][1]", i), "must be the label 0 or 1 for %s, got %v", SurfaceLogReg, r[1])
		}
	}
	return nil
}

// describe fills the description: the moments of linreg, the view and start
// (the data set's own, or a box around (0, 0) and the minimum), the minimum.
func (s *dataSurface) describe(name string, ds *Dataset) SurfaceInfo {
	n := float64(len(s.x))
	in := SurfaceInfo{Name: name, Kind: KindMinimize, Params: []ParamInfo{}, Minima: []Minimum{}, Data: &DataInfo{Rows: len(s.x)}}
	if ds != nil {
		in.Data.Dataset = ds.Name
	}
	var m Point
	found := false
	if !s.logistic {
		for i := range s.x {
			s.mx += s.x[i]
			s.my += s.y[i]
		}
		s.mx, s.my = s.mx/n, s.my/n
		var vxy float64
		for i := range s.x {
			dx, dy := s.x[i]-s.mx, s.y[i]-s.my
			s.vxx += dx * dx
			vxy += dx * dy
		}
		s.vxx, vxy = s.vxx/n, vxy/n
		if s.vxx > 0 {
			s.wstar = vxy / s.vxx
		}
		for i := range s.x {
			r := s.y[i] - s.my - s.wstar*(s.x[i]-s.mx)
			s.resid += r * r
		}
		s.resid /= n
		m, found = Point{s.wstar, s.my - s.wstar*s.mx}, true
		hi, lo := s.Hessian(m).Eigen()
		in.Title = "Linear regression: w·x + b"
		in.Formula = "L(w, b) = mean((w·x + b − y)²), nn.MSELoss"
		cond := "∞"
		if lo > 0 {
			cond = fmt.Sprintf("%.3g", hi/lo)
		}
		in.Description = fmt.Sprintf("The mean squared error of the line y = w·x + b over %d rows. Its Hessian is the same everywhere, 2/N·[[Σx², Σx], [Σx, N]]: λmax = %.4g, so plain gradient descent is stable for lr < 2/λmax = %.3g; condition number %s.",
			len(s.x), hi, 2/hi, cond)
	} else {
		in.Title = "Logistic regression: sigmoid(w·x + b)"
		in.Formula = "L(w, b) = mean(log(1 + e^(w·x + b)) − y·(w·x + b)), nn.BCEWithLogitsLoss"
		in.Description = fmt.Sprintf("The binary cross-entropy of the classifier sigmoid(w·x + b) over %d rows labelled 0 or 1; when a line w·x + b = 0 separates the classes there is no finite minimum and the loss keeps falling as |w| grows.", len(s.x))
		if p, ok := newton(s, Point{}); ok && p.Norm() < 100 {
			if _, lo := s.Hessian(p).Eigen(); lo > 1e-9 {
				m, found = p, true
			}
		}
	}
	if found {
		in.Minima = []Minimum{{X: m.X, Y: m.Y, Loss: s.Value(m), Label: "global"}}
	}
	if ds != nil {
		in.View, in.Start = ds.View, ds.Start
		return in
	}
	// Rows given: a box around the start (0, 0) and the minimum.
	lo, hi := Point{min(0, m.X), min(0, m.Y)}, Point{max(0, m.X), max(0, m.Y)}
	pw := max(1, 0.5*(hi.X-lo.X))
	pb := max(1, 0.5*(hi.Y-lo.Y))
	in.View = Box{XMin: lo.X - pw, XMax: hi.X + pw, YMin: lo.Y - pb, YMax: hi.Y + pb}
	in.Start = Point{}
	return in
}

// Rows returns the number of rows N.
func (s *dataSurface) Rows() int { return len(s.x) }

// Data returns a copy of the rows.
func (s *dataSurface) Data() [][2]float64 {
	out := make([][2]float64, len(s.x))
	for i := range s.x {
		out[i] = [2]float64{s.x[i], s.y[i]}
	}
	return out
}

// Value returns the loss over every row at p = (w, b).
func (s *dataSurface) Value(p Point) float64 {
	if !s.logistic {
		c := p.X*s.mx + p.Y - s.my
		d := p.X - s.wstar
		return s.vxx*d*d + s.resid + c*c
	}
	var sum float64
	for i, x := range s.x {
		sum += bceLogits(p.X*x+p.Y, s.y[i])
	}
	return sum / float64(len(s.x))
}

// Grad returns ∇L(p) over every row.
func (s *dataSurface) Grad(p Point) Point {
	if !s.logistic {
		c := p.X*s.mx + p.Y - s.my
		return Point{2*s.vxx*(p.X-s.wstar) + 2*c*s.mx, 2 * c}
	}
	var g Point
	for i, x := range s.x {
		e := sigmoid(p.X*x+p.Y) - s.y[i]
		g.X += e * x
		g.Y += e
	}
	return g.Scale(1 / float64(len(s.x)))
}

// Hessian returns ∇²L(p) over every row: for linreg the constant
// 2/N·[[Σx², Σx], [Σx, N]], for logreg mean(σ(z)(1−σ(z))·[[x², x], [x, 1]]).
func (s *dataSurface) Hessian(p Point) Sym2 {
	if !s.logistic {
		return Sym2{XX: 2 * (s.vxx + s.mx*s.mx), XY: 2 * s.mx, YY: 2}
	}
	var h Sym2
	for _, x := range s.x {
		q := sigmoidSlope(p.X*x + p.Y)
		h.XX += q * x * x
		h.XY += q * x
		h.YY += q
	}
	n := float64(len(s.x))
	return Sym2{XX: h.XX / n, XY: h.XY / n, YY: h.YY / n}
}

// BatchLossGrad returns the loss and its gradient at p over the rows idx
// alone (their mean), summed in the order given.
func (s *dataSurface) BatchLossGrad(p Point, idx []int) (float64, Point) {
	var loss float64
	var g Point
	for _, i := range idx {
		x, y := s.x[i], s.y[i]
		z := p.X*x + p.Y
		var e float64
		if s.logistic {
			loss += bceLogits(z, y)
			e = sigmoid(z) - y
		} else {
			r := z - y
			loss += r * r
			e = 2 * r
		}
		g.X += e * x
		g.Y += e
	}
	k := 1 / float64(len(idx))
	return loss * k, g.Scale(k)
}

// Cost returns the work of one recorded step on s, in units of a step on a
// built-in surface (about 100 ns), from BenchmarkDataRunStep: a mini-batch
// of b rows costs b/3 more on linreg, whose whole-data values cost O(1);
// logreg evaluates every row for its loss, gradient and Hessian at each
// point, about 2 units per row.
func (s *dataSurface) Cost(b int) int {
	if s.logistic {
		return 1 + 2*len(s.x)
	}
	if b <= 0 || b >= len(s.x) {
		return 1
	}
	return 1 + b/3
}

// MaxGridWork bounds the work of one grid of a data surface, in row
// evaluations (about 50 ns each for logreg on this project's machine).
const MaxGridWork = 1 << 22

// GridSize returns the points per axis at which a grid of s asked for at n
// per axis is computed: n, except on logreg, whose every point sums over
// all N rows: there the largest n' ≤ n with n'²·N ≤ MaxGridWork (at least
// 8). linreg's value costs O(1) per point (its moments), so it gets n.
func GridSize(s Surface, n int) int {
	ds, _ := dataOf(s)
	d, ok := ds.(*dataSurface)
	if !ok || !d.logistic {
		return n
	}
	m := int(math.Sqrt(float64(MaxGridWork) / float64(len(d.x))))
	return max(8, min(n, m))
}

// bceLogits is BCEWithLogits of one logit z against label y:
// log(1 + e^z) − y·z, computed as max(z, 0) − y·z + log1p(e^−|z|) so that
// no exponential overflows.
func bceLogits(z, y float64) float64 {
	return max(z, 0) - y*z + math.Log1p(math.Exp(-math.Abs(z)))
}

// sigmoid is 1/(1 + e^−z) without overflow for large |z|.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// sigmoidSlope is σ(z)(1 − σ(z)) = e^−|z| / (1 + e^−|z|)².
func sigmoidSlope(z float64) float64 {
	e := math.Exp(-math.Abs(z))
	return e / ((1 + e) * (1 + e))
}

// Info returns a copy of the description, so callers may change it freely.
func (s *dataSurface) Info() SurfaceInfo {
	in := s.described.Info()
	if in.Data != nil {
		d := *in.Data
		in.Data = &d
	}
	return in
}

// dataCatalog describes linreg and logreg with their default data sets, as
// Catalog lists them after the built-in surfaces.
func dataCatalog() []SurfaceInfo {
	out := slices.Clone(dataCatalogOnce())
	all := Datasets()
	for i := range out {
		d := &DataInfo{Dataset: out[i].Data.Dataset, Rows: out[i].Data.Rows}
		for _, ds := range all {
			if ds.Surface == out[i].Name {
				d.Datasets = append(d.Datasets, ds)
			}
		}
		out[i].Data = d
		out[i].Minima = slices.Clone(out[i].Minima)
	}
	return out
}

var dataCatalogOnce = sync.OnceValue(func() []SurfaceInfo {
	var out []SurfaceInfo
	for _, name := range []string{SurfaceLinReg, SurfaceLogReg} {
		s, err := newDataSurface(SurfaceConfig{Name: name})
		if err != nil {
			panic("sim: " + err.Error())
		}
		out = append(out, s.Info())
	}
	return out
})

// DefaultDataset returns the built-in data set a data surface uses when it
// is given none ("" for other surfaces).
func DefaultDataset(surface string) string { return dataDefaults[surface] }
