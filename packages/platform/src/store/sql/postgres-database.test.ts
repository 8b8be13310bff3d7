import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompiledQuery, sql } from 'kysely';
import { createPostgresTestDatabase, type TestDatabase } from '../../testing/test-databases.js';
import { openPostgresDatabase } from './postgres-database.js';
import type { SingleStatementWrites, SqlDatabase } from './sql-database.js';

describe('PostgreSQL single statements', () => {
  let database: TestDatabase;
  let db: SqlDatabase<unknown> & SingleStatementWrites;
  const next = (n: number) => CompiledQuery.raw('select $1::integer + 1 as n', [n]) as CompiledQuery<{ n: number }>;
  const preparedCount = async () =>
    Number(
      (await sql<{ count: number }>`select count(*) as count from pg_prepared_statements`.execute(db.db)).rows[0]
        ?.count,
    );

  before(async () => {
    database = await createPostgresTestDatabase();
    // One connection, so the statements below all run on it.
    db = await openPostgresDatabase(database.uri, { poolSize: 1 });
  });
  after(async () => {
    await db.close();
    await database.drop();
  });

  it('prepares a named statement once per connection and answers every call', async () => {
    assert.deepEqual(await db.statement('keel_test_next', next(1)), [{ n: 2 }]);
    assert.deepEqual(await db.statement('keel_test_next', next(41)), [{ n: 42 }]);
    assert.equal(await preparedCount(), 1);
  });

  it('refuses a second SQL text under one name', async () => {
    await assert.rejects(
      db.statement('keel_test_next', CompiledQuery.raw('select $1::integer as n', [1])),
      /two different SQL texts/,
    );
  });

  it('runs unnamed from then on when the server lost its statements (a pooler that switches connections)', async () => {
    // What a transaction-mode pooler does: the client believes the statement is prepared, the
    // server connection it now talks to has never seen it.
    await sql`deallocate all`.execute(db.db);
    assert.deepEqual(await db.statement('keel_test_next', next(2)), [{ n: 3 }]);
    assert.deepEqual(await db.statement('keel_test_next', next(3)), [{ n: 4 }]);
    assert.equal(await preparedCount(), 0);
  });
});
