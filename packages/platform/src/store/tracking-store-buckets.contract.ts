/**
 * The bucketed-history part of the `TrackingStore` contract suite (Keel's chart endpoint),
 * called from `describeTrackingStore`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toNumber } from '@keel/contract';
import { describeBucketEnvelopesContract } from './tracking-store-bucket-envelopes.contract.js';
import { rejectsWith } from './tracking-store-contract-support.js';
import type { LoggingContractContext } from './tracking-store-logging.contract.js';

export function describeBucketsContract({ store: current, newRun, unique }: LoggingContractContext): void {
  describe('bucketed metric histories', () => {
    it('keeps every peak: min, max and last per bucket, counts adding up', async () => {
      const a = (await newRun()).info.run_id;
      // 1,000 points in two writes (two chunks, logged out of order), with one spike at step 501.
      const points = Array.from({ length: 1000 }, (_, i) => ({
        key: 'loss',
        value: i === 501 ? 1000 : i % 7,
        timestamp: 10_000 + i * 10,
        step: i,
      }));
      await current().logBatch(a, { metrics: points.slice(500) });
      await current().logBatch(a, { metrics: points.slice(0, 500) });
      const page = await current().getMetricBuckets({ run_ids: [a], metric_key: 'loss', buckets: 10 });
      assert.equal(page.start, 0);
      assert.equal(page.end, 999);
      const [series] = page.series;
      assert.ok(series);
      assert.equal(series.point_count, 1000);
      assert.equal(series.count.length, 10);
      assert.equal(
        series.count.reduce((s, c) => s + c, 0),
        1000,
      );
      assert.deepEqual(series.max.map(toNumber), [6, 6, 6, 6, 6, 1000, 6, 6, 6, 6]);
      assert.deepEqual(series.min.map(toNumber), Array(10).fill(0));
      assert.equal(series.x_first[5], 500);
      assert.equal(series.x_last[9], 999);
      assert.equal(series.last[9], 999 % 7);
    });

    it('zooms into a step range and reads only what is inside', async () => {
      const a = (await newRun()).info.run_id;
      await current().logBatch(a, {
        metrics: Array.from({ length: 200 }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i })),
      });
      const page = await current().getMetricBuckets({
        run_ids: [a],
        metric_key: 'm',
        start: 50,
        end: 59,
        buckets: 100,
      });
      const [series] = page.series;
      assert.ok(series);
      assert.equal(series.point_count, 10);
      assert.deepEqual(series.x_last, [50, 51, 52, 53, 54, 55, 56, 57, 58, 59]);
      assert.deepEqual(series.last, [50, 51, 52, 53, 54, 55, 56, 57, 58, 59]);
    });

    it('buckets several runs over one shared range, by time or time since each run began', async () => {
      const a = (await newRun()).info.run_id;
      const b = (await newRun()).info.run_id;
      await current().logBatch(a, {
        metrics: [0, 1, 2].map((i) => ({ key: 'acc', value: i, timestamp: 1000 + i * 100, step: i })),
      });
      await current().logBatch(b, {
        metrics: [0, 1].map((i) => ({ key: 'acc', value: 10 + i, timestamp: 5000 + i * 100, step: i * 10 })),
      });
      const byStep = await current().getMetricBuckets({ run_ids: [b, a, 'f'.repeat(32)], metric_key: 'acc' });
      assert.deepEqual(
        byStep.series.map((s) => s.run_id),
        [b, a],
      );
      assert.equal(byStep.end, 10);
      const byTime = await current().getMetricBuckets({ run_ids: [a, b], metric_key: 'acc', x_axis: 'timestamp' });
      assert.equal(byTime.start, 1000);
      assert.equal(byTime.end, 5100);
      const relative = await current().getMetricBuckets({
        run_ids: [a, b],
        metric_key: 'acc',
        x_axis: 'relative_time',
      });
      assert.equal(relative.end, 200);
      assert.deepEqual(relative.series[1]?.x_last, [0, 100]);
      assert.equal(relative.series[1]?.origin, 5000);
    });

    it('keeps NaN and infinities visible without letting NaN hide the other values', async () => {
      const a = (await newRun()).info.run_id;
      await current().logBatch(a, {
        metrics: [
          { key: 'n', value: Number.NaN, timestamp: 1, step: 0 },
          { key: 'n', value: 3, timestamp: 2, step: 0 },
          { key: 'n', value: Number.POSITIVE_INFINITY, timestamp: 3, step: 5 },
          { key: 'n', value: Number.NaN, timestamp: 4, step: 10 },
        ],
      });
      const page = await current().getMetricBuckets({ run_ids: [a], metric_key: 'n', buckets: 3 });
      const [series] = page.series;
      assert.deepEqual(series?.min, [3, 'Infinity', 'NaN']);
      assert.deepEqual(series?.last, [3, 'Infinity', 'NaN']);
    });

    it('refuses requests it cannot answer with a clear message', async () => {
      const a = (await newRun()).info.run_id;
      await rejectsWith(current().getMetricBuckets({ run_ids: [], metric_key: 'm' }), 'INVALID_PARAMETER_VALUE');
      await rejectsWith(
        current().getMetricBuckets({ run_ids: [a], metric_key: 'm', buckets: 0 }),
        'INVALID_PARAMETER_VALUE',
        /buckets must be between 1 and 5000/,
      );
      await rejectsWith(
        current().getMetricBuckets({ run_ids: [a], metric_key: 'm', start: 5, end: 1 }),
        'INVALID_PARAMETER_VALUE',
        /end must not be less than start/,
      );
      await rejectsWith(
        current().getMetricBuckets({ run_ids: Array(101).fill(a), metric_key: 'm' }),
        'INVALID_PARAMETER_VALUE',
        /at most 100 run_ids/,
      );
      assert.deepEqual(await current().getMetricBuckets({ run_ids: [a], metric_key: 'absent' }), { series: [] });
    });

    describeBucketEnvelopesContract({ store: current, newRun, unique });
  });
}
