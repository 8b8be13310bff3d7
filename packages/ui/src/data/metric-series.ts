/**
 * Chart data from Keel's bucketed history endpoint: per run, the x of each bucket's last point
 * with its last, min and max value; then the runs merged onto one shared x axis (uPlot's
 * aligned data), with smoothing applied to the line and the envelope kept raw.
 */
import type { KeelClient } from '@keel/client';

/** What the x axis is: a history axis, or another metric paired step by step. */
export type ChartXAxis = 'step' | 'timestamp' | 'relative_time' | `metric:${string}`;

export interface RunSeries {
  readonly runId: string;
  readonly x: Float64Array;
  readonly last: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  /** Whether any bucket holds more than one point (then the min/max envelope is drawn). */
  readonly aggregated: boolean;
  readonly pointCount: number;
}

export interface SeriesSet {
  readonly series: readonly RunSeries[];
  /** The x range the buckets span (for a later zoom to refine). */
  readonly start?: number;
  readonly end?: number;
}

const MAX_RUNS_PER_REQUEST = 100;

function num(value: number | string): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  return value === 'Infinity' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}

/**
 * Loads the bucketed histories of `key` for `runIds` over `[start, end]` (all when absent).
 * Timestamps and relative times come back in milliseconds.
 */
export async function loadBuckets(
  client: KeelClient,
  runIds: readonly string[],
  key: string,
  axis: 'step' | 'timestamp' | 'relative_time',
  range: { start?: number; end?: number },
  buckets: number,
  signal?: AbortSignal,
): Promise<SeriesSet & { buckets: number; raw: Map<string, { x: Float64Array; last: Float64Array }> }> {
  const series: RunSeries[] = [];
  let start = range.start;
  let end = range.end;
  const raw = new Map<string, { x: Float64Array; last: Float64Array }>();
  for (let i = 0; i < runIds.length; i += MAX_RUNS_PER_REQUEST) {
    const page = await client.getMetricBuckets(
      {
        run_ids: runIds.slice(i, i + MAX_RUNS_PER_REQUEST),
        metric_key: key,
        x_axis: axis,
        buckets,
        ...(start === undefined ? {} : { start }),
        ...(end === undefined ? {} : { end }),
      },
      signal === undefined ? {} : { signal },
    );
    // Later groups use the first group's range, so buckets line up across all runs.
    start ??= page.start;
    end ??= page.end;
    for (const s of page.series ?? []) {
      const n = s.x_last.length;
      const x = Float64Array.from(s.x_last);
      const last = new Float64Array(n);
      const min = new Float64Array(n);
      const max = new Float64Array(n);
      let aggregated = false;
      for (let j = 0; j < n; j++) {
        last[j] = num(s.last[j] as number);
        min[j] = num(s.min[j] as number);
        max[j] = num(s.max[j] as number);
        if ((s.count[j] as number) > 1) aggregated = true;
      }
      series.push({ runId: s.run_id, x, last, min, max, aggregated, pointCount: s.point_count });
      raw.set(s.run_id, { x, last });
    }
  }
  return { series, buckets, raw, ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) };
}

/**
 * Pairs two metrics of each run by bucket (both bucketed over the same step range), giving a
 * series whose x is metric `xs` and y metric `ys`, sorted by x.
 */
export function pairByStep(ys: SeriesSet, xs: SeriesSet, start: number, end: number, buckets: number): RunSeries[] {
  const width = (end - start) / buckets;
  const bucketOf = (step: number) => (width > 0 ? Math.min(buckets - 1, Math.floor((step - start) / width)) : 0);
  const out: RunSeries[] = [];
  for (const y of ys.series) {
    const x = xs.series.find((s) => s.runId === y.runId);
    if (x === undefined) continue;
    const xByBucket = new Map<number, number>();
    for (let i = 0; i < x.x.length; i++) xByBucket.set(bucketOf(x.x[i] as number), x.last[i] as number);
    const pairs: [number, number, number, number][] = [];
    for (let i = 0; i < y.x.length; i++) {
      const xv = xByBucket.get(bucketOf(y.x[i] as number));
      if (xv !== undefined && Number.isFinite(xv))
        pairs.push([xv, y.last[i] as number, y.min[i] as number, y.max[i] as number]);
    }
    pairs.sort((a, b) => a[0] - b[0]);
    out.push({
      runId: y.runId,
      x: Float64Array.from(pairs, (p) => p[0]),
      last: Float64Array.from(pairs, (p) => p[1]),
      min: Float64Array.from(pairs, (p) => p[2]),
      max: Float64Array.from(pairs, (p) => p[3]),
      aggregated: false,
      pointCount: pairs.length,
    });
  }
  return out;
}

/** Exponential moving average with TensorBoard's debiasing (weight 0 leaves values as they are). */
export function smooth(values: Float64Array, weight: number): Float64Array {
  if (weight <= 0) return values;
  const out = new Float64Array(values.length);
  let last = 0;
  let debias = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    debias = debias * weight + (1 - weight);
    out[i] = last / debias;
  }
  return out;
}

/**
 * Merges runs onto one sorted x axis for uPlot: `[x, run0 line, run0 min, run0 max, run1 line, ...]`,
 * null where a run has no point at an x. Non-positive values become null on a log scale.
 */
export function alignSeries(
  series: readonly RunSeries[],
  options: { smoothing: number; logScale: boolean; xScale?: number },
): (number | null)[][] {
  const scale = options.xScale ?? 1;
  const all = new Set<number>();
  for (const s of series) for (let i = 0; i < s.x.length; i++) all.add((s.x[i] as number) * scale);
  const xs = Float64Array.from(all).sort();
  const index = new Map<number, number>();
  for (let i = 0; i < xs.length; i++) index.set(xs[i] as number, i);
  const data: (number | null)[][] = [Array.from(xs)];
  const fix = (v: number) => (!Number.isFinite(v) || (options.logScale && v <= 0) ? null : v);
  for (const s of series) {
    const line: (number | null)[] = new Array(xs.length).fill(null);
    const lo: (number | null)[] = new Array(xs.length).fill(null);
    const hi: (number | null)[] = new Array(xs.length).fill(null);
    const smoothed = smooth(s.last, options.smoothing);
    for (let i = 0; i < s.x.length; i++) {
      const at = index.get((s.x[i] as number) * scale) as number;
      line[at] = fix(smoothed[i] as number);
      lo[at] = fix(s.min[i] as number);
      hi[at] = fix(s.max[i] as number);
    }
    data.push(line, lo, hi);
  }
  return data;
}
