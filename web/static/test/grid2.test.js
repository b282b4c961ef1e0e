// The LRG2 grid against the LRG1 grid of the same surface, both written by
// the server's encoders (server/gridformat_test.go TestGridGolden, go test
// ./server -run TestGridGolden -update): the quantised values keep their
// precision and the map's colours, the polylines give back the segments.
import './schema-install.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeGrid, MAGIC2 } from '../grid.js';
import { gridNormalizer } from '../heatmap.js';

const load = (name) => decodeGrid(new Uint8Array(readFileSync(new URL(`./golden/${name}`, import.meta.url))));
const NAMES = ['grid-quadratic', 'grid-rosenbrock', 'grid-log'];

for (const name of NAMES) {
  const exact = load(`${name}.lrg1.bin`);
  const packed = load(`${name}.lrg2.bin`);

  test(`${name}: LRG2 has LRG1's shape, box, range and levels`, () => {
    assert.equal(packed.nx, exact.nx);
    assert.equal(packed.ny, exact.ny);
    for (const k of ['xmin', 'xmax', 'ymin', 'ymax']) assert.equal(Math.fround(packed.box[k]), exact.box[k]);
    assert.equal(Math.fround(packed.vmin), exact.vmin);
    assert.equal(Math.fround(packed.vmax), exact.vmax);
    assert.equal(packed.levels.length, exact.levels.length);
    packed.levels.forEach((l, k) => assert.equal(Math.fround(l.level), Math.fround(exact.levels[k].level)));
  });

  test(`${name}: every value within 1.7e-4 of its height above vmin, NaN where LRG1 has NaN`, () => {
    const s = (exact.vmax - exact.vmin) * 1e-9;
    let worst = 0;
    for (let i = 0; i < exact.values.length; i++) {
      const a = exact.values[i], b = packed.values[i];
      if (!Number.isFinite(a)) { assert.ok(Number.isNaN(b), `value ${i}: ${b} where LRG1 has ${a}`); continue; }
      const h = a - exact.vmin;
      const err = Math.abs(a - b);
      if (err > s) worst = Math.max(worst, err / h);
    }
    assert.ok(worst <= 1.7e-4, `worst relative error ${worst}`);
  });

  test(`${name}: the map's colours are those of LRG1 (at most one step of 256 apart)`, () => {
    const ne = gridNormalizer(exact), np = gridNormalizer(packed);
    let differ = 0, worst = 0;
    for (let i = 0; i < exact.values.length; i++) {
      const a = exact.values[i];
      if (!Number.isFinite(a)) continue;
      const d = Math.abs(Math.round(ne(a) * 255) - Math.round(np(packed.values[i]) * 255));
      if (d) differ++;
      worst = Math.max(worst, d);
    }
    assert.ok(worst <= 1, `a colour ${worst} steps apart`);
    assert.ok(differ <= exact.values.length * 0.01, `${differ} of ${exact.values.length} points change colour`);
  });

  test(`${name}: the polylines give back LRG1's segments to a 65535th of the box`, () => {
    const key = (s, i, box) => {
      const q = (v, lo, hi) => Math.round((v - lo) / (hi - lo) * 65535);
      const a = `${q(s[i], box.xmin, box.xmax)},${q(s[i + 1], box.ymin, box.ymax)}`;
      const b = `${q(s[i + 2], box.xmin, box.xmax)},${q(s[i + 3], box.ymin, box.ymax)}`;
      return a < b ? `${a} ${b}` : `${b} ${a}`;
    };
    exact.levels.forEach((l, k) => {
      const p = packed.levels[k].segments;
      assert.equal(p.length, l.segments.length, `level ${k}: segment count`);
      const want = new Map();
      for (let i = 0; i < l.segments.length; i += 4) { const s = key(l.segments, i, exact.box); want.set(s, (want.get(s) || 0) + 1); }
      for (let i = 0; i < p.length; i += 4) {
        const s = key(p, i, exact.box);
        assert.ok(want.get(s) > 0, `level ${k}: segment ${s} not in LRG1`);
        want.set(s, want.get(s) - 1);
      }
    });
  });
}

test('LRG2: a truncated grid and trailing bytes are errors naming what is wrong', () => {
  const body = new Uint8Array(readFileSync(new URL('./golden/grid-quadratic.lrg2.bin', import.meta.url)));
  assert.equal(String.fromCharCode(...body.slice(0, 4)), MAGIC2);
  assert.throws(() => decodeGrid(body.slice(0, 40)), /truncated at header/);
  assert.throws(() => decodeGrid(body.slice(0, 2000)), /truncated at values/);
  assert.throws(() => decodeGrid(body.slice(0, body.length - 3)), /truncated at points of level/);
  const longer = new Uint8Array(body.length + 2);
  longer.set(body);
  assert.throws(() => decodeGrid(longer), /2 bytes after the last level/);
  // a residual of six varint bytes (more than 35 bits) is refused, as the
  // level varints are: the header is 4 + 8 + 7 × 8 bytes
  const bad = body.slice();
  bad.set([0x80, 0x80, 0x80, 0x80, 0x80, 0x01], 4 + 8 + 7 * 8);
  assert.throws(() => decodeGrid(bad), /bad number at values/);
});

test('gridCovers: a view inside the grid at nearly its scale is covered; one past an edge or zoomed in is not', async () => {
  const { gridCovers } = await import('../gridview.js');
  const box = { xmin: -3, xmax: 3, ymin: -2, ymax: 3.2962 };
  assert.equal(gridCovers(box, { xmin: -3, xmax: 3, ymin: -2, ymax: 3.2747 }), true); // the map settling: 0.4 % less
  assert.equal(gridCovers(box, box), true);
  assert.equal(gridCovers(box, { xmin: -3, xmax: 3, ymin: -2, ymax: 3.31 }), false); // past the top edge
  assert.equal(gridCovers(box, { xmin: -3.01, xmax: 3, ymin: -2, ymax: 3 }), false); // past the left edge
  assert.equal(gridCovers(box, { xmin: -1, xmax: 1, ymin: -1, ymax: 1 }), false); // zoomed in: a finer grid is due
});
