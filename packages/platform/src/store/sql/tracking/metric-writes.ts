/**
 * Writing metric points: one packed chunk per key per batch (`metric-chunks.ts`), the run's
 * latest value per key, and compaction of the many tiny chunks that single `log-metric` calls
 * leave behind.
 */
import { type Kysely, sql } from 'kysely';
import { sizedChunks } from '../prepared.js';
import type { MetricsTable, TrackingSchema } from '../schema.js';
import type { SqlStoreContext } from './context.js';
import { columnsOf, concatPoints, decodeChunk, encodeChunk, sortUnique } from './metric-chunks.js';

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

async function insertChunk(ctx: SqlStoreContext, db: Db, runId: string, key: string, points: StoredPoint[]) {
  const columns = sortUnique(
    columnsOf(points.map((p) => ({ timestamp: p.timestamp, step: p.step, value: p.is_nan ? Number.NaN : p.value }))),
  );
  let minStep = Number.POSITIVE_INFINITY;
  let maxStep = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < columns.length; i++) {
    const step = columns.steps[i] as number;
    if (step < minStep) minStep = step;
    if (step > maxStep) maxStep = step;
  }
  const values = [runId, key, columns.length, minStep, maxStep, encodeChunk(columns)];
  const query = ctx.prepared.bind('insert-metric-chunk', values, (q, p) =>
    q.insertInto('metric_chunks').values({
      run_uuid: p(0),
      key: p(1),
      point_count: p(2),
      min_step: p(3),
      max_step: p(4),
      data: p(5),
    }),
  );
  await db.executeQuery(query);
  return columns.length;
}

/** Merges a key's small chunks into one, so single-point writes do not slow its reads down. */
async function compact(db: Db, runId: string, key: string): Promise<void> {
  const small = await db
    .selectFrom('metric_chunks')
    .select(['chunk_id', 'data'])
    .where('run_uuid', '=', runId)
    .where('key', '=', key)
    .where('point_count', '<', SMALL_CHUNK)
    .orderBy('chunk_id')
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

const LATEST_COLUMNS = 6;

function latestValues(rows: readonly StoredPoint[]): unknown[] {
  const values: unknown[] = [];
  for (const row of rows) values.push(row.run_uuid, row.key, row.timestamp, row.step, row.value, row.is_nan);
  return values;
}

async function updateLatest(ctx: SqlStoreContext, db: Db, latestRows: StoredPoint[]): Promise<void> {
  for (const rows of sizedChunks(latestRows, Math.floor(ctx.database.maxParameters / LATEST_COLUMNS))) {
    const size = rows.length;
    const query = ctx.prepared.bind(`upsert-latest-${size}`, latestValues(rows), (q, p) =>
      q
        .insertInto('latest_metrics')
        .values(
          Array.from({ length: size }, (_, r) => {
            const base = r * LATEST_COLUMNS;
            return {
              run_uuid: p(base),
              key: p(base + 1),
              timestamp: p(base + 2),
              step: p(base + 3),
              value: p(base + 4),
              is_nan: p(base + 5),
            };
          }),
        )
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

/** Stores a batch's points (all of one run) and updates the run's latest value per key. */
export async function writeMetricPoints(
  ctx: SqlStoreContext,
  db: Db,
  runId: string,
  points: StoredPoint[],
): Promise<void> {
  if (points.length === 0) return;
  const byKey = new Map<string, StoredPoint[]>();
  const latest = new Map<string, StoredPoint>();
  for (const point of points) {
    const group = byKey.get(point.key);
    if (group === undefined) byKey.set(point.key, [point]);
    else group.push(point);
    const current = latest.get(point.key);
    if (current === undefined || isLater(point, current)) latest.set(point.key, point);
  }
  for (const [key, group] of byKey) {
    const stored = await insertChunk(ctx, db, runId, key, group);
    if (stored < SMALL_CHUNK && noteSmallChunk(runId, key)) await compact(db, runId, key);
  }
  await updateLatest(ctx, db, [...latest.values()]);
}
