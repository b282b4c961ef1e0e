// timeline.js: the scrubber over the steps. Every run is recorded whole as
// it streams, so looking at step k of it is looking up index k: the
// timeline holds a cursor (a step, or null to follow the newest point) and
// atStep gives the painters and the legend a run's record as it was at that
// step. Playing from a scrubbed step replays the record from there (at the
// scenario's rate) and hands over to the live session where the record
// ends. mountTimeline owns the range input (#timeline) and its read-out.

import { el, setText } from './controls.js';
import { formatInt } from './i18n.js';

/**
 * atStep returns run record d as it was after step k (its first k+1
 * points): a shallow copy with n cut to k+1, or d itself when k is null or
 * at or past its end. The copy's status is 'running' before the run's last
 * point (a diverged cross is drawn only where it diverged), and its grad
 * and velocity (known only at the newest point) are left out.
 */
export function atStep(d, k) {
  if (!d || k === null || k === undefined || k + 1 >= d.n) return d;
  return { ...d, n: Math.max(0, k + 1), status: 'running', grad: null, velocity: null, scrubbed: true };
}

/** lastStep returns the newest step any run has (−1 when none has a point). */
export function lastStep(data) {
  let m = -1;
  for (const d of data) if (d && d.n - 1 > m) m = d.n - 1;
  return m;
}

/**
 * mountTimeline mounts the scrubber after the element `after`. hooks:
 * data() → run records, steps() → the scenario's steps, cursor() and
 * setCursor(k | null), rate() → steps per second (0: as fast as possible),
 * t (translator, read at each render), onScrub() (the user moved it:
 * main.js pauses a live session). It returns {render(), back(), forward(),
 * play(), stop(), replaying()}.
 */
export function mountTimeline(after, hooks) {
  const input = el('input', { id: 'timeline', type: 'range', min: '0', max: '0', step: '1', value: '0' });
  const label = el('label', { for: 'timeline', class: 'timeline-label' });
  const out = el('output', { for: 'timeline', class: 'timeline-out', 'aria-live': 'off' });
  const live = el('button', { type: 'button', class: 'small timeline-live', id: 'timeline-live' });
  const box = el('div', { class: 'timeline', id: 'timeline-box' }, label, input, out, live);
  after.after(box);

  let replay = null; // {raf, last, acc}

  input.addEventListener('input', () => {
    const k = Number(input.value);
    const end = lastStep(hooks.data());
    stop();
    hooks.onScrub();
    hooks.setCursor(k >= end ? null : k);
  });
  // ← → on the slider itself move it one step (the browser does so); the
  // page's own keys (main.js) call back() / forward().
  live.addEventListener('click', () => { stop(); hooks.setCursor(null); });

  function back() {
    const end = lastStep(hooks.data());
    if (end < 0) return;
    const k = hooks.cursor();
    stop();
    hooks.setCursor(Math.max(0, (k === null ? end : k) - 1));
  }

  /** forward moves the cursor one step on; false when it was already live (main.js then steps the session). */
  function forward() {
    const k = hooks.cursor();
    if (k === null) return false;
    stop();
    const end = lastStep(hooks.data());
    hooks.setCursor(k + 1 >= end ? null : k + 1);
    return true;
  }

  /**
   * play replays the record from the cursor at the scenario's rate; onEnd()
   * is called when the cursor reaches the newest point (the cursor is then
   * null, following the live session).
   */
  function play(onEnd) {
    stop();
    const rate = hooks.rate() || 600;
    replay = { last: performance.now(), acc: 0, raf: 0 };
    const tick = (now) => {
      if (!replay) return;
      replay.acc += ((now - replay.last) / 1000) * rate;
      replay.last = now;
      const n = Math.floor(replay.acc);
      if (n > 0) {
        replay.acc -= n;
        const k = hooks.cursor();
        const end = lastStep(hooks.data());
        const next = (k === null ? end : k) + n;
        if (next >= end) {
          replay = null;
          hooks.setCursor(null);
          onEnd();
          return;
        }
        hooks.setCursor(next);
      }
      replay.raf = requestAnimationFrame(tick);
    };
    replay.raf = requestAnimationFrame(tick);
  }

  function stop() {
    if (replay) cancelAnimationFrame(replay.raf);
    replay = null;
  }

  function render() {
    const t = hooks.t();
    const end = lastStep(hooks.data());
    const k = hooks.cursor();
    const steps = hooks.steps();
    input.max = String(Math.max(0, end));
    input.value = String(k === null ? Math.max(0, end) : k);
    input.disabled = end < 1;
    setText(label, t('timeline.label'));
    input.title = t('timeline.tip');
    const at = k === null ? end : k;
    setText(out, end < 0 ? '' : t('timeline.at', { n: formatInt(Math.max(0, at)), total: formatInt(steps) }));
    input.setAttribute('aria-valuetext', out.textContent);
    setText(live, t('timeline.live'));
    live.title = t('timeline.liveTip');
    live.hidden = k === null;
    box.classList.toggle('scrubbed', k !== null);
  }

  return { render, back, forward, play, stop, replaying: () => !!replay };
}
