package server

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"testing"

	"lrlab/scenario"
	"lrlab/sim"
	"lrlab/sim/expr"
)

// -update rewrites the golden files; another test file of the package may
// declare the flag too, so it is declared here only when none has (init
// runs after every file's variables).
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files under web/static/test/golden")
	}
}

func updating() bool { return flag.Lookup("update").Value.String() == "true" }

const schemaGolden = "../web/static/test/golden/schema.json"

// TestSchemaGolden: web/static/test/golden/schema.json, which the page's
// node tests read, is what GET /api/v1/schema serves with the default
// limits. go test ./server -run TestSchemaGolden -update rewrites it.
func TestSchemaGolden(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	res, body := do(t, ts, http.MethodGet, "/api/v1/schema", "", nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/v1/schema: %s, %s", res.Status, res.Header.Get("Content-Type"))
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	if updating() {
		if err := os.WriteFile(schemaGolden, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.ReadFile(schemaGolden)
	if err != nil {
		t.Fatalf("%v (write it with go test ./server -run TestSchemaGolden -update)", err)
	}
	if !bytes.Equal(golden, pretty.Bytes()) {
		t.Errorf("%s differs from GET /api/v1/schema; run go test ./server -run TestSchemaGolden -update and commit it", schemaGolden)
	}
}

// TestPageSchema: the page carries the schema inline, equal to GET
// /api/v1/schema, with the server's live limits in its limits object and
// as the maximum of steps.
func TestPageSchema(t *testing.T) {
	ts, _ := newTestServer(t, Config{MaxRuns: 3, MaxSteps: 500})
	_, page := do(t, ts, http.MethodGet, "/", "", nil)
	m := regexp.MustCompile(`<script type="application/json" id="schema-data">([^<]*)</script>`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("the page has no schema-data element")
	}
	_, api := do(t, ts, http.MethodGet, "/api/v1/schema", "", nil)
	var inline, served map[string]any
	if err := json.Unmarshal(m[1], &inline); err != nil {
		t.Fatalf("schema-data: %v", err)
	}
	if err := json.Unmarshal(api, &served); err != nil {
		t.Fatalf("/api/v1/schema: %v", err)
	}
	if !reflect.DeepEqual(inline, served) {
		t.Errorf("schema-data differs from GET /api/v1/schema")
	}
	l, _ := served["limits"].(map[string]any)
	if l["runs"] != 3.0 || l["steps"] != 500.0 {
		t.Errorf("limits %v; want runs 3, steps 500", l)
	}
	// the fixed bounds the page checks before it asks come from the server's constants
	if want := map[string]any{"formula_chars": float64(expr.MaxLen), "data_rows": float64(sim.MaxDataRows), "data_value": sim.MaxDataValue, "data_link_rows": float64(scenario.MaxLinkRows)}; len(l) != 2+len(want) {
		t.Errorf("limits %v; want runs, steps and %v", l, want)
	} else {
		for k, v := range want {
			if l[k] != v {
				t.Errorf("limits.%s = %v; want %v", k, l[k], v)
			}
		}
	}
	steps := served["top"].([]any)[0].(map[string]any)
	if steps["key"] != "steps" || steps["max"] != 500.0 {
		t.Errorf("top[0] %v; want steps with max 500", steps)
	}
	for _, k := range []string{"optimizers", "schedulers", "run"} {
		if l, _ := served[k].([]any); len(l) == 0 {
			t.Errorf("%s: empty", k)
		}
	}
}
