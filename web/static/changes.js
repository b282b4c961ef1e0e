// changes.js: the page's changes of the scenario. dispatch(action) runs the
// pure reducer (reducer.js) on the page's state and carries out the effects
// it returns; changed() is what every change of the scenario ends with
// (branches follow their runs, history, panels, URL, and a restart of the
// session when the runs' trajectories change); writeURL keeps the address
// the share link of what is shown.

import { app, $, schedule, send, surfaceInfo, locked, idle } from './app.js';
import { encodeQuery, presetLabels, dataInfo } from './state.js';
import { rateMessage } from './protocol.js';
import { remapBranches } from './branch.js';
import { reduce } from './reducer.js';
import { live, liveSet, restartSession, anyData, playbackRate } from './session.js';
import { fetchGrid, viewChanged } from './map.js';
import { recordHistory } from './tools.js';

// the actions a student's locked page still takes: they change only what it shows
const UNLOCKED = ['select', 'view'];

/**
 * dispatch applies action (reducer.js) to the page's state and carries out
 * its effects; false when the page is locked (a class's student) or the
 * action changed nothing.
 */
export function dispatch(action) {
  if (!UNLOCKED.includes(action.type) && locked()) return false;
  if (action.type === 'run') {
    // a data surface's batch size left empty is the whole data set
    const d = dataInfo(app.state, surfaceInfo());
    action = { ...action, empty: { batch_size: d ? d.rows : 0 } };
  }
  if (action.type === 'addRun' && !action.run) action = { ...action, info: surfaceInfo() };
  const r = reduce({ state: app.state, selected: app.selected }, action);
  if (!r.effects.length) return false;
  app.state = r.state;
  app.selected = r.selected;
  // the reducer keeps the branches on their runs itself: its new run objects must not read as runs gone
  app.branchRuns = app.state.runs.slice();
  for (const e of r.effects) apply(e);
  return true;
}

function apply(e) {
  switch (e.type) {
    case 'changed': app.histTag = e.tag; changed(e.restart); break;
    case 'url': writeURL(); break;
    case 'rate': if (live()) send(rateMessage(e.rate)); playbackRate(e.rate); break;
    case 'set': liveSet(e.run, e.parts); break;
    case 'grid':
      if (e.reset) app.grid = null;
      if (e.key) app.gridKey = '';
      fetchGrid();
      if (e.reset) app.need.bg = true;
      break;
    case 'chartsData': app.ui.charts.forEach((c) => c.setData(app.data, app.state.steps)); break;
    case 'names': app.need.chartsFull = true; break;
    case 'trails': app.need.trails = true; break;
    case 'view': viewChanged(); break;
    case 'say': app.ui.legend.say(e.parts.map(([k, args]) => app.t(k, args)).join(' ')); break;
    case 'describe': import('./datapanel.js').then((m) => m.describePasted()); break;
  }
}

/** changed notes a change of the state: panels, URL and (when restart) the session. */
export function changed(restart) {
  // branches follow their runs when runs are added, removed or reordered
  if (app.state.branch && app.state.branch.length && app.branchRuns) app.state = { ...app.state, branch: remapBranches(app.state.branch, app.branchRuns, app.state.runs) };
  app.branchRuns = app.state.runs.slice();
  recordHistory();
  app.need.panels = true;
  if (restart) restartSession(app.session.playing || anyData());
  writeURL();
  schedule();
}

let urlTimer = 0, urlIdle = false;
/**
 * writeURL writes the state into the address and the language switch's
 * link: 120 ms after the last change, once the page is idle (at most 500 ms
 * later), so that the write (a few ms) does not fall between Play and the
 * run's first points.
 */
export function writeURL() {
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => {
    if (urlIdle) return; // one write is already waiting for the page to be idle; it reads the state then
    urlIdle = true;
    idle(() => { urlIdle = false; writeURLNow(); });
  }, 120);
}

function writeURLNow() {
  // The language always goes into the address: left out, the server would
  // choose by Accept-Language and could undo the reader's own choice.
  const withLang = (state) => {
    const q = encodeQuery(state, app.catalog);
    return /(^|&)lang=/.test(q) ? q : `${q}${q ? '&' : ''}lang=${state.lang}`;
  };
  const q = withLang({ ...app.state, lang: app.lang });
  const url = `${location.pathname}?${q}`;
  history.replaceState(null, '', url);
  const other = app.lang === 'ja' ? 'en' : 'ja';
  const runs = app.lesson ? presetLabels(app.state, app.lesson, other) : app.state.runs;
  $('lang-switch').href = `?${withLang({ ...app.state, runs, lang: other })}`;
}
