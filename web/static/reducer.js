// reducer.js: every change the user makes to the scenario, as a pure
// function: reduce(model, action) returns the next model and the effects
// the page must carry out (restart the session, send a live set, fetch the
// grid …; changes.js carries them out). Pure: no DOM, no socket, no clock;
// the model given is not changed (the runs a change leaves alone are the
// same objects in the next model: branch.js matches runs by identity).
//
// The run-level settings are the schema's RUN rows (schema.js): a row the
// schema marks live is sent to the running session as a set, any other
// restarts it, and the run's name (COSMETIC) only relabels; a new run-level
// setting needs no change here. The page's run object names a setting by
// its query name when it has one (optimizer_y → opt_y), and the start pair
// as x and y.

import { RUN } from './schema.js';
import { LIVE_KEYS } from './protocol.js';
import { optimizerLR, cloneRun, relabelLR, LIMITS, defaultRun } from './state.js';
import { remapBranches } from './branch.js';
import { formatNum } from './i18n.js';

/** COSMETIC are the run-level settings that name a run without changing its trajectory. */
export const COSMETIC = ['label'];

/** runField is the name of RUN row spec on the page's run object (null for the start pair: x and y). */
export const runField = (spec) => (spec.key === 'start' ? null : spec.query || spec.key);

/** runRow returns the RUN row a path of the run panel names (its key or query name), or undefined. */
export const runRow = (path) => RUN.find((s) => s.key === path || s.query === path);

/**
 * Effects, in the order the page carries them out:
 *   {type: 'changed', restart, tag}  the scenario changed: history, panels, URL; restart the session when restart
 *   {type: 'url'}                    only the address changes
 *   {type: 'rate', rate}             the running session's rate
 *   {type: 'set', run, parts}        a live change of run (a set message, or a restart: session.js decides)
 *   {type: 'grid', reset, key}       fetch the map's grid; reset: drop the one there is (key: and its key)
 *   {type: 'chartsData'}             the charts take the new number of steps now
 *   {type: 'names'}                  the runs' names changed: the charts redraw in full
 *   {type: 'trails'}                 the map's trails redraw in full
 *   {type: 'view'}                   the map's view changed (repaint, grid, URL; no restart)
 *   {type: 'say', parts}             the legend's message: [[i18n key, args], …] joined by a space ([] clears it)
 *   {type: 'describe'}               ask the server to describe the data in use (data surfaces)
 */

/**
 * reduce returns {state, selected, effects} for model {state, selected}
 * after action:
 *   {type: 'global', key, value}  key 'rate' | 'steps' | 'surface' | 'param' ({name, value}) | 'formula' | 'shift'
 *   {type: 'run', path, value, empty?}  a setting of the selected run: 'optimizer.K', 'scheduler.K',
 *                                 'optimizer_y.K' or a RUN row's key or query name ('start': [x, y]);
 *                                 empty: what a live optional setting left empty stands for ({batch_size: rows})
 *   {type: 'select', index}
 *   {type: 'addRun', run?, info?}  run, or (without) the selected run at half its LR (info: the surface, for a first run)
 *   {type: 'removeRun', index}
 *   {type: 'compare'}             copies of the selected run at 0.1× and 10× its LR, as many as fit
 *   {type: 'setStart', x, y, all} the selected run's start (all: every run's)
 *   {type: 'branchHere', at}      a branch of the selected run at step at
 *   {type: 'view', view}          the map's view (null: the surface's own)
 *   {type: 'data', dataset, data} a data surface's data set or pasted rows
 * An action that changes nothing returns the model with no effects.
 */
export function reduce(model, action) {
  const st = model.state, sel = model.selected;
  const out = (state, selected, effects) => ({ state, selected, effects });
  const none = out(st, sel, []);
  switch (action.type) {
    case 'global': return global(st, sel, action.key, action.value);
    case 'run': {
      const run = st.runs[sel];
      if (!run) return none;
      const r = runChange(run, action.path, action.value, action.empty || {});
      if (!r) return none;
      const runs = st.runs.slice();
      runs[sel] = r.run;
      const effects = r.effects.map((e) => (e.type === 'set' ? { ...e, run: sel } : e));
      effects.push({ type: 'changed', restart: r.restart, tag: `run${sel}.${action.path}` });
      return out({ ...st, runs }, sel, effects);
    }
    case 'select':
      return out(st, action.index, [{ type: 'trails' }, { type: 'changed', restart: false, tag: null }]);
    case 'addRun': {
      if (st.runs.length >= LIMITS.runs) return none;
      const derived = !action.run;
      const runs = [...st.runs, derived ? addedRun(st, sel, action.info) : action.run];
      const say = derived && runs.length > 1 ? [['legend.addedNote', {}]] : [];
      return out({ ...st, runs }, runs.length - 1, [{ type: 'say', parts: say }, { type: 'changed', restart: true, tag: null }]);
    }
    case 'removeRun': {
      const i = action.index;
      if (st.runs.length <= 1 || !(i >= 0 && i < st.runs.length)) return none;
      const runs = st.runs.filter((_, j) => j !== i);
      let selected = sel;
      if (selected >= runs.length) selected = runs.length - 1;
      else if (selected > i) selected--;
      return out(withRuns(st, runs), selected, [{ type: 'say', parts: [] }, { type: 'changed', restart: true, tag: null }]);
    }
    case 'compare': return compare(st, sel);
    case 'setStart': {
      const round = (v) => Number(v.toPrecision(4));
      const runs = st.runs.map((r, i) => (r && (action.all || i === sel) ? { ...r, x: round(action.x), y: round(action.y) } : r));
      return out({ ...st, runs }, sel, [{ type: 'changed', restart: true, tag: null }]);
    }
    case 'branchHere': {
      const run = st.runs[sel];
      if (!run || st.runs.length >= LIMITS.runs || (st.branch || []).some((b) => b.run === sel)) return none;
      if (!(action.at >= 1 && action.at < st.steps)) return none;
      const copy = cloneRun(run);
      copy.label = '';
      const runs = [...st.runs, copy];
      const branch = [...(st.branch || []), { run: runs.length - 1, from: sel, at: action.at }];
      return out({ ...st, runs, branch }, runs.length - 1, [{ type: 'changed', restart: true, tag: null }]);
    }
    case 'view':
      return out({ ...st, view: action.view }, sel, [{ type: 'view' }]);
    case 'data': {
      const runs = st.runs.map((r) => ({ ...r, x: null, y: null }));
      const next = { ...st, runs, view: null, dataset: action.dataset || '', data: action.data || null };
      const effects = [{ type: 'grid', reset: true, key: true }];
      if (next.data || next.dataset) effects.push({ type: 'describe' });
      effects.push({ type: 'changed', restart: true, tag: null });
      return out(next, sel, effects);
    }
  }
  return none;
}

// withRuns is st with runs in place of its runs, its branches following
// their runs (remapBranches: the runs kept are the same objects).
function withRuns(st, runs) {
  const next = { ...st, runs };
  if (st.branch && st.branch.length) next.branch = remapBranches(st.branch, st.runs, runs);
  return next;
}

function global(st, sel, key, value) {
  const tag = `global.${key}`;
  const res = (state, effects) => ({ state, selected: sel, effects: [...effects, ...(effects.some((e) => e.type === 'url') ? [] : [{ type: 'changed', restart: true, tag }])] });
  switch (key) {
    case 'rate':
      return res({ ...st, rate: value }, [{ type: 'rate', rate: value }, { type: 'url' }]);
    case 'steps':
      return res({ ...st, steps: value }, [{ type: 'chartsData' }]);
    case 'surface': {
      const next = {
        ...st, surface: value, params: {}, view: null,
        formula: value === 'custom' ? st.formula || 'x^2 + 10*y^2 + 2*sin(3*x)' : '', // a custom surface starts from an example
        runs: st.runs.map((r) => ({ ...r, x: null, y: null, batch_size: null })),
        dataset: '', data: null, // data surfaces (data.js)
      };
      return res(next, [{ type: 'grid', reset: true }]);
    }
    case 'param':
      return res({ ...st, params: { ...st.params, [value.name]: value.value } }, [{ type: 'grid' }]);
    case 'formula':
      return res({ ...st, formula: value }, [{ type: 'grid' }]);
    case 'shift':
      return res({ ...st, shift: value }, []);
  }
  return { state: st, selected: sel, effects: [] };
}

/**
 * runChange returns {run, effects, restart} for setting path of run to
 * value (run itself is left as it is), or null for a path it does not know.
 */
function runChange(run, path, value, empty) {
  const [group, key] = path.split('.');
  if (group === 'optimizer' && key === 'name') {
    return { run: { ...run, optimizer: { name: value, lr: optimizerLR(run) } }, effects: [], restart: true };
  }
  if (key !== undefined && (group === 'optimizer' || group === 'scheduler' || group === 'optimizer_y')) {
    const next = { ...run };
    const effects = [];
    // a label that states the LR follows it (relabelLR)
    if (group === 'optimizer' && key === 'lr' && value !== null) {
      const label = relabelLR(run.label, optimizerLR(run), value);
      if (label !== run.label) { next.label = label; effects.push({ type: 'names' }); }
    }
    if (group === 'optimizer_y' && key === 'lr') {
      const y = run.optimizer_y && run.optimizer_y.lr;
      if (y !== undefined && y !== optimizerLR(run)) next.label = relabelLR(run.label, y, value);
    }
    if (group === 'scheduler' && key === 'name') next.scheduler = { name: value };
    else {
      next[group] = { ...(run[group] || {}) };
      if (value === null) delete next[group][key];
      else next[group][key] = value;
    }
    const parts = group === 'scheduler' ? { scheduler: { ...next.scheduler } } : { [group]: { [key]: value } };
    effects.push({ type: 'set', parts });
    return { run: next, effects, restart: false };
  }
  const spec = runRow(path);
  if (!spec) return null;
  const field = runField(spec);
  const next = field ? { ...run, [field]: value } : { ...run, x: value[0], y: value[1] };
  if (COSMETIC.includes(spec.key)) return { run: next, effects: [{ type: 'names' }], restart: false };
  if (spec.live && LIVE_KEYS.includes(spec.key)) {
    const v = value === null && empty[spec.key] !== undefined ? empty[spec.key] : value;
    return { run: next, effects: [{ type: 'set', parts: { [spec.key]: v } }], restart: false };
  }
  return { run: next, effects: [], restart: true };
}

/**
 * addedRun is what "+ Add run" adds: the selected run at half its LR, with
 * no label (its name says its LR), so that it is not hidden under the
 * original as an exact copy would be (the copy button makes those).
 */
function addedRun(st, sel, info) {
  const base = st.runs[sel];
  if (!base) return defaultRun(info, st.params);
  const r = cloneRun(base);
  r.optimizer.lr = Number((optimizerLR(base) / 2).toPrecision(3));
  r.label = '';
  return r;
}

/**
 * compare puts copies of the selected run at 0.1× and 10× its LR on
 * either side of it, as many as fit under the runs limit (the 0.1× one
 * first); it says which did not fit, and never removes a run.
 */
function compare(st, sel) {
  const base = st.runs[sel];
  if (!base) return { state: st, selected: sel, effects: [] };
  const lr = optimizerLR(base);
  const [lo, hi] = [0.1, 10].map((f) => {
    const r = cloneRun(base);
    r.optimizer.lr = Number((lr * f).toPrecision(6));
    r.label = '';
    return r;
  });
  const room = LIMITS.runs - st.runs.length;
  if (room <= 0) return { state: st, selected: sel, effects: [{ type: 'say', parts: [['compare.none', { max: LIMITS.runs }]] }] };
  const runs = st.runs.slice();
  runs.splice(sel, 0, lo);
  let say;
  if (room >= 2) {
    runs.splice(sel + 2, 0, hi);
    say = [];
  } else {
    say = [['compare.added', { n: 1, max: LIMITS.runs }], ['compare.skipped', { lrs: `lr ${formatNum(optimizerLR(hi), 3)}` }]];
  }
  return { state: withRuns(st, runs), selected: sel + 1, effects: [{ type: 'say', parts: say }, { type: 'changed', restart: true, tag: null }] };
}
