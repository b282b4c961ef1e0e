// present.js: presentation mode (?present=1 or its button) and the link's
// per-control hide flags (hide=legend,run…; state.js HIDE_KEYS). Both are
// classes on the page: body.present and body[data-hide~=NAME], which
// style.css (its replay part) turns into the layout (large type, only the map, the loss
// chart, the LR slider and the lesson on one screen). In presentation mode
// F toggles full screen and Esc leaves; the arrow keys step as ever
// (main.js).

import { el } from './controls.js';

/** applyPage sets the page's classes for the state's present and hide. */
export function applyPage(state, doc = document) {
  doc.body.classList.toggle('present', !!state.present);
  doc.documentElement.classList.toggle('present', !!state.present);
  const hide = (state.hide || []).join(' ');
  if (hide) doc.body.dataset.hide = hide; else delete doc.body.dataset.hide;
}

/**
 * mountPresent puts the presentation button (and, in presentation mode,
 * the full-screen one) into tools. hooks: present() → bool,
 * setPresent(on), t() → translator. It returns {render()}.
 */
export function mountPresent(tools, hooks) {
  const btn = el('button', { type: 'button', id: 'present', class: 'small', 'aria-pressed': 'false' });
  const full = el('button', { type: 'button', id: 'fullscreen', class: 'small' });
  tools.append(btn, full);
  btn.addEventListener('click', () => hooks.setPresent(!hooks.present()));
  full.addEventListener('click', toggleFull);

  function toggleFull() {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
  }

  document.addEventListener('keydown', (ev) => {
    if (!hooks.present() || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const tgt = ev.target;
    if (tgt && tgt.closest && tgt.closest('input:not([type=range]), select, textarea, [contenteditable]')) return;
    if (ev.key === 'f' || ev.key === 'F') { ev.preventDefault(); toggleFull(); }
    if (ev.key === 'Escape' && !document.fullscreenElement) { ev.preventDefault(); hooks.setPresent(false); }
  });

  function render() {
    const t = hooks.t();
    const on = hooks.present();
    btn.textContent = on ? t('present.off') : `▣ ${t('present.on')}`;
    btn.title = t('present.onTip');
    btn.setAttribute('aria-pressed', on ? 'true' : 'false');
    full.textContent = `${t('present.full')} (F)`;
    full.title = t('present.fullTip');
    full.hidden = !on || !document.documentElement.requestFullscreen;
  }

  return { render };
}
