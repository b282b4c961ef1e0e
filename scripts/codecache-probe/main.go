// Command codecache-probe shows whether this machine's Chromium keeps V8's
// code cache for a page's scripts across loads, for a classic script and
// for a module script of the same size (issue #14: the page's modules are
// parsed and compiled anew on every load).
//
//	go run ./scripts/codecache-probe [-loads 4] [-chrome chromium]
//
// It serves a page with one classic script and one module script, each of
// 3,000 small functions (~200 KB), as immutable cached responses, and loads
// it -loads times in new tabs of one headless browser with its own profile,
// tracing V8's compile events. For each load and script it prints what V8
// did: compiled it (streamed or not), produced a cache of how many bytes,
// or consumed one. Chromium makes a script's code cache once the script has
// run on two loads, so the third load is the first that can consume one.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/tracing"
	"github.com/chromedp/chromedp"
)

// script is n small functions, of which only the first is called.
func script(prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "function %s%d(a){let s=0;for(let i=0;i<a;i++){s+=i*%d}return s}\n", prefix, i, i)
	}
	fmt.Fprintf(&b, "globalThis.%sDone=%s0(3);\n", prefix, prefix)
	return b.String()
}

func main() {
	loads := flag.Int("loads", 4, "page loads, each in a new tab")
	chrome := flag.String("chrome", envOr("E2E_CHROME", "chromium"), "the Chromium binary")
	flag.Parse()

	classic, module := script("c", 3000), script("m", 3000)+"export const done = true;\n"
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>code cache</title><script src="/s/classic.js"></script><script type="module" src="/s/module.js"></script>`)
	})
	mux.HandleFunc("/s/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		if strings.HasSuffix(r.URL.Path, "/classic.js") {
			fmt.Fprint(w, classic)
		} else {
			fmt.Fprint(w, module)
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	profile, err := os.MkdirTemp("", "codecache-probe-*")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(profile)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(*chrome), chromedp.UserDataDir(profile), chromedp.NoSandbox)
	ac, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	browser, cancelBrowser := chromedp.NewContext(ac)
	defer cancelBrowser()
	if err := chromedp.Do(browser, chromedp.Navigate("about:blank")); err != nil {
		log.Fatalf("starting %s: %v", *chrome, err)
	}
	product := *chrome
	if v, err := chromedp.Call(browser, cdpbrowser.GetVersion, cdp.Empty{}); err == nil {
		product = v.Product
	}
	fmt.Printf("%s, %d loads of a page with a classic and a module script of %d KB each\n", product, *loads, len(classic)/1000)
	for i := range *loads {
		for _, line := range load(browser, srv.URL+"/") {
			fmt.Printf("load %d: %s\n", i+1, line)
		}
	}
}

// load opens url in a new tab while tracing V8's compile events and says,
// per script, what V8 did with it.
func load(browser context.Context, url string) []string {
	ctx, cancel := chromedp.NewContext(browser)
	defer cancel()
	var mu sync.Mutex
	var events []jsonv2.Value
	done := make(chan struct{}, 1)
	if err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *tracing.EventDataCollected:
			mu.Lock()
			events = append(events, e.Value...)
			mu.Unlock()
		case *tracing.EventTracingComplete:
			done <- struct{}{}
		}
	}); err != nil {
		log.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		log.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, tracing.Start, tracing.StartParams{
		TransferMode: tracing.StartTransferModeReportEvents,
		TraceConfig:  &tracing.TraceConfig{IncludedCategories: []string{"v8", "disabled-by-default-v8.compile", "devtools.timeline"}},
	}); err != nil {
		log.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		log.Fatal(err)
	}
	// both scripts have run, and the code cache is made after a script has run
	time.Sleep(1500 * time.Millisecond)
	if _, err := chromedp.Call(ctx, tracing.End, cdp.Empty{}); err != nil {
		log.Fatal(err)
	}
	<-done

	said := map[string][]string{}
	for _, v := range events {
		var e struct {
			Name string `json:"name"`
			Args struct {
				Data struct {
					URL               string `json:"url"`
					Streamed          *bool  `json:"streamed"`
					NotStreamedReason string `json:"notStreamedReason"`
					ConsumedCacheSize int    `json:"consumedCacheSize"`
					ProducedCacheSize int    `json:"producedCacheSize"`
				} `json:"data"`
			} `json:"args"`
		}
		if json.Unmarshal(v, &e) != nil {
			continue
		}
		d := e.Args.Data
		name := d.URL[strings.LastIndex(d.URL, "/")+1:]
		switch e.Name {
		case "v8.compile", "v8.compileModule":
			switch {
			case d.ConsumedCacheSize > 0:
				said[name] = append(said[name], fmt.Sprintf("consumed %d B of code cache (%s)", d.ConsumedCacheSize, d.NotStreamedReason))
			case d.Streamed != nil && *d.Streamed:
				said[name] = append(said[name], "compiled (streamed)")
			default:
				said[name] = append(said[name], "compiled")
			}
		case "v8.produceCache", "v8.produceModuleCache":
			if d.ProducedCacheSize > 0 {
				said[name] = append(said[name], fmt.Sprintf("produced %d B of code cache", d.ProducedCacheSize))
			}
		}
	}
	var lines []string
	for _, name := range []string{"classic.js", "module.js"} {
		what := said[name]
		if len(what) == 0 {
			what = []string{"no compile event traced"}
		}
		lines = append(lines, fmt.Sprintf("%-10s %s", name, strings.Join(what, ", ")))
	}
	return lines
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
