/**
 * Bucketed metric histories for charts (Keel's `get-history-buckets`): the x range is cut into
 * equal-width buckets and each bucket keeps its point count, min, max and last value, so a
 * million-point line is drawn from a few thousand numbers without losing a single peak.
 *
 * Buckets are filled from chunk summaries (`metric-summaries.ts`, a record per 64 points) where
 * they can stand for their points, and from the points themselves elsewhere:
 * - a group inside one bucket counts whole, exactly;
 * - a group across a bucket edge but narrower than 1/`SNAP` of a bucket counts whole in the bucket
 *   of its first point (so bucket edges move by at most 1/`SNAP` of a bucket; every point is still
 *   counted once, and each bucket's count, min, max, last and x extent are exact for the points
 *   it holds, so no peak is ever dropped);
 * - any other group, and every group across the range's start or end, is read point by point.
 * A whole 10 x 1,000,000-point history thus reads ~160,000 records instead of 10,000,000
 * points, and a zoom reads the points of the few chunks it covers. Points are not merged or
 * de-duplicated: bucketing only needs to see every stored point once, in any order.
 */
import { invalidParameter, type MetricBuckets, type MetricXAxis, toWireDouble } from '@keel/contract';
import type { MetricBucketsInput, MetricBucketsPage } from '../../tracking-store.js';
import type { SqlStoreContext } from './context.js';
import { loadSummarizedChunks, readPoints, type SummarizedChunk } from './metric-bucket-chunks.js';
import { checkRunIds } from './metric-history.js';
import { F, FIELDS, isLater } from './metric-summaries.js';

export const MAX_BUCKETS = 5000;
const DEFAULT_BUCKETS = 1000;
/** A group across a bucket edge counts whole when it is at most 1/SNAP of a bucket wide. */
const SNAP = 8;

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

/** How one axis reads a group record and a point. */
interface Axis {
  readonly isStep: boolean;
  /** Subtracted from x (the run's first timestamp for relative time). */
  readonly origin: number;
}

function groupRange(axis: Axis, groups: Float64Array, at: number): [number, number] {
  return axis.isStep
    ? [groups[at + F.minStep] as number, groups[at + F.maxStep] as number]
    : [(groups[at + F.minTimestamp] as number) - axis.origin, (groups[at + F.maxTimestamp] as number) - axis.origin];
}

function axisOf(axis: MetricXAxis, chunks: readonly SummarizedChunk[]): Axis {
  if (axis !== 'relative_time') return { isStep: axis === 'step', origin: 0 };
  let first = Number.POSITIVE_INFINITY;
  for (const c of chunks) if (c.summary.min_timestamp < first) first = c.summary.min_timestamp;
  return { isStep: false, origin: first };
}

/** The smallest and largest x over every run's points (for a request without a range). */
function extent(chunksByRun: Map<string, SummarizedChunk[]>, axes: Map<string, Axis>): [number, number] | undefined {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const [runId, chunks] of chunksByRun) {
    const axis = axes.get(runId) as Axis;
    for (const { summary } of chunks) {
      for (let at = 0; at < summary.groups.length; at += FIELDS) {
        const [x0, x1] = groupRange(axis, summary.groups, at);
        if (x0 < lo) lo = x0;
        if (x1 > hi) hi = x1;
      }
    }
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** Equal-width buckets over [start, end], and what each group of points contributes. */
class BucketGrid {
  readonly width: number;
  constructor(
    readonly start: number,
    readonly end: number,
    readonly count: number,
  ) {
    this.width = (end - start) / count;
  }

  bucketOf(x: number): number {
    return this.width > 0 ? Math.min(this.count - 1, Math.floor((x - this.start) / this.width)) : 0;
  }

  /** -2: outside the range; -1: read its points; otherwise the bucket the whole group counts in. */
  placeGroup(x0: number, x1: number): number {
    if (x1 < this.start || x0 > this.end) return -2;
    if (x0 < this.start || x1 > this.end) return -1;
    const b = this.bucketOf(x0);
    return b === this.bucketOf(x1) || (x1 - x0) * SNAP <= this.width ? b : -1;
  }
}

/** Per-bucket accumulators of one run. */
class RunBuckets {
  readonly n: Float64Array;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly xFirst: Float64Array;
  readonly xLast: Float64Array;
  readonly lastTie: Float64Array;
  readonly last: Float64Array;
  total = 0;

  constructor(count: number) {
    this.n = new Float64Array(count);
    this.lo = new Float64Array(count).fill(Number.NaN);
    this.hi = new Float64Array(count).fill(Number.NaN);
    this.xFirst = new Float64Array(count).fill(Number.POSITIVE_INFINITY);
    this.xLast = new Float64Array(count).fill(Number.NEGATIVE_INFINITY);
    this.lastTie = new Float64Array(count);
    this.last = new Float64Array(count);
  }

  /**
   * Adds `count` points to bucket `b`: their min and max value (NaN when all are NaN), x extent,
   * and the last of them by (x, tie, value), tie being the timestamp on the step axis and the
   * step on time axes.
   */
  add(b: number, count: number, lo: number, hi: number, x0: number, x1: number, tie: number, value: number): void {
    this.total += count;
    const n = this.n[b] as number;
    this.n[b] = n + count;
    // A NaN never sets min or max: they stay NaN only when the bucket holds nothing else.
    if (!Number.isNaN(lo) && !((this.lo[b] as number) <= lo)) this.lo[b] = lo;
    if (!Number.isNaN(hi) && !((this.hi[b] as number) >= hi)) this.hi[b] = hi;
    if (x0 < (this.xFirst[b] as number)) this.xFirst[b] = x0;
    if (
      n === 0 ||
      isLater(x1, tie, value, this.xLast[b] as number, this.lastTie[b] as number, this.last[b] as number)
    ) {
      this.xLast[b] = x1;
      this.lastTie[b] = tie;
      this.last[b] = value;
    }
  }

  toSeries(runId: string, key: string, origin: number): MetricBuckets {
    const out = {
      x_first: [] as number[],
      x_last: [] as number[],
      count: [] as number[],
      min: [] as MetricBuckets['min'][number][],
      max: [] as MetricBuckets['max'][number][],
      last: [] as MetricBuckets['last'][number][],
    };
    for (let b = 0; b < this.n.length; b++) {
      if (this.n[b] === 0) continue;
      out.x_first.push(this.xFirst[b] as number);
      out.x_last.push(this.xLast[b] as number);
      out.count.push(this.n[b] as number);
      out.min.push(toWireDouble(this.lo[b] as number));
      out.max.push(toWireDouble(this.hi[b] as number));
      out.last.push(toWireDouble(this.last[b] as number));
    }
    return {
      run_id: runId,
      key,
      point_count: this.total,
      ...(origin !== 0 && Number.isFinite(origin) ? { origin } : {}),
      ...out,
    };
  }
}

/** Whether any group of the chunk must be read point by point. */
function needsPoints(chunk: SummarizedChunk, axis: Axis, grid: BucketGrid): boolean {
  const { groups } = chunk.summary;
  for (let at = 0; at < groups.length; at += FIELDS) {
    const [x0, x1] = groupRange(axis, groups, at);
    if (grid.placeGroup(x0, x1) === -1) return true;
  }
  return false;
}

/** Adds a chunk to a run's buckets, group by group (see the module comment). */
function addChunk(chunk: SummarizedChunk, axis: Axis, grid: BucketGrid, into: RunBuckets): void {
  const { groups, group_points: size } = chunk.summary;
  for (let g = 0, at = 0; at < groups.length; g++, at += FIELDS) {
    const [x0, x1] = groupRange(axis, groups, at);
    const b = grid.placeGroup(x0, x1);
    if (b === -2) continue;
    if (b >= 0) {
      const lastTie = axis.isStep ? groups[at + F.stepLastTimestamp] : groups[at + F.timeLastStep];
      const lastValue = axis.isStep ? groups[at + F.stepLastValue] : groups[at + F.timeLastValue];
      into.add(
        b,
        groups[at + F.count] as number,
        groups[at + F.minValue] as number,
        groups[at + F.maxValue] as number,
        x0,
        x1,
        lastTie as number,
        lastValue as number,
      );
      continue;
    }
    const p = chunk.points;
    if (p === undefined) throw new Error(`Metric chunk ${chunk.chunkId} was not read`);
    for (let i = g * size; i < Math.min(p.length, (g + 1) * size); i++) {
      const ts = p.timestamps[i] as number;
      const step = p.steps[i] as number;
      const x = axis.isStep ? step : ts - axis.origin;
      if (x < grid.start || x > grid.end) continue;
      const v = p.values[i] as number;
      into.add(grid.bucketOf(x), 1, v, v, x, x, axis.isStep ? ts : step, v);
    }
  }
}

/**
 * Summarises the runs' histories of one key in buckets (request order; runs without the key are
 * left out). Unknown run ids are ignored, as MLflow's bulk history routes do.
 */
export async function getMetricBuckets(ctx: SqlStoreContext, input: MetricBucketsInput): Promise<MetricBucketsPage> {
  const { buckets, axis } = validate(input);
  const runIds = [...new Set(input.run_ids)];
  const isStep = axis === 'step';
  // With a range on an absolute axis the grid is known before any chunk is read, so chunks that
  // are summarised now keep the points the bucketing will read anyway.
  const knownGrid =
    input.start !== undefined && input.end !== undefined && axis !== 'relative_time'
      ? new BucketGrid(input.start, input.end, buckets)
      : undefined;
  const absolute: Axis = { isStep, origin: 0 };
  const chunks = await loadSummarizedChunks(
    ctx,
    runIds,
    input.metric_key,
    {
      ...(isStep && input.start !== undefined ? { min: input.start } : {}),
      ...(isStep && input.end !== undefined ? { max: input.end } : {}),
    },
    knownGrid && ((chunk) => needsPoints(chunk, absolute, knownGrid)),
  );
  const chunksByRun = new Map<string, SummarizedChunk[]>();
  for (const chunk of chunks) {
    const list = chunksByRun.get(chunk.runId) ?? [];
    list.push(chunk);
    chunksByRun.set(chunk.runId, list);
  }
  const axes = new Map([...chunksByRun].map(([runId, list]) => [runId, axisOf(axis, list)]));
  let start = input.start;
  let end = input.end;
  if (start === undefined || end === undefined) {
    const found = extent(chunksByRun, axes);
    if (found === undefined) return { series: [] };
    start ??= found[0];
    end ??= found[1];
    if (start > end) return { series: [], start, end };
  }
  const grid = new BucketGrid(start, end, buckets);
  const unread = chunks.filter((c) => c.points === undefined && needsPoints(c, axes.get(c.runId) as Axis, grid));
  const points = await readPoints(ctx, unread);
  for (const chunk of unread) chunk.points = points.get(chunk.chunkId);
  const gone = new Set(unread.filter((c) => c.points === undefined));
  const series: MetricBuckets[] = [];
  for (const runId of runIds) {
    const list = chunksByRun.get(runId);
    if (list === undefined) continue;
    const into = new RunBuckets(buckets);
    const runAxis = axes.get(runId) as Axis;
    // A chunk deleted since its summary was read (compacted into a new one) is left out.
    for (const chunk of list) {
      if (gone.has(chunk)) continue;
      addChunk(chunk, runAxis, grid, into);
    }
    if (into.total > 0) series.push(into.toSeries(runId, input.metric_key, runAxis.origin));
  }
  return { series, start, end };
}
