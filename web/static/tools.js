// tools.js: the replay tools beside the playback bar (#replay-tools):
// undo and redo (history.js), "branch here" (branch.js, through the
// reducer), presentation mode (present.js) and the 3D view (view3d.js,
// loaded with import() when it is first asked for).
//
// Every change of the scenario goes through changed() (changes.js), which
// records the state here (without the page's own settings: language,
// embedding, presentation and hide flags); undo and redo put a recorded
// state back and restart the session with it, as any change does.

import { app, $, schedule } from './app.js';
import { LIMITS } from './state.js';
import { runColor } from './colormap.js';
import { createHistory } from './history.js';
import { mountPresent, applyPage } from './present.js';
import { changed, dispatch, writeURL } from './changes.js';
import { fetchGrid } from './map.js';
import { setText } from './controls.js';

/** tools holds the history and the tools' buttons. */
const tools = {
  hist: createHistory(), // undo/redo entries (history.js)
  undo: null, redo: null, branch: null, view3d: null, // their buttons
  view3dLoading: null, // the import of view3d.js, once asked for
};

function historyEntry() {
  const { lang, embed, present: p, hide, ...scenario } = app.state;
  return { key: JSON.stringify(scenario), value: { scenario: JSON.stringify(scenario), selected: app.selected } };
}

/** recordHistory records the state shown (changed() calls it). */
export function recordHistory() {
  if (!app.booted || app.restoring) return;
  const e = historyEntry();
  if (app.histReplace) tools.hist.replace(e.key, e.value);
  else if (tools.hist.record(e.key, e.value, performance.now(), app.histTag || null)) app.need.panels = true;
  app.histReplace = false;
  app.histTag = null;
}

/** restoreHistory puts back the state v of undo or redo (null: nothing to do). */
function restoreHistory(v) {
  if (!v) return;
  const { lang, embed, present: p, hide } = app.state;
  const before = app.state;
  app.state = { ...JSON.parse(v.scenario), lang, embed, present: p, hide };
  app.selected = Math.min(v.selected, app.state.runs.length - 1);
  const st = app.state;
  if (st.surface !== before.surface || st.formula !== before.formula || JSON.stringify(st.params) !== JSON.stringify(before.params)) app.grid = null;
  if (st.steps !== before.steps) app.ui.charts.forEach((c) => c.setData(app.data, st.steps));
  fetchGrid();
  app.need.bg = true;
  app.need.trails = true;
  app.branchRuns = app.state.runs.slice();
  app.restoring = true;
  try { changed(true); } finally { app.restoring = false; }
}

const button = (id) => Object.assign(document.createElement('button'), { type: 'button', id, className: 'small' });

/** mountTools makes the replay tools in the playback bar (root). */
export function mountTools(root) {
  const box = document.createElement('div');
  box.className = 'replay-tools';
  box.id = 'replay-tools';
  root.append(box);
  applyPage(app.state);
  app.ui.present = mountPresent(box, {
    present: () => !!app.state.present, t: () => app.t,
    setPresent: (on) => { app.state = { ...app.state, present: on }; applyPage(app.state); app.need.panels = true; writeURL(); schedule(); },
  });
  tools.undo = button('undo');
  tools.redo = button('redo');
  box.prepend(tools.undo, tools.redo);
  tools.undo.addEventListener('click', () => restoreHistory(tools.hist.undo()));
  tools.redo.addEventListener('click', () => restoreHistory(tools.hist.redo()));
  document.addEventListener('keydown', (ev) => {
    if (!(ev.ctrlKey || ev.metaKey) || ev.altKey) return;
    const k = ev.key.toLowerCase();
    if (k !== 'z' && k !== 'y') return;
    // a text field keeps its own undo
    if (ev.target && ev.target.closest && ev.target.closest('input:not([type=range]):not([type=checkbox]), textarea, [contenteditable]')) return;
    ev.preventDefault();
    restoreHistory(k === 'y' || ev.shiftKey ? tools.hist.redo() : tools.hist.undo());
  });
  tools.branch = button('branch-here');
  box.append(tools.branch);
  tools.branch.addEventListener('click', branchHere);
  tools.view3d = button('view3d-toggle');
  tools.view3d.setAttribute('aria-pressed', 'false');
  box.append(tools.view3d);
  tools.view3d.addEventListener('click', toggle3D);
}

// toggle3D shows or hides the 3D view; view3d.js loads when it is first asked for.
async function toggle3D() {
  if (!app.ui.view3d) {
    if (!tools.view3dLoading) tools.view3dLoading = import('./view3d.js');
    const m = await tools.view3dLoading;
    app.ui.view3d = app.ui.view3d || m.mountView3D(document.querySelector('.map-wrap'), {
      grid: () => app.grid, data: () => app.data, cursor: () => app.cursor, colors: (i) => runColor(i, app.dark), t: () => app.t,
    });
  }
  app.ui.view3d.toggle();
  app.need.panels = true;
  schedule();
}

/**
 * branchHere adds a branch of the selected run at the timeline's step (or
 * its newest point): a copy that follows it up to that step and then its
 * own settings, which the run panel now changes; the old continuation
 * stays, drawn faintly.
 */
function branchHere() {
  const d = app.data[app.selected];
  if (!d) return;
  dispatch({ type: 'branchHere', at: Math.min(app.cursor ?? d.n - 1, d.n - 1) });
}

/** renderTools brings the tools' texts and states up to date. */
export function renderTools() {
  const t = app.t;
  app.ui.present.render();
  setText(tools.undo, `↶ ${t('history.undo')}`);
  tools.undo.title = t('history.undoTip');
  tools.undo.disabled = !tools.hist.canUndo();
  setText(tools.redo, `↷ ${t('history.redo')}`);
  tools.redo.title = t('history.redoTip');
  tools.redo.disabled = !tools.hist.canRedo();
  const d = app.data[app.selected];
  setText(tools.branch, t('branch.here'));
  tools.branch.title = t('branch.hereTip');
  tools.branch.disabled = !d || d.n < 2 || app.state.runs.length >= LIMITS.runs || (app.state.branch || []).some((b) => b.run === app.selected);
  const view3d = app.ui.view3d;
  const in3d = !!view3d && view3d.shown();
  setText(tools.view3d, in3d ? t('view3d.hide') : t('view3d.show'));
  tools.view3d.title = in3d ? t('view3d.hideTip') : t('view3d.showTip');
  tools.view3d.setAttribute('aria-pressed', in3d ? 'true' : 'false');
  if (view3d) view3d.render();
}
