// refcard.js: the reference card of starting learning rates by kind of model
// (LESSON.md, row 7), as rules of thumb, in the page's language. The texts
// are card.* in i18n.js.

import { STRINGS } from './i18n.js';

/**
 * mountRefCard fills the card's <details> root (with its #card-title
 * summary, #card-table and #card-note) for lang: an introduction saying the
 * values are rules of thumb, a table with a header row, and a note on why
 * the values differ.
 */
export function mountRefCard(root, lang) {
  const S = STRINGS[lang] || STRINGS.en;
  const title = root.querySelector('summary');
  const table = root.querySelector('table');
  const note = root.querySelector('.note');
  if (title) {
    title.textContent = S['card.title'];
    const tag = document.createElement('span');
    tag.className = 'rule-of-thumb';
    tag.textContent = S['card.tag'];
    title.append(' ', tag);
  }
  let intro = root.querySelector('.card-intro');
  if (!intro) {
    intro = document.createElement('p');
    intro.className = 'card-intro';
    if (table) table.before(intro); else root.append(intro);
  }
  intro.textContent = S['card.intro'];
  if (table) {
    const cap = document.createElement('caption');
    cap.className = 'sr-only';
    cap.textContent = S['card.title'];
    const head = document.createElement('thead');
    const hr = document.createElement('tr');
    for (const h of S['card.head']) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = h;
      hr.append(th);
    }
    head.append(hr);
    const body = document.createElement('tbody');
    for (const row of S['card.rows']) {
      const tr = document.createElement('tr');
      row.forEach((cell, i) => {
        const td = document.createElement(i === 0 ? 'th' : 'td');
        if (i === 0) td.scope = 'row';
        td.textContent = cell;
        tr.append(td);
      });
      body.append(tr);
    }
    table.replaceChildren(cap, head, body);
  }
  if (note) note.textContent = S['card.note'];
}
