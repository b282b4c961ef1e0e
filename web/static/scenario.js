// scenario.js: the scenario JSON of the contract (docs/API.md) for a state
// (toScenario, sent to the server) and back (fromScenario, for presets and
// a class's scenario). Pure: no DOM.

import { OPTIMIZERS, SCHEDULERS, ANALYSIS_RUN, checkValue } from './schema.js';
import { newRun, newState, optimizerLR, runStart, surfaceInfoFor, plainRows, RUN_RULES } from './model.js';

/**
 * toScenario returns the scenario JSON of the contract for the state:
 * settings at their default are left for the server to fill.
 */
export function toScenario(st, catalog = null) {
  const info = catalog ? catalog[st.surface] : null;
  const surface = { name: st.surface, ...st.params };
  if (st.surface === 'custom') surface.formula = st.formula;
  if (st.data) surface.data = st.data.map((r) => [r[0], r[1]]);
  else if (st.dataset) surface.dataset = st.dataset;
  const sc = { surface, steps: st.steps, runs: [] };
  if (st.view) sc.view = { ...st.view };
  if (st.shift) sc.test_shift = [...st.shift];
  const runInfo = surfaceInfoFor(st, info);
  const game = !!(info && info.kind === 'game');
  st.runs.forEach((r) => {
    const run = {
      start: runStart(r, runInfo),
      optimizer: { ...r.optimizer, lr: optimizerLR(r) }, // the server requires lr
      scheduler: { ...r.scheduler },
    };
    if (run.scheduler.step_size_down === null) delete run.scheduler.step_size_down;
    Object.assign(run, plainValues(r, (spec) => spec.only !== 'game' || game));
    if (game) {
      const ykeys = Object.keys(r.optimizer_y || {});
      if (r.opt_y || ykeys.length) {
        const yname = r.opt_y || r.optimizer.name;
        run.optimizer_y = yname === r.optimizer.name ? { ...r.optimizer, ...r.optimizer_y } : { name: yname, lr: optimizerLR(r), ...r.optimizer_y };
        run.optimizer_y.name = yname;
      }
    }
    sc.runs.push(run);
  });
  return sc;
}

/** plainValues returns run r's plain run rows (model.js) that keep(spec) accepts and r sets, as the scenario JSON has them. */
function plainValues(r, keep) {
  const out = {};
  for (const spec of plainRows()) {
    const v = r[spec.key];
    if (v === null || v === undefined || v === '' || !keep(spec)) continue;
    out[spec.key] = v;
  }
  return out;
}

/**
 * analysisRun returns the run-level settings of run r that the analysis
 * (lr_finder, sweep or flat_share) takes, as the scenario JSON has them:
 * the keys the schema's analysis_run lists for it, which r sets. The start
 * is sent apart (runStart). So a run-level setting the server adds reaches
 * the analyses with no change here.
 */
export function analysisRun(r, analysis) {
  const keys = ANALYSIS_RUN[analysis] || [];
  return plainValues(r, (spec) => keys.includes(spec.key));
}

/**
 * fromScenario turns a scenario JSON (as the presets give it) into a state,
 * keeping only the settings that differ from their defaults.
 */
export function fromScenario(sc) {
  const st = newState();
  if (!sc || typeof sc !== 'object') return st;
  const surf = sc.surface || {};
  if (surf.name) st.surface = surf.name;
  for (const [k, v] of Object.entries(surf)) {
    if (k === 'name') continue;
    if (k === 'formula') st.formula = String(v);
    else if (k === 'dataset') st.dataset = String(v);
    else if (k === 'data' && Array.isArray(v)) st.data = v.map((r) => [r[0], r[1]]);
    else if (typeof v === 'number') st.params[k] = v;
  }
  if (Number.isInteger(sc.steps)) st.steps = sc.steps;
  if (sc.view && typeof sc.view === 'object') st.view = { xmin: sc.view.xmin, xmax: sc.view.xmax, ymin: sc.view.ymin, ymax: sc.view.ymax };
  if (Array.isArray(sc.test_shift)) st.shift = sc.test_shift.slice(0, 2);
  for (const r of sc.runs || []) {
    const o = r.optimizer || {};
    const run = newRun(OPTIMIZERS[o.name] ? o.name : 'sgd');
    for (const spec of OPTIMIZERS[run.optimizer.name]) if (o[spec.key] !== undefined) run.optimizer[spec.key] = o[spec.key];
    const s = r.scheduler || {};
    run.scheduler.name = SCHEDULERS[s.name] ? s.name : 'constant';
    for (const spec of SCHEDULERS[run.scheduler.name]) if (s[spec.key] !== undefined) run.scheduler[spec.key] = s[spec.key];
    if (Array.isArray(r.start)) { run.x = r.start[0]; run.y = r.start[1]; }
    for (const spec of plainRows()) {
      const v = r[spec.key];
      if (v !== undefined && v !== null && v !== '' && checkValue(spec, v) === '') run[spec.key] = v;
    }
    if (r.optimizer_y && OPTIMIZERS[r.optimizer_y.name]) {
      run.opt_y = r.optimizer_y.name !== run.optimizer.name ? r.optimizer_y.name : null;
      for (const spec of OPTIMIZERS[r.optimizer_y.name]) if (r.optimizer_y[spec.key] !== undefined) run.optimizer_y[spec.key] = r.optimizer_y[spec.key];
    }
    st.runs.push(run);
  }
  return st;
}

