/**
 * Bucketed histories checked against the points themselves, on long histories where a store may
 * answer from precomputed summaries: every point in the range is counted once, and each bucket's
 * count, min, max and last value are exactly those of the points between its first and last x.
 * Called from `describeBucketsContract`.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type MetricBuckets, type MetricXAxis, toNumber } from '@keel/contract';
import type { LoggingContractContext } from './tracking-store-logging.contract.js';

interface Point {
  readonly timestamp: number;
  readonly step: number;
  readonly value: number;
}

/** 20 writes of 1,000 points, logged in time order, with a spike, NaN and infinities among them. */
function longHistory(): Point[] {
  return Array.from({ length: 20_000 }, (_, i) => ({
    timestamp: 1_000_000 + i * 7,
    step: i,
    value:
      i === 12_345
        ? 1e6
        : i === 777
          ? Number.NaN
          : i === 15_001
            ? Number.NEGATIVE_INFINITY
            : Math.sin(i / 300) + ((i * 7919) % 13) / 100,
  }));
}

function isLater(a: Point, b: Point, axis: MetricXAxis): boolean {
  const [x, tie, x2, tie2] =
    axis === 'step' ? [a.step, a.timestamp, b.step, b.timestamp] : [a.timestamp, a.step, b.timestamp, b.step];
  if (x !== x2) return x > x2;
  if (tie !== tie2) return tie > tie2;
  if (Number.isNaN(a.value) || Number.isNaN(b.value)) return Number.isNaN(a.value) && !Number.isNaN(b.value);
  return a.value > b.value;
}

/** Checks each bucket against the points whose x lies between its first and last x. */
function assertExactBuckets(
  page: { start?: number; end?: number },
  buckets: number,
  series: MetricBuckets,
  points: readonly Point[],
  axis: MetricXAxis,
  origin = 0,
): void {
  const xOf = (p: Point) => (axis === 'step' ? p.step : p.timestamp - origin);
  // Bucket edges may move a little (a store may count a short stretch of points whole), not more.
  const width = ((page.end as number) - (page.start as number)) / buckets;
  let seen = 0;
  for (let b = 0; b < series.count.length; b++) {
    const lo = series.x_first[b] as number;
    const hi = series.x_last[b] as number;
    if (b > 0) assert.ok(lo > (series.x_last[b - 1] as number), `bucket ${b} starts after the previous one ends`);
    assert.ok(hi - lo <= width * 1.25, `bucket ${b} spans ${hi - lo}, over 1.25 bucket widths (${width})`);
    const inside = points.filter((p) => xOf(p) >= lo && xOf(p) <= hi);
    assert.equal(series.count[b], inside.length, `count of bucket ${b}`);
    const values = inside.map((p) => p.value).filter((v) => !Number.isNaN(v));
    assert.equal(toNumber(series.min[b] as number), values.length ? Math.min(...values) : Number.NaN, `min ${b}`);
    assert.equal(toNumber(series.max[b] as number), values.length ? Math.max(...values) : Number.NaN, `max ${b}`);
    const last = inside.reduce((a, p) => (isLater(p, a, axis) ? p : a));
    assert.equal(toNumber(series.last[b] as number), last.value, `last of bucket ${b}`);
    seen += inside.length;
  }
  assert.equal(series.point_count, seen);
}

export function describeBucketEnvelopesContract({ store: current, newRun }: LoggingContractContext): void {
  it('answers long histories exactly per bucket, on every axis, again and again', async () => {
    const runId = (await newRun()).info.run_id;
    const points = longHistory();
    for (let i = 0; i < points.length; i += 1000) {
      await current().logBatch(runId, { metrics: points.slice(i, i + 1000).map((p) => ({ key: 'loss', ...p })) });
    }
    // Twice: a store may summarise chunks on the first request and read the summaries after.
    // 13 buckets are wide enough for summaries to stand for points across their edges; 40 not.
    for (const [axis, buckets, round] of ['step', 'timestamp', 'relative_time'].flatMap((axis) =>
      [13, 40].flatMap((buckets) => [1, 2].map((round) => [axis as MetricXAxis, buckets, round] as const)),
    )) {
      const page = await current().getMetricBuckets({ run_ids: [runId], metric_key: 'loss', x_axis: axis, buckets });
      const [series] = page.series;
      assert.ok(series, `${axis}, ${buckets} buckets, round ${round}`);
      assert.equal(series.point_count, points.length);
      assertExactBuckets(page, buckets, series, points, axis, series.origin ?? 0);
      assert.ok(
        series.max.some((v) => toNumber(v) === 1e6),
        'the spike is kept',
      );
      assert.ok(
        series.min.some((v) => toNumber(v) === Number.NEGATIVE_INFINITY),
        '-Infinity is kept',
      );
    }
  });

  it('counts exactly the points of a zoomed range whose edges cut through writes', async () => {
    const runId = (await newRun()).info.run_id;
    const points = longHistory();
    for (let i = 0; i < points.length; i += 1000) {
      await current().logBatch(runId, { metrics: points.slice(i, i + 1000).map((p) => ({ key: 'loss', ...p })) });
    }
    for (const [start, end, buckets] of [
      [1_234, 17_001, 30],
      [5_010, 5_070, 7],
      [999, 1_000, 1],
    ] as const) {
      const page = await current().getMetricBuckets({ run_ids: [runId], metric_key: 'loss', start, end, buckets });
      const [series] = page.series;
      assert.ok(series);
      const inRange = points.filter((p) => p.step >= start && p.step <= end);
      assert.equal(series.point_count, inRange.length, `${start}..${end}`);
      assertExactBuckets(page, buckets, series, inRange, 'step');
      const x = (await current().getMetricBuckets({ run_ids: [runId], metric_key: 'loss', start, end, buckets }))
        .series[0];
      assert.deepEqual(x, series, 'the same answer the second time');
    }
  });

  it('stays right while single points are logged, merged and logged again', async () => {
    const runId = (await newRun()).info.run_id;
    const points: Point[] = [];
    const buckets = () => current().getMetricBuckets({ run_ids: [runId], metric_key: 'acc', buckets: 10 });
    // Single-point writes leave small chunks that the store may merge (compaction) at any time.
    for (let i = 0; i < 300; i++) {
      const point = { timestamp: 5000 + i, step: i, value: (i * 37) % 101 };
      points.push(point);
      await current().logBatch(runId, { metrics: [{ key: 'acc', ...point }] });
      if (i % 60 === 59) {
        const page = await buckets();
        const [series] = page.series;
        assert.ok(series);
        assert.equal(series.point_count, points.length);
        assertExactBuckets(page, 10, series, points, 'step');
      }
    }
  });
}
