/**
 * The chunks a bucketed history reads: each with its summary (`metric-summaries.ts`), and its
 * points only where the bucketing needs them. Chunks without a summary yet (written since the
 * last chart read them, or before migration 0007) are read once, summarised in place a few at a
 * time (a first chart of 10 x 1,000,000 points reads 240 MB, which must not be held, nor copied,
 * at once), and their summaries stored for the next request once the answer has gone out, so
 * neither writers nor that first answer pay for storing them.
 */
import type { Kysely } from 'kysely';
import { forEachPiece } from '../in-pieces.js';
import type { TrackingSchema } from '../schema.js';
import type { SqlStoreContext } from './context.js';
import { decodeChunk, type PointColumns, viewChunk } from './metric-chunks.js';
import { type ChunkSummary, decodeGroups, encodeGroups, summarizeChunk } from './metric-summaries.js';

/** One chunk as the bucketing sees it. */
export interface SummarizedChunk {
  readonly chunkId: number;
  readonly runId: string;
  readonly summary: ChunkSummary;
  /** The chunk's points, once read. */
  points?: PointColumns;
}

/** Chunks read per statement while summarising: ~1.5 MB of 1,000-point chunks. */
const SUMMARIZE_PIECE = 64;

/**
 * The chunks of one key of several runs, optionally only those overlapping a step range.
 * `keepPoints` says which chunks read to be summarised should keep their points (those the
 * caller already knows it will bucket point by point); the others are re-read if needed.
 */
export async function loadSummarizedChunks(
  ctx: SqlStoreContext,
  runIds: readonly string[],
  key: string,
  steps: { readonly min?: number; readonly max?: number },
  keepPoints?: (chunk: SummarizedChunk) => boolean,
): Promise<SummarizedChunk[]> {
  const rows = await ctx.database.read((db) => {
    let query = db
      .selectFrom('metric_chunks as c')
      .leftJoin('metric_chunk_summaries as s', 's.chunk_id', 'c.chunk_id')
      .select(['c.chunk_id', 'c.run_uuid', 's.min_timestamp', 's.max_timestamp', 's.group_points', 's.groups'])
      .where('c.run_uuid', 'in', runIds)
      .where('c.key', '=', key);
    // Chunks know their step range, so a step window skips the chunks outside it.
    if (steps.min !== undefined) query = query.where('c.max_step', '>=', steps.min);
    if (steps.max !== undefined) query = query.where('c.min_step', '<=', steps.max);
    return query.orderBy('c.chunk_id').execute();
  });
  const chunks: SummarizedChunk[] = [];
  const missing: SummarizedChunk[] = [];
  for (const row of rows) {
    const chunkId = Number(row.chunk_id);
    if (row.groups === null || row.groups === undefined) {
      missing.push({ chunkId, runId: row.run_uuid, summary: EMPTY_SUMMARY });
      continue;
    }
    chunks.push({
      chunkId,
      runId: row.run_uuid,
      summary: {
        min_timestamp: Number(row.min_timestamp),
        max_timestamp: Number(row.max_timestamp),
        group_points: Number(row.group_points),
        groups: decodeGroups(row.groups),
      },
    });
  }
  if (missing.length === 0) return chunks;
  const summarized = await summarizeChunks(ctx, missing, keepPoints);
  // Stored after this turn of the event loop, so the answer is sent first.
  setImmediate(() => void storeSummaries(ctx, summarized));
  return [...chunks, ...summarized].sort((a, b) => a.chunkId - b.chunkId);
}

/**
 * Reads and summarises chunks a piece at a time, each viewed in place and released before the
 * next piece (a chunk deleted in between is left out).
 */
async function summarizeChunks(
  ctx: SqlStoreContext,
  chunks: readonly SummarizedChunk[],
  keepPoints: ((chunk: SummarizedChunk) => boolean) | undefined,
): Promise<SummarizedChunk[]> {
  const runOf = new Map(chunks.map((c) => [c.chunkId, c.runId]));
  const out: SummarizedChunk[] = [];
  await ctx.database.read((db) =>
    forEachPiece(
      [...runOf.keys()],
      async (ids) => {
        const rows = await chunkData(db, ids);
        for (const row of rows) {
          const chunkId = Number(row.chunk_id);
          const chunk: SummarizedChunk = {
            chunkId,
            runId: runOf.get(chunkId) as string,
            summary: summarizeChunk(viewChunk(row.data)),
          };
          if (keepPoints?.(chunk)) chunk.points = decodeChunk(row.data);
          out.push(chunk);
        }
      },
      SUMMARIZE_PIECE,
    ),
  );
  return out;
}

/** The stored data of chunks, by id. */
function chunkData(db: Parameters<Parameters<SqlStoreContext['database']['read']>[0]>[0], ids: readonly number[]) {
  return db.selectFrom('metric_chunks').select(['chunk_id', 'data']).where('chunk_id', 'in', ids).execute();
}

const EMPTY_SUMMARY: ChunkSummary = Object.freeze({
  min_timestamp: 0,
  max_timestamp: 0,
  group_points: 1,
  groups: new Float64Array(0),
});

/** Reads the points of chunks, by id (a chunk deleted in between is left out). */
export async function readPoints(
  ctx: SqlStoreContext,
  chunks: readonly SummarizedChunk[],
): Promise<Map<number, PointColumns>> {
  const out = new Map<number, PointColumns>();
  await ctx.database.read((db) =>
    forEachPiece(
      chunks.map((c) => c.chunkId),
      async (ids) => {
        const rows = await chunkData(db, ids);
        for (const row of rows) out.set(Number(row.chunk_id), decodeChunk(row.data));
      },
    ),
  );
  return out;
}

/**
 * Stores new summaries. Only chunks that still exist get one (a compaction may have replaced
 * them meanwhile), and a summary another reader stored first is kept. A failure (a busy or
 * read-only database) costs only the chance to answer the next request sooner: the answer
 * itself is already computed, so it is not passed on.
 */
async function storeSummaries(ctx: SqlStoreContext, chunks: readonly SummarizedChunk[]): Promise<void> {
  if (chunks.length === 0) return;
  await ctx.database
    .write((db) =>
      forEachPiece(
        chunks,
        async (piece) => {
          const existing = await existingChunks(
            db,
            piece.map((c) => c.chunkId),
          );
          const rows = piece
            .filter((c) => existing.has(c.chunkId))
            .map((c) => ({
              chunk_id: c.chunkId,
              min_timestamp: c.summary.min_timestamp,
              max_timestamp: c.summary.max_timestamp,
              group_points: c.summary.group_points,
              groups: encodeGroups(c.summary.groups),
            }));
          if (rows.length === 0) return;
          await db
            .insertInto('metric_chunk_summaries')
            .values(rows)
            .onConflict((oc) => oc.column('chunk_id').doNothing())
            .execute();
        },
        200,
      ),
    )
    .catch(() => undefined);
}

async function existingChunks(db: Kysely<TrackingSchema>, ids: readonly number[]): Promise<Set<number>> {
  const rows = await db.selectFrom('metric_chunks').select('chunk_id').where('chunk_id', 'in', ids).execute();
  return new Set(rows.map((r) => Number(r.chunk_id)));
}
