import './schema-install.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPTIMIZERS, SCHEDULERS, OPTIMIZER_NAMES, SCHEDULER_NAMES, UPDATES, RUN, TOP, LIMITS, findSpec, defaultOf, installSchema } from '../schema.js';

// The defaults the page derived from the run before the schema came from
// the server (schema.js's own functions): the derive rules must give them.
const before = {
  step_size: ({ steps }) => Math.max(1, Math.floor(steps / 4)),
  T_0: ({ steps }) => Math.max(1, Math.floor(steps / 4)),
  milestones: ({ steps }) => { const a = Math.floor(steps / 2), b = Math.floor(3 * steps / 4); return a === b ? [a] : [a, b]; },
  T_max: ({ steps }) => Math.max(1, steps),
  total_steps: ({ steps }) => Math.max(1, steps),
  warmup_steps: ({ steps }) => Math.floor(steps / 10),
  decay_steps: ({ steps }) => Math.floor(steps / 5),
  max_lr: ({ lr }) => lr,
  base_lr: ({ lr }) => lr / 10,
};

test('derived defaults are the ones the page had, for every scheduler that derives one', () => {
  let n = 0;
  for (const name of SCHEDULER_NAMES) {
    for (const spec of SCHEDULERS[name]) {
      if (!spec.derive) continue;
      assert.ok(before[spec.key], `${name}.${spec.key} derives a default the test does not know`);
      for (const steps of [1, 2, 3, 4, 7, 10, 200, 999, 10000]) {
        for (const lr of [1e-3, 0.05, 0.1, 0.3, 0.7, 2]) {
          assert.deepEqual(defaultOf(spec, { steps, lr }), before[spec.key]({ steps, lr }), `${name}.${spec.key} at steps ${steps}, lr ${lr}`);
          n++;
        }
      }
    }
  }
  assert.ok(n > 0);
});

test('the tables come from the JSON, in its order, and a setting without default gives null', () => {
  assert.deepEqual(OPTIMIZER_NAMES, ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad']);
  assert.equal(SCHEDULER_NAMES[0], 'constant');
  assert.deepEqual(UPDATES, ['simultaneous', 'alternating']);
  assert.equal(defaultOf(findSpec(OPTIMIZERS.adamw, 'weight_decay'), {}), 1e-2);
  assert.equal(defaultOf(findSpec(SCHEDULERS.cyclic, 'step_size_down'), { steps: 200, lr: 0.1 }), null);
  assert.ok(findSpec(RUN, 'noise').live);
  assert.equal(findSpec(TOP, 'steps').max, LIMITS.steps);
  assert.ok(Number.isInteger(LIMITS.runs) && LIMITS.runs > 0);
});

test('installSchema refuses JSON that is not a schema, naming what is missing', () => {
  assert.throws(() => installSchema({ optimizers: [], schedulers: [], run: [], top: [] }), /no "limits"/);
  assert.throws(() => installSchema('null'), /no "optimizers"/);
});
