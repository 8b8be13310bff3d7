import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KeyValue } from '@keel/contract';
import { type LogBatch, LogQueue } from './log-queue.js';

function recordingQueue(delayMs = 0, fail?: (batch: LogBatch) => boolean) {
  const batches: LogBatch[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const failures: string[] = [];
  const queue = new LogQueue({
    send: async (_runId, batch) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      inFlight--;
      if (fail?.(batch)) throw new Error('refused');
      batches.push(batch);
    },
    onFailure: (error, failure) => failures.push(`${failure.runId}:${failure.metrics}:${error.message}`),
    maxInFlight: 3,
  });
  return { queue, batches, failures, maxInFlight: () => maxInFlight };
}

describe('LogQueue', () => {
  test('splits into batches within the log-batch limits and delivers everything', async () => {
    const { queue, batches } = recordingQueue();
    for (let i = 0; i < 2500; i++) queue.addMetric('r', { key: 'm', value: i, timestamp: 1, step: i });
    for (let i = 0; i < 250; i++) queue.addParam('r', { key: `p${i}`, value: 'v' });
    for (let i = 0; i < 250; i++) queue.addTag('r', { key: `t${i}`, value: 'v' });
    assert.equal(queue.pending, 3000);
    await queue.flush();
    assert.equal(queue.pending, 0);
    for (const b of batches) {
      assert.ok(b.metrics.length <= 1000 && b.params.length <= 100 && b.tags.length <= 100);
      assert.ok(b.metrics.length + b.params.length + b.tags.length <= 1000);
    }
    assert.equal(
      batches.reduce((n, b) => n + b.metrics.length, 0),
      2500,
    );
    assert.equal(
      batches.reduce((n, b) => n + b.params.length, 0),
      250,
    );
    assert.equal(
      batches.reduce((n, b) => n + b.tags.length, 0),
      250,
    );
  });

  test('never puts one param key twice in a batch, and keeps tag order', async () => {
    const { queue, batches } = recordingQueue(2);
    queue.addParam('r', { key: 'a', value: '1' });
    queue.addParam('r', { key: 'a', value: '1' });
    for (let i = 0; i < 5; i++) queue.addTag('r', { key: 'stage', value: String(i) });
    await queue.flush();
    for (const b of batches) assert.equal(new Set(b.params.map((p) => p.key)).size, b.params.length);
    const tags = batches.flatMap((b) => b.tags) as KeyValue[];
    assert.deepEqual(
      tags.map((t) => t.value),
      ['0', '1', '2', '3', '4'],
    );
  });

  test('sends metric-only batches concurrently, up to the limit', async () => {
    const { queue, maxInFlight } = recordingQueue(5);
    for (let i = 0; i < 10_000; i++) queue.addMetric('r', { key: 'm', value: i, timestamp: 1, step: i });
    await queue.flush();
    assert.equal(maxInFlight(), 3);
  });

  test('a failed batch is reported and makes flush reject, once', async () => {
    const { queue, failures } = recordingQueue(0, (b) => b.metrics.some((m) => m.key === 'bad'));
    queue.addMetric('r', { key: 'bad', value: 1, timestamp: 1, step: 0 });
    await assert.rejects(queue.flush(), /refused/);
    assert.deepEqual(failures, ['r:1:refused']);
    await queue.flush();
  });
});
