// history.js: undo and redo of the scenario's changes. Pure: no DOM, no
// clock (the caller passes the time). Each entry is a key (a string that
// is equal for equal scenarios: recording an equal one is a no-op) and a
// value given back by undo and redo. Changes of one control in quick
// succession (a slider's drag: the same tag within mergeMs) make one entry.

/**
 * createHistory returns {record, replace, undo, redo, canUndo, canRedo,
 * size}. limit: the most entries kept (the oldest go first); mergeMs: how
 * close in time two changes with the same tag must be to merge.
 */
export function createHistory({ limit = 200, mergeMs = 600 } = {}) {
  let entries = []; // {key, value}
  let index = -1; // the entry the page shows
  let lastTag = null, lastAt = -Infinity;

  /**
   * record notes that the page now shows (key, value) after a change with
   * tag (a control's name, or null: never merged), at time now (ms). It
   * returns true when an entry was added or merged. The redo entries go.
   */
  function record(key, value, now = 0, tag = null) {
    if (index >= 0 && entries[index].key === key) return false;
    entries.length = index + 1;
    if (tag !== null && tag === lastTag && now - lastAt < mergeMs && index > 0) {
      entries[index] = { key, value };
    } else {
      entries.push({ key, value });
      if (entries.length > limit) entries.splice(0, entries.length - limit);
      index = entries.length - 1;
    }
    lastTag = tag;
    lastAt = now;
    return true;
  }

  /** replace puts (key, value) in place of the current entry (a change that is not the user's: the page relabelling a lesson). */
  function replace(key, value) {
    if (index < 0) { record(key, value); return; }
    entries[index] = { key, value };
  }

  /** undo steps back one entry and returns its value (null when there is none). */
  function undo() {
    if (index <= 0) return null;
    index--;
    lastTag = null;
    return entries[index].value;
  }

  /** redo steps forward one entry and returns its value (null when there is none). */
  function redo() {
    if (index >= entries.length - 1) return null;
    index++;
    lastTag = null;
    return entries[index].value;
  }

  return {
    record, replace, undo, redo,
    canUndo: () => index > 0,
    canRedo: () => index < entries.length - 1,
    size: () => entries.length,
  };
}
