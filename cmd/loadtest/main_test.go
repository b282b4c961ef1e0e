package main

import (
	"encoding/binary"
	"slices"
	"testing"

	"lrlab/api"
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
	want := []runPoints{{Run: 0, T0: 12, N: 3}, {Run: 3, T0: 0, N: 0}, {Run: 7, T0: 1234, N: 1}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// a binary frame (api.BinaryFrameMagic's layout): run 5 from t0 40,
	// 2 points of the 8 columns, no formula
	bin := []byte(api.BinaryFrameMagic)
	for _, u := range []uint32{1, 5, 40, 2, 0xff, 0} {
		bin = binary.LittleEndian.AppendUint32(bin, u)
	}
	bin = append(bin, make([]byte, 8*(4+2*8))...)
	if got, err := scanFrame(bin, nil); err != nil || !slices.Equal(got, []runPoints{{Run: 5, T0: 40, N: 2}}) {
		t.Errorf("binary frame: %v, %v", got, err)
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
