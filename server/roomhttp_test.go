package server

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"lrlab/api"
)

func TestRoomCreateAndPages(t *testing.T) {
	ts, srv := newTestServer(t, Config{})
	t.Cleanup(func() { shutdownServer(t, srv) })
	cr := createRoom(t, ts)
	if !regexp.MustCompile(`^[` + codeAlphabet + `]{8}$`).MatchString(cr.Room) {
		t.Errorf("code %q", cr.Room)
	}
	if cr.JoinURLAbs != ts.URL+"/r/"+cr.Room || cr.QRURL != "/r/"+cr.Room+"/qr.svg" {
		t.Errorf("created %+v", cr)
	}
	resp, body := do(t, ts, "GET", "/r/"+strings.ToLower(cr.Room[:4])+"-"+cr.Room[4:], "", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Referrer-Policy") != "no-referrer" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("room page: %s %v", resp.Status, resp.Header)
	}
	m := regexp.MustCompile(`<script type="application/json" id="room-data">(.*?)</script>`).FindSubmatch(body)
	if m == nil {
		t.Fatal("no room-data element")
	}
	var rp RoomPage
	if err := json.Unmarshal(m[1], &rp); err != nil || rp.Code != cr.Room || rp.JoinURL != cr.JoinURLAbs {
		t.Errorf("room-data %s: %v", m[1], err)
	}
	if bytes.Contains(body, []byte(cr.TeacherToken)) {
		t.Error("the page holds the token")
	}
	// Every wrong code: the same 404 page.
	var first []byte
	for _, code := range []string{"AAAAAAAA", "ZZZZ2222", "nope", "IIIIIIII", strings.Repeat("A", 200)} {
		resp, body := do(t, ts, "GET", "/r/"+code, "", nil)
		if resp.StatusCode != 404 || !bytes.Contains(body, []byte(`id="room-data">{"error":"not_found"}<`)) {
			t.Errorf("/r/%s: %s", code, resp.Status)
		}
		if first == nil {
			first = body
		} else if !bytes.Equal(first, body) {
			t.Errorf("/r/%s: a different 404 body", code)
		}
	}
	if _, body := do(t, ts, "GET", "/", "", nil); bytes.Contains(body, []byte("room-data")) {
		t.Error("the bare page has room-data")
	}
	// The QR code: SVG of whole modules.
	resp, body = do(t, ts, "GET", cr.QRURL, "", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("qr: %s", resp.Status)
	}
	var svg struct {
		ViewBox string `xml:"viewBox,attr"`
		Path    struct {
			D string `xml:"d,attr"`
		} `xml:"path"`
	}
	if err := xml.Unmarshal(body, &svg); err != nil || svg.Path.D == "" {
		t.Errorf("qr svg: %v %.100s", err, body)
	}
	if resp, _ := do(t, ts, "GET", "/r/AAAAAAAA/qr.svg", "", nil); resp.StatusCode != 404 {
		t.Errorf("qr of a wrong code: %s", resp.Status)
	}
	// Bad bodies.
	for _, c := range []struct{ body, field string }{
		{`{"scenario":{"surface":{"name":"nope"},"runs":[]}}`, "surface.name"},
		{`{"preset":"nope"}`, "preset"},
		{`{"teacher":"x"}`, "teacher"},
	} {
		resp, body := do(t, ts, "POST", "/api/v1/rooms", c.body, nil)
		var e api.Error
		json.Unmarshal(body, &e)
		if resp.StatusCode != 400 || e.Field != c.field {
			t.Errorf("%s: %s %s", c.body, resp.Status, body)
		}
	}
	if resp, body := do(t, ts, "POST", "/api/v1/rooms", `{"preset":"too-large"}`, nil); resp.StatusCode != 201 || !bytes.Contains(body, []byte(`"scenario":{"surface"`)) {
		t.Errorf("preset room: %s %s", resp.Status, body)
	}
}

func TestRoomJoinRefused(t *testing.T) {
	ts, srv := newTestServer(t, Config{RoomMaxMembers: 1})
	t.Cleanup(func() { shutdownServer(t, srv) })
	cr := createRoom(t, ts)
	for _, c := range []struct{ msg, field string }{
		{`{"type":"join","room":"AAAAAAAA","role":"student"}`, "room"},
		{`{"type":"join","room":"x","role":"student"}`, "room"},
		{fmt.Sprintf(`{"type":"join","room":%q,"role":"teacher","token":"wrong"}`, cr.Room), "token"},
		{fmt.Sprintf(`{"type":"join","room":%q,"role":"teacher"}`, cr.Room), "token"},
		{fmt.Sprintf(`{"type":"join","room":%q,"role":"teacher","token":%q}`, cr.Room, otherLast(cr.TeacherToken)), "token"},
		{fmt.Sprintf(`{"type":"join","room":%q,"role":"king"}`, cr.Room), "role"},
		{fmt.Sprintf(`{"type":"join","room":%q,"role":"student","member":"short"}`, cr.Room), "member"},
		{fmt.Sprintf(`{"type":"join","room":%q,"role":"student","extra":1}`, cr.Room), "extra"},
	} {
		c1 := dialRoom(t, ts, c.msg)
		c1.send(c.msg)
		e := c1.until("error", nil)
		if e.Field != c.field {
			t.Errorf("%s: %s, want field %s", c.msg, e.Raw, c.field)
		}
		if code := c1.closeCode(); code != websocket.StatusPolicyViolation {
			t.Errorf("%s: closed with %v", c.msg, code)
		}
	}
	// Two wrong codes, one answer.
	a, b := dialRoom(t, ts, "a"), dialRoom(t, ts, "b")
	a.send(`{"type":"join","room":"AAAAAAAA","role":"student"}`)
	b.send(`{"type":"join","room":"BBBBBBBB","role":"student"}`)
	if x, y := a.until("error", nil), b.until("error", nil); x.Raw != y.Raw {
		t.Errorf("%s vs %s", x.Raw, y.Raw)
	}
	// Room full.
	joinStudent(t, ts, cr.Room, "first-student")
	c2 := dialRoom(t, ts, "second")
	c2.send(fmt.Sprintf(`{"type":"join","room":%q,"role":"student"}`, cr.Room))
	if e := c2.until("error", nil); e.Field != "room" || !strings.Contains(e.Error, "full") {
		t.Errorf("full room: %s", e.Raw)
	}
	// join after a solo message
	c3 := dialRoom(t, ts, "solo")
	c3.send(`{"type":"pause"}`)
	c3.send(fmt.Sprintf(`{"type":"join","room":%q,"role":"student"}`, cr.Room))
	if e := c3.until("error", nil); e.Field != "type" {
		t.Errorf("late join: %s", e.Raw)
	}
}

func TestRoomLookupRateLimit(t *testing.T) {
	ts, srv := newTestServer(t, Config{RoomLookupsPerMinute: 3})
	t.Cleanup(func() { shutdownServer(t, srv) })
	createRoom(t, ts)
	do(t, ts, "GET", "/r/AAAAAAAA", "", nil)
	do(t, ts, "GET", "/r/AAAAAAAB", "", nil)
	if resp, _ := do(t, ts, "GET", "/r/AAAAAAAC", "", nil); resp.StatusCode != 429 {
		t.Errorf("4th lookup: %s", resp.Status)
	}
	c := dialRoom(t, ts, "x")
	c.send(`{"type":"join","room":"AAAAAAAA","role":"student"}`)
	if e := c.until("error", nil); e.Field != "room" || !strings.Contains(e.Error, "too many") {
		t.Errorf("join over the rate: %s", e.Raw)
	}
}

// TestRoomTeacherAwayExpires: without its teacher a room ends after
// -room-expiry; with its teacher it does not.
func TestRoomTeacherAwayExpires(t *testing.T) {
	ts, srv := newTestServer(t, Config{RoomExpiry: 600 * time.Millisecond})
	t.Cleanup(func() { shutdownServer(t, srv) })
	cr := createRoom(t, ts)
	teacher := joinTeacher(t, ts, cr)
	student := joinStudent(t, ts, cr.Room, "patient-student")
	time.Sleep(1500 * time.Millisecond) // over the expiry, teacher present
	teacher.send(`{"type":"ask","question":{"id":"q","text":"Still here?","choices":["yes","no"]}}`)
	student.until("question", nil)
	teacher.c.Close(websocket.StatusNormalClosure, "")
	student.until("teacher", func(m roomMsg) bool { return !m.Present })
	start := time.Now()
	if m := student.until("ended", nil); m.Reason != "expired" {
		t.Errorf("ended %s", m.Raw)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("expired after %v", d)
	}
	if resp, _ := do(t, ts, "GET", "/r/"+cr.Room, "", nil); resp.StatusCode != 404 {
		t.Errorf("expired room's page: %s", resp.Status)
	}
}

// TestRoomTeacherReconnects: the teacher's page reloads mid-run (memory):
// it resumes paused where the room was, and the students' points stay
// those of simulate.
func TestRoomTeacherReconnects(t *testing.T) {
	ts, srv := newTestServer(t, Config{})
	t.Cleanup(func() { shutdownServer(t, srv) })
	cr := createRoom(t, ts)
	teacher := joinTeacher(t, ts, cr)
	student := joinStudent(t, ts, cr.Room, "loyal-student")
	teacher.send(`{"type":"start","scenario":` + slowScenario + `,"rate":200}`)
	for teacher.points() < 50 {
		teacher.next()
	}
	teacher.send(`{"type":"set","run":1,"optimizer":{"lr":0.02}}`)
	setStep := teacher.until("set_ok", nil).Step
	for teacher.points() < 80 {
		teacher.next()
	}
	teacher.c.CloseNow()
	again := joinTeacher(t, ts, cr)
	again.until("state", func(m roomMsg) bool { return m.Paused && m.Running })
	again.send(`{"type":"resume"}`)
	again.untilDone()
	student.untilDone()
	if d := sameStreams(student.streams, again.streams); d != "" {
		t.Errorf("student vs teacher: %s", d)
	}
	sim := simulate(t, ts, slowScenario)
	if !equalFloats(again.streams[0].X, sim[0].X) {
		t.Error("run 0 differs from simulate")
	}
	if equalFloats(again.streams[1].X, sim[1].X) {
		t.Error("run 1's set changed nothing")
	}
	// The reference: a solo session with the same set at the same step.
	solo := mustDial(t, ts)
	solo.send(`{"type":"start","scenario":` + slowScenario + `,"paused":true}`)
	solo.expect("started")
	solo.expect("frame")
	solo.send(fmt.Sprintf(`{"type":"step","n":%d}`, setStep))
	got := 1
	for got < setStep+1 {
		for _, f := range solo.expect("frame").Runs {
			if f.Run == 1 {
				got += len(f.X)
			}
		}
	}
	solo.send(`{"type":"set","run":1,"optimizer":{"lr":0.02}}`)
	solo.expect("set_ok")
	solo.send(`{"type":"rate","rate":0}`)
	solo.send(`{"type":"resume"}`)
	rest, _ := solo.collect(2)
	ref := append(append([]float64(nil), again.streams[1].X[:setStep+1]...), rest[1].X...)
	if !equalFloats(again.streams[1].X, ref) {
		t.Errorf("run 1 after the teacher's reconnect differs from a solo session with the same set (%d vs %d points)", len(again.streams[1].X), len(ref))
	}
	// and a second teacher socket replaces the first
	third := joinTeacher(t, ts, cr)
	if m := again.until("ended", nil); m.Reason != "replaced" {
		t.Errorf("old teacher: %s", m.Raw)
	}
	third.send(`{"type":"end"}`)
	student.until("ended", nil)
}

// otherLast returns s with its last character changed.
func otherLast(s string) string {
	last := "A"
	if s[len(s)-1] == 'A' {
		last = "B"
	}
	return s[:len(s)-1] + last
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var _ = httptest.NewServer
