// lessons.js: the lessons panel. It walks through the presets in the order
// of the lessons (GET /api/v1/presets), shows each one's title and what to
// look for in the page's language, and "Try it" opens its scenario.

import { el } from './controls.js';

/**
 * orderLessons returns the presets sorted by their number (1 … N, the
 * server's order of the lessons), then by lesson, keeping the server's order
 * otherwise.
 */
export function orderLessons(presets) {
  return presets
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.number || 1e9) - (b.p.number || 1e9) || (a.p.lesson || 99) - (b.p.lesson || 99) || a.i - b.i)
    .map((x) => x.p);
}

/** presetText returns a preset's title ("titles"/"title") or summary ("summaries"/"summary") in lang. */
export function presetText(p, many, one, lang) {
  return (p[many] && (p[many][lang] || p[many].en)) || p[one] || String(p.id);
}

/** lessonHref returns the short link of preset p, in the page's language. */
export function lessonHref(p, lang) {
  const base = p.link || `/p/${encodeURIComponent(p.id)}`;
  return lang === 'ja' ? `${base}${base.includes('?') ? '&' : '?'}lang=ja` : base;
}

/**
 * mountLessons mounts the panel into root. hooks: view() → {t, lang},
 * current(presets) → the index in presets of the scenario on the page, or
 * -1; open(p) opens preset p; presets() → a promise of the lesson list
 * (GET /api/v1/presets, fetched once for the page). Returns {render()}.
 */
export function mountLessons(root, hooks) {
  const heading = el('h2', { id: 'lessons-heading' });
  const count = el('span', { class: 'lessons-count', 'aria-live': 'polite' });
  const number = el('p', { class: 'lessons-number' });
  const title = el('h3', { class: 'lessons-title' });
  const summary = el('p', { class: 'lessons-summary' });
  const prev = el('button', { type: 'button', class: 'lessons-prev' });
  const next = el('button', { type: 'button', class: 'lessons-next' });
  const tryIt = el('button', { type: 'button', class: 'primary lessons-try' });
  const listSummary = el('summary');
  const list = el('ol', { class: 'lessons-list' });
  const all = el('details', { class: 'lessons-all' }, listSummary, list);
  const card = el('div', { class: 'lessons-card' }, number, title, summary);
  root.setAttribute('aria-labelledby', 'lessons-heading');
  root.append(el('div', { class: 'lessons-head' }, heading, count), card,
    el('div', { class: 'buttons lessons-nav' }, prev, tryIt, next), all);

  let presets = [];
  let at = 0; // the lesson shown
  let here = -1; // the lesson on the page
  let state = 'loading';

  prev.addEventListener('click', () => { if (at > 0) { at--; render(); } });
  next.addEventListener('click', () => { if (at < presets.length - 1) { at++; render(); } });
  tryIt.addEventListener('click', () => { if (presets[at]) hooks.open(presets[at]); });
  list.addEventListener('click', (ev) => {
    const a = ev.target.closest('a[data-i]');
    if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey) return; // new tab: let the link go
    ev.preventDefault();
    hooks.open(presets[Number(a.dataset.i)]);
  });

  (async () => {
    try {
      presets = orderLessons(await hooks.presets());
      state = presets.length ? 'ready' : 'failed';
    } catch {
      state = 'failed';
    }
    here = presets.length ? hooks.current(presets) : -1;
    at = Math.max(0, here);
    render();
  })();

  function render() {
    const { t, lang } = hooks.view();
    heading.textContent = t('lessons.section');
    listSummary.textContent = t('lessons.all');
    prev.textContent = `← ${t('lessons.prev')}`;
    next.textContent = `${t('lessons.next')} →`;
    const ready = state === 'ready';
    for (const e of [card, prev, next, tryIt, all]) e.hidden = !ready && e !== card;
    if (!ready) {
      count.textContent = '';
      number.textContent = '';
      title.textContent = '';
      summary.textContent = t(state === 'loading' ? 'lessons.loading' : 'lessons.failed');
      return;
    }
    const p = presets[at];
    count.textContent = t('lessons.count', { i: at + 1, n: presets.length });
    number.textContent = `${t('lessons.lesson', { n: p.number || at + 1 })}${at === here ? ` · ${t('lessons.current')}` : ''}`;
    title.textContent = presetText(p, 'titles', 'title', lang);
    summary.textContent = presetText(p, 'summaries', 'summary', lang);
    tryIt.textContent = at === here ? `↺ ${t('lessons.again')}` : `▶ ${t('lessons.try')}`;
    tryIt.title = at === here ? t('lessons.againTip') : t('lessons.tryTip');
    prev.disabled = at === 0;
    next.disabled = at === presets.length - 1;
    card.classList.toggle('is-here', at === here);
    list.replaceChildren(...presets.map((q, i) => {
      const a = el('a', { href: lessonHref(q, lang), 'data-i': String(i) });
      a.textContent = `${q.number || i + 1}. ${presetText(q, 'titles', 'title', lang)}`;
      if (i === here) a.setAttribute('aria-current', 'page');
      return el('li', {}, a);
    }));
  }

  return { render };
}
