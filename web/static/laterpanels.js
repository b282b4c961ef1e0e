// laterpanels.js: the panels loaded after the first paint and their glue
// (panels.js's loadLater loads this module; it brings the panels with it). The analysis panels own their
// DOM inside #analysis (and the gauge beside the LR slider, the checks
// under the formula field); the sharing panels (lessons, "Copy link",
// "Embed", the exports, the reference card) own theirs in two panels made
// here, under the legend. This module hands them the state and the page's
// own paths for changes (changes.js's dispatch), the socket, the map's
// repaint and its canvas. analysis.js is the panels' pure arithmetic.

import { app, $, schedule, send, surfaceInfo } from './app.js';
import { toScenario, encodeQuery, newRun, presetOf, LIMITS } from './state.js';
import { runColor } from './colormap.js';
import { runName } from './legend.js';
import { dispatch } from './changes.js';
import { lazy, anPanels, lambdaFor, presets } from './panels.js';
// the panels, in this module's bundle: one request where there were eight
import { mountFinder } from './finder.js';
import { mountSweep } from './sweep.js';
import { mountGauge } from './gauge.js';
import { mountFlatShare } from './flatshare.js';
import { mountFormula } from './formula.js';
import { mountExport } from './export.js';
import { mountLessons } from './lessons.js';
import { mountRefCard } from './refcard.js';

function analysisView() {
  return {
    state: app.state, info: surfaceInfo(), selected: app.selected, data: app.data,
    lambda: lambdaFor(app.data[app.selected]), t: app.t, lang: app.lang, theme: app.theme, dark: app.dark,
    colors: (i) => runColor(i, app.dark),
  };
}

export function mountAnalysisPanels() {
  const root = $('analysis');
  const hooks = {
    view: analysisView,
    surface: () => toScenario(app.state, app.catalog).surface,
    setLR: (lr) => dispatch({ type: 'run', path: 'optimizer.lr', value: lr }),
    // a run at an LR an analysis found, with the settings the analysis ran with (analysisRun)
    addRun: (optimizer, lr, settings, label) => {
      if (app.state.runs.length >= LIMITS.runs) return false;
      const base = app.state.runs[app.selected];
      const r = newRun(optimizer.name, lr);
      Object.assign(r.optimizer, optimizer, { lr });
      if (base) { r.x = base.x; r.y = base.y; r.seed = base.seed; }
      Object.assign(r, settings);
      if (label) r.label = label;
      dispatch({ type: 'addRun', run: r });
      return true;
    },
    send: (msg) => send(msg),
    redraw: schedule,
    setFormula: (f) => dispatch({ type: 'global', key: 'formula', value: f }),
  };
  const section = (id) => {
    const s = document.createElement('section');
    s.id = id;
    s.className = 'an-panel';
    root.append(s);
    return s;
  };
  anPanels.list.push(mountFormula($('surface-panel'), hooks));
  if (!root) return;
  const heading = document.createElement('h2');
  heading.id = 'analysis-heading';
  heading.className = 'an-heading';
  root.append(heading);
  root.setAttribute('aria-labelledby', 'analysis-heading');
  anPanels.finder = mountFinder(section('an-finder'), hooks);
  anPanels.list.push(anPanels.finder, mountSweep(section('an-sweep'), hooks),
    mountGauge(section('an-sharpness'), hooks), mountFlatShare(section('an-flat'), hooks));
}

const sharePanels = { list: [], heading: null, embedLink: null };

export function mountSharePanels() {
  const { mountShare, shareLink } = lazy; // share.js: loaded with loadShare (panels.js)
  mountRefCard($('card'), app.lang);
  const legendBox = $('legend');
  if (!legendBox) return;
  const mk = (id, cls) => { const s = document.createElement('section'); s.id = id; s.className = `panel ${cls}`; return s; };
  const lessons = mk('lessons', 'lessons');
  const share = mk('share', 'share-panel');
  ($('run-panel') || legendBox).after(lessons, share); // in the order of Tab: after the selected run
  const heading = document.createElement('h2');
  heading.id = 'share-heading';
  share.setAttribute('aria-labelledby', 'share-heading');
  const shareRow = document.createElement('div');
  shareRow.className = 'share-row';
  const exportRow = document.createElement('div');
  exportRow.className = 'export-row';
  const msg = document.createElement('p');
  msg.className = 'share-msg';
  msg.setAttribute('role', 'status');
  share.append(heading, shareRow, exportRow, msg);

  const say = (text, kind) => { msg.textContent = text; msg.dataset.kind = kind || ''; };
  const view = () => ({ state: app.state, data: app.data, selected: app.selected, t: app.t, lang: app.lang, theme: app.theme });
  const query = () => encodeQuery({ ...app.state, embed: false }, app.catalog);
  const names = () => app.state.runs.map((r, i) => runName(app.t, r, i));
  const hooks = {
    view, query, names, say,
    link: () => shareLink(location.origin, query()),
    scenario: () => toScenario(app.state, app.catalog),
    colors: (i) => runColor(i, app.dark),
    statusText: (i) => {
      const d = app.data[i];
      if (!d) return '';
      if (d.status === 'diverged') return app.t('status.diverged', { n: d.divergedAt ?? d.n - 1 });
      return d.status === 'converged' ? app.t('status.converged') : '';
    },
    mapCanvas: () => $('map'),
    charts: () => ['loss', 'lr', 'grad'].map((k) => ({ canvas: $(`chart-${k}`), caption: ($(`cap-${k}`).firstChild || {}).textContent || '' })),
    presets,
    current: (list) => {
      const p = presetOf(list, app.state, app.catalog);
      return p ? list.findIndex((q) => q.id === p.id) : -1;
    },
    open: (p) => { location.href = `${p.link || '/p/' + encodeURIComponent(p.id)}${app.lang === 'ja' ? '?lang=ja' : ''}`; },
  };
  sharePanels.heading = heading;
  sharePanels.list.push(mountLessons(lessons, hooks), mountShare(shareRow, hooks), mountExport(exportRow, hooks));
  if (app.state.embed) {
    // the embedded view: a way out to the whole lab
    const out = document.createElement('a');
    out.className = 'embed-open';
    out.target = '_blank';
    out.rel = 'noopener';
    out.textContent = `${app.t('share.openFull')} ↗`;
    out.href = shareLink(location.origin, query());
    $('transport').append(out);
    sharePanels.embedLink = out;
  }
  renderSharePanels();
}

function renderSharePanels() {
  if (sharePanels.heading) sharePanels.heading.textContent = app.t('share.section');
  if (sharePanels.embedLink) sharePanels.embedLink.href = lazy.shareLink(location.origin, encodeQuery({ ...app.state, embed: false }, app.catalog));
  for (const p of sharePanels.list) p.render();
}
