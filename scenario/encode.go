package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"lrlab/sim"
)

// MarshalJSON writes the normalised scenario: every setting explicit (the
// surface's parameters, steps, each run's run-level rows, and every key of
// its optimizer and scheduler), and only the keys that apply to the named
// optimizer and scheduler. View and test_shift appear when set, a run row
// that leaves out its zero value (runSetting.omitZero) when it is not zero.
// Decode reads the result back to an equal Scenario when s is one Decode or ParseQuery returned (a Scenario
// built by hand reads back normalised: every surface parameter filled in,
// an OptimizerY identical to the Optimizer dropped). Non-finite numbers are
// an error.
func (s Scenario) MarshalJSON() ([]byte, error) {
	w := &jsonWriter{}
	w.open('{')
	w.key("surface")
	w.open('{')
	w.key("name")
	w.str(s.Surface.Name)
	for _, k := range paramOrder(s.Surface) {
		w.key(k)
		w.num(s.Surface.Params[k])
	}
	if s.Surface.Name == "custom" || s.Surface.Formula != "" {
		w.key("formula")
		w.str(s.Surface.Formula)
	}
	if sim.IsDataSurface(s.Surface.Name) {
		w.data(s.Surface) // scenario/data.go
	}
	w.close('}')
	w.key("steps")
	w.int(s.Steps)
	if s.View != nil {
		w.key("view")
		w.open('{')
		for i, v := range []float64{s.View.XMin, s.View.XMax, s.View.YMin, s.View.YMax} {
			w.key(viewKeys[i])
			w.num(v)
		}
		w.close('}')
	}
	if s.TestShift != nil {
		w.key("test_shift")
		w.pair(s.TestShift.X, s.TestShift.Y)
	}
	w.key("runs")
	w.open('[')
	for _, rc := range s.Runs {
		w.sep()
		w.run(rc) // scenario/runrows.go
	}
	w.close(']')
	w.close('}')
	if w.err != nil {
		return nil, w.err
	}
	return w.buf.Bytes(), nil
}

// paramOrder lists the surface's parameters in the catalog's order, then
// any others sorted.
func paramOrder(c sim.SurfaceConfig) []string {
	var keys []string
	if info, ok := catalogEntry(c.Name); ok {
		for _, p := range info.Params {
			if _, ok := c.Params[p.Name]; ok {
				keys = append(keys, p.Name)
			}
		}
	}
	var rest []string
	for k := range c.Params {
		if !slices.Contains(keys, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(keys, rest...)
}

// jsonWriter writes compact JSON with keys in a chosen order.
type jsonWriter struct {
	buf   bytes.Buffer
	first bool // no member or element written yet in the current container
	err   error
}

func (w *jsonWriter) open(c byte) { w.buf.WriteByte(c); w.first = true }

func (w *jsonWriter) close(c byte) { w.buf.WriteByte(c); w.first = false }

func (w *jsonWriter) sep() {
	if !w.first {
		w.buf.WriteByte(',')
	}
	w.first = false
}

func (w *jsonWriter) key(k string) {
	w.sep()
	w.str(k)
	w.buf.WriteByte(':')
}

func (w *jsonWriter) str(s string) {
	b, _ := json.Marshal(s)
	w.buf.Write(b)
}

func (w *jsonWriter) num(v float64) {
	if !finite(v) {
		if w.err == nil {
			w.err = fmt.Errorf("scenario: cannot write %v as JSON", v)
		}
		v = 0
	}
	w.buf.WriteString(formatNumber(v))
}

func (w *jsonWriter) int(n int) { w.buf.WriteString(strconv.Itoa(n)) }

func (w *jsonWriter) pair(a, b float64) {
	w.buf.WriteByte('[')
	w.num(a)
	w.buf.WriteByte(',')
	w.num(b)
	w.buf.WriteByte(']')
}

// value writes the field ptr points to (from optimizerField or
// schedulerField).
func (w *jsonWriter) value(ptr any) {
	switch p := ptr.(type) {
	case *float64:
		w.num(*p)
	case *int:
		w.int(*p)
	case *uint64:
		w.buf.WriteString(strconv.FormatUint(*p, 10))
	case *bool:
		w.buf.WriteString(strconv.FormatBool(*p))
	case *string:
		w.str(*p)
	case *[2]float64:
		w.pair(p[0], p[1])
	case *[]int:
		w.buf.WriteByte('[')
		for i, n := range *p {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			w.int(n)
		}
		w.buf.WriteByte(']')
	default:
		panic(fmt.Sprintf("scenario: field of type %T", ptr))
	}
}

func (w *jsonWriter) optimizer(c sim.OptimizerConfig) {
	w.open('{')
	w.key("name")
	w.str(c.Name)
	for _, k := range optimizerKeys[c.Name] {
		w.key(k)
		w.value(optimizerField(&c, k))
	}
	w.close('}')
}

func (w *jsonWriter) scheduler(c sim.SchedulerConfig) {
	w.open('{')
	w.key("name")
	w.str(c.Name)
	for _, k := range schedulerKeys[c.Name] {
		w.key(k)
		w.value(schedulerField(&c, k))
	}
	w.close('}')
}
