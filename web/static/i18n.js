// i18n.js: the page's strings in English and Japanese, tooltips included,
// and number formatting. Pure: no DOM.
//
// The strings of each language are a module of their own (i18n-en.js,
// i18n-ja.js), so that a page loads only its own language. This module loads
// the page's language before any module that imports it runs (a top-level
// await; the page preloads that module), so STRINGS[lang] and t() stay
// synchronous for them; loadLanguage(lang) loads another one. Under Node
// (the tests) every language is loaded.

/** STRINGS holds the texts by language and key, once loaded; "{name}" marks a value filled in by t(). */
export const STRINGS = {};

const LOADERS = { en: () => import('./i18n-en.js'), ja: () => import('./i18n-ja.js') };
const loading = {};

/** loadLanguage loads the strings of lang (English for an unknown one) into STRINGS; it resolves to them. */
export function loadLanguage(lang) {
  if (!LOADERS[lang]) lang = 'en';
  if (STRINGS[lang]) return Promise.resolve(STRINGS[lang]);
  if (!loading[lang]) loading[lang] = LOADERS[lang]().then((m) => (STRINGS[lang] = m.default));
  return loading[lang];
}

/**
 * pageLanguage is the language the page shows: ?lang=ja, or the page's own
 * <html lang> (the server's choice by Accept-Language) when there is no
 * ?lang=; otherwise English.
 */
export function pageLanguage() {
  if (typeof document === 'undefined') return 'en';
  const q = new URLSearchParams(location.search).get('lang');
  return q === 'ja' || (!q && document.documentElement.lang === 'ja') ? 'ja' : 'en';
}

await (typeof document === 'undefined'
  ? Promise.all(Object.keys(LOADERS).map(loadLanguage))
  : loadLanguage(pageLanguage()));

/** LANGUAGES the page can show, with the name of each in itself. */
export const LANGUAGES = { en: 'English', ja: '日本語' };

/** PANEL_STRINGS are the texts panels bring with them (addStrings), by language and key. */
export const PANEL_STRINGS = {};

/**
 * addStrings registers a panel's own texts ({en: {key: text}, ja: {…}}:
 * text-room.js, text-finder.js), which load with the panel rather than in
 * i18n-*.js with the page, so that t() finds them as it finds the page's.
 */
export function addStrings(tables) {
  for (const [lang, table] of Object.entries(tables)) Object.assign(PANEL_STRINGS[lang] ||= {}, table);
}

/**
 * t returns the text of key in lang, falling back to English and then to
 * the key itself, with each "{name}" replaced by vars[name].
 */
export function t(lang, key, vars) {
  const look = (l) => {
    const a = STRINGS[l], b = PANEL_STRINGS[l];
    return a && key in a ? a[key] : b && key in b ? b[key] : undefined;
  };
  let s = look(lang) ?? look('en') ?? key;
  if (typeof s === 'string' && vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

/** translator returns t bound to lang. */
export const translator = (lang) => (key, vars) => t(lang, key, vars);

/** has reports whether key exists in the English table (or, before that loads, the page's). */
export const has = (key) => key in (STRINGS.en || STRINGS[pageLanguage()] || {}) || key in (PANEL_STRINGS.en || {});

/**
 * formatNum writes v for people: 4 significant digits, exponent form when
 * it is very small or large ("1.2e-5"), no trailing zeros, "−" for minus.
 */
export function formatNum(v, digits = 4) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  let s;
  if (a >= 10 ** Math.max(digits, 5) || a < 1e-3) {
    s = v.toExponential(Math.max(0, digits - 2)).replace(/\.?0+e/, 'e').replace('e+', 'e');
  } else {
    s = a >= 10 ** digits ? String(Math.round(v)) : v.toPrecision(digits);
    if (s.includes('.')) s = s.replace(/\.?0+$/, '');
  }
  return s.replace(/^-/, '−');
}

/**
 * formatTick writes an axis value: powers of ten far from 1 as "1e-6",
 * everything else as formatNum does with few digits.
 */
export function formatTick(v) {
  if (v > 0) {
    const e = Math.round(Math.log10(v));
    if (Math.abs(e) >= 4 && Math.abs(v / 10 ** e - 1) < 1e-9) return `1e${e}`;
  }
  return formatNum(v, 3);
}

/** formatInt writes a whole number with thousands separators. */
export function formatInt(n, lang = 'en') {
  if (!Number.isFinite(n)) return '–';
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
