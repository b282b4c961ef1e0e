package server

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"lrlab/sim"
)

// FuzzClientMessage checks that the websocket message decoder never panics,
// that every failure is a *sim.FieldError, and that every success has a
// known type and values in range.
func FuzzClientMessage(f *testing.F) {
	for _, s := range []string{
		`{"type":"start","rate":60,"paused":false,"scenario":{"surface":{"name":"quadratic"},"runs":[{"optimizer":{"name":"sgd","lr":0.1}}]}}`,
		`{"type":"pause"}`, `{"type":"resume"}`, `{"type":"stop"}`, `{"type":"step","n":5}`,
		`{"type":"rate","rate":0}`, `{"type":"set","run":0,"optimizer":{"lr":0.05},"scheduler":{"name":"cosine"},"noise":0.1}`,
		`{"type":"set","run":1,"optimizer_y":{"lr":1e-3}}`, `{"type":`, `[]`, `null`, `"x"`, `{"type":1}`,
		`{"type":"step","n":1e300}`, `{"type":"rate","rate":-0}`, `{"type":"set","run":-1}`, "{\"type\":\"pause\",\"\xff\":1}",
		`{"type":"pause","type":"start"}`, `{"type":"set","run":null}`, `{"type":"rate","rate":null}`, `{"type":"pause\ud800"}`, `[1]`, `true`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeClientMessage(data, 10000)
		if err != nil {
			var fe *sim.FieldError
			if !errors.As(err, &fe) || fe.Msg == "" {
				t.Fatalf("error %v is not a *sim.FieldError with a message", err)
			}
			if strings.Contains(fe.Msg, "Go value") || strings.Contains(fe.Msg, "map[") || strings.Contains(fe.Msg, "json.RawMessage") {
				t.Fatalf("error %q names a Go type", fe.Msg)
			}
			return
		}
		if !slices.Contains(msgTypes, m.Type) {
			t.Fatalf("accepted unknown type %q", m.Type)
		}
		if m.Rate < 0 || m.Rate > maxRate || m.Rate > 0 && m.Rate < 1 {
			t.Fatalf("rate %v accepted", m.Rate)
		}
		if m.Type == msgStep && (m.N < 1 || m.N > 10000) || m.Run < 0 || noiseOf(m) < 0 {
			t.Fatalf("out of range: %+v", m)
		}
		if m.Type == msgStart && !isObject(m.Scenario) {
			t.Fatalf("start without a scenario object: %+v", m)
		}
	})
}

func TestAppendString(t *testing.T) {
	for in, want := range map[string]string{
		"plain": `"plain"`, `q"b\`: `"q\"b\\"`, "a\nb\t": `"a\nb\t"`, "<&>": `"\u003c\u0026\u003e"`,
		"\x01": `"\u0001"`, "日本": `"日本"`, "\xff": `"\ufffd"`, "\u2028": `"\u2028"`,
	} {
		if got := string(appendString(nil, in)); got != want {
			t.Errorf("appendString(%q) = %s, want %s", in, got, want)
		}
	}
}

// noiseOf returns the noise a set message gives, or 0.
func noiseOf(m clientMessage) float64 {
	var c sim.RunConfig
	m.Live.Apply(&c)
	return c.Noise
}
