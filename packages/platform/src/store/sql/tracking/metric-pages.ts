/**
 * Histories being read page by page. A client fetching a 100k-point history in pages of 25k
 * would make the server read and decode every chunk of the key once per page; the points of the
 * last few paged histories are kept instead, for as long as the key's chunks are unchanged.
 *
 * Unchanged means the same number of chunks and the same newest chunk id: chunk ids are never
 * reused (AUTOINCREMENT, identity), every write adds a chunk and compaction deletes several, so
 * any change to a key's points changes that pair. The pair is read before the points, so a write
 * landing between the two reads can only make an entry stale, never let it pass for current.
 */
import type { Kysely } from 'kysely';
import type { TrackingSchema } from '../schema.js';
import type { PointColumns } from './metric-chunks.js';

/** Most points kept per database (24 bytes each: 1M points are 24 MB). */
const MAX_CACHED_POINTS = 1_000_000;
/** An entry not used for this long is dropped (on the next paged read). */
const ENTRY_TTL_MS = 60_000;

interface PagedHistory {
  readonly signature: string;
  readonly points: PointColumns;
  usedAt: number;
}

/** Paged histories of one database, least recently used first. */
export class PagedHistories {
  private readonly entries = new Map<string, PagedHistory>();

  /**
   * The points of `key` of `runId`: the kept ones when its chunks are unchanged since they were
   * read, otherwise `load()`'s, kept when they fill more than one page of `pageSize`.
   */
  async points(
    db: Kysely<TrackingSchema>,
    runId: string,
    key: string,
    pageSize: number,
    load: () => Promise<PointColumns | undefined>,
  ): Promise<PointColumns | undefined> {
    const id = `${runId}\u0000${key}`;
    const now = Date.now();
    this.dropExpired(now);
    const signature = await chunkSignature(db, runId, key);
    const kept = this.entries.get(id);
    this.entries.delete(id);
    if (kept !== undefined && kept.signature === signature) {
      kept.usedAt = now;
      this.entries.set(id, kept);
      return kept.points;
    }
    const points = await load();
    if (points !== undefined && points.length > pageSize && points.length <= MAX_CACHED_POINTS) {
      this.makeRoom(points.length);
      this.entries.set(id, { signature, points, usedAt: now });
    }
    return points;
  }

  private dropExpired(now: number): void {
    for (const [id, entry] of this.entries) if (now - entry.usedAt > ENTRY_TTL_MS) this.entries.delete(id);
  }

  private makeRoom(incoming: number): void {
    let total = incoming;
    for (const entry of this.entries.values()) total += entry.points.length;
    for (const [id, entry] of this.entries) {
      if (total <= MAX_CACHED_POINTS) break;
      this.entries.delete(id);
      total -= entry.points.length;
    }
  }
}

/** How many chunks the key has and the newest one's id (an index-only read). */
async function chunkSignature(db: Kysely<TrackingSchema>, runId: string, key: string): Promise<string> {
  const row = await db
    .selectFrom('metric_chunks')
    .select((eb) => [eb.fn.countAll().as('chunks'), eb.fn.max('chunk_id').as('newest')])
    .where('run_uuid', '=', runId)
    .where('key', '=', key)
    .executeTakeFirst();
  return `${row?.chunks ?? 0}/${row?.newest ?? ''}`;
}
