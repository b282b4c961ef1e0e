package server

import (
	"log/slog"
	"net/http"

	"lrlab/scenario"
)

// handleSchema serves GET /api/v1/schema: every setting of a scenario with
// its type, default, bounds and share-link key, and the server's live
// limits (-max-runs, -max-steps), the JSON the page also has inline as
// <script id="schema-data"> (docs/API.md, "Settings schema").
func handleSchema(logger *slog.Logger, lim scenario.Limits) http.Handler {
	return handleFixedJSON(logger, scenario.Schema(lim))
}
