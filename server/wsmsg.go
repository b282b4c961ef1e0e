package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"lrlab/scenario"
	"lrlab/sim"
)

// Client → server message types of /ws (docs/ARCHITECTURE.md).
const (
	msgStart  = "start"
	msgPause  = "pause"
	msgResume = "resume"
	msgStep   = "step"
	msgRate   = "rate"
	msgSet    = "set"
	msgStop   = "stop"

	msgSweep       = "sweep"        // an LR sweep beside the scenario (sweepws.go)
	msgCancelSweep = "cancel_sweep" // cancels the running sweep
)

// msgKeys lists the keys each message type may have besides "type".
var msgKeys = map[string][]string{
	msgStart:  {"scenario", "rate", "paused"},
	msgPause:  {},
	msgResume: {},
	msgStep:   {"n"},
	msgRate:   {"rate"},
	msgSet:    append([]string{"run"}, scenario.SetKeys()...), // the run rows that are Live

	msgStop: {},

	msgSweep:       sweepMsgKeys,
	msgCancelSweep: {},
}

var msgTypes = []string{msgStart, msgPause, msgResume, msgStep, msgRate, msgSet, msgStop, msgSweep, msgCancelSweep}

// Rate limits of a session, in steps per second per run; 0 means as fast as
// the frame cap allows.
const (
	maxRate     = 10000
	defaultRate = 60
)

// clientMessage is one decoded client message. Only the fields of its Type
// are set.
type clientMessage struct {
	Type     string
	Scenario json.RawMessage  // start: the scenario object, decoded by the owner
	Rate     float64          // start, rate: steps per second per run (0 = fastest)
	Paused   bool             // start: begin paused
	N        int              // step: number of steps, 1 … max steps
	Run      int              // set: the run's index (checked against the scenario by the owner)
	Live     scenario.LiveSet // set: the change, every key of scenario.SetKeys it gives
	// set: Live's objects as the session reads them (setLive), merged into
	// the run's settings (nil when absent); Live.Apply writes the others.
	Optimizer, OptimizerY, Scheduler json.RawMessage
	Body                             []byte // sweep: the whole message, decoded by the owner (sweepws.go)
}

// setLive sets the change of a set message, and the fields session*.go
// reads it by.
func (m *clientMessage) setLive(ls scenario.LiveSet) {
	m.Live = ls
	m.Optimizer, m.OptimizerY, m.Scheduler = ls.Object("optimizer"), ls.Object("optimizer_y"), ls.Object("scheduler")
}

// decodeClientMessage reads one client message strictly: it must be a JSON
// object with a known "type" and only that type's keys, each of the right
// type and range. Errors are *sim.FieldError naming the key ("" for JSON
// that does not parse). maxSteps bounds "n".
func decodeClientMessage(data []byte, maxSteps int) (clientMessage, error) {
	var m clientMessage
	o, err := scenario.ReadAnyObject(data, "a message, a JSON object such as {\"type\":\"pause\"}")
	if err != nil {
		return m, err
	}
	if m.Type, err = o.String("type", "", 32); err != nil {
		return m, err
	}
	if m.Type == "" {
		return m, &sim.FieldError{Field: "type", Msg: "required; one of " + strings.Join(msgTypes, ", ")}
	}
	if m.Type == msgSweep {
		m.Body = data
		return m, nil
	}
	keys, ok := msgKeys[m.Type]
	if !ok {
		return m, &sim.FieldError{Field: "type", Msg: fmt.Sprintf("unknown message type %q; allowed: %s", m.Type, strings.Join(msgTypes, ", "))}
	}
	// Report unknown keys in a stable order.
	names := o.Keys()
	slices.Sort(names)
	for _, k := range names {
		if k != "type" && !slices.Contains(keys, k) {
			allowed := "none besides type"
			if len(keys) > 0 {
				allowed = strings.Join(keys, ", ")
			}
			return m, &sim.FieldError{Field: k, Msg: fmt.Sprintf("unknown key %q in a %s message; allowed: %s", k, m.Type, allowed)}
		}
	}
	// A null value is an absent one, as in a scenario: a default where
	// there is one, an error where the key is required.
	obj := map[string]json.RawMessage{}
	for _, k := range names {
		if raw := o.Raw(k); raw != nil {
			obj[k] = raw
		}
	}
	if dec, ok := msgDecoders[m.Type]; ok {
		if err := dec(&m, o, obj, maxSteps); err != nil {
			return m, err
		}
	}
	return m, nil
}

// msgDecoders read the keys of the message types that have any, each from
// the object's non-null values.
var msgDecoders = map[string]func(m *clientMessage, o *scenario.Object, obj map[string]json.RawMessage, maxSteps int) error{
	msgStart: decodeStartMsg,
	msgRate:  decodeRateMsg,
	msgStep:  decodeStepMsg,
	msgSet:   decodeSetMsg,
}

func decodeStartMsg(m *clientMessage, _ *scenario.Object, obj map[string]json.RawMessage, _ int) error {
	raw, ok := obj["scenario"]
	if !ok || !isObject(raw) {
		return &sim.FieldError{Field: "scenario", Msg: "required (not null): the scenario object"}
	}
	m.Scenario = raw
	m.Rate = defaultRate
	var err error
	if raw, ok := obj["rate"]; ok {
		if m.Rate, err = readRate(raw); err != nil {
			return err
		}
	}
	if raw, ok := obj["paused"]; ok {
		if err := json.Unmarshal(raw, &m.Paused); err != nil {
			return &sim.FieldError{Field: "paused", Msg: "must be true or false"}
		}
	}
	return nil
}

func decodeRateMsg(m *clientMessage, _ *scenario.Object, obj map[string]json.RawMessage, _ int) error {
	raw, ok := obj["rate"]
	if !ok {
		return &sim.FieldError{Field: "rate", Msg: fmt.Sprintf("required (not null): steps per second per run, 1 … %d, or 0 for as fast as possible", maxRate)}
	}
	var err error
	m.Rate, err = readRate(raw)
	return err
}

func decodeStepMsg(m *clientMessage, _ *scenario.Object, obj map[string]json.RawMessage, maxSteps int) error {
	m.N = 1
	var err error
	if raw, ok := obj["n"]; ok {
		m.N, err = readInt(raw, "n", 1, maxSteps)
	}
	return err
}

func decodeSetMsg(m *clientMessage, o *scenario.Object, obj map[string]json.RawMessage, _ int) error {
	raw, ok := obj["run"]
	if !ok {
		return &sim.FieldError{Field: "run", Msg: "required (not null): the run's index, from 0"}
	}
	var err error
	if m.Run, err = readInt(raw, "run", 0, math.MaxInt32); err != nil {
		return err
	}
	ls, err := scenario.ReadLiveSet(o) // each as a run's JSON reads it
	if err != nil {
		return err
	}
	m.setLive(ls)
	return nil
}

// isObject reports whether raw is a JSON object.
func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

// readNumber reads a finite JSON number.
func readNumber(raw json.RawMessage, field string) (float64, error) {
	var v float64
	if err := json.Unmarshal(raw, &v); err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, &sim.FieldError{Field: field, Msg: "must be a finite number, got " + abbrev(raw)}
	}
	return v, nil
}

// readInt reads a whole JSON number in [lo, hi].
func readInt(raw json.RawMessage, field string, lo, hi int) (int, error) {
	v, err := readNumber(raw, field)
	if err != nil || v != math.Trunc(v) || v < float64(lo) || v > float64(hi) {
		return 0, &sim.FieldError{Field: field, Msg: fmt.Sprintf("must be a whole number from %d to %d, got %s", lo, hi, abbrev(raw))}
	}
	return int(v), nil
}

// readRate reads a rate: 0 (as fast as possible) or 1 … maxRate.
func readRate(raw json.RawMessage) (float64, error) {
	v, err := readNumber(raw, "rate")
	if err != nil || !(v == 0 || (v >= 1 && v <= maxRate)) {
		return 0, &sim.FieldError{Field: "rate", Msg: fmt.Sprintf("must be steps per second per run, 1 … %d, or 0 for as fast as possible, got %s", maxRate, abbrev(raw))}
	}
	return v, nil
}

// abbrev returns raw, shortened for an error message.
func abbrev(raw json.RawMessage) string {
	s := string(bytes.TrimSpace(raw))
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}
