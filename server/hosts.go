package server

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strings"
)

// hostGuard refuses (400 on field "Host") a request whose Host header is
// not one of allowed (host names or path.Match patterns, without ports;
// "*" allows any) and not an IP address: a page of another site that
// rebinds its own DNS name to this server then cannot read its pages or
// open /ws, since its requests carry that name. An IP literal is never the
// name of another site, so probes (a kubelet asks for the pod's IP) and
// clients that dial an address always pass.
//
// It also records the origin that absolute URLs (og:url, og:image) are
// built from: publicURL when set; otherwise the request's own Host, with
// https when the connection is TLS or, from a trusted proxy only,
// X-Forwarded-Proto says so.
func hostGuard(publicURL string, allowed []string, trusted []netip.Prefix) func(http.Handler) http.Handler {
	public := strings.TrimSuffix(publicURL, "/")
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			host := hostOnly(r.Host)
			if !hostAllowed(host, allowed) {
				writeJSONError(w, http.StatusBadRequest, "Host", "this server does not answer for the host "+clip(host, 100)+"; ask for it by one of its own names")
				return
			}
			origin := public
			if origin == "" {
				scheme := "http"
				if r.TLS != nil || (fromTrusted(r, trusted) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")) {
					scheme = "https"
				}
				h := r.Host
				if h == "" {
					h = "localhost"
				}
				origin = scheme + "://" + h
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), originKey{}, origin)))
		})
	}
}

type originKey struct{}

// hostOnly is the host of a Host header, lower-case, without its port or
// an IPv6 address's brackets.
func hostOnly(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return strings.ToLower(strings.TrimSuffix(strings.Trim(h, "[]"), "."))
}

// hostAllowed reports whether host may be asked for.
func hostAllowed(host string, allowed []string) bool {
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	for _, p := range allowed {
		if ok, _ := path.Match(strings.ToLower(p), host); ok {
			return true
		}
	}
	return false
}

// defaultAllowedHosts is the allowed hosts when none are configured:
// localhost and the public URL's host.
func defaultAllowedHosts(publicURL string) []string {
	hosts := []string{"localhost"}
	if u, err := url.Parse(publicURL); err == nil && u.Host != "" {
		hosts = append(hosts, hostOnly(u.Host))
	}
	return hosts
}
