/**
 * PostgreSQL layout for 100,000 runs and 100,000,000 points (SQLite keeps its layout):
 *
 * - Param and tag values are indexed by `(key, md5(value))` instead of a hash of the value
 *   alone. A value may be longer than a B-tree entry allows, so the digest is indexed: run
 *   search counts and reads `params.lr = '0.01'` from this one index (`run-search-drivers.ts`),
 *   where the hash index returned the value under every key and each row had to be read to
 *   check its key. The old indexes go, so writes keep one index per table.
 * - Metric chunks bigger than about 2 KB (100 points) are compressed with lz4 instead of pglz
 *   when the server was built with it: pglz cost three times the CPU for the same size on packed
 *   float64 columns (20,000 chunks of 100 points: 650 ms against 200 ms, both 78 MB), paid inside
 *   every log-batch. Existing chunks keep their method; both stay readable.
 */
import { type Kysely, sql } from 'kysely';
import type { SqlDialectName } from '../sql-database.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
export async function up(db: Kysely<any>, dialect: SqlDialectName): Promise<void> {
  if (dialect !== 'postgres') return;
  for (const table of ['params', 'tags']) {
    await sql`create index ${sql.id(`${table}_key_value_md5_idx`)} on ${sql.table(table)} (key, md5(value))`.execute(
      db,
    );
    await sql`drop index ${sql.id(`${table}_key_value_idx`)}`.execute(db);
  }
  const { rows } = await sql<{ lz4: boolean }>`
    select exists (
      select 1 from pg_settings where name = 'default_toast_compression' and 'lz4' = any(enumvals)
    ) as lz4`.execute(db);
  if (rows[0]?.lz4 !== true) return;
  await sql`alter table metric_chunks alter column data set compression lz4`.execute(db);
  await sql`alter table metric_chunk_summaries alter column groups set compression lz4`.execute(db);
}
