// formula.js: live checking of the custom surface's formula. mountFormula
// takes over the formula field the surface panel shows when the surface is
// "custom": while the user types it asks the server whether the formula
// compiles (GET /api/v1/formula, debounced); a good formula goes to the page
// at once (map, runs and share link's formula=), a bad one gets the server's
// message under the field and the offending character marked in a copy of
// the text.

import { el } from './controls.js';
import { formulaColumn, splitAtColumn } from './analysis.js';
import { t as tr } from './i18n.js';

const DEBOUNCE_MS = 350;

/**
 * JA_ERRORS turn the server's formula messages (English) into Japanese:
 * [pattern, key]; the key's {1}, {2} take the pattern's groups.
 */
const LOCAL_ERRORS = [
  [/^formula is empty/, 'formula.err.empty'],
  [/^unknown function '([^']+)'/, 'formula.err.unknownFunction'],
  [/^unknown name '([^']+)'/, 'formula.err.unknownName'],
  [/^function '([^']+)' needs parentheses/, 'formula.err.needsParens'],
  [/^'([^']+)' is not a function/, 'formula.err.notFunction'],
  [/^'([^']+)' takes (\d+) argument/, 'formula.err.args'],
  [/^missing '\)'/, 'formula.err.missingParen'],
  [/^unexpected end of formula/, 'formula.err.end'],
  [/^unexpected character/, 'formula.err.character'],
  [/^unexpected '([^']+)'/, 'formula.err.unexpected'],
  [/^malformed number '([^']+)'/, 'formula.err.number'],
  [/^formula is longer than (\d+)/, 'formula.err.long'],
];

/**
 * localMessage returns the server's formula message in the page's language
 * (Japanese through LOCAL_ERRORS; English as it is), or '' when there is
 * no translation.
 */
export function localMessage(t, lang, message) {
  if (lang === 'en') return '';
  for (const [re, key] of LOCAL_ERRORS) {
    const m = re.exec(message);
    if (m) return t(key, { 1: m[1] ?? '', 2: m[2] ?? '' });
  }
  return '';
}

/**
 * formulaMessage returns a formula error of the server ("unknown name 'z'
 * at column 5; use x, y, pi, e") as the page shows it, in lang: {lead,
 * text}, where lead says where ("Character 5:", or "Not a valid formula:"
 * when it names no place) and text what is wrong, without the position
 * again, in lang alone (Japanese through LOCAL_ERRORS; a message with no
 * translation is the server's English without its position). t is the
 * page's translator; column, when known, wins over the message's.
 */
export function formulaMessage(t, lang, message, column = 0) {
  const msg = String(message || '');
  const col = column > 0 ? column : formulaColumn(msg);
  const lead = col > 0 ? t('formula.at', { col }) : t('formula.bad');
  const text = localMessage(t, lang, msg) || msg.replace(/ at column \d+/, '');
  return { lead, text };
}

/** describeFormulaError is describeError (share.js) for a formula: "Character 5: …" in lang. */
export function describeFormulaError(message, lang) {
  const { lead, text } = formulaMessage((k, v) => tr(lang, k, v), lang, message);
  return `${lead} ${text}`;
}

/**
 * mountFormula watches for the formula field in panel (the surface panel,
 * which rebuilds it) and enhances it on render(). app: {view() → {state, t,
 * lang}, setFormula(text) (the page's own path for a new formula)}.
 */
export function mountFormula(panel, app) {
  const mirror = el('div', { class: 'an-formula-mirror', 'aria-hidden': 'true', hidden: true });
  const msg = el('p', { class: 'an-formula-msg', id: 'formula-msg', role: 'status', 'aria-live': 'polite', hidden: true });
  const help = el('p', { class: 'note an-formula-help' });
  let input = null, timer = 0, abort = null, checked = '', verdict = null, lastView = null, shown = undefined, shownLang = '';

  function attach(inp) {
    input = inp;
    input.setAttribute('aria-describedby', 'formula-msg');
    const field = input.closest('.field') || input.parentElement;
    field.after(mirror);
    mirror.after(msg);
    msg.after(help);
    input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(check, DEBOUNCE_MS); });
    // The field commits through this module: stop the panel's own change
    // handler, which would send a formula before it is checked.
    field.addEventListener('change', (ev) => {
      if (ev.target !== input) return;
      ev.stopPropagation();
      clearTimeout(timer);
      check();
    }, true);
    if (input.value && verdict === null) check();
  }

  async function check() {
    if (!input) return;
    const text = input.value;
    if (text === checked && verdict) { show(); return; }
    if (abort) abort.abort();
    abort = new AbortController();
    checked = text;
    verdict = { state: 'checking' };
    show();
    // GET /api/v1/formula answers 200 for a bad formula too (a 400 would be
    // logged by the browser as an error); only a good one reaches the page,
    // which then fetches its grid.
    const q = new URLSearchParams({ formula: text });
    try {
      const res = await fetch(`/api/v1/formula?${q}`, { signal: abort.signal });
      const b = await res.json().catch(() => ({}));
      if (res.ok && b.ok) {
        verdict = { state: 'ok' };
        const { state } = app.view();
        if (state.formula !== text) app.setFormula(text);
      } else {
        const message = b.error || `HTTP ${res.status}`;
        verdict = { state: 'bad', message, column: Number.isInteger(b.column) ? b.column : formulaColumn(message) };
      }
    } catch (e) {
      if (e.name === 'AbortError') return;
      verdict = { state: 'unknown', message: e.message };
    }
    show();
  }

  function show() {
    const view = lastView || app.view();
    const { t, lang } = view;
    if (!input) return;
    if (shown === verdict && shownLang === lang) return;
    shown = verdict; shownLang = lang;
    const bad = verdict && verdict.state === 'bad';
    input.toggleAttribute('aria-invalid', !!bad);
    mirror.hidden = !bad || !(verdict.column > 0);
    msg.hidden = !verdict || verdict.state === 'ok';
    msg.classList.toggle('error', !!bad);
    msg.replaceChildren();
    if (!verdict) return;
    if (verdict.state === 'checking') { msg.textContent = t('formula.checking'); return; }
    if (verdict.state === 'unknown') { msg.textContent = t('formula.unreachable'); return; }
    if (!bad) return;
    const { lead, text } = formulaMessage(t, lang, verdict.message, verdict.column);
    msg.append(el('strong', { text: lead }), ' ', text);
    if (verdict.column > 0) {
      const [before, at, after] = splitAtColumn(checked, verdict.column);
      const mark = el('mark', { class: at ? 'an-bad' : 'an-bad an-end', text: at || ' ' });
      mirror.replaceChildren(before, mark, after);
    }
  }

  function render() {
    lastView = app.view();
    const { t, state } = lastView;
    const inp = state.surface === 'custom' ? panel.querySelector('input[id^="formula-"]') : null;
    if (inp !== input) {
      input = null;
      verdict = null; checked = ''; shown = undefined;
      mirror.remove(); msg.remove(); help.remove();
      if (inp) attach(inp);
    }
    help.textContent = t('formula.help');
    if (input) show();
  }

  return { render };
}
