// share.js: share links. The pure part builds the link and the embed code
// and says in the page's language what was wrong with a link (state.js and
// the server write their messages in English); mountShare adds "Copy link"
// and "Embed" to the page.

import { t as tr } from './i18n.js';
import { RUN } from './schema.js';
import { el } from './controls.js';
import { describeFormulaError } from './formula.js';

/** EMBED_SIZE is the size of the iframe the embed code asks for, in CSS pixels. */
export const EMBED_SIZE = { width: 800, height: 520 };

/** shareLink returns the absolute address of the page at origin with query (no "?"). */
export function shareLink(origin, query) {
  const q = String(query || '').replace(/^\?/, '');
  return `${String(origin).replace(/\/+$/, '')}/${q ? '?' + q : ''}`;
}

/** embedLink returns link with embed=1 (once, at the end). */
export function embedLink(link) {
  const [base, hash = ''] = String(link).split('#');
  const [path, query = ''] = base.split('?');
  const parts = query.split('&').filter((p) => p && !/^embed(=|$)/.test(p));
  parts.push('embed=1');
  return `${path}?${parts.join('&')}${hash ? '#' + hash : ''}`;
}

/** escapeAttr escapes s for a double-quoted HTML attribute. */
export function escapeAttr(s) {
  return String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** iframeSnippet returns the HTML that embeds link in another page. */
export function iframeSnippet(link, title = 'Learning-rate lab') {
  return `<iframe src="${escapeAttr(embedLink(link))}" width="${EMBED_SIZE.width}" height="${EMBED_SIZE.height}" `
    + `title="${escapeAttr(title)}" loading="lazy" referrerpolicy="strict-origin-when-cross-origin" allow="clipboard-write"></iframe>`;
}

// ------------------------------------------------------------ errors

// A run-level setting is named by field.<key> under its key and its link
// name (start: x and y); the schema lists them (RUN).
const PARAM_FIELDS = {
  lr: 'field.lr', 'optimizer.lr': 'field.lr', 'optimizer.name': 'field.optimizer', 'scheduler.name': 'field.scheduler',
  'optimizer_y.name': 'field.optimizer_y', 'optimizer_y.lr': 'field.lr', x: 'field.start', y: 'field.start',
  ...Object.fromEntries(RUN.flatMap((s) => [[s.key, `field.${s.key}`], [s.query || s.key, `field.${s.key}`]])),
};
const TOP_FIELDS = {
  surface: 'field.surface', 'surface.name': 'field.surface', 'surface.formula': 'field.formula', formula: 'field.formula',
  steps: 'field.steps', view: 'field.view', test_shift: 'field.shift', shift: 'field.shift', rate: 'field.rate',
  lang: 'field.lang', runs: 'field.runs', index: 'field.index', preset: 'field.preset',
};

/**
 * fieldName names a field path ("runs[1].optimizer.lr", "surface.b", "steps")
 * for people in lang: "run 2, learning rate", "実行 2の学習率". PyTorch's own
 * keyword names (momentum, T_max) stay as they are; "" gives "".
 */
export function fieldName(field, lang) {
  const t = (k, v) => tr(lang, k, v);
  if (!field) return '';
  const f = String(field).replace(/\[\d+\]$/, (m) => (/^runs\[\d+\]$/.test(field) ? m : ''));
  const run = f.match(/^runs\[(\d+)\](?:\.(.+))?$/);
  if (run) {
    const who = t('field.run', { n: Number(run[1]) + 1 });
    if (!run[2]) return who;
    const key = run[2];
    const leaf = key.split('.').pop();
    const what = PARAM_FIELDS[key] ? t(PARAM_FIELDS[key]) : key.startsWith('optimizer_y.') ? `${t('field.optY')}: ${leaf}` : leaf;
    return t('field.of', { run: who, what: lang === 'ja' && /^[\x21-\x7e]/.test(what) ? ` ${what}` : what }); // 実行 1 の momentum
  }
  if (TOP_FIELDS[f]) return t(TOP_FIELDS[f]);
  const param = f.match(/^surface\.(\w+)$/);
  if (param) return t('field.param', { name: param[1] });
  return t('field.setting', { name: f });
}

const q = '["“”「」]?';
// Each English message of state.js, schema.js and the server, with the key
// of its text and the names of the parts it keeps. The first match wins.
const PATTERNS = [
  [/^"([^"]*)" is given (?:more than once|twice); the first is used$/, 'err.twice', ['key']],
  [/^unknown surface "([^"]*)"$/, 'err.unknownSurface', ['name']],
  [/^unknown optimizer "([^"]*)"$/, 'err.unknownOptimizer', ['name']],
  [/^unknown scheduler "([^"]*)"$/, 'err.unknownScheduler', ['name']],
  [/^unknown key "([^"]*)" for (.+)$/, 'err.unknownKeyFor', ['key', 'what']],
  [/^unknown key "([^"]*)"$/, 'err.unknownKey', ['key']],
  [/^unknown value "([^"]*)"$/, 'err.unknownValue', ['v']],
  [new RegExp(`^must be a finite number, got ${q}(.*?)${q}$`), 'err.finite', ['v']],
  [/^(\w+) must be a finite number, got "(.*)"$/, 'err.finite', ['key', 'v']],
  [/^must be in \[([^,\]]+), ([^\]]+)\], got (.*)$/, 'err.range', ['lo', 'hi', 'v']],
  [/^must be at most (\d+) characters$/, 'err.chars', ['n']],
  [/^must be four numbers xmin,xmax,ymin,ymax, got "(.*)"$/, 'err.view', ['v']],
  [/^must have xmin < xmax and ymin < ymax$/, 'err.viewOrder', []],
  [/^must be a whole number in 0…(\d+) \(0: as fast as possible\), got "(.*)"$/, 'err.rate', ['hi', 'v']],
  [/^must be a whole number in (-?\d+)(?:…| \.\.\. | … )(\d+), got "?(.*?)"?$/, 'err.wholeRange', ['lo', 'hi', 'v']],
  [/^must be two numbers dx,dy, got "(.*)"$/, 'err.pair', ['v']],
  [/^must be from (\S+) to (\S+) \(the width of the surface's view\), got (.*)$/, 'err.shiftRange', ['lo', 'hi', 'v']],
  [/^must be one of (.+), got "(.*)"$/, 'err.oneOf', ['list', 'v']],
  [/^at most (\d+) runs; the rest were left out$/, 'err.runs', ['n']],
  [/^only a game surface has a player y$/, 'err.noPlayerY', []],
  [/^only a game surface has an update order$/, 'err.noUpdates', []],
  [/^"(.*)" is not key=value$/, 'err.notKeyValue', ['p']],
  [/^(\w+) = (\S+) is too far outside the map; allowed: (\S+) … (\S+)$/, 'err.farOutside', ['key', 'v', 'lo', 'hi']],
  [/^must be a finite number ≥ 0, got "?(.*?)"?$/, 'err.nonNeg', ['v']],
  [/^must be a whole number ≥ 0, got "?(.*?)"?$/, 'err.wholeNonNeg', ['v']],
  [/^must be a whole number, got "?(.*?)"?$/, 'err.whole', ['v']],
  [/^cannot read "(.*)"$/, 'err.cannotRead', ['v']],
  [/^must be > (\S+?)(?: and finite)?, got (.*)$/, 'err.gt', ['n', 'v']],
  [/^must be (?:≥|>=) (\S+?)(?: and finite)?, got (.*)$/, 'err.ge', ['n', 'v']],
  [/^must be (?:≤|<=) (\S+?)(?: and finite)?, got (.*)$/, 'err.le', ['n', 'v']],
  [/^must be < (\S+?)(?: and finite)?, got (.*)$/, 'err.lt', ['n', 'v']],
  [/^must be two numbers, written a;b$/, 'err.pairSemi', []],
  [/^must be a list of whole numbers, written a;b$/, 'err.listSemi', []],
  [/^must be whole numbers ≥ 0$/, 'err.wholeNums', []],
  [/^must be increasing$/, 'err.increasing', []],
  [new RegExp(`^must be 1 \\(or true, or empty\\) for the bare view, or 0 \\(false\\); got ${q}(.*?)${q}$`), 'err.embed', ['v']],
  [/^an empty setting \(two commas in a row, or one at the end\); write key=value between commas$/, 'err.emptySetting', []],
  [/^the (?:link|query) has (\d+) parameters; at most (\d+) are read$/, 'err.tooManyParams', ['n', 'max']],
];

/**
 * localizeMessage writes an English error message of the link decoder or
 * the server in lang. A trailing "; allowed: a, b" is kept as a list. A
 * message it does not know is returned as it is.
 */
export function localizeMessage(msg, lang) {
  const text = String(msg || '');
  const m0 = text.match(/^(.*?); allowed: (.+)$/);
  const [head, list] = m0 && !/too far outside the map/.test(text) ? [m0[1], m0[2]] : [text, null];
  for (const [re, key, names] of PATTERNS) {
    const m = head.match(re);
    if (!m) continue;
    const vars = {};
    names.forEach((n, i) => { vars[n] = m[i + 1]; });
    const out = tr(lang, key, vars);
    return list ? tr(lang, 'err.allowed', { msg: out, list }) : out;
  }
  return text;
}

/**
 * describeError returns {where, text} for an error {field, message} of a
 * link: where names the setting for people (empty when the error has no
 * field), text says what was wrong, both in lang.
 */
export function describeError(e, lang) {
  const msg = e && (e.message || e.error);
  // a formula's message is formula.js's to say (its position once, in lang alone)
  const formula = e && /(^|\.)formula$/.test(String(e.field || ''));
  return { where: fieldName(e && e.field, lang), text: formula ? describeFormulaError(msg, lang) : localizeMessage(msg, lang) };
}

// ------------------------------------------------------------ clipboard

/**
 * copyText puts text on the clipboard: navigator.clipboard when the page may,
 * else the selection of a hidden field and the copy command. It resolves to
 * true when the text was copied.
 */
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch { /* denied: try the old way */ }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'sr-only';
  document.body.append(area);
  area.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch { ok = false; }
  area.remove();
  return ok;
}

// ------------------------------------------------------------ the panel

/**
 * mountShare mounts "Copy link" and "Embed" into root (a .share-row inside
 * the share panel). hooks: view() → {t, lang}, link() → the current share
 * address, say(text, kind) shows a message in the panel. Returns {render()}.
 */
export function mountShare(root, hooks) {
  const copy = el('button', { type: 'button', id: 'share-copy' });
  const embed = el('button', { type: 'button', id: 'share-embed', 'aria-expanded': 'false', 'aria-controls': 'share-embed-box' });
  const field = el('input', { type: 'text', id: 'share-link', readonly: '', class: 'share-field', spellcheck: 'false' });
  const fieldLabel = el('label', { for: 'share-link', class: 'share-field-label' });
  const fieldBox = el('div', { class: 'share-fallback', hidden: true }, fieldLabel, field);
  const code = el('textarea', { id: 'share-embed-code', readonly: '', rows: '3', spellcheck: 'false', class: 'share-code' });
  const codeLabel = el('label', { for: 'share-embed-code' });
  const codeBox = el('div', { id: 'share-embed-box', class: 'share-embed', hidden: true }, codeLabel, code);
  root.append(el('div', { class: 'buttons' }, copy, embed), fieldBox, codeBox);

  copy.addEventListener('click', async () => {
    const { t } = hooks.view();
    const link = hooks.link();
    field.value = link;
    if (await copyText(link)) {
      fieldBox.hidden = true;
      hooks.say(t('share.copied'), 'ok');
    } else {
      fieldBox.hidden = false;
      field.focus();
      field.select();
      hooks.say(t('share.manual'), 'warn');
    }
  });
  field.addEventListener('focus', () => field.select());
  code.addEventListener('focus', () => code.select());
  embed.addEventListener('click', async () => {
    const { t } = hooks.view();
    const open = codeBox.hidden;
    codeBox.hidden = !open;
    embed.setAttribute('aria-expanded', String(open));
    if (!open) return;
    code.value = iframeSnippet(hooks.link(), t('share.iframeTitle'));
    if (await copyText(code.value)) hooks.say(t('share.embedCopied'), 'ok');
    else { code.focus(); code.select(); hooks.say(t('share.manual'), 'warn'); }
  });

  return {
    render() {
      const { t } = hooks.view();
      copy.textContent = t('share.copy');
      copy.title = t('share.copyTip');
      embed.textContent = `</> ${t('share.embed')}`;
      embed.title = t('share.embedTip');
      fieldLabel.textContent = t('share.linkLabel');
      codeLabel.textContent = t('share.embedLabel');
      if (!codeBox.hidden) code.value = iframeSnippet(hooks.link(), t('share.iframeTitle'));
    },
  };
}
