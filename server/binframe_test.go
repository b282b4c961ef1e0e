package server

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"lrlab/api"
)

// streamed is what a session sent for its scenario, per run: each column's
// values concatenated over its frames (nil where JSON has null: NaN, ±Inf)
// and the last frame's other keys; with how many frames came as binary and
// as text messages.
type streamed struct {
	cols          []map[string][]any
	last          []map[string]any
	binary, texts int
}

// streamAll starts scenario sc at rate 0 on a new socket to /ws with query
// ("?frames=binary", or "") and reads until each of its runs is done.
func streamAll(t *testing.T, ts *httptest.Server, sc, query string, runs int) streamed {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/ws"+query, &websocket.DialOptions{HTTPClient: ts.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	c.SetReadLimit(-1)
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"start","rate":0,"scenario":`+sc+`}`)); err != nil {
		t.Fatal(err)
	}
	out := streamed{cols: make([]map[string][]any, runs), last: make([]map[string]any, runs)}
	for i := range out.cols {
		out.cols[i] = map[string][]any{}
	}
	add := func(run int, cols map[string][]any, rest map[string]any) {
		for k, v := range cols {
			out.cols[run][k] = append(out.cols[run][k], v...)
		}
		out.last[run] = rest
	}
	for done := 0; done < runs; {
		typ, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("after %d runs done: %v", done, err)
		}
		if typ == websocket.MessageBinary {
			out.binary++
			frame, err := api.DecodeBinaryFrame(b)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range frame {
				cols := map[string][]any{}
				for k, vs := range r.Columns {
					for _, v := range vs {
						cols[k] = append(cols[k], finite(v))
					}
				}
				rest := map[string]any{"t0": float64(r.T0), "grad": []any{finite(r.Grad[0]), finite(r.Grad[1])},
					"velocity": []any{finite(r.Velocity[0]), finite(r.Velocity[1])}}
				if r.LimitFormula != "" {
					rest["limit_formula"] = r.LimitFormula
				}
				add(r.Run, cols, rest)
			}
			continue
		}
		var m struct {
			Type string
			Runs []map[string]any
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		switch m.Type {
		case "error":
			t.Fatalf("error: %s", b)
		case "done":
			done++
		case "frame":
			out.texts++
			for _, r := range m.Runs {
				cols, rest := map[string][]any{}, map[string]any{}
				for k, v := range r {
					if vs, ok := v.([]any); ok && k != "grad" && k != "velocity" {
						cols[k] = vs
					} else if k != "run" {
						rest[k] = v
					}
				}
				add(int(r["run"].(float64)), cols, rest)
			}
		}
	}
	return out
}

func finite(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

// TestWSBinaryFramesEqualJSON: a socket opened as /ws?frames=binary gets its
// frames as binary messages holding the same values as the JSON frames, bit
// for bit: every column of every run (with test_loss, batch_loss and the
// gauge's nulls on a game), the last frame's limit formula, gradient and
// velocity; started and done stay JSON.
func TestWSBinaryFramesEqualJSON(t *testing.T) {
	ts, _ := newTestServer(t, Config{MaxPointsPerFrame: 64})
	for _, tc := range []struct {
		name, sc string
		runs     int
		cols     []string
	}{
		{"test shift, a diverging run", streamScenario, 3, []string{"x", "test_loss", "stability_limit"}},
		{"data surface", dataScenario, 2, []string{"x", "batch_loss"}},
		{"game", `{"surface":{"name":"bilinear"},"steps":150,"runs":[{"optimizer":{"name":"adam","lr":0.05}}]}`, 1, []string{"x", "edge_sharpness"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			js := streamAll(t, ts, tc.sc, "", tc.runs)
			bin := streamAll(t, ts, tc.sc, "?frames=binary", tc.runs)
			if again := streamAll(t, ts, tc.sc, "?frames=json", tc.runs); again.binary != 0 || !reflect.DeepEqual(again.cols, js.cols) {
				t.Fatalf("?frames=json: %d binary frames, or other values than without it", again.binary)
			}
			if js.binary != 0 || js.texts == 0 {
				t.Fatalf("JSON session: %d binary and %d text frames", js.binary, js.texts)
			}
			if bin.binary == 0 || bin.texts != 0 {
				t.Fatalf("binary session: %d binary and %d text frames", bin.binary, bin.texts)
			}
			for i := range tc.runs {
				for _, k := range tc.cols {
					if len(js.cols[i][k]) == 0 {
						t.Fatalf("run %d: no %s in the JSON frames", i, k)
					}
				}
				if !reflect.DeepEqual(bin.cols[i], js.cols[i]) {
					t.Errorf("run %d: the binary frames' columns differ from the JSON ones", i)
					for k := range js.cols[i] {
						if !reflect.DeepEqual(bin.cols[i][k], js.cols[i][k]) {
							t.Errorf("  %s: binary %v\n  JSON %v", k, bin.cols[i][k], js.cols[i][k])
						}
					}
				}
				if !reflect.DeepEqual(bin.last[i], js.last[i]) {
					t.Errorf("run %d: last frame binary %v, JSON %v", i, bin.last[i], js.last[i])
				}
			}
		})
	}
}

// TestBinaryFrameLayout checks the layout against a frame written by hand:
// a run's header, its formula, its four vector values and its columns in
// api.FrameColumns order, with a test loss and no batch loss.
func TestBinaryFrameLayout(t *testing.T) {
	s := &session{testLoss: true, runs: []*liveRun{{}, {sent: 7, formula: "2/λ"}}}
	// two points, interleaved as push stores them: 8 columns and test_loss
	s.runs[1].cols = []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, math.NaN(), math.Inf(1), 19}
	s.runs[1].grad.X, s.runs[1].grad.Y, s.runs[1].vel.X, s.runs[1].vel.Y = -1, -2, -3, -4
	got, err := api.DecodeBinaryFrame(s.appendBinaryFrame(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d runs, want 1 (run 0 has no points)", len(got))
	}
	r := got[0]
	if r.Run != 1 || r.T0 != 7 || r.N != 2 || r.LimitFormula != "2/λ" || r.Grad != [2]float64{-1, -2} || r.Velocity != [2]float64{-3, -4} {
		t.Fatalf("header %+v", r)
	}
	want := map[string][2]float64{"x": {1, 11}, "y": {2, 12}, "loss": {3, 13}, "grad_norm": {4, 14}, "lr": {5, 15},
		"sharpness": {6, 16}, "edge_sharpness": {7, math.NaN()}, "stability_limit": {8, math.Inf(1)}, "test_loss": {9, 19}}
	if len(r.Columns) != len(want) {
		t.Errorf("columns %v, want %d", r.Columns, len(want))
	}
	for k, w := range want {
		c := r.Columns[k]
		if len(c) != 2 || math.Float64bits(c[0]) != math.Float64bits(w[0]) || math.Float64bits(c[1]) != math.Float64bits(w[1]) {
			t.Errorf("%s = %v, want %v", k, c, w)
		}
	}
	// cut anywhere, the frame is refused
	b := s.appendBinaryFrame(nil)
	for n := range len(b) {
		if _, err := api.DecodeBinaryFrame(b[:n]); err == nil {
			t.Fatalf("a frame cut to %d of %d bytes decoded", n, len(b))
		}
	}
}

var updateFrame = flag.Bool("update-frame", false, "rewrite web/static/test/golden/frame.*")

// TestFrameGolden writes (with -update-frame) or checks a frame of two runs
// in both encodings, which web/static/test/protocol.test.js decodes: the
// binary one must read as the JSON one, so the Go encoder and the page's
// decoder (and their column orders) cannot drift apart:
//
//	go test ./server -run TestFrameGolden -update-frame
func TestFrameGolden(t *testing.T) {
	s := &session{testLoss: true, runs: []*liveRun{{sent: 3, formula: "2/λmax"}, {}, {sent: 0}}}
	s.runs[0].cols = []float64{0.5, -0.25, 1.5, 2, 0.1, 10, 10, 0.2, 1.75,
		0.45, -0.2, 1.25, 1.8, 0.1, 10, 10, 0.2, 1.5}
	s.runs[0].grad.X, s.runs[0].grad.Y, s.runs[0].vel.X, s.runs[0].vel.Y = 0.45, -2, 0.05, -0.2
	// a diverged point: ±Inf and NaN are JSON's null; a test loss of −0
	s.runs[2].cols = []float64{math.Inf(1), math.NaN(), math.Inf(1), math.Inf(-1), 1e-300, 0, math.NaN(), math.NaN(), math.Copysign(0, -1)}
	s.runs[2].grad.X = math.NaN()
	files := map[string][]byte{"frame.lrf1.bin": s.appendBinaryFrame(nil), "frame.json": s.appendFrame(nil)}
	for name, body := range files {
		checkGolden(t, name, body, *updateFrame, "go test ./server -run TestFrameGolden -update-frame")
	}
}

// TestRoomTeacherBinaryFrames: a teacher whose socket asks for binary
// frames gets them, while the room's students get JSON frames of the same
// values (the room, its mirror and late joiners read JSON).
func TestRoomTeacherBinaryFrames(t *testing.T) {
	ts, _ := newTestServer(t, Config{MaxPointsPerFrame: 64})
	cr := createRoom(t, ts)
	teacher := dialRoomPath(t, ts, "/ws?frames=binary", "teacher", nil)
	teacher.send(fmt.Sprintf(`{"type":"join","room":%q,"role":"teacher","token":%q}`, cr.Room, cr.TeacherToken))
	teacher.until("joined", nil)
	teacher.until("state", nil)
	student := joinStudent(t, ts, cr.Room, "student-0-aaaa")
	teacher.until("presence", func(m roomMsg) bool { return m.Members == 1 })
	teacher.send(`{"type":"start","rate":0,"scenario":` + classScenario + `}`)
	student.untilDone()

	got := []map[string][]any{{}, {}}
	jsonFrames := 0
	for done := 0; done < 2; {
		m := teacher.next()
		switch {
		case m.Type == "done":
			done++
		case m.Type == "frame":
			jsonFrames++
		case strings.HasPrefix(m.Raw, api.BinaryFrameMagic):
			frame, err := api.DecodeBinaryFrame([]byte(m.Raw))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range frame {
				for k, vs := range r.Columns {
					for _, v := range vs {
						got[r.Run][k] = append(got[r.Run][k], finite(v))
					}
				}
			}
		}
	}
	if jsonFrames != 0 {
		t.Errorf("the teacher got %d JSON frames, want binary ones only", jsonFrames)
	}
	for i, cols := range student.cols {
		if len(cols["x"]) != 151 {
			t.Fatalf("run %d: the student has %d points, want 151", i, len(cols["x"]))
		}
		for _, k := range columnKeys {
			raw, ok := cols[k]
			if !ok {
				continue
			}
			want := make([]any, len(raw))
			for j, v := range raw {
				json.Unmarshal(v, &want[j])
			}
			if !reflect.DeepEqual(got[i][k], want) {
				t.Errorf("run %d %s: the teacher's binary frames differ from the student's JSON ones", i, k)
			}
		}
	}
	teacher.send(`{"type":"end"}`)
	teacher.until("ended", nil)
	student.until("ended", nil)
}

// TestWSFramesParam: a frames parameter that is neither json nor binary
// (or given twice) is refused before the upgrade, naming the field.
func TestWSFramesParam(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	for _, q := range []string{"?frames=bin", "?frames=BINARY", "?frames=binary&frames=json"} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/ws"+q, &websocket.DialOptions{HTTPClient: ts.Client()})
		cancel()
		if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: %v, %v; want 400", q, resp, err)
		}
		b, _ := io.ReadAll(resp.Body)
		var e api.Error
		if json.Unmarshal(b, &e) != nil || e.Field != "frames" || !strings.Contains(e.Error, `"binary"`) {
			t.Errorf("%s: %s; want an error naming frames and its values", q, b)
		}
	}
}
