/**
 * Multi-row statements in pieces. Every value of a multi-row INSERT and of an `IN (...)` list is
 * a bound parameter, and databases cap the parameters of one statement (SQLite 32,766,
 * PostgreSQL 65,535), while a client may send tens of thousands of tags in one create call.
 * Rows go in pieces of at most `ROWS_PER_STATEMENT`, inside the caller's transaction, so a list
 * of any length is stored whole or not at all.
 */

/** Rows per statement: a thousand rows of up to a dozen columns stay far below every limit. */
export const ROWS_PER_STATEMENT = 1000;

/** Runs `fn` on consecutive pieces of `items` (none for an empty list), one after the other. */
export async function forEachPiece<T>(
  items: readonly T[],
  fn: (piece: T[]) => Promise<unknown>,
  size: number = ROWS_PER_STATEMENT,
): Promise<void> {
  for (let start = 0; start < items.length; start += size) await fn(items.slice(start, start + size));
}
