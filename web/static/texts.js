// texts.js: the page's own texts and banners: the theme the canvases
// draw with (readTheme), the static texts in the page's language, the
// presets menu, the lesson's banner, the socket's state and the errors box.

import { app, $ } from './app.js';
import { presetOf, presetLabels } from './state.js';
import { loadShare, lazy } from './panels.js';
import { changed } from './changes.js';

export function readTheme() {
  const cs = getComputedStyle(document.documentElement);
  const v = (name) => cs.getPropertyValue(name).trim();
  app.dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
  const size = parseFloat(cs.fontSize) || 16;
  app.theme = {
    ink: v('--ink'), muted: v('--muted'), grid: v('--grid'), bg: v('--panel'),
    // canvas text (axes, ticks): at least 14 CSS px, and with the page's
    // type (which grows with the window) on a projector
    font: `${Math.max(14, Math.round(size * 0.85))}px system-ui, sans-serif`,
    smallFont: `${Math.max(12, Math.round(size * 0.75))}px system-ui, sans-serif`,
  };
}

export function staticTexts() {
  const t = app.t;
  document.documentElement.lang = app.lang;
  document.title = t('app.title');
  $('title').textContent = t('app.title');
  $('tagline').textContent = t('app.tagline');
  $('map').setAttribute('aria-label', t('map.label'));
  $('transport').setAttribute('aria-label', t('transport.label'));
  document.querySelector('.charts').setAttribute('aria-label', t('charts.label'));
  $('map-hint').textContent = window.matchMedia('(pointer: coarse)').matches
    ? t('map.hintTouch')
    : `${t('map.hint')} — ${t('map.keys')} · ${t('map.keysFocused')}`;
  $('arrows-label').textContent = t('map.arrows');
  $('arrows').parentElement.title = t('map.arrowsTip');
  $('cap-loss').textContent = t('chart.loss');
  $('cap-loss').title = t('chart.lossTip');
  $('cap-lr').textContent = t('chart.lr');
  const limitNote = document.createElement('small');
  limitNote.textContent = t('chart.limitDashed');
  $('cap-lr').append(limitNote);
  $('cap-lr').title = t('chart.lrTip');
  $('cap-grad').textContent = t('chart.grad');
  $('cap-grad').title = t('chart.gradTip');
  $('chart-loss').setAttribute('aria-label', t('chart.lossTip'));
  $('chart-lr').setAttribute('aria-label', t('chart.lrTip'));
  $('chart-grad').setAttribute('aria-label', t('chart.gradTip'));
  if (!$('card-title').textContent) $('card-title').textContent = t('card.title');
  $('presets-label').textContent = t('presets.label');
  $('presets').title = t('presets.tip');
  $('presets').setAttribute('aria-label', t('presets.label'));
  const sw = $('lang-switch');
  sw.textContent = t('lang.switch');
  sw.title = t('lang.switchTitle');
  sw.hreflang = app.lang === 'ja' ? 'en' : 'ja';
  sw.lang = app.lang === 'ja' ? 'en' : 'ja';
  fillPresets();
  connText();
}

export function fillPresets() {
  const sel = $('presets');
  sel.replaceChildren();
  const first = document.createElement('option');
  first.value = '';
  first.textContent = app.t('presets.choose');
  sel.append(first);
  for (const p of app.presets) {
    const o = document.createElement('option');
    o.value = String(p.id);
    o.textContent = `${p.number ? p.number + '. ' : ''}${presetText(p, 'titles', 'title')}`;
    sel.append(o);
  }
  sel.closest('.presets').hidden = app.presets.length === 0;
  showLesson();
}

/** presetText returns a preset's title or summary in the page's language. */
export function presetText(p, many, one) {
  return (p[many] && (p[many][app.lang] || p[many].en)) || p[one] || String(p.id);
}

/**
 * showLesson shows the title and summary of the preset whose link the page
 * opened, so that the learner knows what to look for.
 */
export function showLesson() {
  const box = $('lesson');
  if (!app.state || !app.presets.length) return;
  if (app.lessonShown === undefined) {
    // The lesson is known by its scenario whatever the language of its
    // labels; its own labels then follow the page's language.
    app.lesson = presetOf(app.presets, app.state, app.catalog);
    app.lessonShown = app.lesson;
    if (app.lesson) {
      const runs = presetLabels(app.state, app.lesson, app.lang);
      if (runs !== app.state.runs) { app.state = { ...app.state, runs }; app.histReplace = true; changed(false); }
    }
  }
  const p = app.lessonShown;
  if (!p) { box.hidden = true; document.body.classList.remove('has-lesson'); return; }
  $('presets').value = String(p.id);
  const h = document.createElement('strong');
  h.id = 'lesson-title'; // the banner is a region named by its title (index.html)
  h.textContent = `${app.t('presets.lesson', { n: p.number || '' })} ${presetText(p, 'titles', 'title')}`;
  const text = document.createElement('p');
  text.textContent = presetText(p, 'summaries', 'summary');
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'icon';
  close.textContent = '✕';
  close.title = app.t('errors.dismiss');
  close.setAttribute('aria-label', app.t('errors.dismiss'));
  close.addEventListener('click', () => {
    app.lessonShown = null;
    box.hidden = true;
    document.body.classList.remove('has-lesson');
  });
  text.prepend(h, ' ');
  box.replaceChildren(text, close);
  box.hidden = false;
  document.body.classList.add('has-lesson');
}

export function connText() {
  const c = $('conn');
  c.dataset.state = app.conn;
  c.textContent = app.t(app.conn === 'open' ? 'conn.online' : app.conn === 'closed' ? 'conn.offline' : 'conn.connecting');
}

export function showErrors() {
  const box = $('errors');
  if (!app.errors.length) { box.hidden = true; box.replaceChildren(); return; }
  if (!lazy.describeError) {
    // the messages are localised by share.js: shown once it is here
    loadShare().then(showErrors, () => { lazy.describeError = (e) => ({ text: e.message || '' }); showErrors(); });
    return;
  }
  const describeError = lazy.describeError;
  const ul = document.createElement('ul');
  for (const e of app.errors.slice(0, 12)) {
    const li = document.createElement('li');
    const d = describeError(e, app.lang); // in the page's language (share.js)
    const c = document.createElement('code');
    c.textContent = e.field || '';
    if (d.where) { const b = document.createElement('b'); b.textContent = d.where; li.append(b, ' (', c, '): '); } else if (e.field) li.append(c, ': ');
    li.append(d.text);
    ul.append(li);
  }
  const btn = document.createElement('button');
  btn.type = 'button';
  btn.className = 'small';
  btn.textContent = app.t('errors.dismiss');
  btn.addEventListener('click', () => { app.errors = []; showErrors(); });
  const head = document.createElement('strong');
  head.textContent = app.errors[0].server ? app.t('errors.server') : app.t('errors.title');
  box.replaceChildren(head, ul, btn);
  box.hidden = false;
}
