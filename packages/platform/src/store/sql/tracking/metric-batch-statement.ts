/**
 * A metrics-only batch as one statement, for databases that run single statements outside a
 * transaction (`SingleStatementWrites`, PostgreSQL): data-modifying CTEs insert every key's chunk
 * and upsert the latest values, only if the run exists and is active, in one round trip. The
 * rows travel as arrays (`unnest`), so every batch has the same statement shape. The chunks' data
 * travel as one binary parameter that the statement slices (`substring`): a `bytea[]` array would
 * go as text, every byte as two hex digits that both sides must encode and parse. Running it twice
 * (a retry after a connection lost just after the commit) stores the same points twice, which
 * reads de-duplicate (`sortUnique`), and upserts the same latest values: no visible difference.
 */
import { sql } from 'kysely';
import type { TrackingSchema } from '../schema.js';
import type { SingleStatementWrites, SqlDatabase } from '../sql-database.js';
import { requireActiveRun, type SqlStoreContext } from './context.js';
import { compactKeys, keysToCompact, type PackedPoints, packPoints, type StoredPoint } from './metric-writes.js';

function column<T>(rows: readonly unknown[][], index: number): T[] {
  return rows.map((row) => row[index] as T);
}

/** The statement; it answers how many active runs it found (0 or 1). */
function batchStatement(runId: string, packed: PackedPoints) {
  const chunks = packed.chunks.map((c) => c.values);
  const latest = packed.latest;
  const data = column<Buffer>(chunks, 5);
  // Where each chunk starts in the concatenated data (1-based, as `substring` counts) and its size.
  const starts: number[] = [];
  const sizes: number[] = [];
  let at = 1;
  for (const blob of data) {
    starts.push(at);
    sizes.push(blob.byteLength);
    at += blob.byteLength;
  }
  return sql<{ found: number }>`
    with run as (
      select run_uuid from runs where run_uuid = ${runId} and lifecycle_stage = 'active'
    ), chunks as (
      insert into metric_chunks (run_uuid, key, point_count, min_step, max_step, data)
      select run.run_uuid, c.key, c.point_count, c.min_step, c.max_step,
        substring(${Buffer.concat(data)}::bytea from c.start for c.size)
      from run cross join unnest(
        ${column<string>(chunks, 1)}::text[], ${column<number>(chunks, 2)}::integer[],
        ${column<number>(chunks, 3)}::bigint[], ${column<number>(chunks, 4)}::bigint[],
        ${starts}::integer[], ${sizes}::integer[]
      ) as c(key, point_count, min_step, max_step, start, size)
      returning 1
    ), latest as (
      insert into latest_metrics (run_uuid, key, timestamp, step, value, is_nan)
      select run.run_uuid, l.key, l.timestamp, l.step, l.value, l.is_nan
      from run cross join unnest(
        ${latest.map((p) => p.key)}::text[], ${latest.map((p) => p.timestamp)}::bigint[],
        ${latest.map((p) => p.step)}::bigint[], ${latest.map((p) => p.value)}::double precision[],
        ${latest.map((p) => p.is_nan)}::integer[]
      ) as l(key, timestamp, step, value, is_nan)
      order by l.key
      on conflict (run_uuid, key) do update set
        timestamp = excluded.timestamp, step = excluded.step, value = excluded.value, is_nan = excluded.is_nan
      where (excluded.step, excluded.timestamp, excluded.value)
        > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)
      returning 1
    )
    select count(*) as found from run`;
}

/** Stores a metrics-only batch of one run in one statement; errors as `requireActiveRun` when the run is not active. */
export async function writeMetricBatchInOneStatement(
  ctx: SqlStoreContext,
  database: SqlDatabase<TrackingSchema> & SingleStatementWrites,
  runId: string,
  points: readonly StoredPoint[],
): Promise<void> {
  const packed = packPoints(runId, points);
  for (let attempt = 1; ; attempt++) {
    const rows = await database.statement('keel_metric_batch', batchStatement(runId, packed).compile(database.db));
    if (Number(rows[0]?.found ?? 0) > 0) break;
    // Nothing was written: say why with the usual messages. A run restored in between is active
    // again, so the batch is written after all.
    await database.read((db) => requireActiveRun(db, runId));
    if (attempt === 3) throw new Error(`Run ${runId} kept changing state while logging to it`);
  }
  const due = keysToCompact(runId, packed);
  if (due.length > 0) await database.transaction((db) => compactKeys(ctx, db, runId, due));
}
