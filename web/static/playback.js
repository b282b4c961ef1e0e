// playback.js: how many of the points received the page shows now (pure).
//
// The server may send fewer frames a second than the page draws (its
// -frame-rate, e.g. 15 on the wire against 60 on screen): each frame then
// brings a few points at once. Playback spreads them out again, showing a
// run's points at the run's own rate (steps per second) so the trail moves
// as smoothly as if every point had its own frame. It never invents a point
// and never holds one back for long:
//
//   - a run's first point is shown as soon as it arrives (the page's
//     lab:first-point mark keeps its meaning);
//   - at rate 0 (as fast as allowed) every point is shown at once;
//   - a run never lags the points it holds by more than maxLag seconds of
//     its rate (a burst from a step message, a catch-up frame of a room,
//     a tab that was hidden): the excess is shown at once.
//
// Times are milliseconds (performance.now()). The state is a plain object;
// nothing here touches the page.

/** maxLagSeconds bounds how far behind the received points a run plays. */
export const maxLagSeconds = 0.25;

/**
 * createPlayback returns the playback state of a scenario whose runs step
 * at rate steps per second (0: as fast as allowed).
 */
export function createPlayback(rate) {
  return { rate: rate > 0 ? rate : 0, last: null, runs: [] };
}

function runOf(pb, i) {
  while (pb.runs.length <= i) pb.runs.push({ have: 0, shown: 0 });
  return pb.runs[i];
}

/**
 * receive records that run i now holds count points (all it was sent so
 * far; a frame that restarts earlier may lower it) and returns the number
 * shown.
 */
export function receive(pb, i, count) {
  const r = runOf(pb, i);
  r.have = count;
  if (pb.rate === 0) r.shown = count;
  else {
    if (r.shown < 1 && count > 0) r.shown = 1; // the first point at once
    r.shown = Math.max(Math.min(r.shown, count), count - maxLagSeconds * pb.rate);
  }
  return Math.floor(r.shown);
}

/**
 * advance moves every run on to time now (ms) and returns the number of
 * points each shows (whole points, in run order).
 */
export function advance(pb, now) {
  const dt = pb.last === null ? 0 : Math.max(now - pb.last, 0) / 1000;
  pb.last = now;
  return pb.runs.map((r) => {
    if (pb.rate === 0) r.shown = r.have;
    else r.shown = Math.min(r.have, Math.max(r.shown + dt * pb.rate, r.have - maxLagSeconds * pb.rate));
    return Math.floor(r.shown);
  });
}

/** setRate changes the rate from time now on (the points shown stay). */
export function setRate(pb, rate, now) {
  advance(pb, now);
  pb.rate = rate > 0 ? rate : 0;
  if (pb.rate === 0) for (const r of pb.runs) r.shown = r.have;
}

/**
 * pending reports whether some run holds points it does not show yet, so
 * the page keeps asking for animation frames.
 */
export function pending(pb) {
  return pb.runs.some((r) => Math.floor(r.shown) < r.have);
}
