/**
 * Writing metric points: one packed chunk per key per batch (`metric-chunks.ts`), the run's
 * latest value per key, and compaction of the many tiny chunks that single `log-metric` calls
 * leave behind.
 */
import { type Kysely, sql } from 'kysely';
import { sqlDialect } from '../dialect.js';
import { placeholderRows, sizedChunks } from '../prepared.js';
import type { MetricsTable, TrackingSchema } from '../schema.js';
import type { SqlStoreContext } from './context.js';
import { concatPoints, decodeChunk, encodeChunk, sortUnique } from './metric-chunks.js';

type Db = Kysely<TrackingSchema>;

/** A point ready to store: NaN kept as NaN in `value`, flagged in `is_nan` for the latest table. */
export interface StoredPoint extends MetricsTable {}

/** Chunks holding fewer points than this count as small. */
const SMALL_CHUNK = 64;
/** A key's small chunks are merged once this many have been written by this process. */
const COMPACT_AFTER = 128;
/** Keys tracked for compaction; the least recently written are forgotten beyond this. */
const TRACKED_KEYS = 10_000;

/** Per process: how many small chunks each (run, key) received since its last compaction. */
const smallChunkCounts = new Map<string, number>();

function noteSmallChunk(runId: string, key: string): boolean {
  const id = `${runId}\u0000${key}`;
  const count = (smallChunkCounts.get(id) ?? 0) + 1;
  smallChunkCounts.delete(id);
  if (count >= COMPACT_AFTER) return true;
  smallChunkCounts.set(id, count);
  if (smallChunkCounts.size > TRACKED_KEYS) {
    const oldest = smallChunkCounts.keys().next().value;
    if (oldest !== undefined) smallChunkCounts.delete(oldest);
  }
  return false;
}

const CHUNK_COLUMNS = ['run_uuid', 'key', 'point_count', 'min_step', 'max_step', 'data'] as const;

/**
 * One key's points packed as a `metric_chunks` row, as positional values. `all` holds the
 * points as the chunk blob lays them out (timestamps, steps, values): points that are already
 * in order and distinct, as a client's batch usually is, become the blob without another copy.
 */
function chunkValues(
  runId: string,
  key: string,
  all: Float64Array,
  count: number,
): { values: unknown[]; count: number } {
  const given = {
    timestamps: all.subarray(0, count),
    steps: all.subarray(count, 2 * count),
    values: all.subarray(2 * count),
    length: count,
  };
  const columns = sortUnique(given);
  let minStep = Number.POSITIVE_INFINITY;
  let maxStep = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < columns.length; i++) {
    const step = columns.steps[i] as number;
    if (step < minStep) minStep = step;
    if (step > maxStep) maxStep = step;
  }
  const data = columns === given ? Buffer.from(all.buffer, all.byteOffset, all.byteLength) : encodeChunk(columns);
  return { values: [runId, key, columns.length, minStep, maxStep, data], count: columns.length };
}

/** Inserts the chunks (one per key) with as few multi-row statements as the parameter limit allows. */
async function insertChunks(ctx: SqlStoreContext, db: Db, rows: readonly unknown[][]): Promise<void> {
  for (const group of sizedChunks(rows, Math.floor(ctx.database.maxParameters / CHUNK_COLUMNS.length))) {
    const size = group.length;
    const query = ctx.prepared.bind(`insert-metric-chunks-${size}`, group.flat(), (q, p) =>
      q.insertInto('metric_chunks').values(placeholderRows(CHUNK_COLUMNS, size, p)),
    );
    await db.executeQuery(query);
  }
}

/**
 * Merges a key's small chunks into one, so single-point writes do not slow its reads down. The
 * chunks are locked in id order first: two processes compacting the same key at once take turns,
 * and the second finds the first one's chunks gone instead of merging them again.
 */
async function compact(ctx: SqlStoreContext, db: Db, runId: string, key: string): Promise<void> {
  const small = await sqlDialect(ctx.database.dialect)
    .lockRows(
      db
        .selectFrom('metric_chunks')
        .select(['chunk_id', 'data'])
        .where('run_uuid', '=', runId)
        .where('key', '=', key)
        .where('point_count', '<', SMALL_CHUNK)
        .orderBy('chunk_id'),
    )
    .execute();
  if (small.length < 2) return;
  const merged = sortUnique(concatPoints(small.map((row) => decodeChunk(row.data))));
  let minStep = Number.POSITIVE_INFINITY;
  let maxStep = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < merged.length; i++) {
    minStep = Math.min(minStep, merged.steps[i] as number);
    maxStep = Math.max(maxStep, merged.steps[i] as number);
  }
  await db
    .deleteFrom('metric_chunks')
    .where(
      'chunk_id',
      'in',
      small.map((row) => row.chunk_id),
    )
    .execute();
  await db
    .insertInto('metric_chunks')
    .values({
      run_uuid: runId,
      key,
      point_count: merged.length,
      min_step: minStep,
      max_step: maxStep,
      data: encodeChunk(merged),
    })
    .execute();
}

/** Whether point `a` is later than `b` by MLflow's (step, timestamp, value) rule. */
function isLater(a: StoredPoint, b: StoredPoint): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}

const LATEST_COLUMNS = ['run_uuid', 'key', 'timestamp', 'step', 'value', 'is_nan'] as const;

function latestValues(rows: readonly StoredPoint[]): unknown[] {
  const values: unknown[] = [];
  for (const row of rows) values.push(row.run_uuid, row.key, row.timestamp, row.step, row.value, row.is_nan);
  return values;
}

async function updateLatest(ctx: SqlStoreContext, db: Db, latestRows: StoredPoint[]): Promise<void> {
  for (const rows of sizedChunks(latestRows, Math.floor(ctx.database.maxParameters / LATEST_COLUMNS.length))) {
    const size = rows.length;
    const query = ctx.prepared.bind(`upsert-latest-${size}`, latestValues(rows), (q, p) =>
      q
        .insertInto('latest_metrics')
        .values(placeholderRows(LATEST_COLUMNS, size, p))
        .onConflict((oc) =>
          oc
            .columns(['run_uuid', 'key'])
            .doUpdateSet({
              timestamp: (eb) => eb.ref('excluded.timestamp'),
              step: (eb) => eb.ref('excluded.step'),
              value: (eb) => eb.ref('excluded.value'),
              is_nan: (eb) => eb.ref('excluded.is_nan'),
            })
            .where(
              sql<boolean>`(excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`,
            ),
        ),
    );
    await db.executeQuery(query);
  }
}

/** Orders keys by code unit, the same in every process. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A batch's points packed for storage: one chunk per key and the latest point per key, both in key order. */
export interface PackedPoints {
  readonly keys: readonly string[];
  /** Per key: the chunk row's values (see `CHUNK_COLUMNS`) and how many points it holds. */
  readonly chunks: readonly { readonly values: unknown[]; readonly count: number }[];
  readonly latest: readonly StoredPoint[];
}

/**
 * Packs a batch's points (all of one run). Keys come in a stable order: concurrent batches of
 * one run lock rows in the same order, so they wait for each other instead of deadlocking
 * (PostgreSQL locks rows, not the whole database).
 */
export function packPoints(runId: string, points: readonly StoredPoint[]): PackedPoints {
  // Two passes: count each key's points and find its latest, then write the points straight
  // into one typed array per key (no per-point objects or per-key object arrays).
  const groups = new Map<string, { count: number; latest: StoredPoint; filled: number; all: Float64Array }>();
  for (const point of points) {
    const group = groups.get(point.key);
    if (group === undefined) groups.set(point.key, { count: 1, latest: point, filled: 0, all: EMPTY });
    else {
      group.count++;
      if (isLater(point, group.latest)) group.latest = point;
    }
  }
  for (const group of groups.values()) group.all = new Float64Array(3 * group.count);
  for (const point of points) {
    const group = groups.get(point.key) as { count: number; filled: number; all: Float64Array };
    const i = group.filled++;
    const n = group.count;
    group.all[i] = point.timestamp;
    group.all[n + i] = point.step;
    group.all[2 * n + i] = point.is_nan ? Number.NaN : point.value;
  }
  const keys = [...groups.keys()].sort(compareKeys);
  const ordered = keys.map((key) => groups.get(key) as { count: number; latest: StoredPoint; all: Float64Array });
  return {
    keys,
    chunks: ordered.map((group, i) => chunkValues(runId, keys[i] as string, group.all, group.count)),
    latest: ordered.map((group) => group.latest),
  };
}

const EMPTY = new Float64Array(0);

/** Keys whose small chunks are due for compaction after this batch (see `noteSmallChunk`). */
export function keysToCompact(runId: string, packed: PackedPoints): string[] {
  return packed.keys.filter((key, i) => (packed.chunks[i]?.count ?? 0) < SMALL_CHUNK && noteSmallChunk(runId, key));
}

/** Compacts the small chunks of these keys, in key order. */
export async function compactKeys(ctx: SqlStoreContext, db: Db, runId: string, keys: readonly string[]): Promise<void> {
  for (const key of keys) await compact(ctx, db, runId, key);
}

/** Stores a batch's points (all of one run) and updates the run's latest value per key. */
export async function writeMetricPoints(
  ctx: SqlStoreContext,
  db: Db,
  runId: string,
  points: StoredPoint[],
): Promise<void> {
  if (points.length === 0) return;
  const packed = packPoints(runId, points);
  await insertChunks(
    ctx,
    db,
    packed.chunks.map((c) => c.values),
  );
  await compactKeys(ctx, db, runId, keysToCompact(runId, packed));
  await updateLatest(ctx, db, [...packed.latest]);
}
