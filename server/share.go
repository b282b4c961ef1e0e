package server

// share.go: what a share link needs besides the page itself: the preview
// image chat apps show (GET /og.png), the Open Graph and Twitter card tags of
// the page, and the PyTorch script of one run (GET /api/v1/pytorch).

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/go-chi/httprate"

	"lrlab/preview"
	"lrlab/scenario"
	"lrlab/sim"
)

// Preview images: their size, how many encoded images are kept, and how many
// are rendered at once (each render takes one core for tens of milliseconds,
// so a flood of distinct links queues instead of pinning the CPU).
const (
	ogWidth         = preview.DefaultWidth  // 1200
	ogHeight        = preview.DefaultHeight // 630
	ogCacheSize     = 64
	ogRenders       = 2
	ogRendersPerIP  = 1 // one client IP renders one image at a time, so the other slot stays free for others
	ogMaxAge        = "public, max-age=86400"
	shareQueryParam = "preset"
)

// shareScenario reads the scenario of a share query: ?preset=ID gives that
// preset, anything else is read by scenario.ParseQuery, whose first error
// fails the request (400 naming the field). The keys in skip (the
// endpoint's own, such as index) are not part of the scenario.
func shareScenario(q url.Values, lim scenario.Limits, skip ...string) (scenario.Scenario, error) {
	if id := q.Get(shareQueryParam); id != "" {
		p, ok := scenario.PresetByID(id)
		if !ok {
			return scenario.Scenario{}, errorf(http.StatusBadRequest, shareQueryParam, "no preset %q; GET /api/v1/presets lists them", id)
		}
		return p.Scenario, nil
	}
	if len(skip) > 0 {
		q2 := make(url.Values, len(q))
		for k, v := range q {
			q2[k] = v
		}
		for _, k := range skip {
			delete(q2, k)
		}
		q = q2
	}
	sc, _, errs := scenario.ParseQuery(q, lim)
	if len(errs) > 0 {
		var fe *sim.FieldError
		if errors.As(errs[0], &fe) {
			return sc, errorf(http.StatusBadRequest, fe.Field, "%s", fe.Msg)
		}
		return sc, errorf(http.StatusBadRequest, "", "%s", errs[0].Error())
	}
	return sc, nil
}

// handleOG serves GET /og.png?{share query} (or ?preset=ID): the scenario as a
// 1200×630 PNG (preview.Render), for og:image. Images are cached by the
// normalised query and size, and identical ones asked for at once are
// rendered once; at most ogRenders are rendered at once, at most
// ogRendersPerIP for one client IP; the answer has Cache-Control public,
// max-age=86400 and a strong ETag (304 for a matching If-None-Match, without
// rendering). A render is under the work budget of one request
// (previewWork) and charged to the client's per-minute budget; it stops
// when the deadline passes or the client leaves.
// Failures: 400 {"error","field"} naming the bad setting of the link or
// what to lower; 429 when the client's work budget is spent; 503 when the
// request's deadline passes while it waits for a render slot or renders.
func handleOG(logger *slog.Logger, cfg Config, work *workLimiter) http.Handler {
	limits := cfg.limits()
	cache := preview.NewCache(ogCacheSize)
	slots := newRenderSlots(ogRenders, ogRendersPerIP)
	return handle(logger, func(w http.ResponseWriter, r *http.Request) error {
		q, err := strictQuery(r)
		if err != nil {
			return err
		}
		sc, err := shareScenario(q, limits)
		if err != nil {
			return err
		}
		// The title and a lesson's run labels are in the language of ?lang=.
		lang := "en"
		if q.Get("lang") == "ja" {
			lang = "ja"
		}
		title := ""
		if p, ok := presetByQuery[scenario.LessonKey(sc)]; ok {
			sc = p.LocalizeLabels(sc, lang)
			title = p.Title[lang]
		} else {
			title = surfaceTitle(sc.Surface.Name, lang)
		}
		key := strconv.Itoa(ogWidth) + "x" + strconv.Itoa(ogHeight) + "?" + sc.Encode() + "&lang=" + lang
		sum := sha256.Sum256([]byte(key))
		etag := `"og-` + hex.EncodeToString(sum[:12]) + `"`
		h := w.Header()
		if etagMatch(r.Header.Get("If-None-Match"), etag) {
			h.Set("ETag", etag)
			h.Set("Cache-Control", ogMaxAge)
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		ctx := r.Context()
		if _, ok := cache.Stored(key); !ok {
			surf, err := sim.NewSurface(sc.Surface)
			if err != nil {
				return sim.Prefix("surface", err)
			}
			units, err := previewWork(int64(cfg.SweepBudget), sc, surf)
			if err != nil {
				return err
			}
			if err := work.chargeRequest(w, r, units); err != nil {
				return err
			}
		}
		png, err := cache.Get(key, func() ([]byte, error) {
			release, err := slots.acquire(ctx, httprate.CanonicalizeIP(clientIP(r)))
			if err != nil {
				return nil, err
			}
			defer release()
			return renderPNG(ctx, sc, title)
		})
		if err != nil {
			return err
		}
		h.Set("Content-Type", "image/png")
		h.Set("Cache-Control", ogMaxAge)
		h.Set("ETag", etag)
		h.Set("Content-Length", strconv.Itoa(len(png)))
		if r.Method == http.MethodHead {
			return nil
		}
		w.Write(png)
		return nil
	})
}

// renderPNG draws sc at the preview size under title and encodes it; it
// stops when ctx is done.
func renderPNG(ctx context.Context, sc scenario.Scenario, title string) ([]byte, error) {
	img, err := preview.RenderContext(ctx, sc, ogWidth, ogHeight, title)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	if err := preview.Encode(&b, img); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// previewWork checks the work of rendering sc's preview on surf: its runs
// simulated to their end, plus a unit per point drawn, and the grid of the
// heat map (about a quarter of the image's resolution a side).
func previewWork(budget int64, sc scenario.Scenario, surf sim.Surface) (int64, error) {
	units, err := scenarioWork(budget, sc, surf, 1)
	if err != nil {
		return 0, err
	}
	grid := gridWork(surf, ogWidth/4+1, ogHeight/4+1)
	if units+grid > budget {
		return 0, &sim.FieldError{Field: "formula", Msg: fmt.Sprintf(
			"too much work for one preview: its heat map of this formula costs %d work units and its runs %d, and the server's work budget of one request (-sweep-budget) is %d; simplify the formula", grid, units, budget)}
	}
	return units + grid, nil
}

// renderSlots bounds the previews rendered at once, in all and per client
// IP, so that one client cannot hold every slot and delay everyone's
// preview.
type renderSlots struct {
	all   chan struct{}
	share int
	mu    sync.Mutex
	perIP map[string]*ipSlots
}

type ipSlots struct {
	ch   chan struct{}
	refs int // requests holding or waiting for one of ch's slots
}

func newRenderSlots(n, perIP int) *renderSlots {
	return &renderSlots{all: make(chan struct{}, n), share: perIP, perIP: map[string]*ipSlots{}}
}

// acquire waits for one of ip's slots, then one of all, or for ctx to end
// (its error is returned). release gives both back.
func (s *renderSlots) acquire(ctx context.Context, ip string) (release func(), err error) {
	s.mu.Lock()
	e := s.perIP[ip]
	if e == nil {
		e = &ipSlots{ch: make(chan struct{}, s.share)}
		s.perIP[ip] = e
	}
	e.refs++
	s.mu.Unlock()
	unref := func() {
		s.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(s.perIP, ip)
		}
		s.mu.Unlock()
	}
	select {
	case e.ch <- struct{}{}:
	case <-ctx.Done():
		unref()
		return nil, ctx.Err()
	}
	select {
	case s.all <- struct{}{}:
	case <-ctx.Done():
		<-e.ch
		unref()
		return nil, ctx.Err()
	}
	return func() { <-s.all; <-e.ch; unref() }, nil
}

// shareMeta returns the meta tags of the page r asks for in lang, or nil when
// its query holds no scenario (the bare page keeps its own title). The
// scenario is read with the default limits; settings that do not apply keep
// their defaults, as the page itself does.
func shareMeta(r *http.Request, lang string) *PageMeta {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil // a query that cannot be read has no preview (GET /og.png says why)
	}
	scenarioKey := false
	for k := range q {
		if k != "lang" && k != "embed" && k != "rate" {
			scenarioKey = true
			break
		}
	}
	if !scenarioKey {
		return nil
	}
	sc, _, _ := scenario.ParseQuery(q, scenario.DefaultLimits)
	query := sc.Encode()
	base := requestOrigin(r)
	m := &PageMeta{
		URL:         base + "/?" + query,
		Image:       base + "/og.png?" + query,
		ImageWidth:  ogWidth,
		ImageHeight: ogHeight,
		Locale:      map[string]string{"en": "en_US", "ja": "ja_JP"}[lang],
		SiteName:    siteName[lang],
	}
	if lang == "ja" {
		m.URL += "&lang=ja"
		m.Image += "&lang=ja"
	}
	if p, ok := presetByQuery[scenario.LessonKey(sc)]; ok {
		m.Title = p.Title[lang] + " · " + siteName[lang]
		m.Description = p.Summary[lang]
		m.URL = base + "/p/" + url.PathEscape(p.ID)
		if lang == "ja" {
			m.URL += "?lang=ja"
		}
		m.ImageAlt = describeScenario(sc, lang)
		return m
	}
	d := describeScenario(sc, lang)
	m.Title = d + " · " + siteName[lang]
	m.ImageAlt = d
	if lang == "ja" {
		m.Description = d + "(" + strconv.Itoa(sc.Steps) + " ステップ)。リンクを開くと、各実行の軌跡と損失の変化を一歩ずつ見られます。"
	} else {
		m.Description = d + ", " + strconv.Itoa(sc.Steps) + " steps. Open the link to watch each run's path and loss step by step."
	}
	return m
}

// requestOrigin returns "scheme://host" of r, as hostGuard recorded it:
// -public-url when set, else the request's checked Host.
func requestOrigin(r *http.Request) string {
	if o, ok := r.Context().Value(originKey{}).(string); ok {
		return o
	}
	return "http://localhost" // not served through the router
}

// optimizerTitle is an optimizer's name as people write it.
var optimizerTitle = map[string]string{"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop", "adagrad": "Adagrad"}

// describeScenario names the runs and the surface in a line:
// "SGD lr 0.19 vs 0.21 on quadratic", "SGD lr 0.1 vs Adam lr 0.001 on rosenbrock"
// (ja: "quadratic で SGD lr 0.19 と 0.21"). At most four runs are named.
func describeScenario(sc scenario.Scenario, lang string) string {
	sep := " vs "
	if lang == "ja" {
		sep = " と "
	}
	var parts []string
	prev := ""
	for i, run := range sc.Runs {
		if i == 4 {
			parts = append(parts, "…")
			break
		}
		name := optimizerTitle[run.Optimizer.Name]
		if name == "" {
			name = run.Optimizer.Name
		}
		if run.Optimizer.Momentum > 0 && run.Optimizer.Name == "sgd" {
			name += " momentum " + shortNum(run.Optimizer.Momentum)
		}
		if run.Scheduler.Name != "" && run.Scheduler.Name != "constant" {
			name += " + " + run.Scheduler.Name
		}
		s := shortNum(run.Optimizer.LR) // "SGD lr 0.19 vs 0.21"
		if name != prev {
			s = name + " lr " + s
		}
		prev = name
		parts = append(parts, s)
	}
	runs := strings.Join(parts, sep)
	if lang == "ja" {
		return sc.Surface.Name + " で " + runs
	}
	return runs + " on " + sc.Surface.Name
}

// shortNum writes v with at most 4 significant digits: "0.19", "1e-5".
func shortNum(v float64) string {
	s := strconv.FormatFloat(v, 'g', 4, 64)
	if i := strings.Index(s, "e"); i >= 0 {
		mant, exp := s[:i], s[i+1:]
		sign := ""
		if exp[0] == '-' || exp[0] == '+' {
			if exp[0] == '-' {
				sign = "-"
			}
			exp = exp[1:]
		}
		exp = strings.TrimLeft(exp, "0")
		s = mant + "e" + sign + exp
	}
	return s
}
