import './schema-install.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeGrid, encodeGrid } from '../grid.js';
import { sampleGrid } from '../gridview.js';

const sample = () => ({
  nx: 3, ny: 2, box: { xmin: -1, xmax: 1, ymin: 0, ymax: 2 }, vmin: 0, vmax: 5,
  values: new Float32Array([0, 1, 2, 3, NaN, 5]),
  levels: [{ level: 0.5, segments: new Float32Array([0, 0, 1, 1, 0.5, 0.5, 0.25, 0.25]) }, { level: 2, segments: new Float32Array([]) }],
});

test('decodes what encodeGrid wrote', () => {
  const g = decodeGrid(encodeGrid(sample()));
  assert.equal(g.nx, 3);
  assert.equal(g.ny, 2);
  assert.deepEqual(g.box, { xmin: -1, xmax: 1, ymin: 0, ymax: 2 });
  assert.equal(g.vmax, 5);
  assert.equal(g.values[3], 3);
  assert.ok(Number.isNaN(g.values[4]));
  assert.equal(g.levels.length, 2);
  assert.equal(g.levels[0].level, 0.5);
  assert.deepEqual([...g.levels[0].segments], [0, 0, 1, 1, 0.5, 0.5, 0.25, 0.25]);
  assert.equal(g.levels[1].segments.length, 0);
});

test('decodes from an unaligned view too', () => {
  const buf = new Uint8Array(encodeGrid(sample()));
  const shifted = new Uint8Array(buf.length + 1);
  shifted.set(buf, 1);
  const g = decodeGrid(new DataView(shifted.buffer, 1));
  assert.equal(g.values[5], 5);
  assert.equal(g.levels[0].segments[3], 1);
});

test('rejects bad magic and truncated data with a message', () => {
  const buf = new Uint8Array(encodeGrid(sample()));
  const bad = buf.slice(); bad[0] = 0x58;
  assert.throws(() => decodeGrid(bad.buffer), /bad magic/);
  assert.throws(() => decodeGrid(buf.slice(0, 40).buffer), /truncated at values/);
  assert.throws(() => decodeGrid(buf.slice(0, buf.length - 4).buffer), /truncated/);
});

test('samples bilinearly', () => {
  const g = sample();
  assert.equal(sampleGrid(g, -1, 0), 0);
  assert.equal(sampleGrid(g, -0.5, 0), 0.5);
  assert.ok(Number.isNaN(sampleGrid(g, 5, 0)));
});
