package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxQueryParams is the most query parameters net/url reads; past it,
// url.ParseQuery reads none (and Request.URL.Query() silently returns an
// empty query).
const maxQueryParams = 10000

// strictQuery reads r's query, or answers why it cannot be read: more than
// maxQueryParams parameters, a ';' between parameters, a malformed
// %-escape. Request.URL.Query() drops such parameters silently, so a link
// with a bad setting would open, or be drawn, without it. The error is a 400
// on field "query".
func strictQuery(r *http.Request) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err == nil {
		return q, nil
	}
	return nil, queryError(r.URL.RawQuery, err)
}

// queryError words a url.ParseQuery error for the client.
func queryError(raw string, err error) *Error {
	switch msg := err.Error(); {
	case strings.Count(raw, "&")+1 > maxQueryParams:
		return errorf(http.StatusBadRequest, "query", "the query has %d parameters; at most %d are read", strings.Count(raw, "&")+1, maxQueryParams)
	case strings.Contains(msg, "semicolon"):
		return errorf(http.StatusBadRequest, "query", "a ';' separates two parameters; separate them with '&' (inside a value, as in betas=0.9;0.999, write ';' as %%3B)")
	default:
		return errorf(http.StatusBadRequest, "query", "the query cannot be read: %s", msg)
	}
}

// readBody reads r's body. A body over the limit is the
// *http.MaxBytesError that the error adapter answers with 413; any other
// failure (a malformed chunked encoding, a body cut short) is the client's:
// 400 on field "body".
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err == nil {
		return b, nil
	}
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return nil, err
	}
	if errors.Is(r.Context().Err(), context.DeadlineExceeded) {
		return nil, context.DeadlineExceeded
	}
	return nil, errorf(http.StatusBadRequest, "body", "the request body could not be read: %v", err)
}
