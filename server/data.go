package server

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"lrlab/scenario"
	"lrlab/sim"
)

// This file holds the server's part of the data surfaces (linreg, logreg):
// the built-in data sets, the grid of a surface whose rows are too many for
// a URL. The analyses read batch_size as a run does (readRunSettings).

// datasetJSON is one built-in data set as GET /api/v1/datasets lists it.
type datasetJSON struct {
	sim.Dataset
	Data [][2]float64 `json:"data"`
}

// handleDatasets serves GET /api/v1/datasets: the built-in data sets with
// their rows, and the limits on rows a page needs (max_rows per data
// surface, max_link_rows a share link carries), with an ETag and an hour of
// caching. It cannot fail.
func handleDatasets(logger *slog.Logger) http.Handler {
	var list []datasetJSON
	for _, d := range sim.Datasets() {
		rows, _ := sim.DatasetRows(d.Name)
		list = append(list, datasetJSON{Dataset: d, Data: rows})
	}
	return handleFixedJSON(logger, struct {
		MaxRows     int           `json:"max_rows"`
		MaxLinkRows int           `json:"max_link_rows"`
		Datasets    []datasetJSON `json:"datasets"`
	}{sim.MaxDataRows, scenario.MaxLinkRows, list})
}

// gridDataKey reads the grid query's dataset= or data= (the share link's
// spelling x_y~x_y~…) into cfg. Errors name the query key ("data[3][1]").
func gridDataKey(key, v string, cfg *sim.SurfaceConfig) error {
	if key == "dataset" {
		cfg.Dataset = v
		return nil
	}
	rows, err := scenario.ParseData(v)
	if err != nil {
		fe, _ := err.(*sim.FieldError)
		if fe != nil {
			return errorf(http.StatusBadRequest, strings.TrimPrefix(fe.Field, "surface."), "%s", fe.Msg)
		}
		return err
	}
	cfg.Data = rows
	return nil
}

// appendDataHash appends a hash of a data surface's rows to an ETag's
// input, so that grids of different data never share an ETag.
func appendDataHash(b []byte, s sim.Surface) []byte {
	d, ok := s.(sim.DataSurface)
	if !ok {
		return b
	}
	h := sha256.New()
	var buf [16]byte
	for _, r := range d.Data() {
		binary.LittleEndian.PutUint64(buf[:8], math.Float64bits(r[0]))
		binary.LittleEndian.PutUint64(buf[8:], math.Float64bits(r[1]))
		h.Write(buf[:])
	}
	b = append(b, 0, 'D')
	return h.Sum(b)
}

// gridPostQuery turns the JSON body of POST /api/v1/surfaces/{name}/grid
// into the query of the GET form: {"data": [[x, y], …], "dataset": …, the
// surface's parameters, "formula", "xmin", "xmax", "ymin", "ymax", "n"}.
// The rows are read by the scenario decoder (errors on "data[17][1]") and
// passed on in the link's exact spelling. It is for data sets too large for
// a URL (up to 2,000 rows within the body limit).
func gridPostQuery(name string, r *http.Request) (url.Values, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	obj, err := readBodyObject(body, `a grid request such as {"data": [[0, 1], [1, 3]], "n": 256}`)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	surf := map[string]json.RawMessage{"name": json.RawMessage(strconv.Quote(name))}
	for k, v := range obj {
		switch k {
		case "xmin", "xmax", "ymin", "ymax", "n":
			f, err := readNumber(v, k)
			if err != nil {
				return nil, err
			}
			q.Set(k, strconv.FormatFloat(f, 'g', -1, 64))
		case "format":
			var f string
			if json.Unmarshal(v, &f) != nil {
				return nil, &sim.FieldError{Field: k, Msg: `must be "lrg1" or "lrg2"`}
			}
			q.Set(k, f) // checked with the query's (parseGridQuery)
		case "name":
			return nil, &sim.FieldError{Field: k, Msg: "the surface is named by the path, /api/v1/surfaces/{name}/grid"}
		default:
			surf[k] = v
		}
	}
	raw, _ := json.Marshal(surf)
	c, _, err := scenario.DecodeSurface(raw, "")
	if err != nil {
		return nil, err
	}
	if c.Data != nil {
		q.Set("data", scenario.EncodeData(c.Data))
	} else if c.Dataset != "" {
		q.Set("dataset", c.Dataset)
	}
	for k, v := range c.Params {
		q.Set(k, strconv.FormatFloat(v, 'g', -1, 64))
	}
	if c.Formula != "" {
		q.Set("formula", c.Formula)
	}
	return q, nil
}

// gridQueryOf returns the grid request's query: the URL's for GET, the
// JSON body's for POST.
func gridQueryOf(r *http.Request) (url.Values, error) {
	if r.Method == http.MethodPost {
		return gridPostQuery(chi.URLParam(r, "name"), r)
	}
	return strictQuery(r)
}

// handleSurfaceInfo serves POST /api/v1/surfaces/{name}: the description
// (view, start, minima, data rows…) of the surface the JSON body sets up,
// {"data": [[x, y], …]} or {"dataset": NAME} for a data surface (the
// surface's parameters, "formula" for others), as GET /api/v1/surfaces
// lists the catalogued ones. The page asks for it when rows are pasted:
// the view and start depend on the data. Failures: 400 naming the field
// ("data[17][1]"), 404 for an unknown surface.
func handleSurfaceInfo(logger *slog.Logger) http.Handler {
	return handle(logger, func(w http.ResponseWriter, r *http.Request) error {
		body, err := readBody(r)
		if err != nil {
			return err
		}
		obj, err := readBodyObject(body, `a surface such as {"data": [[0, 1], [1, 3]]}`)
		if err != nil {
			return err
		}
		if _, ok := obj["name"]; ok {
			return &sim.FieldError{Field: "name", Msg: "the surface is named by the path, /api/v1/surfaces/{name}"}
		}
		obj["name"] = json.RawMessage(strconv.Quote(chi.URLParam(r, "name")))
		raw, _ := json.Marshal(obj)
		_, s, err := scenario.DecodeSurface(raw, "")
		if err != nil {
			if errors.Is(err, sim.ErrUnknownSurface) {
				fe, _ := err.(*sim.FieldError)
				return &Error{Status: http.StatusNotFound, Field: "name", Msg: fe.Msg}
			}
			return err
		}
		out, err := json.Marshal(s.Info())
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(out)
		return nil
	})
}

// readBodyObject reads a JSON body that what describes as strictly as a
// scenario (scenario.ReadAnyObject: malformed JSON located, trailing data,
// duplicate keys), into its members without the null ones (null is absent,
// as in a scenario). Its strings are read strictly where they are used
// (scenario.DecodeSurface).
func readBodyObject(body []byte, what string) (map[string]json.RawMessage, error) {
	o, err := scenario.ReadAnyObject(body, what)
	if err != nil {
		return nil, err
	}
	obj := map[string]json.RawMessage{}
	for _, k := range o.Keys() {
		if raw := o.Raw(k); raw != nil {
			obj[k] = raw
		}
	}
	return obj, nil
}
