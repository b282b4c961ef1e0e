package server

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"lrlab/api"
)

// TestFormula: GET /api/v1/formula answers 200 for good and bad formulas
// alike: ok with the canonical text, or the message, the field and the
// column of the bad spot; too long is ok:false without a parse; a missing
// formula= is 400; the route is compute rate-limited.
func TestFormula(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	type answer struct {
		OK      bool   `json:"ok"`
		Formula string `json:"formula"`
		Error   string `json:"error"`
		Field   string `json:"field"`
		Column  *int   `json:"column"`
	}
	get := func(f string) answer {
		t.Helper()
		resp, body := do(t, ts, "GET", "/api/v1/formula?formula="+url.QueryEscape(f), "", nil)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%q: %s %s %s", f, resp.Status, resp.Header.Get("Content-Type"), body)
		}
		var a answer
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatalf("%q: %v in %s", f, err, body)
		}
		return a
	}
	col := func(a answer) int {
		if a.Column == nil {
			return -1
		}
		return *a.Column
	}

	good := get("0.1*(x^2 + y^2) - 2*exp(-((x-1)^2 + y^2)/0.05)")
	if !good.OK || good.Formula == "" || good.Error != "" || good.Column != nil {
		t.Errorf("good formula: %+v", good)
	}
	// The canonical text is itself a good formula with the same canonical text.
	if again := get(good.Formula); !again.OK || again.Formula != good.Formula {
		t.Errorf("canonical %q reads back as %+v", good.Formula, again)
	}

	for _, tc := range []struct {
		formula string
		column  int
		msg     string
	}{
		{"sinn(x) + y^2", 1, "unknown function 'sinn'"},
		{"x^2 + 10*z", 10, "unknown name 'z'"},
		{"2x", 2, "write '*' to multiply"},
		{"(x + y", 1, "missing ')'"},
		{"x +", 4, "unexpected end of formula"},
		{"", 0, "formula is empty"},
		{strings.Repeat("x+", 300) + "y", 0, "must be at most 500 characters, got 601"},
	} {
		a := get(tc.formula)
		if a.OK || a.Field != "surface.formula" || col(a) != tc.column || !strings.Contains(a.Error, tc.msg) {
			t.Errorf("%q: %+v (column %d); want ok false, field surface.formula, column %d, error with %q", shortFormula(tc.formula), a, col(a), tc.column, tc.msg)
		}
		if tc.column > 0 && !strings.Contains(a.Error, "column") {
			t.Errorf("%q: the message %q does not name the column", tc.formula, a.Error)
		}
	}

	for _, q := range []string{"", "?formula=x&formula=y"} {
		resp, body := do(t, ts, "GET", "/api/v1/formula"+q, "", nil)
		var e api.Error
		if resp.StatusCode != 400 || json.Unmarshal(body, &e) != nil || e.Field != "formula" {
			t.Errorf("GET /api/v1/formula%s: %s %s; want 400 on formula", q, resp.Status, body)
		}
	}

	limited, _ := newTestServer(t, Config{ComputePerMinute: 2})
	var status int
	for range 3 {
		resp, _ := do(t, limited, "GET", "/api/v1/formula?formula=x", "", nil)
		status = resp.StatusCode
	}
	if status != 429 {
		t.Errorf("third formula check with a compute limit of 2 a minute: %d; want 429", status)
	}
}

func shortFormula(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}
