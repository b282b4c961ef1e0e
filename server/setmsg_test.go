package server

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"

	"lrlab/sim"
)

// TestSetLive checks the generic path of a set: its change is read by the
// run rows' readers, the fields the session reads follow from it, the
// room relays it in SetKeys' order with its numbers normalised and its
// objects compacted, and a resumed room reads the relayed record back as
// the same set.
func TestSetLive(t *testing.T) {
	m, err := decodeClientMessage([]byte(`{"type":"set","batch_size":4,"noise":1.0e-1,"optimizer_y":{ "lr": 1e-3 },"run":1,"optimizer":{"lr":0.05}}`), 100)
	if err != nil {
		t.Fatal(err)
	}
	var applied sim.RunConfig
	m.Live.Apply(&applied)
	if applied.Noise != 0.1 || applied.BatchSize != 4 ||
		string(m.Optimizer) != `{"lr":0.05}` || string(m.OptimizerY) != `{ "lr": 1e-3 }` || m.Scheduler != nil {
		t.Errorf("set fields %+v", m)
	}
	relay := string(m.Live.AppendJSON(nil))
	if want := `{"optimizer":{"lr":0.05},"optimizer_y":{"lr":1e-3},"noise":0.1,"batch_size":4}`; relay != want {
		t.Errorf("relayed change %s, want %s", relay, want)
	}
	rec := `{"type":"set_ok","run":1,"step":5,"set":` + relay + `}`
	sets := setRecords(&mirror{sets: []json.RawMessage{json.RawMessage(rec), json.RawMessage(`{"type":"set_ok","run":0,"step":1,"set":{"noise":-1}}`)}})
	if len(sets) != 1 || sets[0].step != 5 {
		t.Fatalf("records %+v, want the one valid set at step 5", sets)
	}
	back := sets[0].m
	var backApplied sim.RunConfig
	back.Live.Apply(&backApplied)
	if back.Run != 1 || backApplied.Noise != 0.1 || backApplied.BatchSize != 4 || string(back.OptimizerY) != `{"lr":1e-3}` ||
		!reflect.DeepEqual(back.Live.Keys(), m.Live.Keys()) || string(back.Live.AppendJSON(nil)) != relay {
		t.Errorf("record reads back as %+v", back)
	}
	// A null is an absent key, as in a scenario; a set's errors name the key.
	for _, tt := range []struct{ msg, field, text string }{
		{`{"type":"set","run":0,"noise":null}`, "", ""},
		{`{"type":"set","run":0,"noise":-0.1}`, "noise", "must be ≥ 0 (the gradient noise σ), got -0.1"},
		{`{"type":"set","run":0,"batch_size":0}`, "batch_size", "must be an integer from 1 to " + strconv.Itoa(sim.MaxDataRows) + ", got 0"},
		{`{"type":"set","run":0,"optimizer_y":3}`, "optimizer_y", `must be an object of settings, such as {"lr": 0.05}`},
	} {
		m, err := decodeClientMessage([]byte(tt.msg), 100)
		if tt.field == "" {
			if err != nil || m.Live.HasValues() || len(m.Live.Keys()) != 0 {
				t.Errorf("%s: %+v, %v", tt.msg, m, err)
			}
			continue
		}
		if fe, ok := err.(interface{ Error() string }); !ok || fe.Error() != tt.field+": "+tt.text {
			t.Errorf("%s: %v, want %s: %s", tt.msg, err, tt.field, tt.text)
		}
	}
}
