package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"lrlab/sim"
)

// formulaField is the field a formula error names, as in a scenario.
const formulaField = "surface.formula"

// handleFormula serves GET /api/v1/formula?formula=…: whether the formula of
// the custom surface compiles, so that a page can check what the user types
// without a failed request (a 400 is logged by browsers as an error). It
// answers 200 with
//
//	{"ok":true,"formula":"<canonical text>"}
//	{"ok":false,"error":"unknown function 'sinn' at column 1; known: …","field":"surface.formula","column":1}
//
// where column is the 1-based character column the message points at (0 for
// the whole formula: empty, too long). A formula longer than the grid's limit
// (500 bytes) is answered ok:false without parsing it. Only a request
// without exactly one formula= is a 400 (field "formula").
func handleFormula(logger *slog.Logger) http.Handler {
	return handle(logger, func(w http.ResponseWriter, r *http.Request) error {
		q, err := strictQuery(r)
		if err != nil {
			return err
		}
		vals := q["formula"]
		if len(vals) != 1 {
			return errorf(http.StatusBadRequest, "formula", "give formula once, got it %d times", len(vals))
		}
		b := checkFormula(vals[0])
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "public, max-age=3600")
		w.Write(b)
		return nil
	})
}

// checkFormula compiles src as the custom surface does and returns the JSON
// answer of GET /api/v1/formula.
func checkFormula(src string) []byte {
	if len(src) > maxFormula {
		return formulaVerdict(fmt.Sprintf("must be at most %d characters, got %d", maxFormula, len(src)), 0)
	}
	surf, err := sim.NewSurface(sim.SurfaceConfig{Name: sim.SurfaceCustom, Formula: src})
	if err != nil {
		msg, col := err.Error(), 0
		var fe *sim.FieldError
		if errors.As(err, &fe) {
			msg, col = fe.Msg, fe.Column
		}
		return formulaVerdict(msg, col)
	}
	b := []byte(`{"ok":true,"formula":`)
	b = appendString(b, strings.TrimPrefix(surf.Info().Formula, "f = "))
	return append(b, "}\n"...)
}

// formulaVerdict is the ok:false answer for msg at column col.
func formulaVerdict(msg string, col int) []byte {
	b := []byte(`{"ok":false,"error":`)
	b = appendString(b, msg)
	b = append(b, `,"field":`...)
	b = appendString(b, formulaField)
	b = append(b, `,"column":`...)
	b = strconv.AppendInt(b, int64(col), 10)
	return append(b, "}\n"...)
}
