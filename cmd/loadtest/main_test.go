package main

import (
	"slices"
	"testing"
)

func TestScanFrame(t *testing.T) {
	frame := []byte(`{"type":"frame","runs":[{"run":0,"t0":12,"x":[1,-2.5e-7,3],"y":[1,2,3],"loss":[0,0,0],"grad_norm":[1,1,1],"lr":[0.1,0.1,0.1],"sharpness":[2,2,2],"grad":[1,2],"velocity":[0,0]},` +
		`{"run":3,"t0":0,"x":[],"y":[],"grad":[1,2],"velocity":[0,0]},{"run":7,"t0":1234,"x":[0.5],"y":[1]}]}`)
	if got := string(msgType(frame)); got != "frame" {
		t.Fatalf("type %q", got)
	}
	got, err := scanFrame(frame, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []runPoints{{0, 12, 3}, {3, 0, 0}, {7, 1234, 1}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	e := []byte(`{"type":"error","error":"bad \"x\"","field":"runs[0]"}`)
	if got := stringField(e, "error"); got != `bad \"x\"` {
		t.Errorf("error %q", got)
	}
}

func BenchmarkScanFrame(b *testing.B) {
	frame := []byte(`{"type":"frame","runs":[{"run":0,"t0":12,"x":[1.0000000001,-2.5e-7],"y":[1,2],"loss":[0,0],"grad_norm":[1,1],"lr":[0.1,0.1],"sharpness":[2,2],"grad":[1,2],"velocity":[0,0]},` +
		`{"run":1,"t0":12,"x":[1.0000000001,-2.5e-7],"y":[1,2],"loss":[0,0],"grad_norm":[1,1],"lr":[0.1,0.1],"sharpness":[2,2],"grad":[1,2],"velocity":[0,0]}]}`)
	var out []runPoints
	b.ReportAllocs()
	for b.Loop() {
		out, _ = scanFrame(frame, out[:0])
	}
}
