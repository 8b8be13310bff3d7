// Row slots: which DOM row each rendered row of the virtualized runs table reuses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignSlots } from './row-slots.js';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('row slots', () => {
  it('numbers the first rows 0..n-1', () => {
    assert.deepEqual(
      [...assignSlots(new Map(), range(0, 4)).entries()],
      [
        [0, 0],
        [1, 1],
        [2, 2],
        [3, 3],
      ],
    );
  });

  it('keeps the slot of a row that stays, and gives the slots of leaving rows to incoming ones', () => {
    const first = assignSlots(new Map(), range(10, 20));
    const next = assignSlots(first, range(13, 23));
    for (const index of range(13, 20)) assert.equal(next.get(index), first.get(index));
    assert.deepEqual(
      range(20, 23).map((i) => next.get(i)),
      range(10, 13).map((i) => first.get(i)),
    );
    assert.equal(new Set(next.values()).size, 10, 'slots are unique');
  });

  it('makes new slots only for the extra rows when more rows come into view', () => {
    const first = assignSlots(new Map(), range(10, 20));
    const next = assignSlots(first, range(12, 24));
    const used = new Set(first.values());
    const fresh = [...next.values()].filter((slot) => !used.has(slot));
    assert.deepEqual(fresh, [10, 11]);
    assert.equal(new Set(next.values()).size, 12);
  });

  it('reuses slots after a jump far away, and after fewer rows', () => {
    const first = assignSlots(new Map(), range(0, 8));
    const far = assignSlots(first, range(500, 505));
    assert.deepEqual(
      [...far.values()].sort((a, b) => a - b),
      [0, 1, 2, 3, 4],
    );
    const back = assignSlots(far, range(0, 8));
    assert.deepEqual(
      [...back.values()].sort((a, b) => a - b),
      range(0, 8),
    );
  });
});
