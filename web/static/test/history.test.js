import './schema-install.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHistory } from '../history.js';

test('undo and redo walk back and forth through the recorded changes', () => {
  const h = createHistory();
  assert.equal(h.canUndo(), false);
  h.record('a', 'A', 0);
  h.record('b', 'B', 1000);
  h.record('c', 'C', 2000);
  assert.equal(h.undo(), 'B');
  assert.equal(h.undo(), 'A');
  assert.equal(h.undo(), null, 'nothing before the first');
  assert.equal(h.redo(), 'B');
  assert.equal(h.redo(), 'C');
  assert.equal(h.redo(), null, 'nothing after the last');
});

test('an equal scenario is not a change; a new change drops the redo entries', () => {
  const h = createHistory();
  h.record('a', 1, 0);
  assert.equal(h.record('a', 1, 10), false);
  h.record('b', 2, 1000);
  assert.equal(h.undo(), 1);
  assert.equal(h.record('a', 1, 1500), false, 'the page showing the undone state records nothing');
  assert.equal(h.canRedo(), true);
  h.record('c', 3, 2000);
  assert.equal(h.canRedo(), false);
  assert.equal(h.undo(), 1);
  assert.equal(h.redo(), 3);
});

test('a drag of one control is one entry; another control or a pause makes a new one', () => {
  const h = createHistory({ mergeMs: 500 });
  h.record('lr=0.1', 0.1, 0);
  h.record('lr=0.2', 0.2, 1000, 'optimizer.lr');
  h.record('lr=0.3', 0.3, 1100, 'optimizer.lr');
  h.record('lr=0.4', 0.4, 1200, 'optimizer.lr');
  assert.equal(h.size(), 2);
  assert.equal(h.undo(), 0.1);
  assert.equal(h.redo(), 0.4);
  h.record('m', 'm', 1300, 'optimizer.momentum');
  h.record('lr=0.5', 0.5, 1400, 'optimizer.lr');
  h.record('lr=0.6', 0.6, 3000, 'optimizer.lr');
  assert.equal(h.size(), 5);
  // after an undo the same control starts a new entry
  assert.equal(h.undo(), 0.5);
  h.record('lr=0.7', 0.7, 3100, 'optimizer.lr');
  assert.equal(h.undo(), 0.5);
});

test('replace changes the current entry without a new one; the limit drops the oldest', () => {
  const h = createHistory({ limit: 3 });
  h.record('a', 'A', 0);
  h.replace('a2', 'A2');
  assert.equal(h.size(), 1);
  h.record('b', 'B', 1000);
  h.record('c', 'C', 2000);
  h.record('d', 'D', 3000);
  assert.equal(h.size(), 3);
  assert.equal(h.undo(), 'C');
  assert.equal(h.undo(), 'B');
  assert.equal(h.undo(), null);
});
