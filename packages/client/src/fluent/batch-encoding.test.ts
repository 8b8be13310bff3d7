import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeLogBatch } from './batch-encoding.js';

test('encodeLogBatch writes exactly what JSON.stringify would, without empty lists', () => {
  const batch = {
    metrics: [
      { key: 'loss', value: 0.25, timestamp: 1700000000000, step: 3 },
      { key: 'we"ird\\key ü', value: -0, timestamp: 0, step: -2 },
      { key: 'nan', value: 'NaN' as const, timestamp: 1, step: 0 },
      { key: 'big', value: 1e300, timestamp: 1, step: 0 },
      { key: 'inf', value: '-Infinity' as const, timestamp: 1, step: 0 },
    ],
    params: [{ key: 'p', value: 'a "quoted" value' }],
    tags: [],
  };
  const text = encodeLogBatch('run-1', batch);
  assert.equal(text, JSON.stringify({ run_id: 'run-1', metrics: batch.metrics, params: batch.params }));
  assert.equal(
    encodeLogBatch('r', { metrics: [], params: [], tags: [{ key: 't', value: 'v' }] }),
    '{"run_id":"r","tags":[{"key":"t","value":"v"}]}',
  );
});
