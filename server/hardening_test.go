package server

// Tests of issue 13 ("Hardening, second round"): each fails on the code
// before its fix.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestMetricsLabelsClosedSet: methods and paths a client makes up do not
// become label values of the latency histogram (each distinct value was a
// time series that stayed for good).
func TestMetricsLabelsClosedSet(t *testing.T) {
	ts, _ := newTestServer(t, Config{RequestsPerMinute: 1_000_000})
	for i := range 40 {
		do(t, ts, fmt.Sprintf("X%dMETHOD", i), "/api/v1/surfaces", "", nil)
		do(t, ts, "GET", fmt.Sprintf("/no/such/path/%d", i), "", nil)
	}
	_, body := do(t, ts, "GET", "/metrics", "", nil)
	series := 0
	for line := range strings.Lines(string(body)) {
		if !strings.HasPrefix(line, "lrlab_http_request_duration_seconds_count{") {
			continue
		}
		series++
		if strings.Contains(line, "METHOD") || strings.Contains(line, "/no/such") {
			t.Errorf("a client's string became a label: %s", line)
		}
	}
	if series > 4 {
		t.Errorf("%d latency series after 80 made-up requests; want a handful:\n%s", series, body)
	}
	if !strings.Contains(string(body), `method="other"`) {
		t.Errorf("unknown methods are not counted as other")
	}
}

// TestRateLimitEveryRoute: unknown paths, probes, metrics and static assets
// are under the request rate limit too.
func TestRateLimitEveryRoute(t *testing.T) {
	for _, path := range []string{"/no/such/path", "/healthz", "/metrics", "/readyz", "/static/x/y.js", "/api/v1/nope"} {
		ts, _ := newTestServer(t, Config{RequestsPerMinute: 3})
		codes := []int{}
		for i := range 5 {
			resp, _ := do(t, ts, "GET", fmt.Sprintf("%s?i=%d", path, i), "", nil)
			codes = append(codes, resp.StatusCode)
		}
		if codes[3] != http.StatusTooManyRequests || codes[4] != http.StatusTooManyRequests {
			t.Errorf("%s: statuses %v; want 429 after the 3rd", path, codes)
		}
	}
}

// TestRequestIDTrust: an X-Request-Id is taken only from a trusted proxy
// and only in a short safe form; otherwise a new one is made.
func TestRequestIDTrust(t *testing.T) {
	long := strings.Repeat("a", 65)
	cases := []struct {
		trusted []string
		sent    string
		kept    bool
	}{
		{nil, "abc-123", false},                  // any client: never trusted
		{nil, strings.Repeat("x", 1<<20), false}, // 1 MB: not echoed
		{[]string{"127.0.0.1/32", "::1/128"}, "abc-1.2_3", true},
		{[]string{"127.0.0.1/32", "::1/128"}, long, false},
		{[]string{"127.0.0.1/32", "::1/128"}, "a b", false},
		{[]string{"127.0.0.1/32", "::1/128"}, "a\u00e9", false},
		{[]string{"10.0.0.0/8"}, "abc", false}, // the peer is not that proxy
	}
	for _, c := range cases {
		ts, _ := newTestServer(t, Config{TrustedProxies: c.trusted})
		resp, _ := do(t, ts, "GET", "/healthz", "", map[string]string{"X-Request-Id": c.sent})
		got := resp.Header.Get("X-Request-Id")
		if got == "" || len(got) > maxRequestID || !safeRequestID(got) {
			t.Errorf("trusted %v, sent %.20q: id %.80q is not short and safe", c.trusted, c.sent, got)
		}
		if (got == c.sent) != c.kept {
			t.Errorf("trusted %v, sent %.20q: got %.20q; kept = %v, want %v", c.trusted, c.sent, got, got == c.sent, c.kept)
		}
	}
}

// TestCSPBaseAndForm: base-uri and form-action do not fall back to
// default-src, so they are set.
func TestCSPBaseAndForm(t *testing.T) {
	ts, _ := newTestServer(t, Config{})
	for _, path := range []string{"/", "/?embed=1", "/healthz"} {
		resp, _ := do(t, ts, "GET", path, "", nil)
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "base-uri 'none'") || !strings.Contains(csp, "form-action 'self'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
	}
}
