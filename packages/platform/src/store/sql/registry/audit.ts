/**
 * Keel's registry audit trail: every change is written in the same transaction as the change
 * itself (so the trail never misses or invents one), and read newest first.
 */
import { invalidParameter, type RegistryEvent, type RegistryEventKind } from '@keel/contract';
import { exceedsJsonDepth } from '../../bounded-json.js';
import type { Actor } from '../../registry-store.js';
import type { Page } from '../../tracking-store.js';
import { forEachPiece } from '../in-pieces.js';
import type { RegistryContext, RegistryDb } from './context.js';

const DEFAULT_HISTORY_RESULTS = 100;
/** Longest detail value kept (tag values may be 100,000 characters; the trail needs the gist). */
const DETAIL_LIMIT = 5000;
const MAX_HISTORY_RESULTS = 1000;

/** One change to record. */
export interface RegistryChange {
  readonly kind: RegistryEventKind;
  readonly name: string;
  readonly version?: number;
  readonly details?: Readonly<Record<string, string>>;
}

/** Appends events to the trail inside the caller's transaction. */
export async function recordEvents(
  db: RegistryDb,
  timestamp: number,
  actor: Actor,
  changes: readonly RegistryChange[],
): Promise<void> {
  if (changes.length === 0) return;
  await forEachPiece(changes, (piece) =>
    db
      .insertInto('registry_events')
      .values(
        piece.map((c) => ({
          timestamp,
          user_id: actor.user,
          kind: c.kind,
          name: c.name,
          version: c.version ?? null,
          details: c.details === undefined ? null : JSON.stringify(c.details, limitDetail),
        })),
      )
      .execute(),
  );
}

function limitDetail(_key: string, value: unknown): unknown {
  if (typeof value !== 'string' || value.length <= DETAIL_LIMIT) return value;
  return `${value.slice(0, DETAIL_LIMIT)}... (${value.length - DETAIL_LIMIT} more characters)`;
}

/** Appends one event to the trail inside the caller's transaction. */
export function recordEvent(db: RegistryDb, timestamp: number, actor: Actor, change: RegistryChange): Promise<void> {
  return recordEvents(db, timestamp, actor, [change]);
}

/**
 * Keeps a model's history together across a rename: earlier events move to the new name (the
 * rename event itself keeps the old one in its details).
 */
export async function renameEvents(db: RegistryDb, oldName: string, newName: string): Promise<void> {
  await db.updateTable('registry_events').set({ name: newName }).where('name', '=', oldName).execute();
}

// Keyset paging: new events arrive at the front, so an offset would repeat entries.
function encodeHistoryToken(beforeEventId: number): string {
  return Buffer.from(JSON.stringify({ before_event_id: beforeEventId })).toString('base64');
}

function decodeHistoryToken(token: string): number {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(token)) throw new Error('not base64');
    const text = Buffer.from(token, 'base64').toString('utf8');
    if (exceedsJsonDepth(text)) throw new Error('nested too deeply');
    parsed = JSON.parse(text);
  } catch {
    throw invalidParameter(`Invalid page token: ${token}`);
  }
  const id = (parsed as { before_event_id?: unknown } | null)?.before_event_id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
    throw invalidParameter(`Invalid page token: ${token}`);
  }
  return id;
}

/** Events newest first, for one model (`name`) or all. */
export async function getHistory(
  ctx: RegistryContext,
  input: { readonly name?: string; readonly max_results?: number; readonly page_token?: string },
): Promise<Page<RegistryEvent>> {
  const limit = input.max_results ?? DEFAULT_HISTORY_RESULTS;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_RESULTS) {
    throw invalidParameter(
      `Invalid value ${limit} for parameter 'max_results' supplied. It must be between 1 and ${MAX_HISTORY_RESULTS}.`,
    );
  }
  const before = input.page_token ? decodeHistoryToken(input.page_token) : undefined;
  const rows = await ctx.database.read((db) => {
    let query = db.selectFrom('registry_events').selectAll();
    if (input.name) query = query.where('name', '=', input.name);
    if (before !== undefined) query = query.where('event_id', '<', before);
    return query
      .orderBy('event_id', 'desc')
      .limit(limit + 1)
      .execute();
  });
  const page = rows.slice(0, limit);
  const items = page.map(
    (row): RegistryEvent => ({
      event_id: row.event_id,
      timestamp: row.timestamp,
      user: row.user_id,
      kind: row.kind as RegistryEventKind,
      name: row.name,
      ...(row.version === null ? {} : { version: String(row.version) }),
      ...(row.details === null ? {} : { details: JSON.parse(row.details) as Record<string, string> }),
    }),
  );
  const last = page.at(-1);
  return rows.length > limit && last !== undefined
    ? { items, next_page_token: encodeHistoryToken(last.event_id) }
    : { items };
}
