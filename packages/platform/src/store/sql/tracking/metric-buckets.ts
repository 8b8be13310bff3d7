/**
 * Bucketed metric histories for charts (Keel's `get-history-buckets`): the x range is cut into
 * equal-width buckets and each bucket keeps its point count, min, max and last value, so a
 * million-point line is drawn from a few thousand numbers without losing a single peak.
 *
 * Chunks are read straight from their blobs (no merge, no sort): bucketing only needs to see
 * every point once, in any order. For the step axis only the chunks overlapping the range are
 * read, which makes a zoomed-in request cheap.
 */
import { invalidParameter, type MetricBuckets, type MetricXAxis, toWireDouble } from '@keel/contract';
import type { MetricBucketsInput, MetricBucketsPage } from '../../tracking-store.js';
import type { SqlStoreContext } from './context.js';
import { checkRunIds } from './metric-history.js';

export const MAX_BUCKETS = 5000;
const DEFAULT_BUCKETS = 1000;

/** A chunk's three columns, viewed in place when the blob is 8-byte aligned (copied otherwise). */
function chunkColumns(blob: Uint8Array): Float64Array {
  const n = blob.byteLength / 8;
  if (!Number.isInteger(n / 3)) throw new Error('Corrupt metric chunk: size is not a multiple of 24 bytes');
  if (blob.byteOffset % 8 === 0) return new Float64Array(blob.buffer, blob.byteOffset, n);
  const copy = new Float64Array(n);
  new Uint8Array(copy.buffer).set(blob);
  return copy;
}

function validate(input: MetricBucketsInput): { buckets: number; axis: MetricXAxis } {
  if (input.run_ids.length === 0) throw invalidParameter('GetMetricBuckets request must specify at least one run_id.');
  checkRunIds(input.run_ids, 'GetMetricBuckets');
  const buckets = input.buckets ?? DEFAULT_BUCKETS;
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS) {
    throw invalidParameter(`buckets must be between 1 and ${MAX_BUCKETS}, got ${buckets}.`);
  }
  for (const [name, value] of [
    ['start', input.start],
    ['end', input.end],
  ] as const) {
    if (value !== undefined && !Number.isFinite(value)) throw invalidParameter(`${name} must be a finite number.`);
  }
  if (input.start !== undefined && input.end !== undefined && input.start > input.end) {
    throw invalidParameter(`end must not be less than start. Found start=${input.start} and end=${input.end}.`);
  }
  return { buckets, axis: input.x_axis ?? 'step' };
}

/** One run's chunks, as column views: [t0..tn, s0..sn, v0..vn] each. */
type RunChunks = Float64Array[];

/** Where x lives in a chunk's columns (0: timestamps, 1: steps) and what it is measured from. */
interface Axis {
  readonly column: 0 | 1;
  /** Subtracted from x (the run's first timestamp for relative time). */
  readonly origin: number;
}

function axisOf(axis: MetricXAxis, chunks: RunChunks): Axis {
  if (axis === 'step') return { column: 1, origin: 0 };
  if (axis === 'timestamp') return { column: 0, origin: 0 };
  let first = Number.POSITIVE_INFINITY;
  for (const c of chunks) {
    const n = c.length / 3;
    for (let i = 0; i < n; i++) if ((c[i] as number) < first) first = c[i] as number;
  }
  return { column: 0, origin: first };
}

/** The smallest and largest x over every run's points (for a request without a range). */
function extent(chunksByRun: Map<string, RunChunks>, axes: Map<string, Axis>): [number, number] | undefined {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const [runId, chunks] of chunksByRun) {
    const { column, origin } = axes.get(runId) as Axis;
    for (const c of chunks) {
      const n = c.length / 3;
      const base = column * n;
      for (let i = 0; i < n; i++) {
        const x = (c[base + i] as number) - origin;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
    }
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** Summarises one run's points in `count` buckets over [start, end]. */
function bucketize(
  runId: string,
  key: string,
  chunks: RunChunks,
  axis: Axis,
  start: number,
  end: number,
  count: number,
): MetricBuckets {
  const width = (end - start) / count;
  const n = new Float64Array(count);
  const lo = new Float64Array(count).fill(Number.NaN);
  const hi = new Float64Array(count).fill(Number.NaN);
  const xFirst = new Float64Array(count).fill(Number.POSITIVE_INFINITY);
  const xLast = new Float64Array(count).fill(Number.NEGATIVE_INFINITY);
  const lastTs = new Float64Array(count).fill(Number.NEGATIVE_INFINITY);
  const last = new Float64Array(count);
  let total = 0;
  for (const c of chunks) {
    const len = c.length / 3;
    const xBase = axis.column * len;
    for (let i = 0; i < len; i++) {
      const x = (c[xBase + i] as number) - axis.origin;
      if (x < start || x > end) continue;
      const b = width > 0 ? Math.min(count - 1, Math.floor((x - start) / width)) : 0;
      const v = c[2 * len + i] as number;
      const ts = c[i] as number;
      total++;
      n[b] = (n[b] as number) + 1;
      // A NaN value never sets min or max: they stay NaN only when the bucket holds nothing else.
      if (!Number.isNaN(v)) {
        if (!((lo[b] as number) <= v)) lo[b] = v;
        if (!((hi[b] as number) >= v)) hi[b] = v;
      }
      if (x < (xFirst[b] as number)) xFirst[b] = x;
      if (x > (xLast[b] as number) || (x === xLast[b] && ts >= (lastTs[b] as number))) {
        xLast[b] = x;
        lastTs[b] = ts;
        last[b] = v;
      }
    }
  }
  const out = {
    x_first: [] as number[],
    x_last: [] as number[],
    count: [] as number[],
    min: [] as MetricBuckets['min'][number][],
    max: [] as MetricBuckets['max'][number][],
    last: [] as MetricBuckets['last'][number][],
  };
  for (let b = 0; b < count; b++) {
    if (n[b] === 0) continue;
    out.x_first.push(xFirst[b] as number);
    out.x_last.push(xLast[b] as number);
    out.count.push(n[b] as number);
    out.min.push(toWireDouble(lo[b] as number));
    out.max.push(toWireDouble(hi[b] as number));
    out.last.push(toWireDouble(last[b] as number));
  }
  return {
    run_id: runId,
    key,
    point_count: total,
    ...(axis.origin !== 0 && Number.isFinite(axis.origin) ? { origin: axis.origin } : {}),
    ...out,
  };
}

/**
 * Summarises the runs' histories of one key in buckets (request order; runs without the key are
 * left out). Unknown run ids are ignored, as MLflow's bulk history routes do.
 */
export async function getMetricBuckets(ctx: SqlStoreContext, input: MetricBucketsInput): Promise<MetricBucketsPage> {
  const { buckets, axis } = validate(input);
  const runIds = [...new Set(input.run_ids)];
  const rows = await ctx.database.read((db) => {
    let query = db
      .selectFrom('metric_chunks')
      .select(['run_uuid', 'data'])
      .where('run_uuid', 'in', runIds)
      .where('key', '=', input.metric_key);
    // Chunks know their step range, so a step window skips the chunks outside it.
    if (axis === 'step' && input.start !== undefined) query = query.where('max_step', '>=', input.start);
    if (axis === 'step' && input.end !== undefined) query = query.where('min_step', '<=', input.end);
    return query.execute();
  });
  const chunksByRun = new Map<string, RunChunks>();
  for (const row of rows) {
    const list = chunksByRun.get(row.run_uuid) ?? [];
    list.push(chunkColumns(row.data as Uint8Array));
    chunksByRun.set(row.run_uuid, list);
  }
  const axes = new Map([...chunksByRun].map(([runId, chunks]) => [runId, axisOf(axis, chunks)]));
  let start = input.start;
  let end = input.end;
  if (start === undefined || end === undefined) {
    const found = extent(chunksByRun, axes);
    if (found === undefined) return { series: [] };
    start ??= found[0];
    end ??= found[1];
    if (start > end) return { series: [], start, end };
  }
  const series: MetricBuckets[] = [];
  for (const runId of runIds) {
    const chunks = chunksByRun.get(runId);
    if (chunks === undefined) continue;
    const summary = bucketize(runId, input.metric_key, chunks, axes.get(runId) as Axis, start, end, buckets);
    if (summary.point_count > 0) series.push(summary);
  }
  return { series, start, end };
}
