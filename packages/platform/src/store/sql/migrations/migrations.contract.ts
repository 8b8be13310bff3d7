/**
 * Migration behaviour every dialect must show: servers starting together migrate once, a
 * database migrated by a newer Keel is refused, and `migrateToLatest` reports what it did. Run
 * by `migrations.test.ts` (SQLite) and `postgres-migrations.test.ts`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { openStores } from '../../../compose.js';
import { openSqlDatabase } from '../open-database.js';
import { LATEST_SCHEMA, MIGRATION_NAMES, migrateToLatest, pendingMigrations, SchemaTooNewError } from './index.js';

/** A fresh, empty database of the dialect under test. */
export interface EmptyDatabase {
  readonly uri: string;
  readonly dir: string;
  drop(): Promise<void>;
}

const KEEL = resolve(import.meta.dirname, '../../../../bin/keel.js');

/** Runs `keel db upgrade <uri>` in its own process; resolves with its output, rejects on failure. */
function upgradeInChildProcess(uri: string, cwd: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(process.execPath, [KEEL, 'db', 'upgrade', uri], { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`keel db upgrade failed: ${stderr}`, { cause: error }));
      else resolvePromise(stdout + stderr);
    });
  });
}

/** Every migration, in the order a new database receives them. */
const ALL_MIGRATIONS = [
  '0001_tracking',
  '0002_registry',
  '0003_search_indexes',
  '0004_traces',
  '0005_genai',
  '0006_gc_pending_artifacts',
  '0007_metric_chunk_summaries',
  '0008_postgres_chunk_compression',
];

export function describeMigrations(name: string, create: () => Promise<EmptyDatabase>): void {
  describe(`schema migrations: ${name}`, () => {
    it('migrates once when several processes upgrade a new database at the same time', async () => {
      const target = await create();
      try {
        const outputs = await Promise.all(
          Array.from({ length: 3 }, () => upgradeInChildProcess(target.uri, target.dir)),
        );
        const applied = outputs.filter((out) => out.includes(`Applied ${MIGRATION_NAMES.length} migration(s)`));
        const upToDate = outputs.filter((out) => /Database is up to date/.test(out));
        assert.equal(applied.length, 1, outputs.join('\n'));
        assert.equal(upToDate.length, 2, outputs.join('\n'));
        const database = await openSqlDatabase(target.uri, target.dir);
        try {
          const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
            database.db,
          );
          assert.deepEqual(
            rows.map((r) => r.name),
            MIGRATION_NAMES,
          );
          assert.deepEqual(await pendingMigrations(database), []);
          assert.deepEqual(await migrateToLatest(database), { applied: [], current: LATEST_SCHEMA });
        } finally {
          await database.close();
        }
      } finally {
        await target.drop();
      }
    });

    it('reports the migrations it applied', async () => {
      const target = await create();
      const database = await openSqlDatabase(target.uri, target.dir);
      try {
        const report = await migrateToLatest(database);
        assert.deepEqual(report.applied, MIGRATION_NAMES);
        assert.deepEqual(MIGRATION_NAMES, ALL_MIGRATIONS);
        assert.deepEqual([...MIGRATION_NAMES].sort(), MIGRATION_NAMES, 'names sort in the order they apply');
        assert.equal(report.current, LATEST_SCHEMA);
      } finally {
        await database.close();
        await target.drop();
      }
    });

    it('refuses a database migrated by a newer Keel, naming the unknown migration', async () => {
      const target = await create();
      const database = await openSqlDatabase(target.uri, target.dir);
      try {
        await migrateToLatest(database);
        await sql`insert into kysely_migration (name, timestamp) values ('9999_from_the_future', '2100-01-01T00:00:00.000Z')`.execute(
          database.db,
        );
        await assert.rejects(migrateToLatest(database), (error: unknown) => {
          assert.ok(error instanceof SchemaTooNewError, String(error));
          assert.match(error.message, /newer than this Keel understands.*9999_from_the_future/);
          assert.ok(error.message.includes(`knows up to ${LATEST_SCHEMA}`), error.message);
          return true;
        });
        await assert.rejects(
          openStores(target.uri, { defaultArtifactRoot: target.dir, cwd: target.dir }),
          SchemaTooNewError,
        );
      } finally {
        await database.close();
        await target.drop();
      }
    });
  });
}
