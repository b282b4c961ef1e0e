// datapanel.js: the data surfaces (linreg, logreg). The data panel
// (data.js, data.css) loads only when a data surface is shown. Pasted rows
// are described by the server (POST /api/v1/surfaces/{name}: the view and
// start depend on the data, app.pasted), and their grid is asked for by
// POST (map.js's loadGrid).

import { app, $, schedule, surfaceInfo, pastedKey, loadStyle } from './app.js';
import { toScenario, fromScenario, runStart } from './state.js';
import { runColor } from './colormap.js';
import { showErrors } from './texts.js';
import { fetchGrid } from './map.js';
import { dispatch, changed } from './changes.js';

/** dataPanel is the data panel: its module and mount, and the built-in data sets. */
const dataPanel = {
  // data.js, once loaded
  mod: null,
  // its loading promise
  loading: null,
  // mountData's handle
  ui: null,
  // #data-panel
  root: null,
  // the promise of GET /api/v1/datasets
  datasets: null,
  // its data sets, once in
  list: null,
  // the pastedKey being described
  asking: '',
};

function datasetsList() {
  if (!dataPanel.datasets) {
    dataPanel.datasets = fetch('/api/v1/datasets').then((r) => (r.ok ? r.json() : { datasets: [] })).catch(() => ({ datasets: [] }));
    dataPanel.datasets.then((d) => { dataPanel.list = d.datasets || []; app.need.panels = true; schedule(); });
  }
  return dataPanel.datasets;
}

const needsDescription = () => app.state.data || app.state.dataset;

export async function describePasted() {
  const key = pastedKey();
  if (dataPanel.asking === key) return;
  dataPanel.asking = key;
  try {
    const res = await fetch(`/api/v1/surfaces/${encodeURIComponent(app.state.surface)}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(app.state.data ? { data: app.state.data } : { dataset: app.state.dataset }),
    });
    const body = await res.json();
    if (!res.ok) {
      app.errors = [{ field: `surface.${body.field || 'data'}`, message: body.error || 'error', server: true }];
      showErrors();
      return;
    }
    if (pastedKey() !== key) return;
    app.pasted = body;
    app.pastedKey = key;
    fetchGrid(); // the view may have changed
    app.need.bg = true;
    app.need.trails = true;
    changed(false);
  } catch { /* the map keeps its view */ } finally {
    dataPanel.asking = '';
  }
}

export function renderDataPanel() {
  const info = surfaceInfo();
  if (!info || !info.data) {
    if (dataPanel.root) dataPanel.root.hidden = true;
    return;
  }
  if (needsDescription() && app.pastedKey !== pastedKey()) describePasted();
  if (!dataPanel.mod) {
    if (!dataPanel.loading) {
      dataPanel.loading = Promise.all([import('./data.js'), loadStyle('data.css')]).then(([m]) => { dataPanel.mod = m; app.need.panels = true; schedule(); });
    }
    return;
  }
  if (!dataPanel.root) {
    dataPanel.root = document.createElement('section');
    dataPanel.root.id = 'data-panel';
    dataPanel.root.className = 'panel data-panel';
    $('run-panel').before(dataPanel.root);
    dataPanel.ui = dataPanel.mod.mountData(dataPanel.root, {
      lang: () => app.lang,
      datasets: datasetsList,
      onDataset: (name) => dispatch({ type: 'data', dataset: name, data: null }),
      onData: (rows) => dispatch({ type: 'data', dataset: '', data: rows }),
      onBatch: (b) => dispatch({ type: 'run', path: 'batch_size', value: b }),
      scenario: () => toScenario(app.state, app.catalog),
      openScenario: (sc) => {
        const st = fromScenario(sc);
        st.lang = app.state.lang;
        st.rate = app.state.rate;
        app.state = st;
        app.selected = 0;
        app.grid = null;
        app.gridKey = '';
        if (st.data || st.dataset) describePasted();
        fetchGrid();
        app.need.bg = true;
        app.need.chartsFull = true;
        changed(true);
      },
    });
  }
  dataPanel.root.hidden = false;
  datasetsList();
  const st = app.state;
  let rows = st.data;
  if (!rows && dataPanel.list) {
    const ds = dataPanel.list.find((d) => d.name === (st.dataset || info.data.dataset));
    rows = ds ? ds.data : null;
  }
  const run = st.runs[app.selected];
  const d = app.data[app.selected];
  const p = d && d.n > 0 ? [d.x[d.n - 1], d.y[d.n - 1]] : run ? runStart(run, info) : [NaN, NaN];
  dataPanel.ui.render({
    state: st, info, rows, w: p[0], b: p[1], n: d ? Math.max(0, d.n - 1) : 0,
    batch: run ? run.batch_size : null, color: runColor(app.selected, app.dark), run: d, steps: st.steps,
  });
}
