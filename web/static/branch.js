// branch.js: "branch here". A run that branches off run FROM at step K
// (state.branch, the link's branch=RUN:FROM:STEP) is started with FROM's
// settings, start and seed, so that its first K steps are FROM's; at step K
// the page changes it to its own settings with websocket set messages,
// which keep the point and the optimizer's state (momentum buffers, Adam's
// moments) as a run started from that step's state would. Pure: no DOM.

import { OPTIMIZERS, findSpec, defaultOf } from './schema.js';
import { setMessage, LIVE_KEYS } from './protocol.js';

/**
 * branchScenario returns the scenario sc (toScenario of st) with each
 * branch run's settings, start and seed replaced by its parent's, and the
 * plan: [{run, at, msgs}] sorted by step, msgs the set messages that give
 * the run its own settings from step `at` on. A set merges into the run's
 * settings, so every key the parent gave that the branch does not is sent
 * at its default, and a scheduler of the parent's name goes through
 * "constant" first (a new name starts from that scheduler's defaults).
 */
export function branchScenario(st, sc) {
  const plan = [];
  const out = { ...sc, runs: sc.runs.map((r) => ({ ...r })) };
  for (const b of st.branch || []) {
    const own = sc.runs[b.run], parent = sc.runs[b.from];
    if (!own || !parent) continue;
    out.runs[b.run] = { ...parent, optimizer: { ...parent.optimizer }, scheduler: { ...parent.scheduler }, label: own.label };
    if (!own.label) delete out.runs[b.run].label;
    if (own.optimizer_y || parent.optimizer_y) out.runs[b.run].optimizer_y = parent.optimizer_y;
    const opt = { ...own.optimizer };
    if (opt.name === parent.optimizer.name) {
      for (const k of Object.keys(parent.optimizer)) {
        if (k in opt) continue;
        const spec = findSpec(OPTIMIZERS[opt.name], k);
        if (spec) opt[k] = defaultOf(spec, { steps: st.steps, lr: opt.lr });
      }
    }
    const msgs = [];
    const sched = { ...own.scheduler };
    if (sched.name === parent.scheduler.name && sched.name !== 'constant') msgs.push(setMessage(b.run, { scheduler: { name: 'constant' } }));
    msgs.push(setMessage(b.run, { optimizer: opt, scheduler: sched, ...liveOf(own) }));
    plan.push({ run: b.run, at: b.at, msgs });
  }
  plan.sort((a, b) => a.at - b.at);
  return { scenario: out, plan };
}

/**
 * remapBranches returns branches with the run indices of before (a runs
 * array) moved to where the same run objects are in after; a branch whose
 * run or parent is gone, or whose parent is no longer before it, is left
 * out (with the runs it named).
 */
export function remapBranches(branches, before, after) {
  const out = [];
  for (const b of branches || []) {
    const run = after.indexOf(before[b.run]), from = after.indexOf(before[b.from]);
    if (run >= 0 && from >= 0 && from < run) out.push({ run, from, at: b.at });
  }
  return out;
}

// liveOf returns the live run-level settings of run r that a set message
// carries (protocol.js LIVE_KEYS) when it holds a number for them.
function liveOf(r) {
  const out = {};
  for (const k of LIVE_KEYS) if (typeof r[k] === 'number') out[k] = r[k];
  return out;
}
