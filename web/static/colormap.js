// colormap.js: a perceptually uniform colour map and the colour-blind-safe
// palette of the runs. Pure: no DOM.

/**
 * VIRIDIS_ANCHORS are eleven evenly spaced samples (t = 0, 0.1, … 1) of the
 * viridis map; colours between them are interpolated linearly, which stays
 * within a few units of the full map.
 */
export const VIRIDIS_ANCHORS = [
  [0x44, 0x01, 0x54], [0x48, 0x24, 0x75], [0x41, 0x44, 0x87], [0x35, 0x5f, 0x8d],
  [0x2a, 0x78, 0x8e], [0x21, 0x91, 0x8c], [0x22, 0xa8, 0x84], [0x44, 0xbf, 0x70],
  [0x7a, 0xd1, 0x51], [0xbd, 0xdf, 0x26], [0xfd, 0xe7, 0x25],
];

/** colorAt returns [r, g, b] (0…255) of the map at t in [0, 1] (clamped). */
export function colorAt(t, anchors = VIRIDIS_ANCHORS) {
  if (!(t > 0)) t = 0; // also maps NaN to the low end
  if (t > 1) t = 1;
  const f = t * (anchors.length - 1);
  const i = Math.min(anchors.length - 2, Math.floor(f));
  const u = f - i;
  const a = anchors[i], b = anchors[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * u));
}

/**
 * lookupTable returns n colours of the map as a Uint8Array of r, g, b
 * triples, for fast painting: entry k is colorAt(k / (n-1)).
 */
export function lookupTable(n = 256, anchors = VIRIDIS_ANCHORS) {
  const lut = new Uint8Array(n * 3);
  for (let k = 0; k < n; k++) lut.set(colorAt(k / (n - 1), anchors), k * 3);
  return lut;
}

/**
 * PALETTE is the Okabe–Ito set of eight colours that stay distinct under the
 * common forms of colour blindness, ordered so that the first runs get the
 * colours that stand out best on the map. The last (black) becomes white on
 * a dark page: see runColor.
 */
export const PALETTE = [
  '#D55E00', // vermillion
  '#0072B2', // blue
  '#E69F00', // orange
  '#009E73', // bluish green
  '#CC79A7', // reddish purple
  '#56B4E9', // sky blue
  '#F0E442', // yellow
  '#000000', // black
];

/** runColor returns the colour of run i (mod 8); dark selects the dark-theme variant. */
export function runColor(i, dark = false) {
  const c = PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length];
  return dark && c === '#000000' ? '#FFFFFF' : c;
}

/**
 * SERIES_PALETTE colours the analyses' series (the sweep's optimizers), apart
 * from the runs' Okabe–Ito colours so that a colour never means a run there:
 * Paul Tol's "muted" scheme, also colour-blind safe, with a dash pattern
 * each (SERIES_DASHES) for one more cue.
 */
export const SERIES_PALETTE = ['#332288', '#117733', '#AA4499', '#999933', '#44AA99', '#882255'];
export const SERIES_DASHES = [[], [9, 4], [3, 3], [12, 3, 3, 3], [6, 6], [2, 5]];

/**
 * LEVEL_COLORS colours ordered levels (the flat share's noise σ = 0, 0.5, 1,
 * 2): samples of the plasma map far enough apart to tell at a glance (the
 * viridis samples of σ = 0 and 0.5 were two dark blues).
 */
export const LEVEL_COLORS = ['#0D0887', '#9C179E', '#ED7953', '#C69200'];

/** toCss returns "rgb(r g b)" of a triple. */
export const toCss = ([r, g, b]) => `rgb(${r} ${g} ${b})`;
