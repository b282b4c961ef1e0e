package scenario

import (
	"strings"

	"lrlab/sim"
)

// This file holds what the scenario JSON and the share link say about the
// data surfaces (sim.SurfaceLinReg, sim.SurfaceLogReg): the surface's
// "data" rows or "dataset" name, and each run's "batch_size".
//
// JSON: {"name": "linreg", "data": [[x, y], …]} (1 … sim.MaxDataRows rows)
// or {"name": "linreg", "dataset": "noisy_line"}; neither means the
// surface's default set, which the normalised form names. A run's
// "batch_size" is 1 … N (default N, full batch).
//
// Link: dataset=NAME, or data=x_y~x_y~… (each row x and y joined by "_",
// rows by "~", numbers in the link's short spelling: characters a URL
// carries unescaped). A run's batch size is batch_size=B, left out at N.
// A link may carry up to sim.MaxDataRows rows, but the page makes links
// only up to MaxLinkRows (about 2.5 KB of data) and offers the scenario
// JSON beyond that.

// MaxLinkRows is the most data rows the page puts in a share link.
const MaxLinkRows = 200

// Keys of the data surfaces in the surface object and in the link.
var dataKeys = []string{"dataset", "data"}

// decodeData reads the surface object's "data" or "dataset" into c.
func decodeData(o *Object, c *sim.SurfaceConfig, path string) error {
	if v := o.get("dataset"); v != nil {
		name, err := readString(v, join(path, "dataset"), 64)
		if err != nil {
			return err
		}
		c.Dataset = name
	}
	if v := o.get("data"); v != nil {
		elems, err := readArray(v, join(path, "data"), "of [x, y] rows")
		if err != nil {
			return err
		}
		if len(elems) == 0 || len(elems) > sim.MaxDataRows {
			return fieldErrorf(join(path, "data"), "must hold 1 to %d rows [x, y], got %d", sim.MaxDataRows, len(elems))
		}
		c.Data = make([][2]float64, len(elems))
		for i, e := range elems {
			at := index(join(path, "data"), i)
			p, err := readPair(e, at, "a row [x, y]")
			if err != nil {
				return err
			}
			c.Data[i] = p
		}
		if c.Dataset != "" {
			return fieldError(join(path, "dataset"), "give data or dataset, not both")
		}
	}
	if c.Data == nil && c.Dataset == "" {
		c.Dataset = sim.DefaultDataset(c.Name)
	}
	return nil
}

// writeData writes the surface's data or dataset (normalised: one of them).
func (w *jsonWriter) data(c sim.SurfaceConfig) {
	if c.Data == nil {
		w.key("dataset")
		w.str(cmpOr(c.Dataset, sim.DefaultDataset(c.Name)))
		return
	}
	w.key("data")
	w.open('[')
	for _, r := range c.Data {
		w.sep()
		w.pair(r[0], r[1])
	}
	w.close(']')
}

// encodeData returns the link spelling of rows: x_y~x_y~…
func encodeData(rows [][2]float64) string {
	var b strings.Builder
	for i, r := range rows {
		if i > 0 {
			b.WriteByte('~')
		}
		b.WriteString(formatShort(r[0]))
		b.WriteByte('_')
		b.WriteString(formatShort(r[1]))
	}
	return b.String()
}

// parseData reads the link spelling of rows. Errors name the row and
// column as the JSON does: surface.data[17][1].
func parseData(s string) ([][2]float64, error) {
	parts := strings.Split(s, "~")
	if len(parts) > sim.MaxDataRows {
		return nil, fieldErrorf("surface.data", "must hold 1 to %d rows, got %d", sim.MaxDataRows, len(parts))
	}
	rows := make([][2]float64, len(parts))
	for i, p := range parts {
		xs, ys, ok := strings.Cut(p, "_")
		if !ok {
			return nil, fieldErrorf(index("surface.data", i), "must be a row x_y (two numbers joined by _), got %s", quote(p))
		}
		for j, t := range []string{xs, ys} {
			v, err := parseNumber(t, index(index("surface.data", i), j))
			if err != nil {
				return nil, err
			}
			rows[i][j] = v
		}
	}
	return rows, nil
}

// parseDataQuery reads dataset= or data= of a link on a data surface into
// cfg; a bad value is reported and the surface keeps its default set.
func parseDataQuery(first func(string) (string, bool), cfg *sim.SurfaceConfig, report func(error)) {
	if !sim.IsDataSurface(cfg.Name) {
		for _, k := range dataKeys {
			if _, ok := first(k); ok {
				report(fieldErrorf("surface."+k, "only the data surfaces %s and %s take %s (this link's surface is %s)", sim.SurfaceLinReg, sim.SurfaceLogReg, k, cfg.Name))
			}
		}
		return
	}
	if v, ok := first("data"); ok {
		rows, err := parseData(v)
		if err == nil {
			err = sim.Prefix("surface", sim.CheckData(cfg.Name, rows))
		}
		if err != nil {
			report(err)
		} else {
			cfg.Data = rows
		}
	}
	if v, ok := first("dataset"); ok {
		switch {
		case cfg.Data != nil:
			report(fieldError("surface.dataset", "give data or dataset, not both; data is used"))
		default:
			probe := sim.SurfaceConfig{Name: cfg.Name, Dataset: v}
			if _, err := sim.NewSurface(probe); err != nil {
				report(sim.Prefix("surface", err))
			} else {
				cfg.Dataset = v
			}
		}
	}
	if cfg.Data == nil && cfg.Dataset == "" {
		cfg.Dataset = sim.DefaultDataset(cfg.Name)
	}
}

// queryData sets the data keys of a link for the surface c.
func queryData(q map[string][]string, c sim.SurfaceConfig) {
	if !sim.IsDataSurface(c.Name) {
		return
	}
	if c.Data != nil {
		q["data"] = []string{encodeData(c.Data)}
	} else if c.Dataset != "" && c.Dataset != sim.DefaultDataset(c.Name) {
		q["dataset"] = []string{c.Dataset}
	}
}

// DecodeSurface reads a surface object ({"name": …, its parameters,
// "formula", "data" or "dataset"}) as the scenario JSON has it, and builds
// it. Errors are *sim.FieldError with fields under path ("surface.data[3][1]").
func DecodeSurface(raw []byte, path string) (sim.SurfaceConfig, sim.Surface, error) {
	r, err := syntaxCheck(raw, "a surface object")
	if err != nil {
		return sim.SurfaceConfig{}, nil, err
	}
	c, s, err := decodeSurface(r, "surface")
	if fe, ok := asFieldError(err); ok {
		f := strings.TrimPrefix(strings.TrimPrefix(fe.Field, "surface"), ".")
		if path != "" && f != "" {
			f = path + "." + f
		} else if f == "" {
			f = path
		}
		return c, nil, &sim.FieldError{Field: f, Msg: fe.Msg, Err: fe.Err, Column: fe.Column}
	}
	return c, s, err
}

// ParseData reads rows in the link's spelling (x_y~x_y~…). Errors are
// *sim.FieldError on "surface.data" or "surface.data[i][j]".
func ParseData(s string) ([][2]float64, error) { return parseData(s) }

// EncodeData writes rows in the link's spelling (x_y~x_y~…).
func EncodeData(rows [][2]float64) string { return encodeData(rows) }

// MaxDataWork bounds the work of one scenario on a data surface: runs ×
// steps × the cost of a step (sim.StepCost, in steps on a built-in surface
// of about 100 ns each), so about a second of one core. A scenario of
// built-in surfaces at the default limits is 80,000.
const MaxDataWork = 10_000_000

// CheckWork checks that running s is within MaxDataWork (only a data
// surface can exceed it); the error is a *sim.FieldError on "steps" that
// says what to lower. Decode and ParseQuery do not apply it (a scenario
// is valid whatever its size); the server does before it runs one.
func CheckWork(s Scenario) error {
	if !sim.IsDataSurface(s.Surface.Name) {
		return nil
	}
	surf, err := sim.NewSurface(s.Surface)
	if err != nil {
		return sim.Prefix("surface", err)
	}
	total := 0
	for _, rc := range s.Runs {
		total += s.Steps * sim.StepCost(surf, rc.BatchSize)
	}
	if total <= MaxDataWork {
		return nil
	}
	return fieldErrorf("steps", "too much work for one scenario: %d runs × %d steps on %s with %d rows cost %d steps of a built-in surface, and the limit is %d; lower steps, the number of runs, the rows or the batch size",
		len(s.Runs), s.Steps, surf.Info().Name, surf.(sim.DataSurface).Rows(), total, MaxDataWork)
}
