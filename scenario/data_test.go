package scenario

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"lrlab/sim"
)

func rowsJSON(rows [][2]float64) string {
	b, _ := json.Marshal(rows)
	return string(b)
}

func fiftyRows() [][2]float64 {
	rows := make([][2]float64, 50)
	for i := range rows {
		x := float64(i)/10 - 2.5
		rows[i] = [2]float64{x, 0.5*x - 1 + float64(i%7)/20}
	}
	return rows
}

func TestDecodeData(t *testing.T) {
	rows := fiftyRows()
	src := `{"surface":{"name":"linreg","data":` + rowsJSON(rows) + `},"runs":[{"optimizer":{"name":"sgd","lr":0.1},"batch_size":8,"seed":3}]}`
	s, err := Decode([]byte(src), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Surface.Data, rows) || s.Runs[0].BatchSize != 8 || s.Runs[0].Start != (sim.Point{}) {
		t.Errorf("decoded %d rows, batch %d, start %v", len(s.Surface.Data), s.Runs[0].BatchSize, s.Runs[0].Start)
	}
	// The normalised form reads back equal, and so does the link.
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(b, DefaultLimits)
	if err != nil || !reflect.DeepEqual(back, s) {
		t.Errorf("JSON round trip: %v\n%s", err, b)
	}
	q, err := url.ParseQuery(s.Encode())
	if err != nil {
		t.Fatal(err)
	}
	fromLink, _, errs := ParseQuery(q, DefaultLimits)
	if len(errs) > 0 || !reflect.DeepEqual(fromLink, s) {
		t.Errorf("link round trip: %v\n%s", errs, s.Encode())
	}
	if !strings.Contains(s.Encode(), "batch_size=8") || !strings.Contains(s.Encode(), "data=-2.5_-2.25~") {
		t.Errorf("link %s", s.Encode())
	}

	// Omitted: the default data set, named in the normalised form, and B = N.
	s, err = Decode([]byte(`{"surface":{"name":"logreg"},"runs":[{"optimizer":{"name":"adam"}}]}`), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if s.Surface.Dataset != "overlapping" || s.Runs[0].BatchSize != 100 {
		t.Errorf("defaults: dataset %q, batch %d", s.Surface.Dataset, s.Runs[0].BatchSize)
	}
	if b, _ := json.Marshal(s); !strings.Contains(string(b), `"dataset":"overlapping"`) || !strings.Contains(string(b), `"batch_size":100`) {
		t.Errorf("normalised %s", b)
	}
}

func TestDecodeDataErrors(t *testing.T) {
	bad := fiftyRows()
	rowsWith := func(i, j int, v string) string {
		parts := make([]string, len(bad))
		for k, r := range bad {
			parts[k] = fmt.Sprintf("[%g,%g]", r[0], r[1])
			if k == i {
				if j == 0 {
					parts[k] = fmt.Sprintf("[%s,%g]", v, r[1])
				} else {
					parts[k] = fmt.Sprintf("[%g,%s]", r[0], v)
				}
			}
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	run := `"runs":[{"optimizer":{"name":"sgd","lr":0.1}}]`
	for _, c := range []struct{ src, field, msg string }{
		{`{"surface":{"name":"linreg","data":` + rowsWith(17, 1, `"a"`) + `},` + run + `}`, "surface.data[17][1]", "must be a number"},
		{`{"surface":{"name":"linreg","data":` + rowsWith(17, 1, `1e400`) + `},` + run + `}`, "surface.data[17][1]", "finite number"},
		{`{"surface":{"name":"linreg","data":` + rowsWith(17, 0, `5e6`) + `},` + run + `}`, "surface.data[17][0]", "from -1e+06 to 1e+06"},
		{`{"surface":{"name":"logreg","data":[[0,0],[1,1],[2,0.5]]},` + run + `}`, "surface.data[2][1]", "label 0 or 1"},
		{`{"surface":{"name":"linreg","data":[[1,2],[3]]},` + run + `}`, "surface.data[1]", "2 numbers"},
		{`{"surface":{"name":"linreg","data":[]},` + run + `}`, "surface.data", "1 to 2000 rows"},
		{`{"surface":{"name":"linreg","data":{}},` + run + `}`, "surface.data", "must be an array"},
		{`{"surface":{"name":"linreg","dataset":"separable"},` + run + `}`, "surface.dataset", "allowed: line, noisy_line"},
		{`{"surface":{"name":"linreg","dataset":"line","data":[[1,2]]},` + run + `}`, "surface.dataset", "not both"},
		{`{"surface":{"name":"quadratic","data":[[1,2]]},` + run + `}`, "surface.data", "unknown key"},
		{`{"surface":{"name":"linreg","dataset":"line"},"runs":[{"optimizer":{"name":"sgd","lr":0.1},"batch_size":22}]}`, "runs[0].batch_size", "from 1 to 21"},
		{`{"surface":{"name":"linreg","dataset":"line"},"runs":[{"optimizer":{"name":"sgd","lr":0.1},"batch_size":0}]}`, "runs[0].batch_size", "from 1 to 21"},
		{`{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"sgd","lr":0.1},"batch_size":4}]}`, "runs[0].batch_size", "only for the data surfaces"},
	} {
		_, err := Decode([]byte(c.src), DefaultLimits)
		fe, ok := asFieldError(err)
		if !ok || fe.Field != c.field || !strings.Contains(fe.Msg, c.msg) {
			t.Errorf("%.80s…: %v; want %s: …%s…", c.src, err, c.field, c.msg)
		}
	}
	big := make([][2]float64, sim.MaxDataRows+1)
	_, err := Decode([]byte(`{"surface":{"name":"linreg","data":`+rowsJSON(big)+`},`+run+`}`), DefaultLimits)
	if fe, ok := asFieldError(err); !ok || fe.Field != "surface.data" || !strings.Contains(fe.Msg, "got 2001") {
		t.Errorf("2001 rows: %v", err)
	}
}

func TestDataWorkLimit(t *testing.T) {
	rows := make([][2]float64, sim.MaxDataRows)
	for i := range rows {
		rows[i] = [2]float64{float64(i % 10), float64(i % 2)}
	}
	src := func(steps int) string {
		return fmt.Sprintf(`{"surface":{"name":"logreg","data":%s},"steps":%d,"runs":[{"optimizer":{"name":"sgd","lr":0.1}},{"optimizer":{"name":"sgd","lr":0.2}}]}`, rowsJSON(rows), steps)
	}
	small, err := Decode([]byte(src(1000)), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckWork(small); err != nil {
		t.Errorf("2 runs × 1000 steps on 2000 rows: %v", err)
	}
	big, err := Decode([]byte(src(5000)), DefaultLimits)
	if err != nil {
		t.Fatal(err) // valid, only too large to run
	}
	err = CheckWork(big)
	if fe, ok := asFieldError(err); !ok || fe.Field != "steps" || !strings.Contains(fe.Msg, "too much work") {
		t.Errorf("2 runs × 5000 steps on 2000 rows: %v", err)
	}
	if err := CheckWork(mustDecode(t, `{"surface":{"name":"quadratic"},"steps":10000,"runs":[{"optimizer":{"lr":0.1}}]}`)); err != nil {
		t.Errorf("a built-in surface: %v", err)
	}
}
