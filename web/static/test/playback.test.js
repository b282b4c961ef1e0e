import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPlayback, receive, advance, setRate, pending, maxLagSeconds } from '../playback.js';

test('points that come four at a time (15 frames/s at 60 steps/s) play one per 1/60 s', () => {
  const pb = createPlayback(60);
  assert.equal(receive(pb, 0, 1), 1, 'the start point shows at once');
  assert.deepEqual(advance(pb, 0), [1]);
  assert.equal(receive(pb, 0, 5), 1, 'a frame of four new points does not jump');
  const shown = [];
  for (let k = 1; k <= 4; k++) shown.push(advance(pb, k * 1000 / 60 + 0.01)[0]);
  assert.deepEqual(shown, [2, 3, 4, 5]);
  assert.equal(pending(pb), false);
  assert.deepEqual(advance(pb, 200), [5], 'never past the points received');
});

test('runs play independently, and a run added later starts at its first point', () => {
  const pb = createPlayback(30);
  receive(pb, 0, 1);
  advance(pb, 0);
  receive(pb, 0, 4);
  assert.equal(receive(pb, 2, 3), 1);
  assert.equal(pb.runs.length, 3);
  assert.deepEqual(advance(pb, 1000 / 30 + 0.01), [2, 0, 2]);
  assert.equal(pending(pb), true);
});

test('a burst is never played more than maxLagSeconds behind', () => {
  const pb = createPlayback(60);
  receive(pb, 0, 1);
  advance(pb, 0);
  const lag = maxLagSeconds * 60;
  assert.equal(receive(pb, 0, 1001), 1001 - lag);
  assert.deepEqual(advance(pb, 1000 / 60 + 0.01), [1001 - lag + 1]);
});

test('rate 0 shows everything at once; a lower count (a restarted tail) is followed', () => {
  const pb = createPlayback(0);
  assert.equal(receive(pb, 0, 500), 500);
  assert.deepEqual(advance(pb, 10), [500]);
  setRate(pb, 60, 10);
  assert.equal(receive(pb, 0, 300), 300, 'a frame with an earlier t0 shortens the run');
  assert.equal(receive(pb, 0, 302), 300);
  setRate(pb, 0, 20);
  assert.deepEqual(advance(pb, 20), [302]);
});
