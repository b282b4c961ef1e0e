package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"lrlab/sim"
)

// Error is an error with the HTTP status it answers with and, for a bad
// setting, the field it concerns. Handlers return it (or a *sim.FieldError,
// which means 400) and writeError turns it into the JSON body
// {"error": Msg, "field": Field}.
type Error struct {
	Status int    // HTTP status, 4xx or 5xx
	Field  string // the offending setting ("runs[0].optimizer.lr", "body"), or ""
	Msg    string // what went wrong and what is allowed
}

func (e *Error) Error() string { return e.Msg }

// errorf returns an *Error with the given status and field.
func errorf(status int, field, format string, args ...any) *Error {
	return &Error{Status: status, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// errorBody builds {"error":…,"field":…} without reflection.
func errorBody(msg, field string) []byte {
	b := make([]byte, 0, len(msg)+len(field)+32)
	b = append(b, `{"error":`...)
	b = appendString(b, msg)
	b = append(b, `,"field":`...)
	b = appendString(b, field)
	return append(b, "}\n"...)
}

// statusOf maps err to its status, field and message: *Error as it says,
// *sim.FieldError 400, *http.MaxBytesError 413 (field "body"), an expired
// request deadline 503, anything else 500 with a generic message (the
// details go to the log only).
func statusOf(err error) (status int, field, msg string) {
	var e *Error
	var fe *sim.FieldError
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &e):
		return e.Status, e.Field, e.Msg
	case errors.As(err, &mb):
		return http.StatusRequestEntityTooLarge, "body", "request body is larger than " + strconv.FormatInt(mb.Limit, 10) + " bytes"
	case errors.As(err, &fe):
		return http.StatusBadRequest, fe.Field, fe.Msg
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "", "the request took too long"
	case errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable, "", "the request was cancelled"
	}
	return http.StatusInternalServerError, "", "internal error"
}

// writeError writes err as a JSON error response. 5xx errors are logged,
// except for a client that left (no one reads the answer).
func writeError(logger *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	status, field, msg := statusOf(err)
	if status >= 500 && !errors.Is(err, context.Canceled) {
		logger.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "status", status, "err", err)
	}
	writeJSONError(w, status, field, msg)
}

// writeJSONError writes {"error":msg,"field":field} with the status.
func writeJSONError(w http.ResponseWriter, status int, field, msg string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	h.Del("ETag")
	w.WriteHeader(status)
	w.Write(errorBody(msg, field))
}

// handlerFunc is a handler that can fail. It must not have written anything
// when it returns an error.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts a handlerFunc to http.Handler: a returned error becomes a JSON
// error response through writeError.
func handle(logger *slog.Logger, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeError(logger, w, r, err)
		}
	})
}
