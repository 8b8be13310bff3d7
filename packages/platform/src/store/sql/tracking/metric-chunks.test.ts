import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { columnsOf, concatPoints, decodeChunk, encodeChunk, sortUnique } from './metric-chunks.js';

const rows = (p: ReturnType<typeof columnsOf>) =>
  Array.from({ length: p.length }, (_, i) => [p.timestamps[i], p.steps[i], p.values[i]]);

describe('metric chunks', () => {
  it('round-trips points, NaN and infinities included', () => {
    const points = columnsOf([
      { timestamp: 1700000000000, step: -3, value: 0.5 },
      { timestamp: 2, step: 2 ** 52, value: Number.NaN },
      { timestamp: 3, step: 0, value: Number.NEGATIVE_INFINITY },
    ]);
    const decoded = decodeChunk(encodeChunk(points));
    assert.deepEqual(rows(decoded), rows(points));
  });

  it('orders by (timestamp, step, value) and drops identical points, NaN equal to NaN', () => {
    const merged = sortUnique(
      concatPoints([
        columnsOf([
          { timestamp: 10, step: 1, value: 0.7 },
          { timestamp: 5, step: 2, value: Number.NaN },
        ]),
        columnsOf([
          { timestamp: 5, step: 2, value: Number.NaN },
          { timestamp: 5, step: 2, value: 0.1 },
          { timestamp: 10, step: 1, value: 0.7 },
          { timestamp: 10, step: 0, value: 0.9 },
        ]),
      ]),
    );
    assert.deepEqual(rows(merged), [
      [5, 2, 0.1],
      [5, 2, Number.NaN],
      [10, 0, 0.9],
      [10, 1, 0.7],
    ]);
  });

  it('leaves already ordered points as they are', () => {
    const points = columnsOf(Array.from({ length: 1000 }, (_, i) => ({ timestamp: i, step: i, value: i / 3 })));
    assert.equal(sortUnique(points), points);
  });

  it('refuses a corrupt blob', () => {
    assert.throws(() => decodeChunk(new Uint8Array(25)), /Corrupt metric chunk/);
  });
});
